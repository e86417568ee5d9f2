"""Self-tests of the EC2 emulator's proxy (tests/fakes/aws/server.py): requests real EC2
refuses are refused (checked against botocore's EC2 model), and the EC2 behaviour moto
lacks is there (idempotency tokens, prefix-list versions and resizing, prefix-list weight
in the rules quota, complete Authorize answers). Raw requests are signed with botocore's
SigV4 signer, so only the model check can refuse them."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
import uuid

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import clouds


def _send(endpoint: str, params: dict[str, str]) -> tuple[int, str]:
    body = urllib.parse.urlencode(params)
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(clouds.AWS_CREDS["aws_access_key_id"],
                          clouds.AWS_CREDS["aws_secret_access_key"]), "ec2", clouds.AWS_REGION).add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=body.encode(), method="POST",
                               headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _code(text: str) -> str:
    m = re.search(r"<Code>([^<]+)</Code>", text)
    return m.group(1) if m else ""


def _ec2(**params: str) -> dict[str, str]:
    return {"Action": params.pop("Action"), "Version": params.pop("Version", "2016-11-15"), **params}


GOOD_PL = {"Action": "CreateManagedPrefixList", "PrefixListName": "x", "MaxEntries": "2",
           "AddressFamily": "IPv4", "Entry.1.Cidr": "192.0.2.0/24"}

BAD_REQUESTS = [
    # (what, params, code)
    ("unknown parameter", {**GOOD_PL, "Bogus": "1"}, "UnknownParameter"),
    ("misspelt list member", {**GOOD_PL, "Entries.1.Cidr": "192.0.2.0/24"}, "UnknownParameter"),
    ("list without index", {**GOOD_PL, "Entry.Cidr": "192.0.2.0/24"}, "UnknownParameter"),
    ("index on a scalar", {**GOOD_PL, "MaxEntries.1": "2"}, "UnknownParameter"),
    ("missing required", {k: v for k, v in GOOD_PL.items() if k != "AddressFamily"}, "MissingParameter"),
    ("missing required in a structure", {"Action": "ModifySecurityGroupRules", "GroupId": "sg-1",
                                         "SecurityGroupRule.1.SecurityGroupRule.IpProtocol": "tcp"},
     "MissingParameter"),
    ("wrong enum", {**GOOD_PL, "TagSpecification.1.ResourceType": "prefixlist",
                    "TagSpecification.1.Tag.1.Key": "k"}, "InvalidParameterValue"),
    ("wrong type (integer)", {**GOOD_PL, "MaxEntries": "two"}, "InvalidParameterValue"),
    ("wrong type (boolean)", {**GOOD_PL, "DryRun": "yes"}, "InvalidParameterValue"),
    ("out of range", {"Action": "DescribeSecurityGroupRules", "MaxResults": "2"}, "InvalidParameterValue"),
    ("unknown action", {"Action": "CreateFirewallOfDoom"}, "InvalidAction"),
    ("unknown API version", {"Action": "DescribeSecurityGroups", "Version": "2099-01-01"}, "NoSuchVersion"),
]


@pytest.mark.parametrize("what,params,code", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_proxy_refuses_what_ec2_refuses(aws_fake, what, params, code):
    before = clouds.fault_stats(aws_fake["control"])["invalid"].get(code, 0)
    status, text = _send(aws_fake["endpoint"], _ec2(**dict(params)))
    assert status == 400, (what, status, text)
    assert _code(text) == code, (what, text)
    assert "<Response><Errors><Error>" in text and "<RequestID>" in text, text
    assert clouds.fault_stats(aws_fake["control"])["invalid"].get(code, 0) == before + 1


def test_proxy_accepts_well_formed_requests(aws_fake):
    assert clouds.fault_stats(aws_fake["control"])["model"].startswith("botocore ")
    status, text = _send(aws_fake["endpoint"], _ec2(
        Action="DescribeSecurityGroupRules", **{"Filter.1.Name": "group-id", "Filter.1.Value.1": "sg-0123456789abcdef0",
                                                "MaxResults": "1000"}))
    assert status == 200, text
    name = f"ok-{uuid.uuid4().hex[:8]}"
    status, text = _send(aws_fake["endpoint"], _ec2(**{**GOOD_PL, "PrefixListName": name,
                                                        "ClientToken": uuid.uuid4().hex}))
    assert status == 200, text


def _proxy_ec2(aws_fake):
    return clouds.ec2_client(aws_fake["endpoint"])


def _settled(ec2, pid: str) -> dict:
    """Describes the list until it is out of its *-in-progress state (as EC2 needs)."""
    for _ in range(20):
        got = ec2.describe_managed_prefix_lists(PrefixListIds=[pid])["PrefixLists"][0]
        if not got["State"].endswith("-in-progress"):
            return got
    raise AssertionError(f"prefix list {pid} never settled")


def test_client_token_makes_create_idempotent(aws_fake, aws):
    ec2 = _proxy_ec2(aws_fake)
    name = f"idem-{uuid.uuid4().hex[:8]}"
    token = uuid.uuid4().hex
    kw = dict(PrefixListName=name, MaxEntries=2, AddressFamily="IPv4", ClientToken=token)
    first = ec2.create_managed_prefix_list(**kw)["PrefixList"]["PrefixListId"]
    again = ec2.create_managed_prefix_list(**kw)["PrefixList"]["PrefixListId"]
    assert first == again
    assert [p["PrefixListId"] for p in aws.prefix_lists(name)] == [first]
    with pytest.raises(Exception, match="IdempotentParameterMismatch"):
        ec2.create_managed_prefix_list(**{**kw, "MaxEntries": 3})


def test_prefix_list_version_conflict_and_resize(aws_fake, aws):
    ec2 = _proxy_ec2(aws_fake)
    pl = ec2.create_managed_prefix_list(PrefixListName=f"v-{uuid.uuid4().hex[:8]}", MaxEntries=2,
                                        AddressFamily="IPv4",
                                        Entries=[{"Cidr": "192.0.2.0/24"}])["PrefixList"]
    pid, version = pl["PrefixListId"], pl["Version"]
    # Asynchronous, as in EC2: no modification until the creation has completed.
    assert pl["State"] == "create-in-progress", pl
    with pytest.raises(Exception, match="IncorrectState"):
        ec2.modify_managed_prefix_list(PrefixListId=pid, CurrentVersion=version,
                                       AddEntries=[{"Cidr": "198.51.100.0/24"}])
    assert _settled(ec2, pid)["State"] == "create-complete"
    ec2.modify_managed_prefix_list(PrefixListId=pid, CurrentVersion=version,
                                   AddEntries=[{"Cidr": "198.51.100.0/24"}])
    _settled(ec2, pid)
    # The same (now stale) version again: refused, entries unchanged.
    with pytest.raises(Exception, match="PrefixListVersionMismatch"):
        ec2.modify_managed_prefix_list(PrefixListId=pid, CurrentVersion=version,
                                       RemoveEntries=[{"Cidr": "192.0.2.0/24"}])
    assert set(aws.prefix_list_entries(pid)) == {"192.0.2.0/24", "198.51.100.0/24"}
    # Full: a third entry does not fit MaxEntries 2.
    with pytest.raises(Exception, match="PrefixListMaxEntriesExceeded"):
        ec2.modify_managed_prefix_list(PrefixListId=pid, AddEntries=[{"Cidr": "203.0.113.0/24"}])
    # Entries and size in one request: refused; size alone: applied, name kept.
    with pytest.raises(Exception, match="InvalidParameterCombination"):
        ec2.modify_managed_prefix_list(PrefixListId=pid, MaxEntries=3,
                                       AddEntries=[{"Cidr": "203.0.113.0/24"}])
    with pytest.raises(Exception, match="InvalidParameterValue"):
        ec2.modify_managed_prefix_list(PrefixListId=pid, MaxEntries=1)
    ec2.modify_managed_prefix_list(PrefixListId=pid, MaxEntries=3)
    got = _settled(ec2, pid)
    assert got["MaxEntries"] == 3 and got["PrefixListName"] == pl["PrefixListName"], got


def test_prefix_list_reference_weighs_its_max_entries(aws_fake, aws):
    ec2 = _proxy_ec2(aws_fake)
    _, (sg,) = aws.create_vpc_and_groups(1)
    pid = ec2.create_managed_prefix_list(PrefixListName=f"w-{uuid.uuid4().hex[:8]}", MaxEntries=25,
                                         AddressFamily="IPv4")["PrefixList"]["PrefixListId"]
    _settled(ec2, pid)
    perm = lambda port: {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,  # noqa: E731
                         "PrefixListIds": [{"PrefixListId": pid}]}
    # The default egress rule (1) + 2 x 25 = 51 fit; a third reference (76) does not.
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[perm(443), perm(8443)])
    with pytest.raises(Exception, match="RulesPerSecurityGroupLimitExceeded"):
        ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[perm(5060)])
    # Growing the list past what the group can hold fails the modification.
    ec2.modify_managed_prefix_list(PrefixListId=pid, MaxEntries=40)
    got = _settled(ec2, pid)
    assert got["State"] == "modify-failed" and sg in got.get("StateMessage", ""), got
    assert got["MaxEntries"] == 25


def test_authorize_answer_lists_every_created_rule(aws_fake, aws):
    ec2 = _proxy_ec2(aws_fake)
    _, (sg,) = aws.create_vpc_and_groups(1)
    perms = [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
              "IpRanges": [{"CidrIp": "192.0.2.0/24"}, {"CidrIp": "198.51.100.0/24"}]}
             for p in (443, 5061, 8801)]
    out = ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=perms)
    listed = {(r["FromPort"], r["CidrIpv4"]) for r in out["SecurityGroupRules"]}
    assert listed == {(p, c) for p in (443, 5061, 8801) for c in ("192.0.2.0/24", "198.51.100.0/24")}


def test_prefix_list_peer_keeps_its_description(aws_fake, aws):
    ec2 = _proxy_ec2(aws_fake)
    _, (sg,) = aws.create_vpc_and_groups(1)
    pid = ec2.create_managed_prefix_list(PrefixListName=f"d-{uuid.uuid4().hex[:8]}", MaxEntries=2,
                                         AddressFamily="IPv4")["PrefixList"]["PrefixListId"]
    _settled(ec2, pid)
    out = ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
         "PrefixListIds": [{"PrefixListId": pid, "Description": f"port {p}"}]} for p in (443, 8443)])
    assert sorted(r.get("Description") for r in out["SecurityGroupRules"]) == ["port 443", "port 8443"]
    listed = [r for r in aws.rules(sg) if r.get("PrefixListId") == pid]
    assert sorted(r.get("Description") for r in listed) == ["port 443", "port 8443"]


def test_referenced_prefix_list_deletion_fails(aws_fake, aws):
    ec2 = _proxy_ec2(aws_fake)
    _, (sg,) = aws.create_vpc_and_groups(1)
    pid = ec2.create_managed_prefix_list(PrefixListName=f"r-{uuid.uuid4().hex[:8]}", MaxEntries=2,
                                         AddressFamily="IPv4")["PrefixList"]["PrefixListId"]
    _settled(ec2, pid)
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": pid}]}])
    assert ec2.delete_managed_prefix_list(PrefixListId=pid)["PrefixList"]["State"] == "delete-in-progress"
    got = _settled(ec2, pid)
    assert got["State"] == "delete-failed" and sg in got.get("StateMessage", ""), got
    rule = [r for r in aws.rules(sg) if r.get("PrefixListId") == pid][0]
    aws.revoke(sg, rule)
    ec2.delete_managed_prefix_list(PrefixListId=pid)
    assert not [p for p in aws.prefix_lists(got["PrefixListName"])]


def test_prefix_list_entries_must_match_its_family(aws_fake):
    ec2 = _proxy_ec2(aws_fake)
    with pytest.raises(Exception, match="InvalidParameterValue"):
        ec2.create_managed_prefix_list(PrefixListName=f"f-{uuid.uuid4().hex[:8]}", MaxEntries=2,
                                       AddressFamily="IPv4", Entries=[{"Cidr": "2001:db8::/32"}])
    pid = ec2.create_managed_prefix_list(PrefixListName=f"f-{uuid.uuid4().hex[:8]}", MaxEntries=2,
                                         AddressFamily="IPv4")["PrefixList"]["PrefixListId"]
    _settled(ec2, pid)
    with pytest.raises(Exception, match="InvalidParameterValue"):
        ec2.modify_managed_prefix_list(PrefixListId=pid, AddEntries=[{"Cidr": "not-a-cidr"}])
