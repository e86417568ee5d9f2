#!/usr/bin/env python3
"""Fake Google Compute Engine v1 server for VPC firewall tests (loopback only).

Every Compute request is first checked against the Compute v1 discovery document that
google-api-python-client ships (compute_spec.py: method + path template, parameters,
required and known body fields, types, enums, patterns, the list filter grammar); what the
published definition refuses is answered 400/404 as Compute answers it, before any state is
read. Then it reproduces the parts of the API the provider uses, with the documented shapes:
  * networks: insert / get / delete (delete refuses while firewalls use the network)
  * firewalls: list (filter: AIP-160 or regular-expression expressions, never both, and a
    regular expression on one field only; maxResults <= 500, pageToken), get, insert,
    patch (JSON merge patch; `name` required as the discovery document says), delete
  * Operation objects PENDING -> RUNNING -> DONE, GET .../operations/{op} and
    POST .../operations/{op}/wait (holds until DONE or --wait-max seconds, the documented
    2 minutes by default, then answers with the operation as it is)
  * server-side defaults: priority 1000, INGRESS without sources -> 0.0.0.0/0, EGRESS
    without destinations -> 0.0.0.0/0, lowercase protocols, compressed IPv6, id, selfLink,
    creationTimestamp, kind, logConfig
  * errors {"error": {"code", "message", "errors": [{"message", "domain", "reason"}]}}
    for 400 invalid/required / 401 / 403 / 404 notFound / 409 alreadyExists / 412 / 429
  * QUOTA_EXCEEDED inside the operation when the project firewall quota is full
  * requestId idempotency for writes
  * OAuth2 token endpoint (/token): jwt-bearer grant whose RS256 assertion is verified
    against the service-account key this server generates (kid, iss, aud = token_uri,
    scope, iat/exp window); also refresh_token (authorized_user) and an STS
    token-exchange endpoint (/v1/token) plus iamcredentials generateAccessToken
  * metadata server token endpoint (requires `Metadata-Flavor: Google`)
  * fault injection: POST /_fault {"kind": "throttle|ratelimit403|5xx|drop|slow|opfail",
    "count": N, "method": "POST" (optional), "path": "substring" (optional), "rate": 0.1 and
    "seed": 7 (optional: each matching request faulted with that probability, seeded),
    "after": true (drop after applying the write); opfail ends the next matching operation
    DONE with an error and without applying it: "code": "QUOTA_EXCEEDED" (default),
    "operation": "insert|patch|delete" and "target": "substring of targetLink" (optional),
    "applied": true (the change is made all the same: a client must trust only what it
    reads back, not its guess of what a failed operation left)}
  * GET /_stats (calls per operation kind), POST /_config {"firewall_quota": N,
    "op_steps": N, "op_seconds": S, "wait_max": S, "token_lifetime": S}

Prints one JSON line when ready (including the discovery document's revision) and runs
until stdin closes or SIGTERM."""

import argparse
import base64
import copy
import datetime
import ipaddress
import json
import os
import random
import re
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from compute_spec import ApiError, ComputeSpec, parse_filter

NAME_RE = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
PORT_PROTOCOLS = {"tcp", "udp", "sctp"}
KNOWN_PROTOCOLS = {"tcp", "udp", "icmp", "esp", "ah", "sctp", "ipip", "all"}
COMPUTE_SCOPES = {
    "https://www.googleapis.com/auth/compute",
    "https://www.googleapis.com/auth/cloud-platform",
}
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
MUTABLE_PATCH_FIELDS = {
    "allowed", "denied", "description", "sourceRanges", "destinationRanges", "sourceTags",
    "targetTags", "sourceServiceAccounts", "targetServiceAccounts", "priority", "disabled",
    "logConfig",
}
# Output-only fields, and `params` (input only, not persisted): accepted and not stored.
OUTPUT_FIELDS = {"kind", "id", "creationTimestamp", "selfLink", "params"}


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=-8))).isoformat(
        timespec="milliseconds")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class State:
    def __init__(self, project, base_url, args):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.project = project
        self.base_url = base_url
        self.networks = {}      # name -> resource
        self.firewalls = {}     # name -> resource
        self.operations = {}    # name -> operation dict (+ "_apply", "_steps")
        self.request_ids = {}   # requestId -> operation name
        self.tokens = {}        # token -> expiry (epoch)
        self.faults = []        # list of dicts
        self.stats = {}
        self.next_id = 1000000000000000000
        self.firewall_quota = args.firewall_quota
        self.op_steps = args.op_steps
        self.op_seconds = args.op_seconds
        self.wait_max = args.wait_max
        self.token_lifetime = args.token_lifetime
        self.sa_key = None
        self.sa_public = None
        self.sts_subject_tokens = set()

    def new_id(self):
        self.next_id += 7919
        return str(self.next_id)

    def count(self, kind):
        with self.lock:
            self.stats[kind] = self.stats.get(kind, 0) + 1
            self.stats["total"] = self.stats.get("total", 0) + 1

    def issue_token(self):
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.time() + self.token_lifetime
        return token

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if f["count"] <= 0:
                    continue
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f.get("path") and f["path"] not in path:
                    continue
                if f["kind"] == "opfail":
                    continue  # consumed when an operation completes
                if f.get("rate") is not None:  # seeded: reproducible for a given request order
                    f["draws"] = f.get("draws", 0) + 1
                    if random.Random("%s:%d" % (f.get("seed", 0), f["draws"])).random() >= f["rate"]:
                        continue
                f["count"] -= 1
                return dict(f)
        return None

    def take_opfail(self, op):
        with self.lock:
            for f in self.faults:
                if f["kind"] != "opfail" or f["count"] <= 0:
                    continue
                if f.get("operation") and f["operation"] != op["operationType"]:
                    continue
                if f.get("target") and f["target"] not in op["targetLink"]:
                    continue
                f["count"] -= 1
                return dict(f)
        return None

    # ---- operations -------------------------------------------------------------------
    def project_url(self):
        return f"{self.base_url}/compute/v1/projects/{self.project}"

    def new_operation(self, op_type, target_link, apply_fn):
        name = "operation-%d-%s" % (int(time.time() * 1000), secrets.token_hex(6))
        op = {
            "kind": "compute#operation", "id": self.new_id(), "name": name,
            "operationType": op_type, "targetLink": target_link, "targetId": self.new_id(),
            "status": "PENDING", "progress": 0, "insertTime": now_rfc3339(),
            "user": "fake@example.iam.gserviceaccount.com",
            "selfLink": f"{self.project_url()}/global/operations/{name}",
        }
        op["_apply"] = apply_fn
        op["_steps"] = self.op_steps
        # An operation is never DONE before op_seconds have passed (a slow operation, to
        # see operations/wait hold and the client wait again).
        op["_due"] = time.monotonic() + float(self.op_seconds)
        self.operations[name] = op
        # Operations also finish on their own, as real ones do.
        threading.Timer(max(0.02 * max(1, self.op_steps), float(self.op_seconds)),
                        self.finish_due, args=(name,)).start()
        return op

    def finish_due(self, name):
        with self.cond:
            op = self.operations.get(name)
            while op and op["status"] != "DONE":
                left = op["_due"] - time.monotonic()
                if left > 0:
                    self.cond.wait(left)
                    continue
                self.advance(op)
            self.cond.notify_all()

    def advance(self, op):
        """Moves an operation one step: PENDING -> RUNNING -> ... -> DONE."""
        if op["status"] == "DONE":
            return
        if op["status"] == "PENDING":
            op["status"] = "RUNNING"
            op["startTime"] = now_rfc3339()
            op["progress"] = 0
            if op["_steps"] > 1:
                return
        if time.monotonic() < op["_due"]:
            op["progress"] = 50
            return
        op["_steps"] -= 1
        if op["_steps"] > 0:
            op["progress"] = 50
            return
        fault = self.take_opfail(op)
        code = fault.get("code", "QUOTA_EXCEEDED") if fault else None
        err = None
        if fault and fault.get("applied"):
            op["_apply"]()  # the change is made, yet the operation reports an error
        if code is None:
            try:
                op["_apply"]()
            except ApiError as e:
                err = (e.code, e.reason, e.message, {
                    "alreadyExists": "RESOURCE_ALREADY_EXISTS", "notFound": "RESOURCE_NOT_FOUND",
                    "quotaExceeded": "QUOTA_EXCEEDED",
                    "resourceInUseByAnotherResource": "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE",
                }.get(e.reason, "INVALID_USAGE"))
        else:
            msgs = {"QUOTA_EXCEEDED": (403, "Quota 'FIREWALLS' exceeded.  Limit: %d.0 globally." %
                                       self.firewall_quota),
                    "RESOURCE_NOT_READY": (400, "The resource is not ready")}
            status, msg = msgs.get(code, (400, "Operation failed: " + code))
            err = (status, code, msg, code)
        op["status"] = "DONE"
        op["progress"] = 100
        op["endTime"] = now_rfc3339()
        if err:
            status, _reason, msg, code = err
            op["error"] = {"errors": [{"code": code, "message": msg}]}
            op["httpErrorStatusCode"] = status
            op["httpErrorMessage"] = {400: "BAD REQUEST", 403: "FORBIDDEN", 404: "NOT FOUND",
                                      409: "CONFLICT"}.get(status, "ERROR")

    def public_op(self, op):
        return {k: v for k, v in op.items() if not k.startswith("_")}


# ---- validation helpers -------------------------------------------------------------------
def canonical_range(text):
    try:
        if "/" not in text:
            net = ipaddress.ip_network(text)
        else:
            addr, plen = text.split("/", 1)
            iface = ipaddress.ip_interface(f"{addr}/{int(plen)}")
            net = iface.network if iface.version == 4 else None
            if iface.version == 6:
                # The API reports IPv6 ranges compressed, host bits as given.
                return f"{iface.ip.compressed}/{iface.network.prefixlen}", 6
        return str(net), net.version
    except ValueError:
        raise ApiError(400, "invalid", f"Invalid value for field 'resource.sourceRanges': "
                       f"'{text}'. Must be a valid IPV4 or IPV6 CIDR.")


def check_ports(proto, ports, field):
    if ports and proto not in PORT_PROTOCOLS:
        raise ApiError(400, "invalid", f"Invalid value for field '{field}': ports are only "
                       "allowed for tcp, udp and sctp.")
    for p in ports:
        m = re.fullmatch(r"(\d{1,5})(?:-(\d{1,5}))?", str(p))
        if not m:
            raise ApiError(400, "invalid", f"Invalid value for field '{field}': '{p}'. "
                           "Invalid port specification.")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo > 65535 or hi > 65535 or lo > hi:
            raise ApiError(400, "invalid", f"Invalid value for field '{field}': '{p}'. "
                           "Invalid port range.")


def normalize_rules(rules, field):
    if not isinstance(rules, list):
        raise ApiError(400, "invalid", f"Invalid value for field 'resource.{field}'.")
    out = []
    for i, r in enumerate(rules):
        if not isinstance(r, dict) or "IPProtocol" not in r:
            raise ApiError(400, "required",
                           f"Required field 'resource.{field}[{i}].IPProtocol' not specified")
        proto = str(r["IPProtocol"]).lower()
        if proto not in KNOWN_PROTOCOLS and not (proto.isdigit() and 0 <= int(proto) <= 255):
            raise ApiError(400, "invalid", f"Invalid value for field 'resource.{field}[{i}]"
                           f".IPProtocol': '{r['IPProtocol']}'. Invalid IP protocol.")
        ports = r.get("ports") or []
        check_ports(proto, ports, f"resource.{field}[{i}].ports")
        e = {"IPProtocol": proto}
        if ports:
            e["ports"] = [str(p) for p in ports]
        out.append(e)
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeCompute/1.0"
    state: State = None  # set by main
    spec: ComputeSpec = None  # set by main

    def log_message(self, fmt, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the
        # client's delayed ACK adds ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ---- plumbing -----------------------------------------------------------------------
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_error_obj(self, err: ApiError, headers=None):
        self.send_json(err.code, err.body(), headers)

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method):
        st = self.state
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        body = self.read_body()
        try:
            if path == "/_fault" and method == "POST":
                f = json.loads(body or b"{}")
                if f.get("kind") not in ("throttle", "ratelimit403", "5xx", "drop", "slow", "opfail"):
                    raise ApiError(400, "invalid", "unknown fault kind")
                f.setdefault("count", 1)
                with st.lock:
                    st.faults.append(f)
                return self.send_json(200, {"ok": True})
            if path == "/_fault" and method == "DELETE":
                with st.lock:
                    cleared, st.faults = st.faults, []
                return self.send_json(200, {"ok": True, "cleared": cleared})
            if path == "/_stats":
                with st.lock:
                    if method == "DELETE":
                        st.stats.clear()
                    return self.send_json(200, dict(st.stats))
            if path == "/_config" and method == "POST":
                c = json.loads(body or b"{}")
                with st.lock:
                    for k in ("firewall_quota", "op_steps", "op_seconds", "wait_max",
                              "token_lifetime"):
                        if k in c:
                            setattr(st, k, c[k])
                return self.send_json(200, {"ok": True})
            if path == "/token" and method == "POST":
                st.count("POST token")
                return self.token(body)
            if path == "/v1/token" and method == "POST":
                st.count("POST sts.token")
                return self.sts(body)
            m = re.fullmatch(r"/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken", path)
            if m and method == "POST":
                st.count("POST iamcredentials.generateAccessToken")
                self.require_token()
                return self.generate_access_token(m.group(1), body)
            if path == "/computeMetadata/v1/instance/service-accounts/default/token":
                st.count("GET metadata.token")
                if self.headers.get("Metadata-Flavor") != "Google":
                    data = b"Missing required header: Metadata-Flavor\n"
                    self.send_response(403)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    return self.wfile.write(data)
                return self.send_json(200, {"access_token": st.issue_token(),
                                            "expires_in": int(st.token_lifetime),
                                            "token_type": "Bearer"},
                                      {"Metadata-Flavor": "Google"})
            if path.startswith("/compute/v1/"):
                return self.compute(method, path, query, body)
            raise ApiError(404, "notFound", f"The requested URL {path} was not found.")
        except ApiError as e:
            self.send_error_obj(e)

    # ---- auth ----------------------------------------------------------------------------
    def require_token(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            raise ApiError(401, "required", "Request is missing required authentication credential.")
        token = auth[len("Bearer "):]
        with self.state.lock:
            exp = self.state.tokens.get(token)
        if exp is None or exp < time.time():
            raise ApiError(401, "authError", "Request had invalid authentication credentials. "
                           "Expected OAuth 2 access token.")

    def oauth_error(self, error, desc, status=400):
        self.send_json(status, {"error": error, "error_description": desc})

    def token(self, body):
        st = self.state
        if "application/x-www-form-urlencoded" not in (self.headers.get("Content-Type") or ""):
            return self.oauth_error("invalid_request", "Content-Type must be form-urlencoded")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if form.get("refresh_token") != "fake-refresh-token":
                return self.oauth_error("invalid_grant", "Bad refresh token")
            return self.send_json(200, {"access_token": st.issue_token(),
                                        "expires_in": int(st.token_lifetime),
                                        "token_type": "Bearer"})
        if grant != JWT_BEARER:
            return self.oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")
        assertion = form.get("assertion", "")
        parts = assertion.split(".")
        if len(parts) != 3:
            return self.oauth_error("invalid_grant", "Invalid JWT: not three segments")
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except (ValueError, json.JSONDecodeError):
            return self.oauth_error("invalid_grant", "Invalid JWT: bad encoding")
        if header.get("alg") != "RS256":
            return self.oauth_error("invalid_grant", "Invalid JWT: alg must be RS256")
        if header.get("kid") not in (None, st.sa_key["private_key_id"]):
            return self.oauth_error("invalid_grant", "Invalid JWT Signature.")
        try:
            st.sa_public.verify(sig, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(),
                                hashes.SHA256())
        except InvalidSignature:
            return self.oauth_error("invalid_grant", "Invalid JWT Signature.")
        now = time.time()
        if claims.get("iss") != st.sa_key["client_email"]:
            return self.oauth_error("invalid_grant", "Invalid JWT: iss is not a known account")
        if claims.get("aud") != st.sa_key["token_uri"]:
            return self.oauth_error("invalid_grant", "Invalid JWT: aud must be the token URI")
        scopes = set(str(claims.get("scope", "")).split())
        if not scopes & COMPUTE_SCOPES:
            return self.oauth_error("invalid_scope", "Invalid JWT: no compute scope requested")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int):
            return self.oauth_error("invalid_grant", "Invalid JWT: iat and exp must be integers")
        if iat > now + 300 or exp < now - 300 or exp <= iat or exp - iat > 3600:
            return self.oauth_error("invalid_grant", "Invalid JWT: Token must be a short-lived "
                                    "token (60 minutes) and in a reasonable timeframe.")
        return self.send_json(200, {"access_token": st.issue_token(),
                                    "expires_in": int(st.token_lifetime),
                                    "token_type": "Bearer"})

    def sts(self, body):
        st = self.state
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        if form.get("grant_type") != TOKEN_EXCHANGE:
            return self.send_json(400, {"error": "invalid_request",
                                        "error_description": "Invalid grant_type"})
        for f in ("audience", "subject_token", "subject_token_type", "requested_token_type"):
            if not form.get(f):
                return self.send_json(400, {"error": "invalid_request",
                                            "error_description": f"Missing {f}"})
        if form["subject_token"] not in st.sts_subject_tokens:
            return self.send_json(400, {"error": "invalid_grant",
                                        "error_description": "The subject token is invalid"})
        return self.send_json(200, {"access_token": st.issue_token(),
                                    "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                                    "token_type": "Bearer",
                                    "expires_in": int(st.token_lifetime)})

    def generate_access_token(self, email, body):
        req = json.loads(body or b"{}")
        if not req.get("scope"):
            raise ApiError(400, "badRequest", "scope is required")
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
            seconds=int(self.state.token_lifetime))
        return self.send_json(200, {"accessToken": self.state.issue_token(),
                                    "expireTime": exp.strftime("%Y-%m-%dT%H:%M:%SZ")})

    # ---- compute -------------------------------------------------------------------------
    def compute(self, method, path, query, body):
        st = self.state
        m = re.fullmatch(r"/compute/v1/projects/([^/]+)/global/(networks|firewalls|operations)"
                         r"(?:/([^/]+))?(/wait)?", path)
        kind = "unknown"
        if m:
            coll, name, wait = m.group(2), m.group(3), m.group(4)
            if coll == "operations":
                kind = "operations.wait" if wait else "operations.get"
            elif name is None:
                kind = {"GET": f"{coll}.list", "POST": f"{coll}.insert"}.get(method, coll)
            else:
                kind = {"GET": f"{coll}.get", "PATCH": f"{coll}.patch",
                        "DELETE": f"{coll}.delete", "PUT": f"{coll}.update"}.get(method, coll)
        st.count(f"{method} {kind}")
        fault = st.take_fault(method, path)
        if fault:
            k = fault["kind"]
            if k == "throttle":
                return self.send_error_obj(ApiError(429, "rateLimitExceeded",
                                                    "Rate Limit Exceeded"), {"Retry-After": "0"})
            if k == "ratelimit403":
                return self.send_error_obj(ApiError(403, fault.get("reason", "rateLimitExceeded"),
                                                    "Rate Limit Exceeded", "usageLimits"))
            if k == "5xx":
                return self.send_error_obj(ApiError(503, "backendError", "Backend Error"))
            if k == "slow":
                time.sleep(float(fault.get("seconds", 2)))
            if k == "drop" and not fault.get("after"):
                return self.drop()
        self.require_token()
        # Everything the published definition refuses is refused before any state is read.
        self.spec.validate(method, path, query, body)
        if not m or m.group(1) != st.project:
            raise ApiError(404, "notFound", f"The resource '{path}' was not found")
        coll, name, wait = m.group(2), m.group(3), m.group(4)
        with st.cond:
            if coll == "operations":
                result = self.operation(method, name, wait)
            elif coll == "networks":
                result = self.networks(method, name, query, body)
            else:
                result = self.firewalls(method, name, query, body)
        if fault and fault["kind"] == "drop":  # "after": the write happened, the answer is lost
            return self.drop()
        self.send_json(200, result)

    def body_json(self, body):
        try:
            obj = json.loads(body or b"{}")
        except json.JSONDecodeError as e:
            raise ApiError(400, "parseError", f"Parse Error: {e}")
        if not isinstance(obj, dict):
            raise ApiError(400, "invalid", "Invalid JSON payload received.")
        return obj

    def idempotent(self, query, make_op):
        st = self.state
        rid = (query.get("requestId") or [""])[0]
        if rid:
            if not re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                                r"[0-9a-fA-F]{12}", rid):
                raise ApiError(400, "invalid", "Invalid value for field 'requestId': "
                               f"'{rid}'. Must be a valid UUID.")
            if rid in st.request_ids:
                return st.public_op(st.operations[st.request_ids[rid]])
        op = make_op()
        if rid:
            st.request_ids[rid] = op["name"]
        return st.public_op(op)

    def operation(self, method, name, wait):
        st = self.state
        op = st.operations.get(name)
        if op is None:
            raise ApiError(404, "notFound", f"The resource 'projects/{st.project}/global/"
                           f"operations/{name}' was not found")
        if wait:
            if method != "POST":
                raise ApiError(405, "httpMethodNotAllowed", "wait requires POST")
            deadline = time.time() + float(st.wait_max)
            st.advance(op)
            while op["status"] != "DONE" and time.time() < deadline:
                st.cond.wait(timeout=max(0.0, deadline - time.time()))
        elif method == "GET":
            st.advance(op)
        else:
            raise ApiError(405, "httpMethodNotAllowed", "method not allowed")
        return st.public_op(op)

    def network_link(self, name):
        return f"{self.state.project_url()}/global/networks/{name}"

    def resolve_network(self, ref):
        st = self.state
        if not ref:
            ref = "global/networks/default"
        m = re.search(r"(?:projects/([^/]+)/)?global/networks/([^/]+)$", ref)
        if not m:
            raise ApiError(400, "invalid", f"Invalid value for field 'resource.network': '{ref}'. "
                           "The URL is malformed.")
        if (m.group(1) and m.group(1) != st.project) or m.group(2) not in st.networks:
            raise ApiError(404, "notFound", f"The resource 'projects/{m.group(1) or st.project}/"
                           f"global/networks/{m.group(2)}' was not found")
        return self.network_link(m.group(2))

    def networks(self, method, name, query, body):
        st = self.state
        if name is None and method == "GET":
            items = [copy.deepcopy(n) for _, n in sorted(st.networks.items())]
            out = {"kind": "compute#networkList", "id": f"projects/{st.project}/global/networks",
                   "selfLink": f"{st.project_url()}/global/networks"}
            if items:
                out["items"] = items
            return out
        if name is None and method == "POST":
            obj = self.body_json(body)
            nname = obj.get("name", "")
            if not NAME_RE.match(nname or ""):
                raise ApiError(400, "invalid", f"Invalid value for field 'resource.name': "
                               f"'{nname}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{{0,61}}"
                               "[a-z0-9])?)'")
            if nname in st.networks:
                raise ApiError(409, "alreadyExists", f"The resource 'projects/{st.project}/global/"
                               f"networks/{nname}' already exists")

            def apply():
                if nname in st.networks:
                    raise ApiError(409, "alreadyExists", "already exists")
                st.networks[nname] = {
                    "kind": "compute#network", "id": st.new_id(), "name": nname,
                    "creationTimestamp": now_rfc3339(), "selfLink": self.network_link(nname),
                    "autoCreateSubnetworks": bool(obj.get("autoCreateSubnetworks", True)),
                    "routingConfig": {"routingMode": "REGIONAL"},
                    "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL",
                }
            return self.idempotent(query, lambda: st.new_operation(
                "insert", self.network_link(nname), apply))
        if name is not None and method == "GET":
            if name not in st.networks:
                raise ApiError(404, "notFound", f"The resource 'projects/{st.project}/global/"
                               f"networks/{name}' was not found")
            return copy.deepcopy(st.networks[name])
        if name is not None and method == "DELETE":
            if name not in st.networks:
                raise ApiError(404, "notFound", f"The resource 'projects/{st.project}/global/"
                               f"networks/{name}' was not found")

            def apply():
                link = self.network_link(name)
                users = [f for f in st.firewalls.values() if f["network"] == link]
                if users:
                    raise ApiError(400, "resourceInUseByAnotherResource",
                                   f"The network resource 'projects/{st.project}/global/networks/"
                                   f"{name}' is already being used by 'projects/{st.project}/"
                                   f"global/firewalls/{users[0]['name']}'")
                st.networks.pop(name, None)
            return self.idempotent(query, lambda: st.new_operation(
                "delete", self.network_link(name), apply))
        raise ApiError(405, "httpMethodNotAllowed", "method not allowed")

    # firewalls --------------------------------------------------------------------------
    def firewall_link(self, name):
        return f"{self.state.project_url()}/global/firewalls/{name}"

    def build_firewall(self, obj, existing=None):
        """Validates a full firewall body and returns the stored resource with defaults."""
        unknown = set(obj) - MUTABLE_PATCH_FIELDS - OUTPUT_FIELDS - {"name", "network", "direction"}
        if unknown:
            raise ApiError(400, "invalid", "Invalid JSON payload received. Unknown name "
                           f"\"{sorted(unknown)[0]}\" at 'resource': Cannot find field.")
        name = obj.get("name")
        if not name:
            raise ApiError(400, "required", "Required field 'resource.name' not specified")
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ApiError(400, "invalid", f"Invalid value for field 'resource.name': '{name}'. "
                           "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'")
        direction = obj.get("direction", "INGRESS")
        if direction not in ("INGRESS", "EGRESS"):
            raise ApiError(400, "invalid", f"Invalid value for field 'resource.direction': "
                           f"'{direction}'.")
        priority = obj.get("priority", 1000)
        if not isinstance(priority, int) or not 0 <= priority <= 65535:
            raise ApiError(400, "invalid", f"Invalid value for field 'resource.priority': "
                           f"'{priority}'. Must be greater than or equal to 0 and less than "
                           "or equal to 65535.")
        allowed, denied = obj.get("allowed") or [], obj.get("denied") or []
        if bool(allowed) == bool(denied):
            raise ApiError(400, "invalid", "Invalid value for field 'resource': exactly one of "
                           "'allowed' or 'denied' must be specified.")
        f = {"kind": "compute#firewall", "name": name, "direction": direction,
             "priority": priority, "description": obj.get("description", ""),
             "network": self.resolve_network(obj.get("network")),
             "disabled": bool(obj.get("disabled", False))}
        if allowed:
            f["allowed"] = normalize_rules(allowed, "allowed")
        if denied:
            f["denied"] = normalize_rules(denied, "denied")
        if len(str(f["description"])) > 2048:
            raise ApiError(400, "invalid", "Invalid value for field 'resource.description': "
                           "too long (maximum 2048 characters).")
        for field in ("sourceRanges", "destinationRanges"):
            vals = obj.get(field) or []
            if len(vals) > 5000:
                raise ApiError(400, "invalid", f"Invalid value for field 'resource.{field}': "
                               "too many ranges (maximum 5000).")
            if vals:
                canon = [canonical_range(str(v)) for v in vals]
                if len({v for _, v in canon}) > 1:
                    raise ApiError(400, "invalid", f"Invalid value for field 'resource.{field}':"
                                   " IPv4 and IPv6 ranges cannot be mixed in one rule.")
                f[field] = [c for c, _ in canon]
        for field in ("sourceTags", "targetTags", "sourceServiceAccounts", "targetServiceAccounts"):
            vals = obj.get(field) or []
            if vals:
                f[field] = list(vals)
        if f.get("targetTags") and f.get("targetServiceAccounts"):
            raise ApiError(400, "invalid", "Invalid value for field 'resource.targetTags': "
                           "targetTags and targetServiceAccounts cannot both be set.")
        if f.get("sourceTags") and f.get("sourceServiceAccounts"):
            raise ApiError(400, "invalid", "Invalid value for field 'resource.sourceTags': "
                           "sourceTags and sourceServiceAccounts cannot both be set.")
        if direction == "INGRESS" and not (f.get("sourceRanges") or f.get("sourceTags") or
                                           f.get("sourceServiceAccounts")):
            f["sourceRanges"] = ["0.0.0.0/0"]
        if direction == "EGRESS" and not f.get("destinationRanges"):
            f["destinationRanges"] = ["0.0.0.0/0"]
        log = obj.get("logConfig") or {}
        f["logConfig"] = {"enable": bool(log.get("enable", False))}
        if f["logConfig"]["enable"]:
            f["logConfig"]["metadata"] = log.get("metadata", "INCLUDE_ALL_METADATA")
        if existing:
            f["id"], f["creationTimestamp"] = existing["id"], existing["creationTimestamp"]
        else:
            f["id"], f["creationTimestamp"] = self.state.new_id(), now_rfc3339()
        f["selfLink"] = self.firewall_link(name)
        return f

    def firewalls(self, method, name, query, body):
        st = self.state
        if name is None and method == "GET":
            return self.list_firewalls(query)
        if name is None and method == "POST":
            f = self.build_firewall(self.body_json(body))
            fname = f["name"]
            rid = (query.get("requestId") or [""])[0]
            if fname in st.firewalls and not (rid and rid in st.request_ids):
                raise ApiError(409, "alreadyExists", f"The resource 'projects/{st.project}/global/"
                               f"firewalls/{fname}' already exists")

            def apply():
                if fname in st.firewalls:
                    raise ApiError(409, "alreadyExists", f"The resource 'projects/{st.project}/"
                                   f"global/firewalls/{fname}' already exists")
                if len(st.firewalls) >= int(st.firewall_quota):
                    raise ApiError(403, "quotaExceeded", "Quota 'FIREWALLS' exceeded.  Limit: "
                                   f"{st.firewall_quota}.0 globally.")
                st.firewalls[fname] = f
            return self.idempotent(query, lambda: st.new_operation(
                "insert", self.firewall_link(fname), apply))
        if name is None:
            raise ApiError(405, "httpMethodNotAllowed", "method not allowed")
        if name not in st.firewalls and not (method == "DELETE" and
                                             (query.get("requestId") or [""])[0] in st.request_ids):
            raise ApiError(404, "notFound", f"The resource 'projects/{st.project}/global/"
                           f"firewalls/{name}' was not found")
        if method == "GET":
            return copy.deepcopy(st.firewalls[name])
        if method == "DELETE":
            def apply():
                if name not in st.firewalls:
                    raise ApiError(404, "notFound", f"The resource 'projects/{st.project}/global/"
                                   f"firewalls/{name}' was not found")
                del st.firewalls[name]
            return self.idempotent(query, lambda: st.new_operation(
                "delete", self.firewall_link(name), apply))
        if method in ("PATCH", "PUT"):
            patch = self.body_json(body)
            current = st.firewalls[name]
            for immutable in ("name", "network", "direction"):
                if immutable in patch and patch[immutable] is not None:
                    given = patch[immutable]
                    have = current[immutable]
                    if immutable == "network":
                        given = self.resolve_network(given)
                    if given != have:
                        raise ApiError(400, "invalid", f"Invalid value for field 'resource."
                                       f"{immutable}': '{patch[immutable]}'. Cannot be changed.")
            if method == "PUT":
                merged = {k: v for k, v in patch.items() if k in MUTABLE_PATCH_FIELDS}
                for keep in ("name", "network", "direction", "priority", "logConfig", "disabled"):
                    merged.setdefault(keep, current.get(keep))
            else:
                merged = {k: v for k, v in current.items() if k not in OUTPUT_FIELDS}
                for k, v in patch.items():  # JSON merge patch: null removes, value replaces
                    if k in OUTPUT_FIELDS:
                        continue
                    if v is None:
                        merged.pop(k, None)
                    else:
                        merged[k] = v
            updated = self.build_firewall(merged, existing=current)

            def apply():
                if name not in st.firewalls:
                    raise ApiError(404, "notFound", "firewall vanished")
                st.firewalls[name] = updated
            return self.idempotent(query, lambda: st.new_operation(
                "patch" if method == "PATCH" else "update", self.firewall_link(name), apply))
        raise ApiError(405, "httpMethodNotAllowed", "method not allowed")

    def list_firewalls(self, query):
        st = self.state
        try:
            max_results = int((query.get("maxResults") or ["500"])[0])
        except ValueError:
            raise ApiError(400, "invalid", "Invalid value for field 'maxResults'")
        if not 0 <= max_results <= 500:
            raise ApiError(400, "invalid", f"Invalid value for field 'maxResults': "
                           f"'{max_results}'. Must be less than or equal to 500")
        if max_results == 0:
            max_results = 500
        flt = (query.get("filter") or [""])[0]
        preds = parse_filter(flt)
        items = [f for _, f in sorted(st.firewalls.items()) if all(p(f) for p in preds)]
        token = (query.get("pageToken") or [""])[0]
        start = 0
        if token:
            try:
                t = json.loads(b64url_decode(token))
                start, tf = int(t["o"]), t["f"]
            except (ValueError, KeyError, TypeError):
                raise ApiError(400, "invalid", "Invalid value for field 'pageToken'")
            if tf != flt:
                raise ApiError(400, "invalid", "Invalid value for field 'pageToken': the filter "
                               "changed between pages")
        page = items[start:start + max_results]
        out = {"kind": "compute#firewallList", "id": f"projects/{st.project}/global/firewalls",
               "selfLink": f"{st.project_url()}/global/firewalls"}
        if page:
            out["items"] = [copy.deepcopy(f) for f in page]
        if start + max_results < len(items):
            out["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(
                {"o": start + max_results, "f": flt}).encode()).decode().rstrip("=")
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", default="oah-test-project")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--firewall-quota", type=int, default=500)
    ap.add_argument("--op-steps", type=int, default=2,
                    help="observations (GET/wait) an operation needs before DONE")
    ap.add_argument("--op-seconds", type=float, default=0.0,
                    help="least time an operation takes before it can be DONE")
    ap.add_argument("--wait-max", type=float, default=120.0,
                    help="longest operations/wait blocks before answering not DONE (the "
                         "documented default deadline is 2 minutes)")
    ap.add_argument("--discovery", default="",
                    help="compute.v1.json to validate against (default: the one "
                         "google-api-python-client ships)")
    ap.add_argument("--token-lifetime", type=int, default=3600)
    ap.add_argument("--network", action="append", default=[],
                    help="networks to create at start (repeatable)")
    ap.add_argument("--workdir", default="")
    args = ap.parse_args()

    try:
        Handler.spec = ComputeSpec(args.discovery or None)
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        print(f"fake Compute server: cannot load the discovery document: {e}", file=sys.stderr)
        sys.exit(2)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}"
    st = State(args.project, base, args)
    Handler.state = st

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    st.sa_public = key.public_key()
    st.sa_key = {
        "type": "service_account", "project_id": args.project,
        "private_key_id": secrets.token_hex(20), "private_key": pem,
        "client_email": f"oah-tests@{args.project}.iam.gserviceaccount.com",
        "client_id": str(10 ** 20 + secrets.randbelow(10 ** 20)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": f"{base}/token",
    }
    workdir = args.workdir or tempfile.mkdtemp(prefix="gcp-fake-")
    cred_path = os.path.join(workdir, "sa.json")
    fd = os.open(cred_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(st.sa_key, fh)
    # A subject token for workload identity federation tests.
    subject = "fake-oidc-" + secrets.token_urlsafe(16)
    st.sts_subject_tokens.add(subject)
    subject_path = os.path.join(workdir, "subject_token.txt")
    with open(subject_path, "w") as fh:
        fh.write(subject + "\n")
    for n in ["default"] + args.network:
        st.networks[n] = {"kind": "compute#network", "id": st.new_id(), "name": n,
                          "creationTimestamp": now_rfc3339(),
                          "selfLink": f"{base}/compute/v1/projects/{args.project}/global/networks/{n}",
                          "autoCreateSubnetworks": True}

    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    print(json.dumps({
        "compute_endpoint": base, "token_endpoint": f"{base}/token",
        "metadata_endpoint": base, "sts_endpoint": f"{base}/v1/token",
        "iamcredentials_endpoint": base, "project": args.project,
        "credentials_file": cred_path, "subject_token_file": subject_path,
        "client_email": st.sa_key["client_email"], "control": f"{base}/_fault",
        **Handler.spec.describe(),
    }), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def watch_stdin():
        try:
            while sys.stdin.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()
    threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
