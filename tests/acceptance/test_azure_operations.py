"""AccAzureOperations: office_at_hand_allowlist on an Azure NSG when ARM behaves as documented
(NSG-wide etags, no If-None-Match, operations ending Failed or Canceled, lost answers), with
sftp_server_addresses, and with a saved plan while someone adds rules: real tofu and
terraform against the ARM fake (tests/fakes/azure/server.py)."""

from __future__ import annotations

import ipaddress
import json

import clouds
from blocks import azure_provider_block
from tfharness import Workspace, hcl_list, hcl_string, resource_changes

ADDRESS = "office_at_hand_allowlist.a"
PREFIX = "oah"
PRIORITY_FROM, PRIORITY_TO = 1000, 1999
SFTP_SERVERS = ["10.20.30.40/32", "10.20.30.41/32"]


def config(info: dict, nsg_id: str, services: list[str], extra: str = "") -> str:
    return azure_provider_block(info) + f'''
resource "office_at_hand_allowlist" "a" {{
  services = {hcl_list(services)}
  {extra}
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


def prefixes(props: dict, side: str) -> set[str]:
    vals = set(props.get(f"{side}AddressPrefixes") or [])
    if props.get(f"{side}AddressPrefix"):
        vals.add(props[f"{side}AddressPrefix"])
    return vals


def covered(cidrs) -> set:
    """The addresses a set of CIDRs covers (the compiler merges adjacent ones)."""
    return {a for c in cidrs for a in ipaddress.ip_network(c)}


def ports(props: dict) -> set[str]:
    vals = set(props.get("destinationPortRanges") or [])
    if props.get("destinationPortRange"):
        vals.add(props["destinationPortRange"])
    return vals


def assert_state_is_cloud(ws: Workspace, azure: clouds.AzureEnv, nsg: str) -> None:
    """Every state rule exists with its priority and ports, in force; nothing else of ours."""
    values = ws.resource_values(ADDRESS)
    live = {r["name"]: r["properties"] for r in owned(azure, nsg)}
    assert set(live) == {r["name"] for r in values["rules"].values()}, (sorted(live), values["rules"])
    for r in values["rules"].values():
        p = live[r["name"]]
        assert p["provisioningState"] == "Succeeded", (r["name"], p)
        assert p["priority"] == r["priority"], (r["name"], p["priority"], r["priority"])
        assert {x.split("/", 1)[1] for x in r["ports"]} == ports(p), (r, p)


def edit_ports(azure: clouds.AzureEnv, nsg: str, name: str, extra_port: str) -> None:
    """Someone adds a port to one of our rules (drift the next apply repairs by an update)."""
    rule = azure.get_rule(nsg, name)
    props = {k: v for k, v in rule["properties"].items() if k != "provisioningState"}
    ps = sorted(ports(props) | {extra_port})
    props.pop("destinationPortRange", None)
    props["destinationPortRanges"] = ps
    azure.put_rule(nsg, name, props)


def fault(azure_fake: dict, kind: str, count: int, method: str = "PUT") -> None:
    clouds.inject_fault(azure_fake["control"], kind=kind, count=count, method=method,
                        path_kind="rule")


def test_sftp_server_addresses_are_the_destination(ws, azure, azure_fake):
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, ["archiver"],
                    extra=f"sftp_server_addresses = {hcl_list(SFTP_SERVERS)}"))
    ws.init()
    ws.apply()
    inbound = [r for r in owned(azure, nsg) if r["properties"]["direction"] == "Inbound"]
    assert inbound, [r["name"] for r in owned(azure, nsg)]
    sftp = [r for r in inbound if "22" in ports(r["properties"])]
    assert len(sftp) == 1, inbound
    props = sftp[0]["properties"]
    assert "*" not in prefixes(props, "destination"), props
    assert covered(prefixes(props, "destination")) == covered(SFTP_SERVERS), props
    assert prefixes(props, "source") and "*" not in prefixes(props, "source"), props
    assert ws.plan().returncode == 0, "the next plan must be empty"
    # Refresh keeps it: still exactly the SFTP servers after a refresh-only apply.
    ws.apply("-refresh-only")
    assert covered(prefixes(azure.get_rule(nsg, sftp[0]["name"])["properties"], "destination")) == \
        covered(SFTP_SERVERS)


def planned_rules(plan: dict) -> dict[str, dict]:
    changes = resource_changes(plan, ADDRESS)
    assert changes, json.dumps(plan)[:2000]
    return changes[0]["change"]["after"]["rules"]


def test_saved_plan_applies_when_foreign_rules_appear_in_between(ws, azure, azure_fake):
    # New rules' priorities are chosen at apply time, around what exists then: the create plan
    # shows them as unknown, and rules someone adds before the saved plan is applied, at any
    # priority, never make the plan inapplicable.
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, ["video", "phones"]))
    ws.init()
    code, plan = ws.plan_json()
    assert code == 2
    changes = resource_changes(plan, ADDRESS)
    unknown = changes[0]["change"]["after_unknown"]["rules"]
    assert unknown and all(u.get("priority") is True for u in unknown.values()), unknown
    azure.put_rule(nsg, "team-in", clouds.azure_foreign_rule(PRIORITY_FROM, "Inbound"))
    azure.put_rule(nsg, "team-out", clouds.azure_foreign_rule(PRIORITY_FROM, "Outbound"))
    azure.put_rule(nsg, "team-out2", clouds.azure_foreign_rule(PRIORITY_FROM + 1, "Outbound"))
    ws.apply_plan()
    assert_state_is_cloud(ws, azure, nsg)
    state = ws.resource_values(ADDRESS)["rules"]
    taken = {("egress", PRIORITY_FROM), ("egress", PRIORITY_FROM + 1), ("ingress", PRIORITY_FROM)}
    ours = [(v["direction"], v["priority"]) for v in state.values()]
    assert len(set(ours)) == len(ours), ours
    assert not set(ours) & taken, ours
    assert all(PRIORITY_FROM <= p <= PRIORITY_TO for _, p in ours), ours
    assert azure.get_rule(nsg, "team-in")["properties"]["priority"] == PRIORITY_FROM
    assert azure.get_rule(nsg, "team-out")["properties"]["priority"] == PRIORITY_FROM
    assert azure.get_rule(nsg, "team-out2")["properties"]["priority"] == PRIORITY_FROM + 1
    assert ws.plan().returncode == 0


def test_existing_rules_keep_their_priorities_when_foreign_rules_appear(ws, azure, azure_fake):
    # Rules that exist keep their priorities (no renumbering churn); a saved update plan made
    # before a foreign rule appeared still applies, and only the new rule is placed around it.
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, ["video"]))
    ws.init()
    ws.apply()
    before = {k: v["priority"] for k, v in ws.resource_values(ADDRESS)["rules"].items()}
    ws.write(config(azure_fake, nsg, ["video", "phones"]))
    code, _ = ws.plan_json()
    assert code == 2
    used = set(before.values())
    free = next(p for p in range(PRIORITY_FROM, PRIORITY_TO) if p not in used)
    azure.put_rule(nsg, "team-squat", clouds.azure_foreign_rule(free, "Outbound"))
    ws.apply_plan()
    assert_state_is_cloud(ws, azure, nsg)
    after = ws.resource_values(ADDRESS)["rules"]
    for k, p in before.items():
        assert after[k]["priority"] == p, (k, p, after[k]["priority"])
    assert all(v["priority"] != free or v["direction"] != "egress" for v in after.values())
    assert azure.get_rule(nsg, "team-squat")["properties"]["priority"] == free
    assert ws.plan().returncode == 0


def test_lost_answer_on_update_is_our_own_write(ws, azure, azure_fake):
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, ["video", "phones"]))
    ws.init()
    ws.apply()
    victim = sorted(r["name"] for r in owned(azure, nsg))[0]
    edit_ports(azure, nsg, victim, "8081")
    # The repairing PUT lands but its answer is lost; the repeat finds the NSG's etag
    # moved by our own write and must recognise its own content.
    fault(azure_fake, "drop", 1)
    r = ws.apply(check=False)
    assert r.returncode == 0, r.describe()
    assert "changed by someone else" not in " ".join(r.output.split())
    assert_state_is_cloud(ws, azure, nsg)
    assert "8081" not in ports(azure.get_rule(nsg, victim)["properties"])
    assert ws.plan().returncode == 0


def _failing_update_converges(ws, azure, azure_fake, kind: str, status: str) -> None:
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, ["video", "phones"]))
    ws.init()
    ws.apply()
    victim = sorted(r["name"] for r in owned(azure, nsg))[0]
    edit_ports(azure, nsg, victim, "8081")
    fault(azure_fake, kind, 3)  # every write of this apply's repair ends badly
    r = ws.apply(check=False)
    assert r.returncode != 0, r.describe()
    text = " ".join(r.output.split())  # diagnostics are wrapped
    assert f"ended {status}" in text, r.describe()
    assert "plan again" in text, r.describe()
    # State is what is in force: the repair is still to do, and the next plan says so.
    assert ws.plan().returncode == 2
    ws.apply()
    assert_state_is_cloud(ws, azure, nsg)
    assert "8081" not in ports(azure.get_rule(nsg, victim)["properties"])
    assert ws.plan().returncode == 0


def test_update_operations_ending_failed_stay_to_do_and_converge(ws, azure, azure_fake):
    _failing_update_converges(ws, azure, azure_fake, "op_failed", "Failed")


def test_update_operations_ending_canceled_stay_to_do_and_converge(ws, azure, azure_fake):
    _failing_update_converges(ws, azure, azure_fake, "op_canceled", "Canceled")


def test_create_operations_ending_canceled_leave_true_state_and_converge(ws, azure, azure_fake):
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, ["video", "phones"]))
    ws.init()
    fault(azure_fake, "op_canceled", 3)  # the first create is canceled three times
    r = ws.apply(check=False)
    assert r.returncode != 0, r.describe()
    assert "ended Canceled" in " ".join(r.output.split()), r.describe()
    # Whatever exists is in state (tainted or not), and the next plan shows what is left.
    assert ws.plan().returncode == 2
    ws.apply()
    assert_state_is_cloud(ws, azure, nsg)
    assert ws.plan().returncode == 0


def test_failed_rule_made_by_hand_shows_in_plan(ws, azure, azure_fake):
    """A rule whose last operation ended Failed is not recorded as in force."""
    nsg = azure.create_nsg()
    ws.write(config(azure_fake, nsg, ["video"]))
    ws.init()
    ws.apply()
    victim = sorted(r["name"] for r in owned(azure, nsg))[0]
    props = {k: v for k, v in azure.get_rule(nsg, victim)["properties"].items()
             if k != "provisioningState"}
    fault(azure_fake, "op_failed", 1)
    status, _, headers = clouds.http_json(
        "PUT", f"{azure.arm}{nsg}/securityRules/{victim}?api-version={clouds.AZURE_NETWORK_API}",
        body={"properties": props}, headers={"Authorization": f"Bearer {azure.token()}"})
    assert status == 200
    try:
        azure._wait(headers)
    except AssertionError:
        pass  # the operation ended Failed, as injected
    assert azure.get_rule(nsg, victim)["properties"]["provisioningState"] == "Failed"
    assert ws.plan().returncode == 2, "a Failed rule must show as still to do"
    ws.apply()
    assert_state_is_cloud(ws, azure, nsg)
    assert ws.plan().returncode == 0
