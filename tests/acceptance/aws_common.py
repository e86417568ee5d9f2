"""Shared pieces of the AWS acceptance scenarios."""

from __future__ import annotations

from typing import Any

import clouds
from blocks import aws_provider_block
from tfharness import Workspace, hcl_list

ADDRESS = "office_at_hand_allowlist.a"


def allowlist_config(info: dict, group_ids: list[str], services: list[str] | None = ("video",),
                     target_extra: str = "", resource_extra: str = "",
                     max_retries: int | None = None) -> str:
    services_line = f"services = {hcl_list(services)}" if services is not None else ""
    return aws_provider_block(info, max_retries) + f'''
resource "office_at_hand_allowlist" "a" {{
  {services_line}
  {resource_extra}
  aws_security_group {{
    group_ids = {hcl_list(group_ids)}
    {target_extra}
  }}
}}

output "rules" {{
  value = office_at_hand_allowlist.a.rules
}}
'''


def assert_cloud_matches_state(ws: Workspace, aws: clouds.AwsEnv, group_ids: list[str],
                               foreign_ids: set[str]) -> dict[str, Any]:
    """Every rule the provider owns in EC2 is in state and vice versa (nothing lost, nothing
    unrecorded, no duplicates). Returns the resource's state values."""
    values = ws.resource_values(ADDRESS)
    expected = clouds.state_rule_tuples(values["rules"], values.get("prefix_list_id"))
    actual: list[tuple] = []
    for g in group_ids:
        for r in aws.owned_rules(g, foreign_ids):
            actual.append(clouds.aws_rule_tuple(r))
            assert r.get("Description"), f"owned rule without description: {r}"
    assert len(actual) == len(set(actual)), f"duplicate rules in EC2: {sorted(actual)}"
    assert set(actual) == expected, (
        f"EC2 and state differ:\n only in EC2: {sorted(set(actual) - expected)}\n"
        f" only in state: {sorted(expected - set(actual))}")
    return values
