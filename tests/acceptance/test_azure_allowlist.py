"""AccAzureAllowlist: office_at_hand_allowlist on an Azure NSG, against the ARM fake
(tests/fakes/azure/server.py), through tofu and terraform."""

from __future__ import annotations

import re

import article
import clouds
from blocks import azure_provider_block
from tfharness import Workspace, drift_entries, hcl_list, hcl_string, resource_changes

ADDRESS = "office_at_hand_allowlist.a"
PREFIX = "oah"
PRIORITY_FROM, PRIORITY_TO = 1000, 1999


def config(info: dict, nsg_id: str, services: list[str] | None = None) -> str:
    services_line = f"services = {hcl_list(services)}" if services is not None else ""
    return azure_provider_block(info) + f'''
resource "office_at_hand_allowlist" "a" {{
  {services_line}
  azure_network_security_group {{
    id            = {hcl_string(nsg_id)}
    priority_from = {PRIORITY_FROM}
    priority_to   = {PRIORITY_TO}
    name_prefix   = "{PREFIX}"
  }}
}}
'''


def owned(azure: clouds.AzureEnv, nsg_id: str) -> list[dict]:
    return [r for r in azure.rules(nsg_id) if r["name"].startswith(PREFIX)]


def _prefixes(props: dict, side: str) -> set[str]:
    vals = set(props.get(f"{side}AddressPrefixes") or [])
    if props.get(f"{side}AddressPrefix"):
        vals.add(props[f"{side}AddressPrefix"])
    return vals


def _ports(props: dict) -> set[str]:
    vals = set(props.get("destinationPortRanges") or [])
    if props.get("destinationPortRange"):
        vals.add(props["destinationPortRange"])
    return vals


def assert_cloud_matches_state(ws: Workspace, azure: clouds.AzureEnv, nsg_id: str) -> dict:
    """One NSG rule per state rule, with the same direction, transports, ports and prefixes.
    A rule for TCP and UDP together is protocol "*" in the NSG."""
    values = ws.resource_values(ADDRESS)
    rules = owned(azure, nsg_id)
    assert len(rules) == len(values["rules"]), ([r["name"] for r in rules], list(values["rules"]))
    expected = set()
    for r in values["rules"].values():
        both = "+" in r["protocol"]
        for spec in r["ports"]:
            proto, rng = clouds.split_port(spec, r["protocol"])
            expected.add((r["direction"].lower(), "*" if both else proto, rng, frozenset(r["cidrs"])))
    actual = set()
    for r in rules:
        p = r["properties"]
        assert PRIORITY_FROM <= p["priority"] <= PRIORITY_TO, r
        assert p["access"] == "Allow", r
        assert p.get("description"), r
        direction = "egress" if p["direction"] == "Outbound" else "ingress"
        remote = frozenset(_prefixes(p, "destination" if direction == "egress" else "source"))
        for rng in _ports(p):
            actual.add((direction, p["protocol"].lower(), rng, remote))
    assert actual == expected, f"NSG and state differ:\n NSG: {actual}\n state: {expected}"
    return values


def test_create_and_no_change_plan(ws, azure, azure_fake):
    nsg = azure.create_nsg()
    azure.put_rule(nsg, "corp-proxy", clouds.azure_foreign_rule(3000))
    ws.write(config(azure_fake, nsg))
    ws.init()
    ws.apply()
    values = assert_cloud_matches_state(ws, azure, nsg)
    cidrs = set().union(*(set(r["cidrs"]) for r in values["rules"].values()))
    assert article.SUPERNETS <= cidrs
    # users.md: the whole catalog is a handful of NSG rules, not one per CIDR.
    assert len(values["rules"]) <= 4
    assert ws.plan().returncode == 0
    assert azure.get_rule(nsg, "corp-proxy")["properties"]["priority"] == 3000


def test_drift_is_detected_and_repaired(ws, azure, azure_fake):
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, services=["video", "desktop_app", "phones"]))
    ws.init()
    ws.apply()
    rules = owned(azure, nsg)
    assert rules
    victim = rules[0]
    azure.delete_rule(nsg, victim["name"])
    if len(rules) > 1:
        edited = rules[1]
        props = dict(edited["properties"])
        props.pop("provisioningState", None)
        ports = sorted(_ports(props) | {"8080"})
        props.pop("destinationPortRange", None)
        props["destinationPortRanges"] = ports
        azure.put_rule(nsg, edited["name"], props)
    assert ws.plan().returncode == 2
    _, plan = ws.plan_json(refresh_only=True)
    assert drift_entries(plan, ADDRESS), "refresh-only plan shows no drift"
    ws.apply()
    assert_cloud_matches_state(ws, azure, nsg)
    assert ws.plan().returncode == 0


def test_priority_collision_with_foreign_rule_is_avoided(ws, azure, azure_fake):
    nsg = azure.create_nsg()
    # A foreign rule squats on the first priorities of our range, in our direction.
    for i in range(3):
        azure.put_rule(nsg, f"corp-{i}", clouds.azure_foreign_rule(PRIORITY_FROM + i))
    ws.write(config(azure_fake, nsg))
    ws.init()
    ws.apply()
    assert_cloud_matches_state(ws, azure, nsg)
    foreign_prios = {PRIORITY_FROM + i for i in range(3)}
    for r in owned(azure, nsg):
        if r["properties"]["direction"] == "Outbound":
            assert r["properties"]["priority"] not in foreign_prios, r
    for i in range(3):
        assert azure.get_rule(nsg, f"corp-{i}")["properties"]["priority"] == PRIORITY_FROM + i


def test_priority_range_too_small_is_a_plan_time_error(ws, azure, azure_fake):
    # One usable priority, and a foreign rule already holds it: nothing fits, and that must be
    # said at plan time, before anything is written.
    nsg = azure.create_nsg()
    azure.put_rule(nsg, "corp-squat", clouds.azure_foreign_rule(PRIORITY_FROM))
    ws.write(config(azure_fake, nsg).replace(f"priority_to   = {PRIORITY_TO}",
                                             f"priority_to   = {PRIORITY_FROM}"))
    ws.init()
    r = ws.plan(detailed_exitcode=False)
    assert r.returncode == 1, r.describe()
    assert re.search(r"priorit", r.stderr, re.I), r.describe()
    assert not owned(azure, nsg)


def test_import(workspace_factory, azure, azure_fake):
    nsg = azure.create_nsg()
    first = workspace_factory("first")
    first.write(config(azure_fake, nsg))
    first.init()
    first.apply()
    second = workspace_factory("second")
    second.write(config(azure_fake, nsg))
    second.init()
    second.import_(ADDRESS, nsg)
    assert_cloud_matches_state(second, azure, nsg)
    assert second.plan().returncode == 0
    third = workspace_factory("third")
    third.write(config(azure_fake, nsg) + f'''
import {{
  to = {ADDRESS}
  id = {hcl_string(nsg)}
}}
''')
    third.init()
    _, plan = third.plan_json()
    changes = resource_changes(plan, ADDRESS)
    assert changes and changes[0]["change"].get("importing"), changes


def test_destroy_leaves_only_foreign_rules(ws, azure, azure_fake):
    nsg = azure.create_nsg()
    azure.put_rule(nsg, "corp-proxy", clouds.azure_foreign_rule(3000))
    ws.write(config(azure_fake, nsg))
    ws.init()
    ws.apply()
    ws.destroy()
    assert [r["name"] for r in azure.rules(nsg)] == ["corp-proxy"]
