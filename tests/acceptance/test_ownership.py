"""AccOwnership: several allowlists on one target never touch each other's rules, on AWS, Azure
and GCP, through tofu and terraform.

Every allowlist marks its rules with its own allowlist_id (AWS tag, Azure/GCP description marker
and rule name), so two allowlists with default settings (same owner, same name prefix) share a
security group, NSG or GCP project without colliding: in one configuration, across two states,
and with a saved plan applied after the other workspace applied. Also: an import with the
creator's selection plans nothing, and switching between service sets that resolve to the same
rows rewrites no rule.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import clouds
from blocks import aws_provider_block, azure_provider_block, gcp_provider_block
from tfharness import Workspace, error_diagnostics, hcl_list, hcl_string, resource_changes

MARKER = re.compile(r"\[oah:([a-z0-9-]+)(?::([a-z0-9]+))?\]")

# Two service sets per cloud for two allowlists on one target. On AWS they must not share a
# rule (EC2 refuses duplicates in one group: that case is a plan-time error, tested below);
# on Azure and GCP both allowlists ask for exactly the same rules, the hardest case for names.
SERVICES = {
    "aws": (["video"], ["desktop_softphone"]),
    "azure": (["video"], ["video"]),
    "gcp": (["video"], ["video"]),
}


class AwsTarget:
    name = "aws"

    def __init__(self, env: clouds.AwsEnv, info: dict):
        self.env, self.info = env, info

    def provider(self) -> str:
        return aws_provider_block(self.info)

    def new(self, n: int = 1) -> list[str]:
        _, groups = self.env.create_vpc_and_groups(n)
        for g in groups:
            self.env.remove_default_egress(g)
        return groups

    def block(self, target: list[str]) -> str:
        return f"aws_security_group {{\n    group_ids = {hcl_list(target)}\n  }}"

    def import_id(self, target: list[str]) -> str:
        return ",".join(target)

    def marked(self, target: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for g in target:
            for r in self.env.rules(g):
                tags = {t["Key"]: t["Value"] for t in r.get("Tags", [])}
                if "office-at-hand:allowlist" in tags:
                    out.setdefault(tags.get("office-at-hand:allowlist-id", ""), set()).add(
                        r["SecurityGroupRuleId"])
        return out

    @staticmethod
    def state_ids(values: dict) -> set[str]:
        return {r["remote_id"] for r in values["rules"].values()}


class AzureTarget:
    name = "azure"

    def __init__(self, env: clouds.AzureEnv, info: dict):
        self.env, self.info = env, info

    def provider(self) -> str:
        return azure_provider_block(self.info)

    def new(self, n: int = 1) -> list[str]:
        return [self.env.create_nsg() for _ in range(n)]

    def block(self, target: list[str]) -> str:
        return f"azure_network_security_group {{\n    id = {hcl_string(target[0])}\n  }}"

    def import_id(self, target: list[str]) -> str:
        return target[0]

    def marked(self, target: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for r in self.env.rules(target[0]):
            m = MARKER.search(r.get("properties", {}).get("description") or "")
            if m:
                out.setdefault(m.group(2) or "", set()).add(r["name"])
        return out

    @staticmethod
    def state_ids(values: dict) -> set[str]:
        return {r["name"] for r in values["rules"].values()}


class GcpTarget:
    name = "gcp"

    def __init__(self, env: clouds.GcpEnv, info: dict):
        self.env, self.info = env, info

    def provider(self) -> str:
        return gcp_provider_block(self.info)

    def new(self, n: int = 1) -> list[str]:
        return [self.env.create_network() for _ in range(n)]

    def block(self, target: list[str]) -> str:
        return (f"gcp_firewall {{\n    project = {hcl_string(self.info['project'])}\n"
                f"    network = {hcl_string(target[0])}\n  }}")

    def import_id(self, target: list[str]) -> str:
        return f"projects/{self.info['project']}/global/networks/{target[0]}"

    def marked(self, target: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for f in self.env.firewalls(target[0]):
            m = MARKER.search(f.get("description") or "")
            if m:
                out.setdefault(m.group(2) or "", set()).add(f["name"])
        return out

    @staticmethod
    def state_ids(values: dict) -> set[str]:
        return {r["name"] for r in values["rules"].values()}


@pytest.fixture(params=["aws", "azure", "gcp"])
def target(request):
    if request.param == "aws":
        info = request.getfixturevalue("aws_fake")
        return AwsTarget(clouds.AwsEnv(info), info)
    if request.param == "azure":
        info = request.getfixturevalue("azure_fake")
        return AzureTarget(clouds.AzureEnv(info), info)
    info = request.getfixturevalue("gcp_fake")
    return GcpTarget(clouds.GcpEnv(info), info)


def resource(name: str, t, where: list[str], services: list[str], owner: str = "") -> str:
    owner_line = f'owner = "{owner}"' if owner else ""
    return f'''
resource "office_at_hand_allowlist" "{name}" {{
  services = {hcl_list(services)}
  {owner_line}
  {t.block(where)}
}}
'''


def assert_states_match_cloud(t, where: list[str], *states: tuple[Workspace, str]) -> None:
    """Each allowlist's state lists exactly the rules carrying its id; no rule carries an id
    that no state knows (no orphans); nothing is lost."""
    marked = t.marked(where)
    ids = []
    for ws, address in states:
        values = ws.resource_values(address)
        aid = values["allowlist_id"]
        assert re.fullmatch(r"[a-z][a-z0-9]{7}", aid), values["allowlist_id"]
        ids.append(aid)
        in_state = t.state_ids(values)
        assert in_state, f"{address}: no rules in state"
        assert in_state == marked.get(aid, set()), (
            f"{address} ({aid}): only in state {sorted(in_state - marked.get(aid, set()))}, "
            f"only in the cloud {sorted(marked.get(aid, set()) - in_state)}")
    assert len(set(ids)) == len(ids), f"two allowlists share an id: {ids}"
    assert set(marked) == set(ids), f"rules marked by unknown allowlists: {set(marked) - set(ids)}"


@pytest.mark.parametrize("owners", [("", ""), ("a", "b")], ids=["default-owner", "distinct-owners"])
def test_two_allowlists_in_one_configuration_keep_their_own_rules(ws, target, owners):
    where = target.new()
    s1, s2 = SERVICES[target.name]
    ws.write(target.provider() + resource("one", target, where, s1, owners[0]) +
             resource("two", target, where, s2, owners[1]))
    ws.init()
    ws.apply()
    assert_states_match_cloud(target, where, (ws, "office_at_hand_allowlist.one"),
                              (ws, "office_at_hand_allowlist.two"))
    # Plans settle: nothing to do, and another apply changes nothing.
    assert ws.plan().returncode == 0, ws.history[-1].describe()
    ws.apply()
    assert_states_match_cloud(target, where, (ws, "office_at_hand_allowlist.one"),
                              (ws, "office_at_hand_allowlist.two"))
    assert ws.plan().returncode == 0, ws.history[-1].describe()


def test_saved_plan_applied_after_another_state_applied(workspace_factory, target):
    where = target.new()
    s1, s2 = SERVICES[target.name]
    ws1, ws2 = workspace_factory("first"), workspace_factory("second")
    ws1.write(target.provider() + resource("a", target, where, s1))
    ws2.write(target.provider() + resource("a", target, where, s2))
    ws1.init()
    ws2.init()
    assert ws1.plan(out="saved.tfplan").returncode == 2, ws1.history[-1].describe()
    ws2.apply()
    before = target.marked(where)
    assert len(before) == 1
    ws1.apply_plan("saved.tfplan")
    after = target.marked(where)
    # The other state's rules are all still there, untouched.
    (other_id,) = before
    assert after[other_id] == before[other_id]
    assert_states_match_cloud(target, where, (ws1, "office_at_hand_allowlist.a"),
                              (ws2, "office_at_hand_allowlist.a"))
    assert ws1.plan().returncode == 0, ws1.history[-1].describe()
    assert ws2.plan().returncode == 0, ws2.history[-1].describe()
    # Destroying one leaves the other's rules in place.
    ws1.destroy()
    assert set(target.marked(where)) == {other_id}
    assert ws2.plan().returncode == 0, ws2.history[-1].describe()


def test_gcp_allowlists_on_two_networks_of_one_project(ws, gcp_fake):
    t = GcpTarget(clouds.GcpEnv(gcp_fake), gcp_fake)
    n1, n2 = t.new(2)
    ws.write(t.provider() + resource("one", t, [n1], ["video"]) + resource("two", t, [n2], ["video"]))
    ws.init()
    ws.apply()
    assert_states_match_cloud(t, [n1], (ws, "office_at_hand_allowlist.one"))
    assert_states_match_cloud(t, [n2], (ws, "office_at_hand_allowlist.two"))
    assert ws.plan().returncode == 0, ws.history[-1].describe()


def test_aws_overlapping_rules_are_a_plan_time_error(workspace_factory, aws_fake):
    # room_connector's 9 rules are all among video's 18: two allowlists cannot both hold them.
    t = AwsTarget(clouds.AwsEnv(aws_fake), aws_fake)
    where = t.new()
    ws1, ws2 = workspace_factory("video"), workspace_factory("rooms")
    ws1.write(t.provider() + resource("a", t, where, ["video"]))
    ws1.init()
    ws1.apply()
    before = t.marked(where)
    ws2.write(t.provider() + resource("a", t, where, ["room_connector"]))
    ws2.init()
    r = ws2.plan()
    assert r.returncode == 1, r.describe()
    text = " ".join(r.stderr.split())
    assert "overlap with another allowlist" in text, r.describe()
    assert ws1.resource_values("office_at_hand_allowlist.a")["allowlist_id"] in text, r.describe()
    assert "one allowlist" in text and "own security group" in text, r.describe()
    assert t.marked(where) == before


def _import_block(address: str, import_id: str) -> str:
    return f'''
import {{
  to = {address}
  id = {hcl_string(import_id)}
}}
'''


@pytest.mark.parametrize("groups", [1, 2], ids=["one-group", "two-groups"])
def test_import_with_the_creators_selection_plans_nothing(workspace_factory, target, groups):
    if target.name != "aws" and groups == 2:
        groups = 1  # one NSG / one network: the second variant is AWS's spread over groups
    where = target.new(groups)
    services = ["video", "desktop_app"]
    creator, importer = workspace_factory("creator"), workspace_factory("importer")
    body = target.provider() + resource("a", target, where, services)
    creator.write(body)
    creator.init()
    creator.apply()
    importer.write(body + _import_block("office_at_hand_allowlist.a",
                                        target.import_id(where) + "?services=video,desktop_app"))
    importer.init()
    code, plan = importer.plan_json()
    changes = resource_changes(plan, "office_at_hand_allowlist.a")
    assert len(changes) == 1, changes
    assert changes[0]["change"]["actions"] == ["no-op"], (
        importer.history[-2].describe())
    assert changes[0]["change"].get("importing"), changes[0]
    importer.apply_plan()
    assert importer.plan().returncode == 0, importer.history[-1].describe()
    assert (importer.resource_values("office_at_hand_allowlist.a")["allowlist_id"] ==
            creator.resource_values("office_at_hand_allowlist.a")["allowlist_id"])


def test_equivalent_service_sets_rewrite_no_rule(ws, target):
    where = target.new()
    ws.write(target.provider() + resource("a", target, where, ["video", "desktop_softphone"]))
    ws.init()
    ws.apply()
    before = ws.resource_values("office_at_hand_allowlist.a")["rules"]
    ws.write(target.provider() + resource("a", target, where, ["webinar", "desktop_softphone"]))
    code, plan = ws.plan_json()
    (rc,) = resource_changes(plan, "office_at_hand_allowlist.a")
    # Only the configured list changes; every rule stays exactly as it is.
    assert rc["change"]["before"]["rules"] == rc["change"]["after"]["rules"]
    ids_before = target.marked(where)
    ws.apply()
    assert target.marked(where) == ids_before
    assert ws.resource_values("office_at_hand_allowlist.a")["rules"] == before
    assert ws.plan().returncode == 0, ws.history[-1].describe()


def test_azure_saved_plan_stays_valid_when_a_foreign_rule_appears(ws, azure_fake):
    t = AzureTarget(clouds.AzureEnv(azure_fake), azure_fake)
    where = t.new()
    ws.write(t.provider() + resource("a", t, where, ["video", "desktop_softphone"]))
    ws.init()
    assert ws.plan(out="saved.tfplan").returncode == 2, ws.history[-1].describe()
    # Someone takes priorities at the start of the range after the plan was saved. New rules'
    # priorities are chosen at apply time, around them.
    taken = set()
    for p in range(1000, 1030):
        t.env.put_rule(where[0], f"corp-{p}", clouds.azure_foreign_rule(p))
        taken.add(p)
    ws.apply_plan("saved.tfplan")
    values = ws.resource_values("office_at_hand_allowlist.a")
    prios = [(r["direction"], r["priority"]) for r in values["rules"].values()]
    assert len(prios) == len(set(prios)), prios
    assert not {p for d, p in prios if d == "egress"} & taken
    assert_states_match_cloud(t, where, (ws, "office_at_hand_allowlist.a"))
    assert ws.plan().returncode == 0, ws.history[-1].describe()
