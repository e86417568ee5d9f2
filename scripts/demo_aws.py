#!/usr/bin/env python3
"""Out-of-band EC2 calls for `./dev demo`, against the local AWS emulator only.

  demo_aws.py setup --endpoint URL --out FILE   create a VPC and two security groups; write
                                                their ids and the quickstart's tfvars to FILE
  demo_aws.py drift --endpoint URL --env FILE   revoke one rule the provider created and change
                                                another's description (a change made by hand)
"""

import argparse
import json
import sys

import boto3

REGION = "us-east-1"


def ec2(endpoint: str):
    # The emulator accepts any credentials; these are never real.
    return boto3.client("ec2", region_name=REGION, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def is_default_egress(rule: dict) -> bool:
    return (rule["IsEgress"] and rule["IpProtocol"] == "-1"
            and rule.get("CidrIpv4") == "0.0.0.0/0" and not rule.get("Description"))


def setup(args) -> None:
    client = ec2(args.endpoint)
    vpc = client.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    groups = [client.create_security_group(GroupName=f"office-demo-{i}", VpcId=vpc,
                                           Description="Office@Hand demo")["GroupId"]
              for i in (1, 2)]
    # An egress allowlist only means something once the default "all traffic out" rule is
    # gone: remove it, as a team locking down egress would.
    for g in groups:
        for r in client.describe_security_group_rules(
                Filters=[{"Name": "group-id", "Values": [g]}])["SecurityGroupRules"]:
            if is_default_egress(r):
                client.revoke_security_group_egress(GroupId=g,
                                                    SecurityGroupRuleIds=[r["SecurityGroupRuleId"]])
    tfvars = (f'security_group_id = "{groups[0]}"\n'
              f'additional_security_group_ids = ["{groups[1]}"]')
    with open(args.out, "w") as f:
        json.dump({"vpc_id": vpc, "group_ids": groups, "tfvars": tfvars}, f)
    print(f"created {vpc} with security groups {', '.join(groups)}")


def drift(args) -> None:
    client = ec2(args.endpoint)
    env = json.load(open(args.env))
    rules = []
    for g in env["group_ids"]:
        rules += [r for r in client.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [g]}])["SecurityGroupRules"]
            if not is_default_egress(r)]
    if len(rules) < 2:
        sys.exit(f"expected the provider's rules in {env['group_ids']}, found {len(rules)}")
    revoked, edited = rules[0], rules[1]
    client.revoke_security_group_egress(GroupId=revoked["GroupId"],
                                        SecurityGroupRuleIds=[revoked["SecurityGroupRuleId"]])
    spec = {"IpProtocol": edited["IpProtocol"], "FromPort": edited["FromPort"],
            "ToPort": edited["ToPort"], "CidrIpv4": edited["CidrIpv4"],
            "Description": "edited by hand in the console"}
    client.modify_security_group_rules(GroupId=edited["GroupId"], SecurityGroupRules=[
        {"SecurityGroupRuleId": edited["SecurityGroupRuleId"], "SecurityGroupRule": spec}])
    print(f"revoked {revoked['SecurityGroupRuleId']} ({revoked['IpProtocol']} "
          f"{revoked.get('FromPort')}-{revoked.get('ToPort')} to {revoked.get('CidrIpv4')}); "
          f"re-described {edited['SecurityGroupRuleId']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--out", required=True)
    d = sub.add_parser("drift")
    d.add_argument("--endpoint", required=True)
    d.add_argument("--env", required=True)
    args = p.parse_args()
    {"setup": setup, "drift": drift}[args.cmd](args)


if __name__ == "__main__":
    main()
