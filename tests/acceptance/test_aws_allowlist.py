"""AccAwsAllowlist: office_at_hand_allowlist on an EC2 security group, against moto behind the
SigV4-checking proxy (tests/fakes/aws/server.py), through tofu and terraform."""

import re

import article
import clouds
from aws_common import ADDRESS, allowlist_config, assert_cloud_matches_state
from tfharness import drift_entries, hcl_string, resource_changes


def test_create_and_no_change_plan(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    foreign = aws.add_foreign_egress(sg)
    ws.write(allowlist_config(aws_fake, [sg]))
    ws.init()
    ws.apply()
    values = assert_cloud_matches_state(ws, aws, [sg], {foreign["SecurityGroupRuleId"]})
    assert values["rules"], "no rules created"
    cidrs = set()
    for rule in values["rules"].values():
        cidrs |= set(rule["cidrs"])
        assert rule["remote_id"], rule
        assert "video" in rule["services"], rule
        assert rule["catalog_rows"], rule
    assert cidrs == article.SUPERNETS
    assert values["catalog_version"] and values["strategy"]
    # Nothing changed: a second plan is empty (the nightly drift job's "all clear").
    r = ws.plan()
    assert r.returncode == 0, r.describe()


def test_drift_is_detected_and_repaired(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    ws.write(allowlist_config(aws_fake, [sg]))
    ws.init()
    ws.apply()
    owned = aws.owned_rules(sg, set())
    assert len(owned) >= 2
    revoked, edited = owned[0], owned[1]
    aws.revoke(sg, revoked)
    aws.redescribe(sg, edited, "changed by hand")

    r = ws.plan()
    assert r.returncode == 2, r.describe()
    code, plan = ws.plan_json(refresh_only=True)
    assert drift_entries(plan, ADDRESS), "refresh-only plan shows no drift for the allowlist"

    ws.apply()
    assert_cloud_matches_state(ws, aws, [sg], set())
    back = [r for r in aws.owned_rules(sg, set())
            if clouds.aws_rule_tuple(r) == clouds.aws_rule_tuple(edited)]
    assert back and back[0]["Description"] == edited["Description"]
    assert any(clouds.aws_rule_tuple(r) == clouds.aws_rule_tuple(revoked)
               for r in aws.owned_rules(sg, set()))
    assert ws.plan().returncode == 0


def test_foreign_rule_survives_update_and_destroy(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    foreign = aws.add_foreign_egress(sg)
    fid = {foreign["SecurityGroupRuleId"]}
    ws.write(allowlist_config(aws_fake, [sg]))
    ws.init()
    ws.apply()
    # Update in place: more services.
    ws.write(allowlist_config(aws_fake, [sg], services=["video", "desktop_app"]))
    ws.apply()
    assert_cloud_matches_state(ws, aws, [sg], fid)
    ws.destroy()
    left = aws.rules(sg)
    assert {r["SecurityGroupRuleId"] for r in left if not aws.is_default_egress(r)} == fid
    kept = [r for r in left if r["SecurityGroupRuleId"] in fid][0]
    assert kept["Description"] == foreign["Description"]


def _import_setup(cli_ws, aws, aws_fake):
    """Creates the full catalog on two groups (72 entries exceed one group's 60)."""
    _, groups = aws.create_vpc_and_groups(2)
    cli_ws.write(allowlist_config(aws_fake, groups, services=None))
    cli_ws.init()
    cli_ws.apply()
    return groups, cli_ws.resource_values(ADDRESS)


def test_import_with_cli(workspace_factory, aws, aws_fake):
    first = workspace_factory("first")
    groups, before = _import_setup(first, aws, aws_fake)
    second = workspace_factory("second")
    second.write(allowlist_config(aws_fake, groups, services=None))
    second.init()
    second.import_(ADDRESS, ",".join(groups))
    after = second.resource_values(ADDRESS)
    assert clouds.state_rule_tuples(after["rules"]) == clouds.state_rule_tuples(before["rules"])
    r = second.plan()
    assert r.returncode == 0, r.describe()


def test_import_with_import_block(workspace_factory, aws, aws_fake):
    first = workspace_factory("first")
    groups, before = _import_setup(first, aws, aws_fake)
    second = workspace_factory("second")
    second.write(allowlist_config(aws_fake, groups, services=None) + f'''
import {{
  to = {ADDRESS}
  id = {hcl_string(",".join(groups))}
}}
''')
    second.init()
    code, plan = second.plan_json()
    changes = resource_changes(plan, ADDRESS)
    assert changes and changes[0]["change"].get("importing"), changes
    assert changes[0]["change"]["actions"] == ["no-op"], changes
    second.apply_plan()
    after = second.resource_values(ADDRESS)
    assert clouds.state_rule_tuples(after["rules"]) == clouds.state_rule_tuples(before["rules"])
    assert second.plan().returncode == 0


def test_prefix_list_mode(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    name = f"office-acc-{sg}"
    ws.write(allowlist_config(aws_fake, [sg], target_extra=f'''
    use_prefix_list  = true
    prefix_list_name = {hcl_string(name)}'''))
    ws.init()
    ws.apply()
    values = ws.resource_values(ADDRESS)
    pls = aws.prefix_lists(name)
    assert len(pls) == 1, pls
    pl_id = pls[0]["PrefixListId"]
    assert values["prefix_list_id"] == pl_id
    assert set(aws.prefix_list_entries(pl_id)) == article.SUPERNETS
    owned = aws.owned_rules(sg, set())
    assert owned and all(r.get("PrefixListId") == pl_id and not r.get("CidrIpv4") for r in owned), owned
    assert ws.plan().returncode == 0
    ws.destroy()
    assert not aws.owned_rules(sg, set())
    assert not aws.prefix_lists(name), "prefix list left behind after destroy"


def test_missing_security_group_is_a_clear_error(ws, aws_fake):
    missing = "sg-0123456789abcdef0"
    ws.write(allowlist_config(aws_fake, [missing]))
    ws.init()
    r = ws.apply(check=False)
    assert r.returncode == 1, r.describe()
    assert missing in r.stderr, r.describe()
    assert re.search(r"not\s*found|does not exist|InvalidGroup", r.stderr, re.I), r.describe()
    assert "panic" not in r.output.lower() and "crash" not in r.output.lower()


def test_group_deleted_out_of_band_is_planned_for_recreation(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    ws.write(allowlist_config(aws_fake, [sg]))
    ws.init()
    ws.apply()
    aws.ec2.delete_security_group(GroupId=sg)
    code, plan = ws.plan_json()
    assert code == 2
    changes = resource_changes(plan, ADDRESS)
    assert changes and "create" in changes[0]["change"]["actions"], changes


def test_destroy_leaves_only_foreign_rules(ws, aws, aws_fake):
    _, groups = aws.create_vpc_and_groups(2)
    fids = {aws.add_foreign_egress(g)["SecurityGroupRuleId"] for g in groups}
    ws.write(allowlist_config(aws_fake, groups, services=None))
    ws.init()
    ws.apply()
    assert_cloud_matches_state(ws, aws, groups, fids)
    ws.destroy()
    for g in groups:
        left = {r["SecurityGroupRuleId"] for r in aws.rules(g) if not aws.is_default_egress(r)}
        assert left <= fids and len(left) == 1, (g, left)
    assert ws.state_list() == []
