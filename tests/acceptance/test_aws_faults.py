"""AccAwsFaults: throttling and lost responses injected by the emulator's proxy
(POST <control> {"kind": ..., "count": N, "action": ...}; GET .../_stats)."""

import re

import clouds
from aws_common import allowlist_config, assert_cloud_matches_state


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
