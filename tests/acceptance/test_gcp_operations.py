"""AccGcpOperations: updates, drift repair and operations that end with an error, through tofu
and terraform, against the Compute fake that validates every request against the Compute v1
discovery document (tests/fakes/gcp/compute_spec.py). Each test checks that the write path it
is about really ran (the fake's per-method call counts), so a plan that happens to avoid it
cannot pass."""

from __future__ import annotations

import pytest

import clouds
from blocks import gcp_provider_block
from tfharness import Workspace, hcl_list, hcl_string, plain

ADDRESS = "office_at_hand_allowlist.a"


def prefix_for(network: str) -> str:
    # Firewall names are unique per project: each test's allowlist gets its own prefix.
    return "ops" + network[-6:]


def config(info: dict, network: str, services: list[str]) -> str:
    return gcp_provider_block(info) + f'''
resource "office_at_hand_allowlist" "a" {{
  services = {hcl_list(services)}
  gcp_firewall {{
    project     = {hcl_string(info["project"])}
    network     = {hcl_string(network)}
    name_prefix = "{prefix_for(network)}"
  }}
}}
'''


def owned(gcp: clouds.GcpEnv, network: str) -> list[dict]:
    return [f for f in gcp.firewalls(network) if f["name"].startswith(prefix_for(network) + "-")]


def cloud_entries(fws: list[dict]) -> set[tuple]:
    out = set()
    for fw in fws:
        direction = fw["direction"].lower()
        ranges = frozenset(fw.get("destinationRanges" if direction == "egress" else "sourceRanges") or [])
        for allowed in fw.get("allowed", []):
            for p in allowed.get("ports") or []:
                out.add((direction, allowed["IPProtocol"].lower(), p, ranges))
    return out


def state_entries(values: dict) -> set[tuple]:
    out = set()
    for r in values["rules"].values():
        for spec in r["ports"]:
            proto, rng = clouds.split_port(spec, r["protocol"])
            out.add((r["direction"].lower(), proto, rng, frozenset(r["cidrs"])))
    return out


def assert_state_is_cloud(ws: Workspace, gcp: clouds.GcpEnv, network: str) -> dict:
    """The state lists exactly the firewalls that exist, with their content, and nothing a
    hand edit could add (tags, logging, disabled) is left on them."""
    values = ws.resource_values(ADDRESS)
    fws = owned(gcp, network)
    assert len(fws) == len(values["rules"]), ([f["name"] for f in fws], list(values["rules"]))
    assert cloud_entries(fws) == state_entries(values), (cloud_entries(fws), state_entries(values))
    return values


def calls(info: dict, kind: str) -> int:
    return int(clouds.fault_stats(info["control"]).get(kind, 0))


def test_services_change_updates_firewalls_in_place(ws, gcp, gcp_fake):
    net = gcp.create_network()
    ws.write(config(gcp_fake, net, ["video"]))
    ws.init()
    ws.apply()
    before = {f["name"]: f for f in owned(gcp, net)}
    assert_state_is_cloud(ws, gcp, net)
    patches = calls(gcp_fake, "PATCH firewalls.patch")
    ws.write(config(gcp_fake, net, ["video", "desktop_app"]))
    assert ws.plan().returncode == 2
    ws.apply()
    values = assert_state_is_cloud(ws, gcp, net)
    after = {f["name"]: f for f in owned(gcp, net)}
    changed = [n for n in before if n in after and after[n]["allowed"] != before[n]["allowed"]]
    assert changed, "no firewall was updated in place"
    assert after[changed[0]]["id"] == before[changed[0]]["id"]  # same resource, patched
    assert calls(gcp_fake, "PATCH firewalls.patch") > patches
    assert any("desktop_app" in r["services"] for r in values["rules"].values())
    assert ws.plan().returncode == 0


def test_hand_edited_firewall_is_repaired(ws, gcp, gcp_fake):
    net = gcp.create_network()
    ws.write(config(gcp_fake, net, ["video"]))
    ws.init()
    ws.apply()
    fw = owned(gcp, net)[0]
    allowed = [dict(a) for a in fw["allowed"]] + [{"IPProtocol": "tcp", "ports": ["8080"]}]
    gcp.patch_firewall(fw["name"], {"allowed": allowed, "targetTags": ["by-hand"],
                                    "logConfig": {"enable": True}})
    patches = calls(gcp_fake, "PATCH firewalls.patch")
    assert ws.plan().returncode == 2
    ws.apply()
    assert calls(gcp_fake, "PATCH firewalls.patch") > patches
    assert_state_is_cloud(ws, gcp, net)
    repaired = [f for f in owned(gcp, net) if f["name"] == fw["name"]][0]
    assert repaired["allowed"] == fw["allowed"], repaired
    assert not repaired.get("targetTags"), repaired
    assert repaired["logConfig"]["enable"] is False, repaired
    assert ws.plan().returncode == 0


@pytest.mark.parametrize("applied", [False, True], ids=["not-applied", "applied"])
def test_update_operation_ending_in_error(ws, gcp, gcp_fake, applied):
    net = gcp.create_network()
    ws.write(config(gcp_fake, net, ["video"]))
    ws.init()
    ws.apply()
    before = {f["name"]: f["allowed"] for f in owned(gcp, net)}
    ws.write(config(gcp_fake, net, ["video", "desktop_app"]))
    # Every patch operation on this allowlist's firewalls ends DONE with an error; with
    # "applied" the change is made all the same, so only a re-read can tell what is true.
    clouds.inject_fault(gcp_fake["control"], kind="opfail", count=len(before), operation="patch",
                        target=f"/firewalls/{prefix_for(net)}-", code="RESOURCE_NOT_READY",
                        applied=applied)
    r = ws.apply(check=False)
    assert r.returncode != 0
    text = " ".join(plain(r.output).split())
    assert "ended with an error" in text and "RESOURCE_NOT_READY" in text, r.output
    assert "state records exactly" in text, r.output
    # State true: it records the firewalls as they are, whatever the failed operations did.
    assert_state_is_cloud(ws, gcp, net)
    now = {f["name"]: f["allowed"] for f in owned(gcp, net)}
    if applied:
        assert now != before
        assert ws.plan().returncode == 0  # what the configuration asks is in force
    else:
        assert now == before
        assert ws.plan().returncode == 2
        ws.apply()
        assert_state_is_cloud(ws, gcp, net)
        assert ws.plan().returncode == 0


def test_create_operation_ending_in_error(ws, gcp, gcp_fake):
    net = gcp.create_network()
    ws.write(config(gcp_fake, net, ["video", "desktop_app", "phones"]))
    ws.init()
    clouds.inject_fault(gcp_fake["control"], kind="opfail", count=1, operation="insert",
                        target=f"/firewalls/{prefix_for(net)}-", code="QUOTA_EXCEEDED")
    r = ws.apply(check=False)
    assert r.returncode != 0
    text = " ".join(plain(r.output).split())
    assert "ended with an error" in text and "QUOTA_EXCEEDED" in text, r.output
    assert_state_is_cloud(ws, gcp, net)
    assert ws.plan().returncode == 2
    ws.apply()
    values = assert_state_is_cloud(ws, gcp, net)
    assert values["rules"]
    assert ws.plan().returncode == 0
