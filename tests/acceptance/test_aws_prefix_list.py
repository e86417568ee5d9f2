"""AccAwsPrefixList: prefix-list mode of office_at_hand_allowlist through tofu and terraform,
against moto behind the model-checking proxy (which answers a repeated ClientToken, refuses a
stale CurrentVersion and weighs prefix-list references as EC2 does)."""

from __future__ import annotations

import threading
import time
import uuid

import article
import clouds
from aws_common import ADDRESS, allowlist_config
from tfharness import drift_entries, hcl_string, resource_changes


def _config(aws_fake, sg: str, name: str) -> str:
    return allowlist_config(aws_fake, [sg], max_retries=4, target_extra=f'''
    use_prefix_list  = true
    prefix_list_name = {hcl_string(name)}''')


def _semantics(aws) -> dict:
    return clouds.fault_stats(aws.control)["semantics"]


def _invalid(aws) -> dict:
    return clouds.fault_stats(aws.control)["invalid"]


def _assert_destroy_leaves_nothing(ws, aws, sg: str, names: list[str]) -> None:
    ws.destroy()
    assert not aws.owned_rules(sg, set()), "rules left behind after destroy"
    for n in names:
        assert not aws.prefix_lists(n), f"prefix list {n} left behind after destroy"
    assert ws.state_list() == []


def test_lost_answer_on_prefix_list_creation_makes_one_list(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    name = f"office-acc-lost-{uuid.uuid4().hex[:8]}"
    ws.write(_config(aws_fake, sg, name))
    ws.init()
    invalid_before = _invalid(aws)
    tokens_before = clouds.fault_stats(aws.control)["missing_tokens"]
    replays_before = _semantics(aws)["idempotent_replays"]
    # EC2 creates the list, then the connection drops before the answer arrives.
    clouds.inject_fault(aws.control, kind="drop_after", count=1, action="CreateManagedPrefixList")
    try:
        ws.apply()
    finally:
        pending = clouds.fault_stats(aws.control).get("pending_faults")
        aws.drain_faults()
    assert not pending, "the provider never sent CreateManagedPrefixList"
    assert _semantics(aws)["idempotent_replays"] == replays_before + 1, "retry without the same ClientToken"
    pls = aws.prefix_lists(name)
    assert len(pls) == 1, f"expected one prefix list, found {pls}"
    values = ws.resource_values(ADDRESS)
    assert values["prefix_list_id"] == pls[0]["PrefixListId"]
    assert values["strategy"] == "prefix-list"
    assert set(aws.prefix_list_entries(pls[0]["PrefixListId"])) == article.SUPERNETS
    assert ws.plan().returncode == 0
    assert _invalid(aws) == invalid_before, "the provider sent requests EC2 would refuse"
    assert clouds.fault_stats(aws.control)["missing_tokens"] == tokens_before, "a create without its ClientToken"
    _assert_destroy_leaves_nothing(ws, aws, sg, [name])


def test_renamed_and_edited_prefix_list_is_shown_and_repaired(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    name = f"office-acc-rn-{uuid.uuid4().hex[:8]}"
    renamed = name + "-by-hand"
    ws.write(_config(aws_fake, sg, name))
    ws.init()
    ws.apply()
    pl_id = ws.resource_values(ADDRESS)["prefix_list_id"]

    # Renamed outside Terraform: the next plan follows the id, shows the rename, repairs it.
    aws.ec2.modify_managed_prefix_list(PrefixListId=pl_id, PrefixListName=renamed)
    code, plan = ws.plan_json(refresh_only=True)
    drift = drift_entries(plan, ADDRESS)
    assert drift, "refresh-only plan shows no drift for the renamed list"
    after = drift[0]["change"]["after"]["aws_security_group"]
    after = after[0] if isinstance(after, list) else after
    assert after["prefix_list_name"] == renamed, after
    code, plan = ws.plan_json()
    assert code == 2
    changes = resource_changes(plan, ADDRESS)
    assert changes and changes[0]["change"]["actions"] == ["update"], changes
    ws.apply()
    pls = aws.prefix_lists(name)
    assert [p["PrefixListId"] for p in pls] == [pl_id], f"not repaired in place: {pls}"
    assert not aws.prefix_lists(renamed)
    assert ws.plan().returncode == 0

    # An entry removed by hand: shown and put back.
    version = aws.ec2.describe_managed_prefix_lists(PrefixListIds=[pl_id])["PrefixLists"][0]["Version"]
    gone = sorted(article.SUPERNETS)[0]
    aws.ec2.modify_managed_prefix_list(PrefixListId=pl_id, CurrentVersion=version, PrefixListName=name,
                                       RemoveEntries=[{"Cidr": gone}])
    assert ws.plan().returncode == 2
    ws.apply()
    assert set(aws.prefix_list_entries(pl_id)) == article.SUPERNETS
    assert ws.plan().returncode == 0
    _assert_destroy_leaves_nothing(ws, aws, sg, [name, renamed])


def test_prefix_list_version_conflict_is_handled(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    name = f"office-acc-vc-{uuid.uuid4().hex[:8]}"
    ws.write(_config(aws_fake, sg, name))
    ws.init()
    ws.apply()
    pl_id = ws.resource_values(ADDRESS)["prefix_list_id"]
    supernets = sorted(article.SUPERNETS)

    def remove_by_hand(cidr: str) -> None:
        v = aws.ec2.describe_managed_prefix_lists(PrefixListIds=[pl_id])["PrefixLists"][0]["Version"]
        aws.ec2.modify_managed_prefix_list(PrefixListId=pl_id, CurrentVersion=v, PrefixListName=name,
                                           RemoveEntries=[{"Cidr": cidr}])

    remove_by_hand(supernets[0])
    conflicts_before = _semantics(aws)["version_conflicts"]
    seen_before = clouds.fault_stats(aws.control)["actions"].get("ModifyManagedPrefixList", 0)
    # The provider's repair waits in the proxy; meanwhile someone else edits the list.
    clouds.inject_fault(aws.control, kind="slow", count=1, action="ModifyManagedPrefixList", delay_ms=2500)
    raced = threading.Event()

    def other_writer():
        deadline = time.time() + 120
        while time.time() < deadline:
            seen = clouds.fault_stats(aws.control)["actions"].get("ModifyManagedPrefixList", 0)
            if seen > seen_before:
                remove_by_hand(supernets[1])
                raced.set()
                return
            time.sleep(0.05)

    t = threading.Thread(target=other_writer, daemon=True)
    t.start()
    try:
        ws.apply()
    finally:
        t.join(timeout=130)
        aws.drain_faults()
    assert raced.is_set(), "the provider never modified the list"
    assert _semantics(aws)["version_conflicts"] > conflicts_before, "no version conflict happened"
    assert set(aws.prefix_list_entries(pl_id)) == article.SUPERNETS
    assert len(aws.prefix_lists(name)) == 1
    assert ws.plan().returncode == 0
    _assert_destroy_leaves_nothing(ws, aws, sg, [name])


def test_two_lists_with_the_name_are_a_clear_error(ws, aws, aws_fake):
    _, (sg,) = aws.create_vpc_and_groups(1)
    name = f"office-acc-dup-{uuid.uuid4().hex[:8]}"
    made = [aws.ec2.create_managed_prefix_list(PrefixListName=name, MaxEntries=20, AddressFamily="IPv4")
            ["PrefixList"]["PrefixListId"] for _ in range(2)]
    ws.write(_config(aws_fake, sg, name))
    ws.init()
    r = ws.apply(check=False)
    assert r.returncode == 1, r.describe()
    text = " ".join(r.stderr.split())  # the CLIs wrap diagnostics
    assert "more than one managed prefix list" in text, r.describe()
    for pid in made:
        assert pid in text, r.describe()
    assert "panic" not in r.output.lower()
    # Nothing was changed or created on the strength of a guess.
    assert sorted(p["PrefixListId"] for p in aws.prefix_lists(name)) == sorted(made)
    assert not aws.owned_rules(sg, set())


def test_destroy_says_when_the_list_is_still_referenced(ws, aws, aws_fake):
    _, (sg, other) = aws.create_vpc_and_groups(2)
    name = f"office-acc-ref-{uuid.uuid4().hex[:8]}"
    ws.write(_config(aws_fake, sg, name))
    ws.init()
    ws.apply()
    pl_id = ws.resource_values(ADDRESS)["prefix_list_id"]
    # Someone else's group references our list.
    aws.ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl_id}]}])
    r = ws.destroy(check=False)
    assert r.returncode == 1, r.describe()
    text = " ".join(r.stderr.split())
    assert pl_id in text and other in text and "delete-failed" in text, r.describe()
    assert not aws.owned_rules(sg, set()), "our rules should be gone"
    assert ws.state_list() == [ADDRESS], "the list still exists, so state must keep it"
    assert ws.resource_values(ADDRESS)["prefix_list_id"] == pl_id
    # Once the reference is gone, destroy finishes and leaves nothing behind.
    ref = [x for x in aws.rules(other) if x.get("PrefixListId") == pl_id][0]
    aws.revoke(other, ref)
    _assert_destroy_leaves_nothing(ws, aws, sg, [name])


def test_rename_is_repaired_when_the_name_is_the_default(ws, aws, aws_fake):
    """prefix_list_name left unset: the plan still renames the list back to the default."""
    _, (sg,) = aws.create_vpc_and_groups(1)
    owner = f"acc{uuid.uuid4().hex[:8]}"
    default = f"office-at-hand-supernets-{owner}"
    ws.write(allowlist_config(aws_fake, [sg], max_retries=4, resource_extra=f"owner = {hcl_string(owner)}",
                              target_extra="use_prefix_list = true"))
    ws.init()
    ws.apply()
    pl_id = ws.resource_values(ADDRESS)["prefix_list_id"]
    assert [p["PrefixListId"] for p in aws.prefix_lists(default)] == [pl_id]
    aws.ec2.modify_managed_prefix_list(PrefixListId=pl_id, PrefixListName="hand-renamed-" + owner)
    code, plan = ws.plan_json()
    assert code == 2
    changes = resource_changes(plan, ADDRESS)
    assert changes and changes[0]["change"]["actions"] == ["update"], changes
    ws.apply()
    assert [p["PrefixListId"] for p in aws.prefix_lists(default)] == [pl_id]
    assert ws.plan().returncode == 0
    _assert_destroy_leaves_nothing(ws, aws, sg, [default, "hand-renamed-" + owner])


def test_ipv6_supernets_stay_out_of_the_ipv4_list(ws, aws, aws_fake, tmp_path):
    """A catalog (here a catalog_file override) with an IPv6 supernet: the IPv4 prefix list
    holds only the IPv4 ones (EC2 refuses an IPv6 entry in an IPv4 list)."""
    import json
    import pathlib
    canonical = pathlib.Path(__file__).resolve().parents[2] / "provider" / "catalog" / "data" / "office_at_hand.json"
    data = json.loads(canonical.read_text())
    data["supernets"].append({"cidr": "2001:db8:100::/40", "sources": ["acceptance-test"]})
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data))
    _, (sg,) = aws.create_vpc_and_groups(1)
    name = f"office-acc-v6-{uuid.uuid4().hex[:8]}"
    config = _config(aws_fake, sg, name).replace(
        'provider "office" {', f'provider "office" {{\n  catalog_file = {hcl_string(str(path))}', 1)
    ws.write(config)
    ws.init()
    ws.apply()
    values = ws.resource_values(ADDRESS)
    assert set(aws.prefix_list_entries(values["prefix_list_id"])) == article.SUPERNETS
    assert set(values["prefix_list_entries"]) == article.SUPERNETS
    assert ws.plan().returncode == 0
    _assert_destroy_leaves_nothing(ws, aws, sg, [name])


def test_refresh_reports_two_lists_with_the_name(ws, aws, aws_fake):
    """Our list deleted by hand and two others made with its name: refresh cannot tell which
    is ours and says so (it used to drop the error and keep the stale state)."""
    _, (sg,) = aws.create_vpc_and_groups(1)
    name = f"office-acc-rf-{uuid.uuid4().hex[:8]}"
    ws.write(_config(aws_fake, sg, name))
    ws.init()
    ws.apply()
    pl_id = ws.resource_values(ADDRESS)["prefix_list_id"]
    for r in aws.owned_rules(sg, set()):
        aws.revoke(sg, r)
    aws.ec2.delete_managed_prefix_list(PrefixListId=pl_id)
    made = [aws.ec2.create_managed_prefix_list(PrefixListName=name, MaxEntries=20, AddressFamily="IPv4")
            ["PrefixList"]["PrefixListId"] for _ in range(2)]
    r = ws.plan()
    assert r.returncode == 1, r.describe()
    text = " ".join(r.stderr.split())
    assert "more than one managed prefix list" in text and all(p in text for p in made), r.describe()
    for p in made:
        aws.ec2.delete_managed_prefix_list(PrefixListId=p)
    ws.destroy()
    assert ws.state_list() == []
