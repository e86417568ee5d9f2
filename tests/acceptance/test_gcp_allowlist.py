"""AccGcpAllowlist: office_at_hand_allowlist on a GCP VPC network's firewall rules, against the
Compute fake (tests/fakes/gcp/server.py), through tofu and terraform."""

from __future__ import annotations

import article
import clouds
from blocks import gcp_provider_block
from tfharness import Workspace, drift_entries, hcl_list, hcl_string, resource_changes

ADDRESS = "office_at_hand_allowlist.a"


def prefix_for(network: str) -> str:
    # Firewall names are unique per project, not per network: tests sharing the fake's project
    # need their own prefix, as two allowlists in one real project would.
    return "oah" + network[-6:]


def config(info: dict, network: str, services: list[str] | None = None) -> str:
    services_line = f"services = {hcl_list(services)}" if services is not None else ""
    return gcp_provider_block(info) + f'''
resource "office_at_hand_allowlist" "a" {{
  {services_line}
  gcp_firewall {{
    project     = {hcl_string(info["project"])}
    network     = {hcl_string(network)}
    name_prefix = "{prefix_for(network)}"
    priority    = 1000
  }}
}}
'''


def owned(gcp: clouds.GcpEnv, network: str) -> list[dict]:
    return [f for f in gcp.firewalls(network) if f["name"].startswith(prefix_for(network))]


def _entry(fw: dict) -> set[tuple]:
    direction = fw["direction"].lower()
    ranges = frozenset(fw.get("destinationRanges" if direction == "egress" else "sourceRanges") or [])
    out = set()
    for allowed in fw.get("allowed", []):
        for p in allowed.get("ports") or []:
            out.add((direction, allowed["IPProtocol"].lower(), p, ranges))
    return out


def assert_cloud_matches_state(ws: Workspace, gcp: clouds.GcpEnv, network: str) -> dict:
    values = ws.resource_values(ADDRESS)
    fws = owned(gcp, network)
    assert len(fws) == len(values["rules"]), ([f["name"] for f in fws], list(values["rules"]))
    actual = set()
    for fw in fws:
        assert fw.get("description"), fw
        assert fw.get("priority") == 1000, fw
        actual |= _entry(fw)
    expected = set()
    for r in values["rules"].values():
        for spec in r["ports"]:
            proto, rng = clouds.split_port(spec, r["protocol"])
            expected.add((r["direction"].lower(), proto, rng, frozenset(r["cidrs"])))
    assert actual == expected, f"firewalls and state differ:\n GCP: {actual}\n state: {expected}"
    return values


def test_create_and_no_change_plan(ws, gcp, gcp_fake):
    net = gcp.create_network()
    gcp.insert_firewall(clouds.gcp_foreign_firewall(gcp, net, f"corp-{net[-6:]}"))
    ws.write(config(gcp_fake, net))
    ws.init()
    ws.apply()
    values = assert_cloud_matches_state(ws, gcp, net)
    cidrs = set().union(*(set(r["cidrs"]) for r in values["rules"].values()))
    assert article.SUPERNETS <= cidrs
    assert len(values["rules"]) <= 4  # users.md: the whole policy is ~1 GCP firewall
    assert ws.plan().returncode == 0
    assert any(f["name"] == f"corp-{net[-6:]}" for f in gcp.firewalls(net))


def test_drift_is_detected_and_repaired(ws, gcp, gcp_fake):
    net = gcp.create_network()
    ws.write(config(gcp_fake, net))
    ws.init()
    ws.apply()
    fws = owned(gcp, net)
    assert fws
    fw = fws[0]
    allowed = [dict(a) for a in fw["allowed"]] + [{"IPProtocol": "tcp", "ports": ["8080"]}]
    gcp.patch_firewall(fw["name"], {"allowed": allowed})
    if len(fws) > 1:
        gcp.delete_firewall(fws[1]["name"])
    assert ws.plan().returncode == 2
    _, plan = ws.plan_json(refresh_only=True)
    assert drift_entries(plan, ADDRESS), "refresh-only plan shows no drift"
    ws.apply()
    assert_cloud_matches_state(ws, gcp, net)
    assert ws.plan().returncode == 0


def test_import(workspace_factory, gcp, gcp_fake):
    net = gcp.create_network()
    first = workspace_factory("first")
    first.write(config(gcp_fake, net))
    first.init()
    first.apply()
    # The name prefix is not part of the network id: the import id carries it.
    import_id = f"projects/{gcp_fake['project']}/global/networks/{net}?name_prefix={prefix_for(net)}"
    second = workspace_factory("second")
    second.write(config(gcp_fake, net))
    second.init()
    second.import_(ADDRESS, import_id)
    assert_cloud_matches_state(second, gcp, net)
    assert second.plan().returncode == 0
    third = workspace_factory("third")
    third.write(config(gcp_fake, net) + f'''
import {{
  to = {ADDRESS}
  id = {hcl_string(import_id)}
}}
''')
    third.init()
    _, plan = third.plan_json()
    changes = resource_changes(plan, ADDRESS)
    assert changes and changes[0]["change"].get("importing"), changes


def test_destroy_leaves_only_foreign_rules(ws, gcp, gcp_fake):
    net = gcp.create_network()
    gcp.insert_firewall(clouds.gcp_foreign_firewall(gcp, net, f"corp-{net[-6:]}"))
    ws.write(config(gcp_fake, net))
    ws.init()
    ws.apply()
    ws.destroy()
    assert [f["name"] for f in gcp.firewalls(net)] == [f"corp-{net[-6:]}"]


def test_lost_insert_answer_and_failing_reread_are_settled_by_the_next_refresh(ws, gcp, gcp_fake):
    network = gcp.create_network()
    ws.write(config(gcp_fake, network, ["video"]).replace(gcp_provider_block(gcp_fake),
                                                          gcp_provider_block(gcp_fake, 2)))
    ws.init()
    control = gcp_fake["control"]
    # The first insert lands but its answer is lost, on every retry too (the retries carry the
    # same requestId, so they do not insert twice); reading any single firewall then fails.
    clouds.inject_fault(control, kind="drop", after=True, method="POST", path="/global/firewalls", count=3)
    clouds.inject_fault(control, kind="5xx", method="GET", path="/global/firewalls/", count=60)
    try:
        r = ws.apply(check=False)
    finally:
        status, body, _ = clouds.http_json("DELETE", control)
        assert status < 300, body
    assert r.returncode == 1, r.describe()
    values = ws.resource_values(ADDRESS)
    maybe = {v["name"] for v in values["rules"].values() if v["remote_id"] == "unconfirmed"}
    assert maybe, r.describe()
    # Nothing forgotten: every firewall that exists is in state (some only as unconfirmed).
    assert {f["name"] for f in owned(gcp, network)} <= {v["name"] for v in values["rules"].values()}
    ws.apply("-refresh-only")
    assert all(v["remote_id"] != "unconfirmed" for v in ws.resource_values(ADDRESS)["rules"].values())
    assert {f["name"] for f in owned(gcp, network)} == {
        v["name"] for v in ws.resource_values(ADDRESS)["rules"].values()}
    ws.apply()
    assert_cloud_matches_state(ws, gcp, network)
    assert ws.plan().returncode == 0
