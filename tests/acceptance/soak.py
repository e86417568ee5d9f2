"""Pieces of the fault soak (test_fault_soak.py): per-cloud adapters that

* write the allowlist configuration for one dedicated target (security group, NSG, network),
* switch seeded random faults on and off in that cloud's fake ("rate" + "seed" on POST /_fault;
  several kinds at once, each with its own seed),
* list what the cloud really holds that carries our ownership marker, and what state records,
  as comparable rule identities.

Ownership: one small function per cloud (`aws_marked`, `azure_marked`, `gcp_marked`) says
whether a cloud rule carries the provider's marker; adapt them if the marker changes. Every soak
runs on a target of its own, so every marked rule there is the soak allowlist's.

Identities compared (a rule whose identity matches but whose content differs counts as one
orphan plus one lost):
  AWS    (group, direction, protocol, from, to, peer): EC2 permission; the state's remote_id,
         when recorded, must be the live rule's SecurityGroupRuleId
  Azure  (name, direction, protocol, ports, prefixes, priority)
  GCP    (name, direction, {(protocol, port)}, ranges, priority)
Duplicates are the same permission/content present twice in the cloud (under two rule ids or
names).
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

import clouds
from blocks import aws_provider_block, azure_provider_block, gcp_provider_block
from tfharness import Workspace, hcl_list, hcl_string

ADDRESS = "office_at_hand_allowlist.a"
MARKER = "[oah:"          # Azure/GCP description marker ("[oah:<owner or id>]")
AWS_TAG_PREFIX = "office-at-hand:"  # AWS tag key marking our rules
SIP_TRUNK_PEERS = ["203.0.113.0/24"]   # documentation ranges (RFC 5737)
SFTP_SERVERS = ["203.0.113.9/32"]


# ------------------------------------------------------------------ ownership (adapt here)
def aws_marked(rule: dict[str, Any]) -> bool:
    return any(t.get("Key", "").startswith(AWS_TAG_PREFIX) for t in rule.get("Tags") or [])


def azure_marked(rule: dict[str, Any]) -> bool:
    return MARKER in (rule.get("properties", {}).get("description") or "")


def gcp_marked(fw: dict[str, Any], network: str) -> bool:
    return (MARKER in (fw.get("description") or "")
            and fw.get("network", "").rstrip("/").endswith(f"/networks/{network}"))


# ------------------------------------------------------------------ comparison
@dataclasses.dataclass
class Diff:
    orphans: list      # in the cloud, not in state
    lost: list         # in state, not in the cloud
    duplicates: list   # the same rule twice in the cloud

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.lost or self.duplicates)

    def counts(self) -> tuple[int, int, int]:
        return len(self.orphans), len(self.lost), len(self.duplicates)


def state_rules(ws: Workspace) -> dict[str, Any]:
    """The allowlist's `rules` map in state, {} when the resource is not in state."""
    state = ws.show_json()
    for res in state.get("values", {}).get("root_module", {}).get("resources", []):
        if res["address"] == ADDRESS:
            return res["values"].get("rules") or {}
    return {}


UNCONFIRMED = "unconfirmed"  # the provider's remote_id for a rule it could not confirm


def _compare(cloud_ids: list, state_ids: list, dup_keys: list, unconfirmed: list = ()) -> Diff:
    """unconfirmed: identities the state records with remote_id "unconfirmed" (a write whose
    answer was lost and whose re-read failed). The provider says it does not know whether they
    exist; the next refresh settles them. Present in the cloud, they match; absent, they are not
    "lost" (the state does not claim them)."""
    cloud_set = set(cloud_ids)
    state_set = set(state_ids) | (set(unconfirmed) & cloud_set)
    dups = [k for k, n in collections.Counter(dup_keys).items() if n > 1]
    return Diff(orphans=sorted(cloud_set - state_set, key=repr),
                lost=sorted(state_set - cloud_set, key=repr), duplicates=sorted(dups, key=repr))


def _ports(spec: str, protocol: str) -> tuple[str, str]:
    return clouds.split_port(spec, protocol)


class Target:
    """One cloud target for the soak; subclasses fill in the cloud specifics."""

    cloud = ""
    fault_kinds: tuple[dict[str, Any], ...] = ()

    def __init__(self, info: dict[str, Any]):
        self.info = info

    def config(self, services: list[str], max_retries: int) -> str:
        extra = ""
        if "sip_trunks" in services:
            extra += f"\n  sip_trunk_peers = {hcl_list(SIP_TRUNK_PEERS)}"
        if "archiver" in services:
            extra += f"\n  sftp_server_addresses = {hcl_list(SFTP_SERVERS)}"
        return self.provider_block(max_retries) + f'''
resource "office_at_hand_allowlist" "a" {{
  services = {hcl_list(services)}{extra}
  {self.target_block()}
}}
'''

    # Faults: each kind at rate p with 1-(1-p)^k = total rate over the k kinds. scope "all"
    # faults every API call (reads included, so many applies stop while reading); "writes"
    # only the calls that change something (and, on GCP, the operation waits), so that lost
    # answers and failures land in the middle of a change.
    write_filters: tuple[dict[str, Any], ...] = ()

    def faults_on(self, rate: float, seed: str, scope: str = "all") -> None:
        per_kind = 1.0 - (1.0 - rate) ** (1.0 / len(self.fault_kinds))
        filters = self.write_filters if scope == "writes" else ({},)
        for flt in filters:
            for spec in self.fault_kinds:
                clouds.inject_fault(self.control, count=1_000_000, rate=per_kind,
                                    seed=f"{seed}:{spec['kind']}:{spec.get('after', '')}:{flt}",
                                    **spec, **flt)

    def faults_off(self) -> dict[str, int]:
        """Clears the faults; returns how many of each kind were injected since faults_on."""
        out: dict[str, int] = {}
        for f in self._clear():
            kind = f["kind"] + ("_after" if f.get("after") else "")
            out[kind] = out.get(kind, 0) + 1_000_000 - f.get("count", 0)
        return out


class AwsTarget(Target):
    cloud = "aws"
    # 503 RequestLimitExceeded, 500 InternalError, reset before the call, reset after moto
    # performed it (the lost answer).
    fault_kinds = ({"kind": "throttle"}, {"kind": "5xx"}, {"kind": "drop"}, {"kind": "drop_after"})
    write_filters = tuple({"action": a} for a in (
        "AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress",
        "RevokeSecurityGroupIngress", "ModifySecurityGroupRules", "CreateTags"))

    def __init__(self, info: dict[str, Any]):
        super().__init__(info)
        self.env = clouds.AwsEnv(info)
        self.control = self.env.control
        _, (self.group,) = self.env.create_vpc_and_groups(1)
        self.env.remove_default_egress(self.group)

    def provider_block(self, max_retries: int) -> str:
        return aws_provider_block(self.info, max_retries)

    def target_block(self) -> str:
        return f"aws_security_group {{\n    group_ids = {hcl_list([self.group])}\n  }}"

    def _clear(self) -> list[dict[str, Any]]:
        pending = clouds.fault_stats(self.control).get("pending_faults") or []
        status, body, _ = clouds.http_json("POST", self.control.rsplit("/_fault", 1)[0] + "/_clear_faults")
        assert status == 200, body
        # Faults whose count reached 0 are dropped by the fake; none will at 1e6.
        return pending

    def compare(self, rules: dict[str, Any]) -> Diff:
        cloud_ids, by_perm_id = [], {}
        for r in self.env.rules(self.group):  # straight to moto: no faults on the way
            if not aws_marked(r):
                continue
            perm = (r["GroupId"],) + clouds.aws_rule_tuple(r)
            cloud_ids.append(perm)
            by_perm_id.setdefault(perm, set()).add(r["SecurityGroupRuleId"])
        state_ids, unconfirmed = [], []
        for key, r in rules.items():
            peers = list(r.get("cidrs") or []) or ([r["prefix_list"]] if r.get("prefix_list") else [])
            for spec in r.get("ports") or []:
                proto, _ = _ports(spec, r.get("protocol", ""))
                lo, hi = clouds.parse_ports(spec)
                for peer in peers:
                    perm = (r.get("location"), r["direction"].lower(), proto, lo, hi, peer)
                    rid = r.get("remote_id")
                    if rid == UNCONFIRMED:
                        unconfirmed.append(perm)
                        continue
                    if rid and perm in by_perm_id and rid not in by_perm_id[perm]:
                        perm = perm + (f"recorded id {rid} is not in the cloud",)
                    state_ids.append(perm)
        return _compare(cloud_ids, state_ids, cloud_ids, unconfirmed)


class AzureTarget(Target):
    cloud = "azure"
    # 429 throttled, 500, reset before ARM sees it, reset after ARM performed it.
    fault_kinds = ({"kind": "throttle"}, {"kind": "5xx"}, {"kind": "drop_before"}, {"kind": "drop"})
    write_filters = ({"method": "PUT"}, {"method": "DELETE"})

    def __init__(self, info: dict[str, Any]):
        super().__init__(info)
        self.env = clouds.AzureEnv(info)
        self.control = info.get("control") or f"{self.env.arm}/_fault"
        self.nsg = self.env.create_nsg()

    def provider_block(self, max_retries: int) -> str:
        return azure_provider_block(self.info, max_retries)

    def target_block(self) -> str:
        return (f"azure_network_security_group {{\n    id = {hcl_string(self.nsg)}\n"
                f"    priority_from = 1000\n    priority_to = 1999\n  }}")

    def _clear(self) -> list[dict[str, Any]]:
        status, body, _ = clouds.http_json("DELETE", self.control)
        assert status == 200, body
        # The fake drops a fault whose count reaches 0; none will at 1e6.
        return body.get("cleared") or []

    @staticmethod
    def _content(direction: str, protocol: str, ports, prefixes) -> tuple:
        return (direction, protocol, frozenset(ports), frozenset(prefixes))

    def compare(self, rules: dict[str, Any]) -> Diff:
        cloud_ids, contents = [], []
        for r in self.env.rules(self.nsg):
            if not azure_marked(r):
                continue
            p = r["properties"]
            direction = "egress" if p["direction"] == "Outbound" else "ingress"
            side = "destination" if direction == "egress" else "source"
            prefixes = set(p.get(f"{side}AddressPrefixes") or [])
            if p.get(f"{side}AddressPrefix"):
                prefixes.add(p[f"{side}AddressPrefix"])
            ports = set(p.get("destinationPortRanges") or [])
            if p.get("destinationPortRange"):
                ports.add(p["destinationPortRange"])
            content = self._content(direction, p["protocol"].lower(), ports, prefixes)
            contents.append(content)
            cloud_ids.append((r["name"], p["priority"]) + content)
        state_ids, unconfirmed = [], []
        for name, r in rules.items():
            both = "+" in r["protocol"]
            ports, protos = set(), set()
            for spec in r["ports"]:
                proto, rng = _ports(spec, r["protocol"])
                protos.add(proto)
                ports.add(rng)
            protocol = "*" if both or len(protos) > 1 else protos.pop()
            ident = ((r.get("name") or name, r.get("priority"))
                     + self._content(r["direction"].lower(), protocol, ports, r["cidrs"]))
            (unconfirmed if r.get("remote_id") == UNCONFIRMED else state_ids).append(ident)
        return _compare(cloud_ids, state_ids, contents, unconfirmed)


class GcpTarget(Target):
    cloud = "gcp"
    # 429 rateLimitExceeded, 503 backendError, reset before the call, reset after the write.
    fault_kinds = ({"kind": "throttle"}, {"kind": "5xx"}, {"kind": "drop"},
                   {"kind": "drop", "after": True})
    write_filters = ({"method": "POST"}, {"method": "PATCH"}, {"method": "DELETE"})

    def __init__(self, info: dict[str, Any]):
        super().__init__(info)
        self.env = clouds.GcpEnv(info)
        self.control = info["control"]
        self.network = self.env.create_network()
        # Firewall names are per project: a soak network needs its own prefix.
        self.prefix = "soak" + self.network[-6:]

    def provider_block(self, max_retries: int) -> str:
        return gcp_provider_block(self.info, max_retries)

    def target_block(self) -> str:
        return (f"gcp_firewall {{\n    project = {hcl_string(self.info['project'])}\n"
                f"    network = {hcl_string(self.network)}\n"
                f"    name_prefix = {hcl_string(self.prefix)}\n    priority = 1000\n  }}")

    def _clear(self) -> list[dict[str, Any]]:
        status, body, _ = clouds.http_json("DELETE", self.control)
        assert status == 200, body
        return body.get("cleared") or []

    def compare(self, rules: dict[str, Any]) -> Diff:
        cloud_ids, contents = [], []
        for fw in self.env.firewalls(self.network):
            if not gcp_marked(fw, self.network):
                continue
            direction = fw["direction"].lower()
            ranges = fw.get("destinationRanges" if direction == "egress" else "sourceRanges") or []
            entries = frozenset((a["IPProtocol"].lower(), p) for a in fw.get("allowed", [])
                                for p in a.get("ports") or [])
            content = (direction, entries, frozenset(ranges))
            contents.append(content)
            cloud_ids.append((fw["name"], fw.get("priority")) + content)
        state_ids, unconfirmed = [], []
        for name, r in rules.items():
            entries = frozenset(_ports(spec, r["protocol"]) for spec in r["ports"])
            ident = (r.get("name") or name, r.get("priority"),
                     r["direction"].lower(), entries, frozenset(r["cidrs"]))
            (unconfirmed if r.get("remote_id") == UNCONFIRMED else state_ids).append(ident)
        return _compare(cloud_ids, state_ids, contents, unconfirmed)


TARGETS = {"aws": AwsTarget, "azure": AzureTarget, "gcp": GcpTarget}
