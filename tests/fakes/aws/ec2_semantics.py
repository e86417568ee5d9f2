"""EC2 behaviour moto 5.x lacks and the provider depends on, added by the proxy around
moto's in-process backend (server.py runs moto's ThreadedMotoServer in the same process).

Each entry says what real EC2 does and where that is documented or observed:

* Idempotency tokens (any operation whose model marks a member `idempotencyToken`, e.g.
  CreateManagedPrefixList.ClientToken): a repeat with the same token and the same
  parameters returns the first answer without acting again; the same token with other
  parameters is refused with IdempotentParameterMismatch (EC2 API reference, "Ensuring
  idempotency"). moto ignores the token and creates a second list.
* ModifyManagedPrefixList
  - CurrentVersion that is not the list's version -> 400 PrefixListVersionMismatch "The
    prefix list has the incorrect version number." (the code the AWS SDK users report and
    terraform-provider-aws retries on). moto silently applies the change to the old
    version's entries.
  - MaxEntries together with AddEntry/RemoveEntry -> 400 InvalidParameterCombination
    (API reference for MaxEntries). MaxEntries alone resizes the list (moto ignores it);
    smaller than the current entries -> InvalidParameterValue; when a security group that
    references the list would exceed its rules quota with the new size, the modification
    fails: state modify-failed, the state message names the group (API reference).
  - more entries than MaxEntries after the change -> refused (code unverified, see the
    report: PrefixListMaxEntriesExceeded).
  - more than 100 Entry / AddEntry / RemoveEntry values in one request -> refused (the
    documented per-call limit; the exact code is unverified: InvalidParameterValue here).
  - an entry that is not a CIDR of the list's address family -> refused (as for Create;
    code unverified: InvalidParameterValue here).
  - adding a CIDR the list already has / removing one it lacks -> InvalidPrefixListModification.
  - PrefixListName absent keeps the name (moto blanks it).
  - unknown id -> InvalidPrefixListID.NotFound (moto fails with a 500).
* Create and Modify are asynchronous in EC2: the answer and the next describe show
  create-in-progress / modify-in-progress, and a modification while one is in progress is
  refused with IncorrectState (API reference, ManagedPrefixList.State; the provider's wait
  loop depends on it). moto completes at once; the proxy reports the in-progress state for
  one describe (moto's own state is left complete, so tests reading moto directly see the
  settled list).
* DeleteManagedPrefixList is asynchronous too (delete-in-progress, then delete-complete);
  while a security group rule references the list the deletion fails: the list stays, in
  state delete-failed with a message naming the referencing groups.
* DescribeManagedPrefixLists / GetManagedPrefixListEntries / DeleteManagedPrefixList with an
  unknown id -> InvalidPrefixListID.NotFound.
* Rules quota (default 60 inbound and 60 outbound rules per security group, counted
  separately for IPv4 and IPv6): a rule that references a prefix list counts as the list's
  MaxEntries rules (VPC user guide, "Security group rules" / quotas). moto counts every
  reference as one rule. Over quota -> 400 RulesPerSecurityGroupLimitExceeded.
* A prefix-list peer's Description is kept by EC2; moto drops it at authorize (the proxy
  stores it where moto's own ModifySecurityGroupRules puts descriptions).
* AuthorizeSecurityGroupIngress/Egress answer with every rule they created
  (securityGroupRuleSet); moto lists only the rules of the last IpPermissions entry. The
  proxy lists them all, as EC2 does.
"""

from __future__ import annotations

import hashlib
import ipaddress
import http.client
import re
import threading
import urllib.parse
from xml.sax.saxutils import escape as xml_escape

from query_model import Violation

ACCOUNT = "123456789012"  # moto's default account (the one moto maps test keys to)
RULES_QUOTA = 60


def _backend(region: str):
    from moto.ec2.models import ec2_backends
    return ec2_backends[ACCOUNT][region]


def _single(params, key, default=None):
    v = params.get(key)
    return v[0] if v else default


def _indexed(params, prefix):
    """Values of prefix.N.<rest> grouped by N: {N: {rest: value}} (rest may be "")."""
    out: dict[int, dict[str, str]] = {}
    rx = re.compile(re.escape(prefix) + r"\.(\d+)(?:\.(.+))?$")
    for k, v in params.items():
        m = rx.match(k)
        if m:
            out.setdefault(int(m.group(1)), {})[m.group(2) or ""] = v[0]
    return [out[i] for i in sorted(out)]


class Ec2Semantics:
    def __init__(self, moto_host: str, moto_port: int, idempotent_ops: dict[str, str]):
        self.lock = threading.RLock()  # serialises the actions handled here
        self.moto = (moto_host, moto_port)
        self.idempotent_ops = idempotent_ops  # action -> token member key
        self.tokens: dict[tuple, tuple] = {}  # (region, action, token) -> (fingerprint, answer)
        self.settling: dict[str, list] = {}  # prefix list id -> [state, describes left]
        self.stats = {"idempotent_replays": 0, "authorize_answers_completed": 0,
                      "version_conflicts": 0, "resizes": 0, "quota_refusals": 0}

    def reset(self):
        with self.lock:
            self.tokens.clear()
            self.settling.clear()
            for k in self.stats:
                self.stats[k] = 0

    def handles(self, action: str) -> bool:
        """Whether the action needs the lock (state read before and changed by moto)."""
        return (action in self.idempotent_ops or "ManagedPrefixList" in action
                or action.startswith("AuthorizeSecurityGroup") or action.startswith("RevokeSecurityGroup"))

    # ------------------------------------------------------------------ helpers
    def _prefix_list(self, region, pl_id):
        pl = _backend(region).managed_prefix_lists.get(pl_id)
        if pl is None or pl.state == "delete-complete":
            raise Violation(400, "InvalidPrefixListID.NotFound",
                            f"The prefix list ID '{pl_id}' does not exist")
        return pl

    @staticmethod
    def _entries(pl):
        if not pl.entries:
            return []
        return list(pl.entries.get(pl.version, []) or [])

    def _max_entries(self, region, pl_id) -> int:
        pl = _backend(region).managed_prefix_lists.get(pl_id)
        if pl is None or pl.max_entries in (None, ""):
            return 1
        return int(pl.max_entries)

    def _family_of_list(self, region, pl_id) -> str:
        pl = _backend(region).managed_prefix_lists.get(pl_id)
        return "v6" if pl is not None and str(pl.address_family).lower() == "ipv6" else "v4"

    def _usage(self, region, group, egress: bool, override: dict | None = None) -> dict[str, int]:
        """Rules used in one direction of a group, per family, prefix lists weighted."""
        use = {"v4": 0, "v6": 0}
        for r in (group.egress_rules if egress else group.ingress_rules):
            if r.prefix_list_id:
                w = (override or {}).get(r.prefix_list_id) or self._max_entries(region, r.prefix_list_id)
                use[self._family_of_list(region, r.prefix_list_id)] += w
            elif (r.ip_range or {}).get("CidrIpv6"):
                use["v6"] += 1
            else:
                use["v4"] += 1
        return use

    def _moto_call(self, region, params: dict[str, str]) -> bytes:
        body = urllib.parse.urlencode({"Version": "2016-11-15", **params})
        conn = http.client.HTTPConnection(*self.moto, timeout=60)
        # moto takes the region from the credential scope; it does not check signatures
        # (the proxy has already checked the real request's).
        auth = (f"AWS4-HMAC-SHA256 Credential=proxy/20200101/{region}/ec2/aws4_request, "
                f"SignedHeaders=host, Signature={'0' * 64}")
        conn.request("POST", "/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Authorization": auth})
        data = conn.getresponse().read()
        conn.close()
        return data

    @staticmethod
    def _check_cidrs(cidrs, family: str):
        want = 6 if str(family).lower() == "ipv6" else 4
        for c in cidrs:
            try:
                net = ipaddress.ip_network(c, strict=False)
            except ValueError:
                raise Violation(400, "InvalidParameterValue", f"The CIDR ({c}) is not valid.") from None
            if net.version != want:
                raise Violation(400, "InvalidParameterValue",
                                f"The CIDR ({c}) does not match the address family of the prefix list.")

    # ------------------------------------------------------------------ idempotency
    def replay(self, region, action, params):
        """The stored answer for a repeated idempotency token, or None."""
        key_name = self.idempotent_ops.get(action)
        token = _single(params, key_name) if key_name else None
        if not token:
            return None, None
        fp = hashlib.sha256(repr(sorted((k, v) for k, v in params.items()
                                        if k != key_name)).encode()).hexdigest()
        got = self.tokens.get((region, action, token))
        if got is None:
            return None, (region, action, token, fp)
        if got[0] != fp:
            raise Violation(400, "IdempotentParameterMismatch",
                            "The client token you have provided is associated with a resource "
                            "that has different parameters.")
        self.stats["idempotent_replays"] += 1
        return got[1], None

    def remember(self, slot, answer):
        if slot is not None and answer[0] == 200:
            region, action, token, fp = slot
            self.tokens[(region, action, token)] = (fp, answer)

    # ------------------------------------------------------------------ before / after
    def before(self, region, action, params) -> dict:
        """Checks moto does not make; raises Violation. Returns context for after()."""
        ctx: dict = {}
        for prefix in ("Entry", "AddEntry", "RemoveEntry"):
            if len(_indexed(params, prefix)) > 100 and "ManagedPrefixList" in action:
                raise Violation(400, "InvalidParameterValue",
                                f"At most 100 {prefix} values are allowed per request.")
        if action == "CreateManagedPrefixList":
            name = _single(params, "PrefixListName", "")
            if name.lower().startswith("com.amazonaws"):
                raise Violation(400, "InvalidParameterValue",
                                "A prefix list name cannot start with com.amazonaws.")
            entries = _indexed(params, "Entry")
            self._check_cidrs([e.get("Cidr", "") for e in entries], _single(params, "AddressFamily", ""))
            if len(entries) > int(_single(params, "MaxEntries", "0")):
                raise Violation(400, "PrefixListMaxEntriesExceeded",
                                "The number of entries exceeds the maximum entries of the prefix list.")
        elif action in ("DescribeManagedPrefixLists",):
            for k, v in params.items():
                if k.startswith("PrefixListId."):
                    pl = _backend(region).managed_prefix_lists.get(v[0])
                    if pl is None:
                        raise Violation(400, "InvalidPrefixListID.NotFound",
                                        f"The prefix list ID '{v[0]}' does not exist")
        elif action == "GetManagedPrefixListEntries":
            self._prefix_list(region, _single(params, "PrefixListId", ""))
        elif action == "DeleteManagedPrefixList":
            pl_id = _single(params, "PrefixListId", "")
            pl = self._prefix_list(region, pl_id)
            users = sorted({g.id for vpc_groups in _backend(region).groups.values() for g in vpc_groups.values()
                            for r in g.egress_rules + g.ingress_rules if r.prefix_list_id == pl_id})
            if users:
                # EC2 accepts the request and the deletion then fails: the list stays,
                # state delete-failed, the message names what references it.
                pl.state = "delete-failed"
                pl.state_message = "The prefix list is referenced by: " + ", ".join(users)
                body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteManagedPrefixListResponse "
                        "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>proxy</requestId>"
                        "<prefixList><prefixListId>%s</prefixListId><state>delete-in-progress</state>"
                        "<prefixListName>%s</prefixListName><maxEntries>%s</maxEntries><version>%s</version>"
                        "</prefixList></DeleteManagedPrefixListResponse>"
                        % (pl_id, xml_escape(str(pl.prefix_list_name or "")), pl.max_entries, pl.version))
                self.settling[pl_id] = ["delete-in-progress", 1]
                ctx = {"answer": (200, [("Content-Type", "text/xml")], body.encode())}
        elif action == "ModifyManagedPrefixList":
            ctx = self._before_modify(region, params)
        elif action in ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"):
            ctx = self._before_authorize(region, action, params)
        return ctx

    def _before_modify(self, region, params):
        pl_id = _single(params, "PrefixListId", "")
        pl = self._prefix_list(region, pl_id)
        if pl_id in self.settling:
            raise Violation(400, "IncorrectState",
                            f"The prefix list {pl_id} is in the {self.settling[pl_id][0]} state.")
        adds = [e.get("Cidr", "") for e in _indexed(params, "AddEntry")]
        self._check_cidrs(adds, pl.address_family)
        removes = [e.get("Cidr", "") for e in _indexed(params, "RemoveEntry")]
        max_entries = _single(params, "MaxEntries")
        if max_entries is not None and (adds or removes):
            raise Violation(400, "InvalidParameterCombination",
                            "You cannot modify the entries and the maximum entries for the prefix "
                            "list in the same request.")
        current = _single(params, "CurrentVersion")
        if current is not None and int(current) != int(pl.version or 0):
            self.stats["version_conflicts"] += 1
            raise Violation(400, "PrefixListVersionMismatch",
                            "The prefix list has the incorrect version number.")
        have = [e.get("Cidr") for e in self._entries(pl)]
        for c in removes:
            if c not in have:
                raise Violation(400, "InvalidPrefixListModification",
                                f"The prefix list entry with CIDR ({c}) does not exist.")
        for c in adds:
            if c in have and c not in removes:
                raise Violation(400, "InvalidPrefixListModification",
                                f"An entry with the CIDR ({c}) already exists.")
        after = len((set(have) - set(removes)) | set(adds))
        ctx = {"pl": pl, "name": pl.prefix_list_name,
               "name_given": "PrefixListName" in params, "resize": None, "failed": None}
        if max_entries is not None:
            n = int(max_entries)
            if n < len(have):
                raise Violation(400, "InvalidParameterValue",
                                f"The maximum number of entries ({n}) is lower than the current "
                                f"number of entries ({len(have)}).")
            # Groups referencing the list must still fit their quota with the new weight.
            be = _backend(region)
            fam = self._family_of_list(region, pl_id)
            for vpc_groups in be.groups.values():
                for g in vpc_groups.values():
                    for egress in (False, True):
                        rules = g.egress_rules if egress else g.ingress_rules
                        if any(r.prefix_list_id == pl_id for r in rules):
                            if self._usage(region, g, egress, {pl_id: n})[fam] > RULES_QUOTA:
                                ctx["failed"] = (f"The following resources do not support the new "
                                                 f"maximum entries: {g.id}")
            ctx["resize"] = n
        elif after > int(pl.max_entries or 0):
            raise Violation(400, "PrefixListMaxEntriesExceeded",
                            f"The prefix list would have {after} entries; its maximum is {pl.max_entries}.")
        return ctx

    def _before_authorize(self, region, action, params):
        gid = _single(params, "GroupId", "")
        group = _backend(region).get_security_group_from_id(gid) if gid else None
        if group is None:
            return {}
        egress = action.endswith("Egress")
        use = self._usage(region, group, egress)
        for perm in _indexed(params, "IpPermissions"):
            for k in perm:
                if re.match(r"IpRanges\.\d+\.CidrIp$", k) or re.match(r"UserIdGroupPairs\.\d+\.GroupId$", k):
                    use["v4"] += 1
                elif re.match(r"Ipv6Ranges\.\d+\.CidrIpv6$", k):
                    use["v6"] += 1
                elif re.match(r"PrefixListIds\.\d+\.PrefixListId$", k):
                    pl = perm[k]
                    use[self._family_of_list(region, pl)] += self._max_entries(region, pl)
        if max(use.values()) > RULES_QUOTA:
            self.stats["quota_refusals"] += 1
            raise Violation(400, "RulesPerSecurityGroupLimitExceeded",
                            "The maximum number of rules per security group has been reached.")
        before = {r.id for r in group.egress_rules + group.ingress_rules}
        return {"group": group, "before": before, "egress": egress}

    def _settle(self, pl_id: str, state: str, data: bytes) -> bytes:
        self.settling[pl_id] = [state, 1]
        return re.sub(rb"<state>[^<]*</state>", b"<state>" + state.encode() + b"</state>", data, count=1)

    def after(self, region, action, params, ctx, status, data: bytes) -> bytes:
        if action == "DeleteManagedPrefixList" and status == 200:
            m = re.search(rb"<prefixListId>([^<]+)</prefixListId>", data)
            return self._settle(m.group(1).decode(), "delete-in-progress", data) if m else data
        if action == "CreateManagedPrefixList" and status == 200:
            m = re.search(rb"<prefixListId>([^<]+)</prefixListId>", data)
            return self._settle(m.group(1).decode(), "create-in-progress", data) if m else data
        if action == "DescribeManagedPrefixLists" and status == 200 and self.settling:
            for pid, got in list(self.settling.items()):
                rx = re.compile(rb"(<prefixListId>" + re.escape(pid.encode()) +
                                rb"</prefixListId>(?:(?!<prefixListId>).)*?<state>)[^<]*(</state>)", re.S)
                data, n = rx.subn(lambda m: m.group(1) + got[0].encode() + m.group(2), data)
                if n:
                    got[1] -= 1
                    if got[1] <= 0:
                        del self.settling[pid]
            return data
        if action == "ModifyManagedPrefixList" and ctx:
            pl = ctx["pl"]
            if not ctx["name_given"]:
                pl.prefix_list_name = ctx["name"]
            if ctx["resize"] is not None and status == 200:
                if ctx["failed"]:
                    pl.state = "modify-failed"
                    pl.state_message = ctx["failed"]
                else:
                    pl.max_entries = ctx["resize"]
                    self.stats["resizes"] += 1
            if status == 200:
                data = re.sub(rb"<maxEntries>[^<]*</maxEntries>",
                              b"<maxEntries>%d</maxEntries>" % int(pl.max_entries or 0), data)
                data = re.sub(rb"<prefixListName>[^<]*</prefixListName>|<prefixListName/>",
                              b"<prefixListName>" + xml_escape(str(pl.prefix_list_name or "")).encode()
                              + b"</prefixListName>", data)
                data = re.sub(rb"<state>[^<]*</state>", b"<state>" + pl.state.encode() + b"</state>", data)
                if pl.state == "modify-complete":
                    data = self._settle(pl.id, "modify-in-progress", data)
            return data
        if action.startswith("AuthorizeSecurityGroup") and ctx and status == 200:
            group = ctx["group"]
            new_rules = [r for r in (group.egress_rules if ctx["egress"] else group.ingress_rules)
                         if r.id not in ctx["before"]]
            created = [r.id for r in new_rules]
            # moto drops the description of a prefix-list peer (it keeps descriptions in the
            # CIDR dict); EC2 keeps it. Put it where moto's describe and modify look for it.
            fixed = False
            wanted = {}
            for perm in _indexed(params, "IpPermissions"):
                for k, v in perm.items():
                    m = re.match(r"PrefixListIds\.(\d+)\.PrefixListId$", k)
                    if m:
                        desc = perm.get(f"PrefixListIds.{m.group(1)}.Description")
                        if desc:
                            wanted[(perm.get("IpProtocol"), str(perm.get("FromPort")), str(perm.get("ToPort")),
                                    v)] = desc
            for r in new_rules:
                key = (r.ip_protocol, str(r.from_port), str(r.to_port), r.prefix_list_id)
                if r.prefix_list_id and key in wanted and not r.ip_range.get("Description"):
                    r.ip_range["Description"] = wanted[key]
                    fixed = True
            listed = len(re.findall(rb"<securityGroupRuleId>", data))
            if created and (listed < len(created) or fixed):
                q = {f"SecurityGroupRuleId.{i + 1}": rid for i, rid in enumerate(created)}
                described = self._moto_call(region, {"Action": "DescribeSecurityGroupRules", **q})
                m = re.search(rb"<securityGroupRuleSet>.*</securityGroupRuleSet>", described, re.S)
                if m:
                    if re.search(rb"<securityGroupRuleSet>.*</securityGroupRuleSet>|<securityGroupRuleSet/>",
                                 data, re.S):
                        data = re.sub(rb"<securityGroupRuleSet>.*</securityGroupRuleSet>|<securityGroupRuleSet/>",
                                      lambda _: m.group(0), data, count=1, flags=re.S)
                    else:
                        data = data.replace(b"</return>", b"</return>" + m.group(0), 1)
                    self.stats["authorize_answers_completed"] += 1
        return data
