"""AccAzureFakeSpec: the Azure fake refuses what the published Microsoft.Network 2024-05-01
specification refuses (tests/testdata/azure/spec/), with ARM's error shape, and behaves as
documented: NSG-wide etags on child rules, no If-None-Match, provisioning states,
operations ending Failed or Canceled on request, 429 with Retry-After, one write at a time
per NSG. A fake that accepts a known-bad request fails here."""

from __future__ import annotations

import json
import pathlib
import time

import pytest

import clouds

SPEC = pathlib.Path(__file__).resolve().parents[1] / "testdata" / "azure" / "spec" / \
    "network-2024-05-01-nsg.json"

GOOD = {"protocol": "Tcp", "access": "Allow", "direction": "Outbound", "priority": 1500,
        "sourcePortRange": "*", "destinationPortRange": "443",
        "sourceAddressPrefix": "*", "destinationAddressPrefix": "203.0.113.0/24",
        "description": "validator self-test"}


def _raw(azure: clouds.AzureEnv, method: str, path: str, body=None, api: str | None = "2024-05-01",
         headers: dict | None = None):
    url = azure.arm + path
    if api is not None:
        url += ("&" if "?" in path else "?") + "api-version=" + api
    h = {"Authorization": f"Bearer {azure.token()}"}
    h.update(headers or {})
    return clouds.http_json(method, url, body=body, headers=h)


def _assert_refused(resp, status: int, code: str, mentions: str = "") -> None:
    st, body, _ = resp
    assert st == status, (st, body)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    err = body["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"], err
    if mentions:
        assert mentions in err["message"], err


def test_spec_excerpt_records_its_source():
    doc = json.loads(SPEC.read_text())
    src = doc["x-source"]
    assert src["repository"] == "Azure/azure-rest-api-specs"
    assert src["version"] == doc["info"]["version"] == "2024-05-01"
    for path, commit in src["files"].items():
        assert "/stable/2024-05-01/" in path and len(commit) == 40
    props = doc["definitions"]["SecurityRulePropertiesFormat"]
    assert props["required"] == ["protocol", "access", "priority", "direction"]


@pytest.mark.parametrize("mutate,code,mentions", [
    (lambda p: p.update(destinationFqdn="example.com"), "InvalidRequestFormat", "destinationFqdn"),
    (lambda p: p.update(protocol="Sctp"), "InvalidRequestFormat", "Sctp"),
    (lambda p: p.update(access="Permit"), "InvalidRequestFormat", "Permit"),
    (lambda p: p.update(direction="Both"), "InvalidRequestFormat", "Both"),
    (lambda p: p.pop("priority"), "InvalidRequestFormat", "priority"),
    (lambda p: p.pop("protocol"), "InvalidRequestFormat", "protocol"),
    (lambda p: p.pop("direction"), "InvalidRequestFormat", "direction"),
    (lambda p: p.update(provisioningState="Succeeded"), "InvalidRequestFormat", "provisioningState"),
    (lambda p: p.update(priority="1500"), "InvalidRequestFormat", "priority"),
    (lambda p: p.update(priority=2 ** 31), "InvalidRequestFormat", "int32"),
    (lambda p: p.update(sourceAddressPrefixes="10.0.0.0/8"), "InvalidRequestFormat", "sourceAddressPrefixes"),
    (lambda p: p.update(priority=99), "SecurityRuleInvalidPriority", ""),
    (lambda p: p.update(destinationPortRange="70000"), "SecurityRuleInvalidPortRange", ""),
], ids=["unknown-property", "protocol-enum", "access-enum", "direction-enum", "missing-priority",
        "missing-protocol", "missing-direction", "read-only-provisioningState", "priority-type",
        "priority-int32", "prefixes-type", "priority-range", "port-range"])
def test_bad_rule_bodies_are_refused(azure, mutate, code, mentions):
    nsg = azure.create_nsg()
    props = dict(GOOD)
    mutate(props)
    _assert_refused(_raw(azure, "PUT", f"{nsg}/securityRules/bad", {"properties": props}), 400, code,
                    mentions)
    assert azure.rules(nsg) == [], "a refused write must leave nothing behind"


def test_read_only_and_unknown_top_level_members_are_refused(azure):
    nsg = azure.create_nsg()
    _assert_refused(_raw(azure, "PUT", f"{nsg}/securityRules/r1",
                         {"etag": 'W/"x"', "properties": dict(GOOD)}), 400, "InvalidRequestFormat", "etag")
    _assert_refused(_raw(azure, "PUT", f"{nsg}/securityRules/r1",
                         {"propertes": dict(GOOD)}), 400, "InvalidRequestFormat", "propertes")
    _assert_refused(_raw(azure, "PUT", f"{nsg}/securityRules/r1", None), 400, "InvalidRequestFormat")
    # An NSG body: read-only resourceGuid.
    _assert_refused(_raw(azure, "PUT", nsg, {"location": "eastus",
                                              "properties": {"resourceGuid": "x"}}),
                    400, "InvalidRequestFormat", "resourceGuid")


def test_api_version_and_path_template(azure):
    nsg = azure.create_nsg()
    _assert_refused(_raw(azure, "GET", nsg, api=None), 400, "MissingApiVersionParameter")
    _assert_refused(_raw(azure, "GET", nsg, api="2024-5-1"), 400, "InvalidApiVersionParameter")
    _assert_refused(_raw(azure, "GET", nsg, api="2023-09-01"), 400, "NoRegisteredProviderFound")
    _assert_refused(_raw(azure, "PUT", f"{nsg}/securityRules/r1", {"properties": dict(GOOD)},
                         api="2019-02-01"), 400, "NoRegisteredProviderFound")
    _assert_refused(_raw(azure, "GET", f"{nsg}/securityRule/r1"), 404, "InvalidResourceType")
    _assert_refused(_raw(azure, "GET", f"{nsg}/securityRules/r1/extra"), 404, "InvalidResourceType")
    _assert_refused(_raw(azure, "POST", f"{nsg}/securityRules/r1", {"properties": dict(GOOD)}),
                    405, "MethodNotAllowed")
    _assert_refused(_raw(azure, "GET", nsg + "?$filter=x"), 400, "InvalidQueryParameter")
    # The good body is accepted (the refusals above are about the request, not the fake).
    azure.put_rule(nsg, "r1", dict(GOOD))
    assert azure.get_rule(nsg, "r1")["properties"]["provisioningState"] == "Succeeded"


def test_child_rules_carry_the_nsg_etag(azure):
    nsg = azure.create_nsg()
    azure.put_rule(nsg, "a", dict(GOOD, priority=1500))
    azure.put_rule(nsg, "b", dict(GOOD, priority=1501))
    a, b = azure.get_rule(nsg, "a"), azure.get_rule(nsg, "b")
    st, group, _ = _raw(azure, "GET", nsg)
    assert a["etag"] == b["etag"] == group["etag"]
    old = a["etag"]
    azure.put_rule(nsg, "b", dict(GOOD, priority=1502))
    assert azure.get_rule(nsg, "a")["etag"] != old, "a write to b must make a's etag stale"
    _assert_refused(_raw(azure, "PUT", f"{nsg}/securityRules/a", {"properties": dict(GOOD, priority=1503)},
                         headers={"If-Match": old}), 412, "PreconditionFailed")
    fresh = azure.get_rule(nsg, "a")["etag"]
    st, _, hdrs = _raw(azure, "PUT", f"{nsg}/securityRules/a", {"properties": dict(GOOD, priority=1503)},
                       headers={"If-Match": fresh})
    assert st == 200
    azure._wait(hdrs)


def test_if_none_match_is_not_honoured(azure):
    """Not declared for security rules: a create over someone's rule overwrites it."""
    nsg = azure.create_nsg()
    azure.put_rule(nsg, "theirs", dict(GOOD, description="someone else's"))
    st, _, hdrs = _raw(azure, "PUT", f"{nsg}/securityRules/theirs",
                       {"properties": dict(GOOD, description="ours")}, headers={"If-None-Match": "*"})
    assert st == 200
    azure._wait(hdrs)
    assert azure.get_rule(nsg, "theirs")["properties"]["description"] == "ours"


def _op_status(azure, hdrs):
    url = hdrs.get("Azure-AsyncOperation")
    for _ in range(50):
        st, body, _ = clouds.http_json("GET", url, headers={"Authorization": f"Bearer {azure.token()}"})
        assert st == 200
        if body["status"] != "InProgress":
            return body
        time.sleep(0.05)
    raise AssertionError("operation never ended")


def test_provisioning_states_and_operations_ending_badly(azure, azure_fake):
    nsg = azure.create_nsg()
    # Updating while the operation runs, and one write at a time per NSG.
    st, body, hdrs = _raw(azure, "PUT", f"{nsg}/securityRules/r1", {"properties": dict(GOOD)})
    assert st == 201 and body["properties"]["provisioningState"] == "Updating"
    busy = _raw(azure, "PUT", f"{nsg}/securityRules/r2", {"properties": dict(GOOD, priority=1600)})
    _assert_refused(busy, 409, "AnotherOperationInProgress")
    assert int(busy[2]["Retry-After"]) >= 1
    assert _op_status(azure, hdrs) == {"status": "Succeeded"}
    assert azure.get_rule(nsg, "r1")["properties"]["provisioningState"] == "Succeeded"

    # Failed: the new content is recorded, provisioningState Failed.
    clouds.inject_fault(azure_fake["control"], **{"kind": "op_failed", "count": 1, "method": "PUT",
                                         "path_kind": "rule"})
    st, body, hdrs = _raw(azure, "PUT", f"{nsg}/securityRules/r1", {"properties": dict(GOOD, priority=1700)})
    assert st == 200
    end = _op_status(azure, hdrs)
    assert end["status"] == "Failed" and end["error"]["code"], end
    got = azure.get_rule(nsg, "r1")["properties"]
    assert got["provisioningState"] == "Failed" and got["priority"] == 1700

    # Canceled: superseded, the earlier content stays; a canceled create leaves nothing.
    clouds.inject_fault(azure_fake["control"], **{"kind": "op_canceled", "count": 2, "method": "PUT",
                                         "path_kind": "rule"})
    st, body, hdrs = _raw(azure, "PUT", f"{nsg}/securityRules/r1", {"properties": dict(GOOD, priority=1800)})
    assert _op_status(azure, hdrs)["status"] == "Canceled"
    assert azure.get_rule(nsg, "r1")["properties"]["priority"] == 1700
    st, body, hdrs = _raw(azure, "PUT", f"{nsg}/securityRules/new", {"properties": dict(GOOD, priority=1900)})
    assert st == 201 and _op_status(azure, hdrs)["status"] == "Canceled"
    assert [r["name"] for r in azure.rules(nsg)] == ["r1"]


def test_throttling_answers_429_with_retry_after(azure, azure_fake):
    nsg = azure.create_nsg()
    clouds.inject_fault(azure_fake["control"], **{"kind": "throttle", "count": 1, "method": "GET",
                                         "path_kind": "nsg"})
    st, body, hdrs = _raw(azure, "GET", nsg)
    assert st == 429 and body["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(hdrs["Retry-After"]) >= 0
    assert _raw(azure, "GET", nsg)[0] == 200
