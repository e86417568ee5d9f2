"""AccCatalogDataSource: the embedded Office@Hand catalog, filtered, compared with the article."""

import article


def _read(ws, args: str = ""):
    ws.write(f'''
        data "office_at_hand_catalog" "x" {{
          {args}
        }}
        output "catalog" {{
          value = data.office_at_hand_catalog.x
        }}
        ''')
    ws.init()
    ws.apply()
    return ws.output_json()["catalog"]


def test_video_only(ws):
    c = _read(ws, 'services = ["video"]')
    assert set(c["supernets"]) == article.SUPERNETS
    assert article.VIDEO_FQDNS <= set(c["fqdns"]), c["fqdns"]
    assert article.VIDEO_WILDCARDS <= set(c["wildcard_domains"]), c["wildcard_domains"]
    assert not (article.PHONE_ONLY_FQDNS & set(c["fqdns"])), "phone rows leaked into a video-only selection"
    assert c["services_selected"] == ["video"]
    assert c["version"]
    assert len(c["content_sha256"]) == 64
    assert c["flows"], "no flows"


def test_default_selects_every_service(ws):
    c = _read(ws)
    assert set(c["supernets"]) == article.SUPERNETS
    assert "video" in c["services_selected"]
    assert len(c["services_selected"]) > 5
    assert (article.VIDEO_FQDNS | article.PHONE_ONLY_FQDNS) <= set(c["fqdns"])
    # Non-firewall requirements are surfaced, not dropped (NAT timeout, DSCP, SIP ALG ...).
    assert c["advisories"], "advisories missing"


def test_filters_are_deterministic(ws):
    a = _read(ws, 'services = ["video", "desktop_app"]')
    ws.write('''
        data "office_at_hand_catalog" "x" {
          services = ["desktop_app", "video"]
        }
        output "catalog" {
          value = data.office_at_hand_catalog.x
        }
        ''')
    ws.apply()
    b = ws.output_json()["catalog"]
    assert a["fqdns"] == b["fqdns"]
    assert a["flows"] == b["flows"]
