"""Loopback cloud fakes for the acceptance suite, and small clients that act "behind Terraform's
back" (set-up, drift, foreign rules) through each cloud's real API paths.

Each fake is a Python script under tests/fakes/<cloud>/server.py that binds 127.0.0.1 on an
ephemeral port, prints ONE JSON line when ready and runs until its stdin closes.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import select
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

REPO = pathlib.Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60.0


class FakeProcess:
    """Starts `tests/fakes/<cloud>/server.py` and reads its ready line."""

    def __init__(self, cloud: str, log_dir: pathlib.Path, args: tuple[str, ...] = ()):
        self.cloud = cloud
        self.args = tuple(args)  # extra command-line options for the fake
        self.script = REPO / "tests" / "fakes" / cloud / "server.py"
        self.log_path = log_dir / f"{cloud}-fake.log"
        self.proc: subprocess.Popen | None = None
        self.info: dict[str, Any] = {}

    def start(self) -> dict[str, Any]:
        if not self.script.is_file():
            raise AssertionError(f"{self.cloud} fake missing: {self.script}")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, str(self.script), *self.args], cwd=REPO,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True)
        deadline = time.monotonic() + READY_TIMEOUT
        line = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                break
        if not line.strip():
            self.stop()
            raise AssertionError(f"{self.cloud} fake did not print its ready line within "
                                 f"{READY_TIMEOUT}s; log:\n{self.log_path.read_text()[-4000:]}")
        try:
            self.info = json.loads(line)
        except json.JSONDecodeError as e:
            self.stop()
            raise AssertionError(f"{self.cloud} fake printed a non-JSON ready line: {line!r}") from e
        return self.info

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self._log.close()


def http_json(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
              form: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, Any, dict[str, str]]:
    """A tiny HTTP client (stdlib only). Returns (status, parsed JSON or text or None, headers)."""
    data = None
    hdrs = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw, rh = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        status, raw, rh = e.code, e.read(), dict(e.headers)
    if not raw:
        return status, None, rh
    try:
        return status, json.loads(raw), rh
    except json.JSONDecodeError:
        return status, raw.decode(errors="replace"), rh


def _control_url(control: str, path: str) -> str:
    """The fakes' control endpoint is `<base>/_fault`; `_stats` sits next to it."""
    base = control.rsplit("/_fault", 1)[0] if control.endswith("/_fault") else control.rstrip("/")
    return f"{base}/{path}"


def inject_fault(control: str, **fault: Any) -> None:
    status, body, _ = http_json("POST", _control_url(control, "_fault"), body=fault)
    if status >= 300:
        raise AssertionError(f"fault injection {fault} refused: {status} {body}")


def fault_stats(control: str) -> Any:
    status, body, _ = http_json("GET", _control_url(control, "_stats"))
    if status >= 300:
        raise AssertionError(f"fault stats failed: {status} {body}")
    return body


# ----------------------------------------------------------------------------- AWS
AWS_REGION = "us-east-1"
AWS_CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def ec2_client(endpoint: str):
    import boto3
    from botocore.config import Config
    return boto3.client("ec2", region_name=AWS_REGION, endpoint_url=endpoint,
                        config=Config(retries={"max_attempts": 10, "mode": "standard"}), **AWS_CREDS)


class AwsEnv:
    """EC2 set-up and out-of-band edits against the emulator (through moto directly, so fault
    injection aimed at the provider never hits the test's own calls)."""

    def __init__(self, info: dict[str, Any]):
        self.endpoint = info["endpoint"]
        self.control = info.get("control") or f"{self.endpoint}/_fault"
        self.ec2 = ec2_client(info.get("moto") or self.endpoint)

    def create_vpc_and_groups(self, n: int = 1) -> tuple[str, list[str]]:
        vpc = self.ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        groups = []
        for _ in range(n):
            name = f"acc-{uuid.uuid4().hex[:10]}"
            groups.append(self.ec2.create_security_group(
                GroupName=name, Description="acceptance test group", VpcId=vpc)["GroupId"])
        return vpc, groups

    def rules(self, group_id: str) -> list[dict[str, Any]]:
        out, token = [], None
        while True:
            kw = {"Filters": [{"Name": "group-id", "Values": [group_id]}]}
            if token:
                kw["NextToken"] = token
            page = self.ec2.describe_security_group_rules(**kw)
            out.extend(page["SecurityGroupRules"])
            token = page.get("NextToken")
            if not token:
                return out

    @staticmethod
    def is_default_egress(rule: dict[str, Any]) -> bool:
        return (rule.get("IsEgress") and rule.get("IpProtocol") == "-1"
                and rule.get("CidrIpv4") == "0.0.0.0/0" and not rule.get("Description"))

    def remove_default_egress(self, group_id: str) -> None:
        """Drops the "all traffic out" rule every new group gets (an egress allowlist is only
        meaningful without it)."""
        for r in self.rules(group_id):
            if self.is_default_egress(r):
                self.revoke(group_id, r)

    def add_foreign_egress(self, group_id: str, port: int = 8443, cidr: str = "198.51.100.0/24",
                           description: str = "corp proxy (not managed by office)") -> dict[str, Any]:
        self.ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "IpRanges": [{"CidrIp": cidr, "Description": description}]}])
        for r in self.rules(group_id):
            if r.get("CidrIpv4") == cidr and r.get("FromPort") == port:
                return r
        raise AssertionError("foreign rule not visible after authorize")

    def owned_rules(self, group_id: str, foreign_ids: set[str]) -> list[dict[str, Any]]:
        """Everything in a group the test made itself except the default egress rule and
        the test's foreign rules: i.e. what the provider created."""
        return [r for r in self.rules(group_id)
                if r["SecurityGroupRuleId"] not in foreign_ids and not self.is_default_egress(r)]

    def revoke(self, group_id: str, rule: dict[str, Any]) -> None:
        ids = [rule["SecurityGroupRuleId"]]
        if rule["IsEgress"]:
            self.ec2.revoke_security_group_egress(GroupId=group_id, SecurityGroupRuleIds=ids)
        else:
            self.ec2.revoke_security_group_ingress(GroupId=group_id, SecurityGroupRuleIds=ids)

    def redescribe(self, group_id: str, rule: dict[str, Any], description: str) -> None:
        req: dict[str, Any] = {"IpProtocol": rule["IpProtocol"], "Description": description}
        if rule.get("FromPort") is not None:
            req["FromPort"] = rule["FromPort"]
            req["ToPort"] = rule["ToPort"]
        for k in ("CidrIpv4", "CidrIpv6", "PrefixListId"):
            if rule.get(k):
                req[k] = rule[k]
        self.ec2.modify_security_group_rules(GroupId=group_id, SecurityGroupRules=[
            {"SecurityGroupRuleId": rule["SecurityGroupRuleId"], "SecurityGroupRule": req}])

    def drain_faults(self) -> None:
        """Consumes faults still queued on the proxy (they are count-based and would otherwise
        hit the next test) by sending throw-away calls through it, one per pending fault."""
        from botocore.config import Config
        import boto3
        import botocore.exceptions
        client = boto3.client("ec2", region_name=AWS_REGION, endpoint_url=self.endpoint,
                              config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                            connect_timeout=5, read_timeout=5), **AWS_CREDS)
        _, (scratch,) = self.create_vpc_and_groups(1)
        for _ in range(500):
            pending = fault_stats(self.control).get("pending_faults") or []
            if not pending:
                return
            action = pending[0].get("action") or "DescribeSecurityGroups"
            try:
                if action == "AuthorizeSecurityGroupEgress":
                    client.authorize_security_group_egress(GroupId=scratch, IpPermissions=[{
                        "IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
                        "IpRanges": [{"CidrIp": "192.0.2.1/32"}]}])
                else:
                    client.describe_security_groups(GroupIds=[scratch])
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                pass
        raise AssertionError(f"could not drain pending faults: {fault_stats(self.control)}")

    def prefix_lists(self, name: str) -> list[dict[str, Any]]:
        """Live prefix lists of that name (moto keeps deleted ones as delete-complete)."""
        lists = self.ec2.describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [name]}])["PrefixLists"]
        return [p for p in lists if p.get("State") not in ("delete-complete", "delete-in-progress")]

    def prefix_list_entries(self, pl_id: str) -> list[str]:
        return [e["Cidr"] for e in
                self.ec2.get_managed_prefix_list_entries(PrefixListId=pl_id)["Entries"]]


def aws_rule_tuple(r: dict[str, Any]) -> tuple:
    """(direction, protocol, from, to, peer) as EC2 reports one rule."""
    peer = r.get("CidrIpv4") or r.get("CidrIpv6") or r.get("PrefixListId")
    return ("egress" if r["IsEgress"] else "ingress", r["IpProtocol"].lower(),
            r.get("FromPort"), r.get("ToPort"), peer)


def split_port(spec: str, default_protocol: str = "") -> tuple[str, str]:
    """A rule's port entry is "<transport>/<range>" ("udp/10000-19999", "tcp/443"); a bare
    range takes the rule's protocol."""
    spec = str(spec).strip()
    if "/" in spec:
        proto, rng = spec.split("/", 1)
        return proto.lower(), rng
    return default_protocol.lower(), spec


def parse_ports(spec: str) -> tuple[int, int]:
    _, rng = split_port(spec)
    if "-" in rng:
        a, b = rng.split("-", 1)
        return int(a), int(b)
    return int(rng), int(rng)


def state_rule_tuples(rules: dict[str, Any], prefix_list_id: str | None = None) -> set[tuple]:
    """Expands the allowlist's `rules` attribute into per-peer tuples comparable with EC2's
    (one EC2 rule per protocol, port range and peer)."""
    out = set()
    for rule in rules.values():
        peers = list(rule.get("cidrs") or [])
        if not peers:
            pl = rule.get("prefix_list") or prefix_list_id
            if pl:
                peers = [pl]
        for spec in rule.get("ports") or []:
            proto, _ = split_port(spec, rule.get("protocol", ""))
            lo, hi = parse_ports(spec)
            for peer in peers:
                out.add((rule["direction"].lower(), proto, lo, hi, peer))
    return out


# ----------------------------------------------------------------------------- Azure
AZURE_NETWORK_API = "2024-05-01"
AZURE_RG_API = "2021-04-01"


class AzureEnv:
    """ARM calls against the fake: resource groups, NSGs and security rules."""

    def __init__(self, info: dict[str, Any]):
        self.info = info
        self.arm = info["arm_endpoint"].rstrip("/")
        self.subscription = info["subscription_id"]
        self._token: str | None = None

    def token(self) -> str:
        if self._token:
            return self._token
        base = self.info["token_endpoint"].rstrip("/")
        url = base if "oauth2" in base else f"{base}/{self.info['tenant_id']}/oauth2/v2.0/token"
        status, body, _ = http_json("POST", url, form={
            "grant_type": "client_credentials", "client_id": self.info["client_id"],
            "client_secret": self.info["client_secret"],
            "scope": "https://management.azure.com/.default"})
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise AssertionError(f"Azure fake token request failed: {status} {body}")
        self._token = body["access_token"]
        return self._token

    def call(self, method: str, path: str, body: Any = None, api: str = AZURE_NETWORK_API,
             expect: tuple[int, ...] = (200, 201, 202, 204)) -> Any:
        url = f"{self.arm}{path}{'&' if '?' in path else '?'}api-version={api}"
        status, data, headers = http_json(method, url, body=body,
                                          headers={"Authorization": f"Bearer {self.token()}"})
        if status not in expect:
            raise AssertionError(f"ARM {method} {path} -> {status}: {data}")
        # ARM answers an update with 200 and still runs it asynchronously: follow the
        # operation whenever there is one, as az and the SDKs do.
        if method in ("PUT", "DELETE") and (status in (201, 202) or any(
                h.lower() == "azure-asyncoperation" for h in headers)):
            self._wait(headers)
        return data

    def _wait(self, headers: dict[str, str]) -> None:
        """Follows Azure-AsyncOperation / Location until the operation completes."""
        url = headers.get("Azure-AsyncOperation") or headers.get("azure-asyncoperation") \
            or headers.get("Location") or headers.get("location")
        if not url:
            return
        for _ in range(100):
            status, data, _ = http_json("GET", url, headers={"Authorization": f"Bearer {self.token()}"})
            if status == 202:
                time.sleep(0.05)
                continue
            if isinstance(data, dict) and data.get("status") in ("InProgress", "Running"):
                time.sleep(0.05)
                continue
            if isinstance(data, dict) and data.get("status") in ("Failed", "Canceled"):
                raise AssertionError(f"ARM async operation failed: {data}")
            return
        raise AssertionError(f"ARM async operation did not finish: {url}")

    def rg_path(self, rg: str) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{rg}"

    def create_nsg(self, location: str = "eastus") -> str:
        rg = f"acc-{uuid.uuid4().hex[:8]}"
        self.call("PUT", self.rg_path(rg), {"location": location}, api=AZURE_RG_API)
        nsg_id = f"{self.rg_path(rg)}/providers/Microsoft.Network/networkSecurityGroups/nsg-{rg}"
        self.call("PUT", nsg_id, {"location": location, "properties": {}})
        return nsg_id

    def rules(self, nsg_id: str) -> list[dict[str, Any]]:
        out, path = [], f"{nsg_id}/securityRules"
        url = f"{self.arm}{path}?api-version={AZURE_NETWORK_API}"
        while url:
            status, data, _ = http_json("GET", url, headers={"Authorization": f"Bearer {self.token()}"})
            if status != 200:
                raise AssertionError(f"ARM list rules -> {status}: {data}")
            out.extend(data.get("value", []))
            url = data.get("nextLink")
        return out

    def put_rule(self, nsg_id: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
        return self.call("PUT", f"{nsg_id}/securityRules/{name}", {"properties": props})

    def get_rule(self, nsg_id: str, name: str) -> dict[str, Any]:
        return self.call("GET", f"{nsg_id}/securityRules/{name}")

    def delete_rule(self, nsg_id: str, name: str) -> None:
        self.call("DELETE", f"{nsg_id}/securityRules/{name}")


def azure_foreign_rule(priority: int, direction: str = "Outbound") -> dict[str, Any]:
    return {"protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "198.51.100.0/24", "destinationPortRange": "8443",
            "access": "Allow", "priority": priority, "direction": direction,
            "description": "corp proxy (not managed by office)"}


# ----------------------------------------------------------------------------- GCP
class GcpEnv:
    """Compute v1 calls against the fake, authenticated like a service account would."""

    def __init__(self, info: dict[str, Any]):
        self.info = info
        base = info["compute_endpoint"].rstrip("/")
        if base.endswith("/compute/v1"):
            base = base[: -len("/compute/v1")]
        self.base = f"{base}/compute/v1"
        self.project = info["project"]
        self.key = json.loads(pathlib.Path(info["credentials_file"]).read_text())
        self._token: str | None = None

    def token(self) -> str:
        if self._token:
            return self._token
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        token_uri = self.key.get("token_uri") or self.info["token_endpoint"]
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT"}
        if self.key.get("private_key_id"):
            header["kid"] = self.key["private_key_id"]
        claims = {"iss": self.key["client_email"], "aud": token_uri, "iat": now, "exp": now + 3600,
                  "scope": "https://www.googleapis.com/auth/compute"}

        def b64(b: bytes) -> str:
            return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        key = serialization.load_pem_private_key(self.key["private_key"].encode(), password=None)
        sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        status, body, _ = http_json("POST", token_uri, form={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": f"{signing_input}.{b64(sig)}"})
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise AssertionError(f"GCP fake token request failed: {status} {body}")
        self._token = body["access_token"]
        return self._token

    def call(self, method: str, path: str, body: Any = None,
             expect: tuple[int, ...] = (200,)) -> Any:
        status, data, _ = http_json(method, f"{self.base}/projects/{self.project}{path}", body=body,
                                    headers={"Authorization": f"Bearer {self.token()}"})
        if status not in expect:
            raise AssertionError(f"Compute {method} {path} -> {status}: {data}")
        if isinstance(data, dict) and data.get("kind") == "compute#operation":
            self._wait(data)
        return data

    def _wait(self, op: dict[str, Any]) -> None:
        for _ in range(100):
            if op.get("status") == "DONE":
                if op.get("error"):
                    raise AssertionError(f"Compute operation failed: {op['error']}")
                return
            status, op, _ = http_json("POST", f"{self.base}/projects/{self.project}/global/operations/"
                                      f"{op['name']}/wait",
                                      headers={"Authorization": f"Bearer {self.token()}"})
            if status != 200:
                raise AssertionError(f"Compute operation wait -> {status}: {op}")
        raise AssertionError("Compute operation did not finish")

    def create_network(self) -> str:
        name = f"acc-{uuid.uuid4().hex[:10]}"
        self.call("POST", "/global/networks", {"name": name, "autoCreateSubnetworks": False})
        return name

    def firewalls(self, network: str | None = None) -> list[dict[str, Any]]:
        out, token = [], None
        while True:
            q = "?maxResults=500" + (f"&pageToken={urllib.parse.quote(token)}" if token else "")
            data = self.call("GET", f"/global/firewalls{q}")
            out.extend(data.get("items", []))
            token = data.get("nextPageToken")
            if not token:
                break
        if network:
            out = [f for f in out if f.get("network", "").rstrip("/").endswith(f"/networks/{network}")]
        return out

    def insert_firewall(self, body: dict[str, Any]) -> None:
        self.call("POST", "/global/firewalls", body)

    def patch_firewall(self, name: str, body: dict[str, Any]) -> None:
        # compute.firewalls.patch requires `name` in the body (the fake enforces it).
        self.call("PATCH", f"/global/firewalls/{name}", {"name": name, **body})

    def delete_firewall(self, name: str) -> None:
        self.call("DELETE", f"/global/firewalls/{name}")

    def network_url(self, network: str) -> str:
        return f"{self.base}/projects/{self.project}/global/networks/{network}"


def gcp_foreign_firewall(env: GcpEnv, network: str, name: str) -> dict[str, Any]:
    return {"name": name, "network": env.network_url(network), "direction": "EGRESS",
            "priority": 900, "destinationRanges": ["198.51.100.0/24"],
            "allowed": [{"IPProtocol": "tcp", "ports": ["8443"]}],
            "description": "corp proxy (not managed by office)"}


def environ_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")
