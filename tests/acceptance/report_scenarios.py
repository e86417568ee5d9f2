"""Real plans for the `report` command: an AWS allowlist applied on the emulator, then one of
the changes the report must tell apart (cloud drift, catalog change, configuration change,
all three, nothing). Used by test_report.py; tests/report/fixtures/make_fixtures.py saves
the resulting `show -json` documents as the C++ tests' fixtures."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import clouds
from blocks import aws_provider_block
from tfharness import Workspace, hcl_list, hcl_string

ROOT = pathlib.Path(__file__).resolve().parents[2]
CANONICAL = ROOT / "provider" / "catalog" / "data" / "office_at_hand.json"

SCENARIOS = ("nothing", "drift", "catalog", "config", "all")

# The catalog edit of the "catalog" scenarios: one row's port range moves, and the version.
CHANGED_ROW = "video.media_secured"
CHANGED_VERSION = "2099.01.01"


def write_catalog(path: pathlib.Path, changed: bool) -> None:
    data = json.loads(CANONICAL.read_text())
    if changed:
        data["version"] = CHANGED_VERSION
        for svc in data["services"]:
            for row in svc["rows"]:
                if row["id"] == CHANGED_ROW:
                    for p in row["ports"]:
                        if p["range"] == "10000-19999":
                            p["range"] = "10000-20999"
    path.write_text(json.dumps(data, indent=2))


def config(info: dict, group_id: str, catalog: pathlib.Path, tcp_fallback: bool) -> str:
    provider = aws_provider_block(info).replace(
        "aws {", f"catalog_file = {hcl_string(str(catalog))}\n  aws {{", 1)
    return provider + f'''
resource "office_at_hand_allowlist" "a" {{
  services     = ["video"]
  tcp_fallback = {"true" if tcp_fallback else "false"}
  aws_security_group {{
    group_ids = {hcl_list([group_id])}
  }}
}}
'''


def prepare(ws: Workspace, aws: clouds.AwsEnv, info: dict, scenario: str) -> dict[str, Any]:
    """Applies the base configuration, then makes the scenario's changes (without applying
    them). Returns what was changed, for the assertions."""
    assert scenario in SCENARIOS, scenario
    _, (sg,) = aws.create_vpc_and_groups(1)
    aws.remove_default_egress(sg)
    catalog = ws.dir / "catalog.json"
    write_catalog(catalog, changed=False)
    ws.write(config(info, sg, catalog, tcp_fallback=False))
    ws.init()
    ws.apply()
    done: dict[str, Any] = {"group": sg}
    if scenario in ("drift", "all"):
        owned = sorted(aws.owned_rules(sg, set()), key=clouds.aws_rule_tuple)
        revoked, edited = owned[0], owned[1]
        aws.revoke(sg, revoked)
        aws.redescribe(sg, edited, "changed by hand")
        done["revoked"] = clouds.aws_rule_tuple(revoked)
        done["edited"] = clouds.aws_rule_tuple(edited)
    if scenario in ("catalog", "all"):
        write_catalog(catalog, changed=True)
    if scenario in ("config", "all"):
        ws.write(config(info, sg, catalog, tcp_fallback=True))
    return done
