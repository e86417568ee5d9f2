"""AccValidate: wrong configuration is reported with a diagnostic that names the culprit."""

from tfharness import error_diagnostics


def test_unknown_attribute_is_named(ws):
    ws.write('''
        data "office_at_hand_catalog" "x" {
          servics = ["video"]
        }
        ''')
    ws.init()
    doc = ws.validate()
    assert doc["valid"] is False
    errors = error_diagnostics(doc)
    assert errors, doc
    assert any("servics" in (d.get("detail", "") + d.get("summary", "")) for d in errors), errors
    # The diagnostic points at the line of the bad argument.
    assert any(d.get("range", {}).get("start", {}).get("line") for d in errors), errors


def test_unknown_service_name_is_named(ws):
    ws.write('''
        data "office_at_hand_catalog" "x" {
          services = ["video", "no_such_service"]
        }
        ''')
    ws.init()
    doc = ws.validate()
    if doc["valid"]:
        # Validation may only be possible once values are known: then plan must fail.
        r = ws.plan(detailed_exitcode=False)
        assert r.returncode == 1, r.describe()
        assert "no_such_service" in r.output, r.describe()
    else:
        errors = error_diagnostics(doc)
        assert any("no_such_service" in (d.get("detail", "") + d.get("summary", ""))
                   for d in errors), errors


def test_two_targets_in_one_allowlist_are_rejected(ws):
    ws.write('''
        resource "office_at_hand_allowlist" "x" {
          aws_security_group {
            group_ids = ["sg-0123456789abcdef0"]
          }
          gcp_firewall {
            project = "p"
            network = "default"
          }
        }
        ''')
    ws.init()
    doc = ws.validate()
    assert doc["valid"] is False, doc
    text = " ".join(d.get("summary", "") + " " + d.get("detail", "") for d in error_diagnostics(doc))
    assert "aws_security_group" in text or "gcp_firewall" in text, text
