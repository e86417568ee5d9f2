"""AccAwsFaults: throttling and lost responses injected by the emulator's proxy
(POST <control> {"kind": ..., "count": N, "action": ...}; GET .../_stats)."""

import re

import clouds
from aws_common import ADDRESS, allowlist_config, assert_cloud_matches_state


def test_throttle_storm_is_ridden_out(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    ws.write(allowlist_config(aws_fake, [sg], max_retries=8))
    ws.init()
    clouds.inject_fault(aws.control, kind="throttle", count=4)
    try:
        ws.apply()
    finally:
        stats = clouds.fault_stats(aws.control)
        aws.drain_faults()
    assert not stats.get("pending_faults"), f"the provider never hit the injected throttles: {stats}"
    assert_cloud_matches_state(ws, aws, [sg], set())
    assert ws.plan().returncode == 0


def test_too_many_throttles_fail_clearly_and_rerun_finishes(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    ws.write(allowlist_config(aws_fake, [sg], max_retries=1))
    ws.init()
    # More throttles than any sane retry budget: every Authorize is refused for a while.
    clouds.inject_fault(aws.control, kind="throttle", count=40, action="AuthorizeSecurityGroupEgress")
    try:
        r = ws.apply(check=False)
    finally:
        aws.drain_faults()
    assert r.returncode == 1, r.describe()
    assert re.search(r"RequestLimitExceeded|throttl|rate exceeded", r.stderr, re.I), r.describe()
    assert sg in r.stderr, r.describe()
    # State records exactly what exists (possibly nothing); re-running completes the job.
    ws.apply()
    assert_cloud_matches_state(ws, aws, [sg], set())
    assert ws.plan().returncode == 0


def test_lost_response_after_authorize_loses_nothing(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    ws.write(allowlist_config(aws_fake, [sg], max_retries=3))
    ws.init()
    clouds.inject_fault(aws.control, kind="drop_after", count=1,
                        action="AuthorizeSecurityGroupEgress")
    try:
        first = ws.apply(check=False)
    finally:
        pending = clouds.fault_stats(aws.control).get("pending_faults")
        aws.drain_faults()
    assert not pending, "the provider never sent an Authorize"
    if first.returncode != 0:
        assert "panic" not in first.output.lower(), first.describe()
        ws.apply()
    assert_cloud_matches_state(ws, aws, [sg], set())
    assert ws.plan().returncode == 0


def _clear_faults(aws) -> None:
    status, body, _ = clouds.http_json("POST", clouds._control_url(aws.control, "_clear_faults"))
    assert status < 300, body


def _owned_tuples(aws, sg: str) -> set[tuple]:
    return {clouds.aws_rule_tuple(r) for r in aws.owned_rules(sg, set())}


def test_lost_answer_and_failing_reread_are_settled_by_the_next_refresh(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    ws.write(allowlist_config(aws_fake, [sg], max_retries=1))
    ws.init()
    assert ws.plan(out="saved.tfplan").returncode == 2
    # Applying the saved plan reads the group twice (final plan, apply), then authorizes: that
    # answer is lost, and the re-read that would find the new rules fails too.
    clouds.inject_fault(aws.control, kind="drop_after", count=1, action="AuthorizeSecurityGroupEgress")
    clouds.inject_fault(aws.control, kind="5xx", count=50, action="DescribeSecurityGroupRules", skip=2)
    try:
        r = ws.apply_plan("saved.tfplan", check=False)
    finally:
        _clear_faults(aws)
    assert r.returncode == 1, r.describe()
    assert "unconfirmed" in r.stderr, r.describe()
    values = ws.resource_values(ADDRESS)
    unconfirmed = [k for k, v in values["rules"].items() if v["remote_id"] == "unconfirmed"]
    assert unconfirmed, values["rules"]
    # Nothing forgotten: every rule that exists is in state (some only as unconfirmed).
    assert _owned_tuples(aws, sg) <= clouds.state_rule_tuples(values["rules"])
    assert _owned_tuples(aws, sg), "the lost Authorize did not land"
    # The next refresh settles them: state equals the cloud.
    ws.apply("-refresh-only")
    assert_cloud_matches_state(ws, aws, [sg], set())
    assert all(v["remote_id"].startswith("sgr-")
               for v in ws.resource_values(ADDRESS)["rules"].values())
    ws.apply()
    assert_cloud_matches_state(ws, aws, [sg], set())
    assert ws.plan().returncode == 0


def test_failure_mid_update_leaves_every_rule_that_existed(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    ws.write(allowlist_config(aws_fake, [sg], services=["video"], max_retries=1))
    ws.init()
    ws.apply()
    before = _owned_tuples(aws, sg)
    ws.write(allowlist_config(aws_fake, [sg], services=["desktop_softphone"], max_retries=1))
    wanted = clouds.state_rule_tuples(
        ws.plan_json()[1]["planned_values"]["root_module"]["resources"][0]["values"]["rules"])
    assert before - wanted, "the change must delete rules for this test to mean anything"
    # Every revoke fails: the new rules are authorized first, so nothing that existed is gone.
    clouds.inject_fault(aws.control, kind="5xx", count=50, action="RevokeSecurityGroupEgress")
    try:
        r = ws.apply(check=False)
    finally:
        _clear_faults(aws)
    assert r.returncode == 1, r.describe()
    after = _owned_tuples(aws, sg)
    assert before <= after, f"rules that existed are gone: {sorted(before - after)}"
    assert wanted <= after, f"the new rules were not created first: {sorted(wanted - after)}"
    assert_cloud_matches_state(ws, aws, [sg], set())
    ws.apply()
    assert _owned_tuples(aws, sg) == wanted
    assert_cloud_matches_state(ws, aws, [sg], set())
    assert ws.plan().returncode == 0
