#!/usr/bin/env python3
"""Loopback fake of the Azure Resource Manager slice the provider uses, plus Entra ID.

Every Microsoft.Network request is checked against the published 2024-05-01 specification
(excerpt kept as test data, tests/testdata/azure/spec/, checked by arm_spec.py): path
template and method, api-version, and the body (unknown, read-only and missing required
properties, types, int32, enums), answered with ARM's error shape
{"error": {"code", "message"}} and 400 (404/405 for paths and methods).

Behaviour as documented: a security rule carries its NSG's etag (W/"guid"), which moves on
every write to the NSG, so after one write every rule's etag is stale; If-Match is checked
against it. The specification declares no If-None-Match for security rules: the fake
ignores it (a create over an existing name overwrites, as the worst case of the real
service). Writes are long-running operations (PUT -> 201/200 + Azure-AsyncOperation +
Retry-After, provisioningState Updating, then InProgress polls, then Succeeded; DELETE ->
202 + Location), one at a time per NSG (409 AnotherOperationInProgress + Retry-After while
one runs); nextLink paging; 429 with Retry-After on request.

Also serves a fake Entra ID token endpoint (/{tenant}/oauth2/v2.0/token: client secret or
an RS256 client assertion verified against the registered certificate, or a federated
token minted by this server's fake OIDC issuer), a fake IMDS endpoint, and a GitHub
Actions style OIDC request endpoint.

Test control (no auth): POST /_fault {"kind": "throttle|5xx|busy|retryable|drop|drop_before|
slow|op_failed|op_canceled", "count": N, "method": "PUT", "path_kind": "rule",
"delay_ms": 2000, "rate": 0.1, "seed": 7} ("rate": each matching request faulted with that
probability, seeded); DELETE /_fault clears pending faults and returns them; GET /_stats;
POST /_stats/reset. op_failed: the write is accepted and its operation ends Failed (the rule
keeps the new content with provisioningState Failed); op_canceled: the operation ends Canceled
(superseded: the rule's earlier content stays, a created rule is gone).

Prints ONE JSON line when ready, then serves until stdin closes or SIGTERM.
All listening is on 127.0.0.1 with an ephemeral port.
"""

import argparse
import base64
import datetime
import hashlib
import ipaddress
import json
import os
import random
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit, quote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from arm_spec import Spec, SpecViolation

SPEC = Spec()
API_VERSION = SPEC.version
RG_API_VERSIONS = {"2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01"}
RULE_NAME_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$")
NSG_NAME_RE = RULE_NAME_RE
PORT_RE = re.compile(r"^(\*|\d{1,5}|\d{1,5}-\d{1,5})$")
TAG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$")
PROTOCOLS = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "esp": "Esp", "ah": "Ah", "*": "*"}
DEFAULT_RULES = [
    ("AllowVnetInBound", "Inbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow",
     "Allow inbound traffic from all VMs in VNET"),
    ("AllowAzureLoadBalancerInBound", "Inbound", 65001, "AzureLoadBalancer", "*", "Allow",
     "Allow inbound traffic from azure load balancer"),
    ("DenyAllInBound", "Inbound", 65500, "*", "*", "Deny", "Deny all inbound traffic"),
    ("AllowVnetOutBound", "Outbound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow",
     "Allow outbound traffic from all VMs to all VMs in VNET"),
    ("AllowInternetOutBound", "Outbound", 65001, "*", "Internet", "Allow",
     "Allow outbound traffic from all VMs to Internet"),
    ("DenyAllOutBound", "Outbound", 65500, "*", "*", "Deny", "Deny all outbound traffic"),
]
MAX_RULES = 1000
MAX_PREFIXES_PER_SIDE = 4000


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_etag():
    return 'W/"%s"' % uuid.uuid4()


class ArmError(Exception):
    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}

    def body(self):
        err = {"code": self.code, "message": self.message}
        if self.details:
            err["details"] = self.details
        return {"error": err}


class State:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.args = args
        self.subscription = args.subscription or str(uuid.uuid4())
        self.tenant = args.tenant or str(uuid.uuid4())
        self.client_id = args.client_id or str(uuid.uuid4())
        self.client_secret = args.client_secret or b64url(os.urandom(24))
        self.github_request_token = b64url(os.urandom(18))
        self.tokens = {}  # opaque token -> expiry epoch
        self.used_jti = set()
        self.resource_groups = {}  # lower name -> dict
        self.nsgs = {}  # (lower rg, lower nsg) -> dict
        self.operations = {}  # id -> dict
        self.faults = []
        self.stats = {}
        self._make_keys()

    def _make_keys(self):
        # The app registration's certificate (the client holds the key), and the fake OIDC
        # issuer key for federated tokens.
        self.tmpdir = tempfile.mkdtemp(prefix="azure-fake-")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "terraform-provider-office-test")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .sign(key, hashes.SHA256()))
        der = cert.public_bytes(serialization.Encoding.DER)
        self.cert_public_key = cert.public_key()
        self.cert_x5t = b64url(hashlib.sha1(der).digest())
        self.cert_x5t256 = b64url(hashlib.sha256(der).digest())
        self.cert_path = os.path.join(self.tmpdir, "client.pem")
        with open(self.cert_path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        self.oidc_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def mint_oidc(self, audience="api://AzureADTokenExchange", ttl=600):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": "fake-oidc"}
        claims = {"iss": "https://token.actions.example.invalid", "aud": audience,
                  "sub": "repo:example/repo:ref:refs/heads/main", "iat": now, "nbf": now,
                  "exp": now + ttl, "jti": str(uuid.uuid4())}
        si = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = self.oidc_key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())
        return si + "." + b64url(sig)

    def issue_token(self):
        tok = "fake-arm-" + b64url(os.urandom(24))
        self.tokens[tok] = time.time() + self.args.token_ttl
        return tok


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeARM/1.0"
    state = None  # set at start-up

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle plus delayed ACKs
        # add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.state.args.verbose:
            sys.stderr.write("fake-arm: " + (fmt % args) + "\n")

    # ------------------------------------------------------------------ plumbing
    def _send(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _error(self, e):
        self._send(e.status, e.body(), e.headers)

    def _base(self):
        return "http://" + self.headers.get("Host", "127.0.0.1")

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self._dispatch("GET")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def _count(self, method, kind):
        with self.state.lock:
            key = method + " " + kind
            self.state.stats[key] = self.state.stats.get(key, 0) + 1

    def _dispatch(self, method):
        st = self.state
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query, keep_blank_values=True)
        body = self._body()
        try:
            if path == "/_fault" and method == "POST":
                spec = json.loads(body or b"{}")
                if spec.get("kind") not in ("throttle", "5xx", "busy", "retryable", "drop",
                                            "drop_before", "slow", "op_failed",
                                            "op_canceled"):
                    raise ArmError(400, "InvalidFault", "unknown fault kind")
                spec.setdefault("count", 1)
                with st.lock:
                    st.faults.append(spec)
                return self._send(200, {"queued": spec})
            if path == "/_fault" and method == "DELETE":  # clears pending faults, returns them
                with st.lock:
                    cleared, st.faults = st.faults, []
                return self._send(200, {"cleared": cleared})
            if path == "/_stats" and method == "GET":
                with st.lock:
                    return self._send(200, dict(st.stats))
            if path == "/_stats/reset" and method == "POST":
                with st.lock:
                    st.stats.clear()
                return self._send(200, {})
            if path.startswith("/_oidc/github"):
                self._count(method, "oidc")
                return self._github_oidc(query)
            if path == "/metadata/identity/oauth2/token":
                self._count(method, "imds")
                return self._imds(query)
            m = re.match(r"^/([^/]+)/oauth2/v2\.0/token$", path)
            if m and method == "POST":
                self._count(method, "token")
                return self._token(m.group(1), body)
            if path.lower().startswith("/subscriptions/"):
                return self._arm(method, path, query, body)
            raise ArmError(404, "NotFound", "No route for %s %s" % (method, path))
        except ArmError as e:
            return self._error(e)
        except (BrokenPipeError, ConnectionResetError):
            return None

    # --------------------------------------------------------------------- Entra
    def _token_error(self, status, code, desc):
        self._send(status, {"error": code, "error_description": desc,
                            "error_codes": [int(re.match(r"AADSTS(\d+)", desc).group(1)) if desc.startswith("AADSTS") else 0],
                            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                            "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())})

    def _token(self, tenant, body):
        st = self.state
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != \
                "application/x-www-form-urlencoded":
            return self._token_error(400, "invalid_request",
                                     "AADSTS900144: The request body must be form-urlencoded.")
        if tenant != st.tenant:
            return self._token_error(400, "invalid_request",
                                     "AADSTS90002: Tenant '%s' not found." % tenant)
        if form.get("grant_type") != "client_credentials":
            return self._token_error(400, "unsupported_grant_type",
                                     "AADSTS70003: The grant type is not supported.")
        if form.get("client_id") != st.client_id:
            return self._token_error(400, "unauthorized_client",
                                     "AADSTS700016: Application not found in the directory.")
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return self._token_error(400, "invalid_scope",
                                     "AADSTS1002012: The provided value for scope is not valid.")
        if "client_secret" in form:
            if form["client_secret"] != st.client_secret:
                return self._token_error(401, "invalid_client",
                                         "AADSTS7000215: Invalid client secret provided.")
        elif form.get("client_assertion_type") == \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            err = self._check_assertion(tenant, form.get("client_assertion", ""))
            if err:
                return self._token_error(401, "invalid_client", err)
        else:
            return self._token_error(400, "invalid_request",
                                     "AADSTS900144: The request body must contain "
                                     "'client_secret' or 'client_assertion'.")
        with st.lock:
            tok = st.issue_token()
        ttl = st.args.token_ttl
        return self._send(200, {"token_type": "Bearer", "expires_in": ttl,
                                "ext_expires_in": ttl, "access_token": tok})

    def _check_assertion(self, tenant, jwt):
        st = self.state
        parts = jwt.split(".")
        if len(parts) != 3:
            return "AADSTS50027: JWT token is invalid or malformed."
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except Exception:
            return "AADSTS50027: JWT token is invalid or malformed."
        if header.get("alg") != "RS256":
            return "AADSTS5002738: Invalid JWT token. 'alg' must be RS256."
        now = time.time()
        signing_input = (parts[0] + "." + parts[1]).encode()
        if header.get("kid") == "fake-oidc":
            key = st.oidc_key.public_key()
            if claims.get("aud") != "api://AzureADTokenExchange":
                return "AADSTS700212: No matching federated identity record found for audience."
        else:
            if header.get("x5t#S256") not in (None, st.cert_x5t256) or \
                    header.get("x5t") not in (None, st.cert_x5t) or \
                    ("x5t#S256" not in header and "x5t" not in header):
                return "AADSTS700027: The certificate with identifier used to sign the client " \
                       "assertion is not registered on application."
            key = st.cert_public_key
            expected_aud = self._base() + "/" + tenant + "/oauth2/v2.0/token"
            if claims.get("aud") != expected_aud:
                return "AADSTS700016: Invalid audience in client assertion: %s" % claims.get("aud")
            if claims.get("iss") != st.client_id or claims.get("sub") != st.client_id:
                return "AADSTS700021: Client assertion application identifier doesn't match " \
                       "'client_id' parameter."
            jti = claims.get("jti")
            if not jti:
                return "AADSTS700024: Client assertion has no jti."
            with st.lock:
                if jti in st.used_jti:
                    return "AADSTS700025: Client assertion replayed (jti already used)."
                st.used_jti.add(jti)
        try:
            key.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return "AADSTS7000274: Client assertion signature is invalid."
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(exp, int) or exp < now - 300:
            return "AADSTS700024: Client assertion is not within its valid time range."
        if isinstance(nbf, int) and nbf > now + 300:
            return "AADSTS700024: Client assertion is not yet valid."
        return None

    def _github_oidc(self, query):
        st = self.state
        auth = self.headers.get("Authorization", "")
        if auth != "Bearer " + st.github_request_token:
            return self._send(401, {"message": "Bad credentials"})
        audience = (query.get("audience") or ["api://AzureADTokenExchange"])[0]
        return self._send(200, {"count": 1, "value": st.mint_oidc(audience)})

    def _imds(self, query):
        st = self.state
        if self.headers.get("Metadata", "").lower() != "true":
            return self._send(400, {"error": "invalid_request",
                                    "error_description": "Required metadata header not specified"})
        if (query.get("api-version") or [""])[0] != "2018-02-01":
            return self._send(400, {"error": "invalid_request",
                                    "error_description": "api-version is invalid"})
        resource = (query.get("resource") or [""])[0]
        if not resource:
            return self._send(400, {"error": "invalid_request",
                                    "error_description": "Required audience parameter not specified"})
        with st.lock:
            tok = st.issue_token()
        ttl = st.args.token_ttl
        return self._send(200, {"access_token": tok, "client_id": st.client_id,
                                "expires_in": str(ttl), "expires_on": str(int(time.time()) + ttl),
                                "ext_expires_in": str(ttl), "not_before": str(int(time.time())),
                                "resource": resource, "token_type": "Bearer"})

    # ----------------------------------------------------------------------- ARM
    def _auth(self):
        st = self.state
        auth = self.headers.get("Authorization", "")
        www = ('Bearer authorization_uri="%s/%s", error="invalid_token", '
               'error_description="The authentication failed because of missing '
               "'Authorization' header.\"" % (self._base(), st.tenant))
        if not auth.startswith("Bearer "):
            raise ArmError(401, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is missing.",
                           headers={"WWW-Authenticate": www})
        tok = auth[len("Bearer "):]
        with st.lock:
            exp = st.tokens.get(tok)
        if exp is None:
            raise ArmError(401, "InvalidAuthenticationToken",
                           "The access token is invalid.",
                           headers={"WWW-Authenticate": www.replace("missing 'Authorization' header",
                                                                    "invalid access token")})
        if exp < time.time():
            raise ArmError(401, "ExpiredAuthenticationToken",
                           "The access token expiry UTC time is earlier than current UTC time.",
                           headers={"WWW-Authenticate": www})

    def _inject_fault(self, method, kind):
        """Returns True when the request was consumed by a fault."""
        st = self.state
        with st.lock:
            fault = None
            for f in st.faults:
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f.get("path_kind") and f["path_kind"] != kind:
                    continue
                if f.get("rate") is not None:  # seeded: reproducible for a given request order
                    f["draws"] = f.get("draws", 0) + 1
                    if random.Random("%s:%d" % (f.get("seed", 0), f["draws"])).random() >= f["rate"]:
                        continue
                fault = f
                break
            if fault is None:
                return None
            fault["count"] -= 1
            if fault["count"] <= 0:
                st.faults.remove(fault)
        return dict(fault)

    def _arm(self, method, path, query, body):
        st = self.state
        segs = [s for s in path.split("/") if s]
        low = [s.lower() for s in segs]
        kind = self._kind(low)
        self._count(method, kind)
        fault = self._inject_fault(method, kind)
        if fault:
            k = fault["kind"]
            ra = str(st.args.retry_after)
            if k == "throttle":
                raise ArmError(429, "SubscriptionRequestsThrottled",
                               "Number of requests for subscription '%s' and operation "
                               "'%s' exceeded the backend storage limit." % (st.subscription, method),
                               headers={"Retry-After": ra})
            if k == "5xx":
                raise ArmError(500, "InternalServerError",
                               "Encountered internal server error. Please try again.")
            if k == "busy":
                raise ArmError(409, "AnotherOperationInProgress",
                               "Another operation on this or dependent resource is in progress.",
                               headers={"Retry-After": ra})
            if k == "retryable":
                raise ArmError(429, "RetryableError",
                               "A retryable error occurred.",
                               details=[{"code": "RetryableErrorDueToAnotherOperation",
                                         "message": "Operation is not allowed because another "
                                                    "operation is in progress."}],
                               headers={"Retry-After": ra})
            if k == "drop_before":
                self.close_connection = True
                return None
            if k == "slow":
                time.sleep(fault.get("delay_ms", 2000) / 1000.0)
        # Parameter checks, in ARM's order: api-version, then authentication, then body.
        self._op_fault = fault["kind"] if fault and fault["kind"] in (
            "op_failed", "op_canceled") else None
        if kind in ("nsg", "nsg_list", "rules_list", "rule", "default_rules") or (
                len(low) >= 6 and low[2] == "resourcegroups" and low[4] == "providers" and
                low[5] == "microsoft.network"):
            try:
                SPEC.check_api_version(query)
                self._auth()
                SPEC.check_request(method, path, query, body)
            except SpecViolation as e:
                raise ArmError(e.status, e.code, e.message)
            if low[1] != st.subscription.lower():
                raise ArmError(404, "SubscriptionNotFound",
                               "The subscription '%s' could not be found." % segs[1])
            with st.lock:
                self._complete_due_operations()
                status, resp, headers = self._route(method, segs, low, query, body)
            if fault and fault["kind"] == "drop":
                self.close_connection = True
                return None
            return self._send(status, resp, headers)
        versions = query.get("api-version")
        if not versions or not versions[0]:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all "
                           "requests.")
        allowed = RG_API_VERSIONS if kind.startswith("rg") else {API_VERSION}
        if versions[0] not in allowed:
            raise ArmError(400, "InvalidApiVersionParameter",
                           "The api-version '%s' is invalid. The supported versions are '%s'."
                           % (versions[0], "', '".join(sorted(allowed))))
        self._auth()
        if low[1] != st.subscription.lower():
            raise ArmError(404, "SubscriptionNotFound",
                           "The subscription '%s' could not be found." % segs[1])
        with st.lock:
            self._complete_due_operations()
            status, resp, headers = self._route(method, segs, low, query, body)
        if fault and fault["kind"] == "drop":
            # The write happened; the answer is lost.
            self.close_connection = True
            return None
        return self._send(status, resp, headers)

    @staticmethod
    def _kind(low):
        n = len(low)
        if n >= 4 and low[2] == "providers" and "operations" in low:
            return "operation"
        if n >= 4 and low[2] == "providers" and "operationresults" in low:
            return "operation_result"
        if n == 4 and low[2] == "resourcegroups":
            return "rg"
        if n == 8 and low[6] == "networksecuritygroups":
            return "nsg"
        if n == 7 and low[6] == "networksecuritygroups":
            return "nsg_list"
        if n == 9 and low[8] == "securityrules":
            return "rules_list"
        if n == 10 and low[8] == "securityrules":
            return "rule"
        if n >= 9 and low[8] == "defaultsecurityrules":
            return "default_rules"
        return "other"

    def _route(self, method, segs, low, query, body):
        n = len(low)
        if n == 8 and low[2] == "providers" and low[3] == "microsoft.network" and \
                low[4] == "locations" and low[6] in ("operations", "operationresults"):
            return self._operation(low[6], segs[7])
        if n < 4 or low[2] != "resourcegroups":
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found.")
        rg = low[3]
        if n == 4:
            return self._rg(method, segs[3], body)
        if self.state.resource_groups.get(rg) is None:
            raise ArmError(404, "ResourceGroupNotFound",
                           "Resource group '%s' could not be found." % segs[3])
        if n < 7 or low[4] != "providers" or low[5] != "microsoft.network" or \
                low[6] != "networksecuritygroups":
            raise ArmError(404, "InvalidResourceType", "The resource type could not be found.")
        if n == 7 and method == "GET":
            items = [self._nsg_view(v) for (g, _), v in sorted(self.state.nsgs.items()) if g == rg]
            return 200, {"value": items}, {}
        if n == 8:
            return self._nsg(method, rg, segs[7], body)
        nsg = self.state.nsgs.get((rg, low[7]))
        if nsg is None:
            raise ArmError(404, "ResourceNotFound",
                           "The Resource 'Microsoft.Network/networkSecurityGroups/%s' under "
                           "resource group '%s' was not found." % (segs[7], segs[3]))
        if n == 9 and low[8] == "securityrules" and method == "GET":
            return self._list_rules(nsg, query)
        if n == 9 and low[8] == "defaultsecurityrules" and method == "GET":
            return 200, {"value": nsg["default"]}, {}
        if n == 10 and low[8] == "defaultsecurityrules" and method == "GET":
            for r in nsg["default"]:
                if r["name"].lower() == low[9]:
                    return 200, r, {}
            raise ArmError(404, "NotFound", "Default security rule not found.")
        if n == 10 and low[8] == "securityrules":
            return self._rule(method, nsg, segs[9], body)
        raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed.")

    # ------------------------------------------------------------ resource groups
    def _rg(self, method, name, body):
        st = self.state
        key = name.lower()
        rid = "/subscriptions/%s/resourceGroups/%s" % (st.subscription, name)
        if method == "PUT":
            try:
                spec = json.loads(body or b"{}")
            except ValueError:
                raise ArmError(400, "InvalidRequestContent", "The request content was invalid.")
            if not spec.get("location"):
                raise ArmError(400, "LocationRequired", "The location property is required.")
            existed = key in st.resource_groups
            st.resource_groups[key] = {"id": rid, "name": name, "type":
                                       "Microsoft.Resources/resourceGroups",
                                       "location": spec["location"],
                                       "properties": {"provisioningState": "Succeeded"}}
            return (200 if existed else 201), st.resource_groups[key], {}
        if method == "GET":
            if key not in st.resource_groups:
                raise ArmError(404, "ResourceGroupNotFound",
                               "Resource group '%s' could not be found." % name)
            return 200, st.resource_groups[key], {}
        raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed.")

    # ----------------------------------------------------------------------- NSGs
    def _new_operation(self, nsg, kind, on_done):
        st = self.state
        op_id = str(uuid.uuid4())
        end = {"op_failed": "Failed", "op_canceled": "Canceled"}.get(
            getattr(self, "_op_fault", None), "Succeeded")
        self._op_fault = None
        st.operations[op_id] = {"nsg": nsg, "kind": kind, "polls": 0, "done": False,
                                "on_done": on_done, "deadline": time.time() + st.args.op_seconds,
                                "status": "InProgress", "end": end}
        nsg["busy"] = op_id
        loc = nsg["location"]
        base = self._base() + "/subscriptions/%s/providers/Microsoft.Network/locations/%s" % (
            st.subscription, loc)
        return op_id, {
            "async": base + "/operations/%s?api-version=%s" % (op_id, API_VERSION),
            "location": base + "/operationResults/%s?api-version=%s" % (op_id, API_VERSION),
        }

    def _finish(self, op):
        if op["done"]:
            return
        op["done"] = True
        op["status"] = op.get("end", "Succeeded")
        op["on_done"](op["status"])
        if op["nsg"].get("busy") is not None:
            op["nsg"]["busy"] = None

    def _complete_due_operations(self):
        now = time.time()
        for op in self.state.operations.values():
            if not op["done"] and now >= op["deadline"]:
                self._finish(op)

    def _operation(self, which, op_id):
        st = self.state
        op = st.operations.get(op_id)
        if op is None:
            raise ArmError(404, "NotFound", "Operation %s not found." % op_id)
        op["polls"] += 1
        if not op["done"] and op["polls"] > st.args.async_polls:
            self._finish(op)
        ra = {"Retry-After": str(st.args.retry_after)}
        err = None
        if op["status"] == "Failed":
            err = {"code": "InternalServerError",
                   "message": "An error occurred while provisioning the resource (injected)."}
        elif op["status"] == "Canceled":
            err = {"code": "Canceled",
                   "message": "Operation was canceled: a later operation on the network "
                              "security group superseded it."}
        if which == "operations":
            if op["done"]:
                body = {"status": op["status"]}
                if err:
                    body["error"] = err
                return 200, body, {}
            return 200, {"status": "InProgress"}, ra
        # operationResults (Location polling): 202 while running, then 204 (delete) / 200.
        if not op["done"]:
            return 202, None, dict(ra, Location=self._base() + self.path)
        if err:
            raise ArmError(400 if op["status"] == "Canceled" else 400, err["code"], err["message"])
        return 204, None, {}

    def _nsg_view(self, nsg):
        v = {k: nsg[k] for k in ("id", "name", "type", "location", "etag")}
        v["tags"] = nsg.get("tags", {})
        v["properties"] = {"provisioningState": nsg["provisioningState"],
                           "resourceGuid": nsg["resourceGuid"],
                           "securityRules": [self._rule_view(r, nsg)
                                             for r in nsg["rules"].values()],
                           "defaultSecurityRules": nsg["default"]}
        return v

    def _nsg(self, method, rg, name, body):
        st = self.state
        key = (rg, name.lower())
        nsg = st.nsgs.get(key)
        if method == "GET":
            if nsg is None:
                raise ArmError(404, "ResourceNotFound",
                               "The Resource 'Microsoft.Network/networkSecurityGroups/%s' under "
                               "resource group '%s' was not found." % (name, rg))
            return 200, self._nsg_view(nsg), {}
        if method == "PUT":
            if not NSG_NAME_RE.match(name):
                raise ArmError(400, "InvalidResourceName",
                               "Resource name %s is invalid." % name)
            try:
                spec = json.loads(body or b"{}")
            except ValueError:
                raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
            if not isinstance(spec, dict) or not spec.get("location"):
                raise ArmError(400, "LocationRequired", "The location property is required.")
            created = nsg is None
            if created:
                rid = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/" \
                      "networkSecurityGroups/%s" % (st.subscription,
                                                    st.resource_groups[rg]["name"], name)
                nsg = {"id": rid, "name": name, "type": "Microsoft.Network/networkSecurityGroups",
                       "location": spec["location"], "etag": new_etag(),
                       "resourceGuid": str(uuid.uuid4()), "provisioningState": "Succeeded",
                       "rules": {}, "busy": None, "tags": spec.get("tags", {})}
                nsg["default"] = [self._default_rule(rid, *d) for d in DEFAULT_RULES]
            # A PUT of the NSG replaces the whole rule set (as ARM does).
            rules = (spec.get("properties") or {}).get("securityRules") or []
            new_rules = {}
            for r in rules:
                rname = r.get("name", "")
                new_rules[rname.lower()] = self._validated_rule(nsg, rname, r, new_rules)
            nsg["rules"] = new_rules
            nsg["etag"] = new_etag()
            st.nsgs[key] = nsg
            return (201 if created else 200), self._nsg_view(nsg), {}
        if method == "DELETE":
            if nsg is None:
                return 204, None, {}
            def done(status):
                if status == "Succeeded":
                    st.nsgs.pop(key, None)
            _, urls = self._new_operation(nsg, "delete", done)
            return 202, None, {"Location": urls["location"],
                               "Azure-AsyncOperation": urls["async"],
                               "Retry-After": str(st.args.retry_after)}
        raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed.")

    @staticmethod
    def _default_rule(nsg_id, name, direction, prio, src, dst, access, desc):
        return {"name": name, "id": nsg_id + "/defaultSecurityRules/" + name,
                "etag": new_etag(), "type": "Microsoft.Network/networkSecurityGroups/"
                                            "defaultSecurityRules",
                "properties": {"provisioningState": "Succeeded", "description": desc,
                               "protocol": "*", "sourcePortRange": "*",
                               "destinationPortRange": "*", "sourceAddressPrefix": src,
                               "destinationAddressPrefix": dst, "access": access,
                               "priority": prio, "direction": direction,
                               "sourcePortRanges": [], "destinationPortRanges": [],
                               "sourceAddressPrefixes": [], "destinationAddressPrefixes": []}}

    # ---------------------------------------------------------------------- rules
    @staticmethod
    def _rule_view(r, nsg):
        # A child rule carries its NSG's etag: any write to the NSG moves it for every rule.
        return {"name": r["name"], "id": r["id"], "etag": nsg["etag"], "type": r["type"],
                "properties": dict(r["properties"])}

    def _list_rules(self, nsg, query):
        st = self.state
        rules = [self._rule_view(r, nsg) for r in nsg["rules"].values()]
        try:
            skip = int((query.get("$skiptoken") or ["0"])[0])
        except ValueError:
            raise ArmError(400, "InvalidSkipToken", "The skip token is invalid.")
        page = rules[skip:skip + st.args.page_size]
        out = {"value": page}
        if skip + st.args.page_size < len(rules):
            out["nextLink"] = self._base() + urlsplit(self.path).path + \
                "?api-version=%s&$skiptoken=%d" % (API_VERSION, skip + st.args.page_size)
        return 200, out, {}

    def _check_ports(self, rname, field, values):
        for v in values:
            ok = isinstance(v, str) and PORT_RE.match(v) is not None
            if ok and v != "*":
                lo, _, hi = v.partition("-")
                lo, hi = int(lo), int(hi or lo)
                ok = 0 <= lo <= hi <= 65535
            if not ok:
                raise ArmError(400, "SecurityRuleInvalidPortRange",
                               "Security rule %s has invalid Port range. Value provided: %s. "
                               "Value should be an integer OR integer range with '-' delimiter. "
                               "Valid range 0-65535." % (rname, v))

    def _check_prefixes(self, rname, field, values, plural):
        for v in values:
            if not isinstance(v, str) or not v:
                raise ArmError(400, "SecurityRuleInvalidAddressPrefix",
                               "Security rule %s has invalid Address prefix. Value provided: %r"
                               % (rname, v))
            try:
                ipaddress.ip_network(v, strict=False)
                continue
            except ValueError:
                pass
            if plural and (v == "*" or TAG_RE.match(v)):
                raise ArmError(400, "SecurityRuleParameterContainsUnsupportedValue",
                               "Security rule parameter %s for rule with Id %s cannot specify "
                               "existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or "
                               "system tags. Unsupported value used: %s." % (field, rname, v))
            if not plural and (v == "*" or TAG_RE.match(v)):
                continue
            raise ArmError(400, "SecurityRuleInvalidAddressPrefix",
                           "Security rule %s has invalid Address prefix. Value provided: %s"
                           % (rname, v))

    def _validated_rule(self, nsg, rname, spec, others):
        if not RULE_NAME_RE.match(rname or ""):
            raise ArmError(400, "InvalidResourceName",
                           "Resource name %s is invalid. The name can be up to 80 characters long. "
                           "It must begin with a word character, and it must end with a word "
                           "character or with '_'. The name may contain word characters or '.', "
                           "'-', '_'." % rname)
        if not isinstance(spec, dict) or not isinstance(spec.get("properties"), dict):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
        p = spec["properties"]
        for f in ("protocol", "access", "priority", "direction"):
            if f not in p:
                raise ArmError(400, "SecurityRuleParameterMissing" if f != "priority"
                               else "SecurityRuleInvalidPriority",
                               "Security rule %s is missing the required property %s."
                               % (rname, f))
        proto = PROTOCOLS.get(str(p["protocol"]).lower())
        if proto is None:
            raise ArmError(400, "InvalidRequestFormat",
                           "Cannot parse the request: protocol %r is not one of Tcp, Udp, Icmp, "
                           "Esp, Ah, *." % p["protocol"])
        access = {"allow": "Allow", "deny": "Deny"}.get(str(p["access"]).lower())
        direction = {"inbound": "Inbound", "outbound": "Outbound"}.get(str(p["direction"]).lower())
        if access is None or direction is None:
            raise ArmError(400, "InvalidRequestFormat",
                           "Cannot parse the request: bad access or direction.")
        prio = p["priority"]
        if not isinstance(prio, int) or isinstance(prio, bool) or not 100 <= prio <= 4096:
            raise ArmError(400, "SecurityRuleInvalidPriority",
                           "Security rule %s has invalid priority %s. Value provided: %s. "
                           "Allowed range is 100-4096." % (rname, prio, prio))
        desc = p.get("description", "")
        if not isinstance(desc, str) or len(desc) > 140:
            raise ArmError(400, "SecurityRuleInvalidDescription",
                           "Security rule %s description exceeds 140 characters." % rname)
        props = {"protocol": proto, "access": access, "priority": prio, "direction": direction}
        if desc:
            props["description"] = desc
        totals = {}
        for side in ("source", "destination"):
            for what, check in (("PortRange", self._check_ports),
                                ("AddressPrefix", self._check_prefixes)):
                one = side + what
                many = one + ("es" if what == "AddressPrefix" else "s")
                has_one = bool(p.get(one))
                has_many = bool(p.get(many))
                if has_one and has_many:
                    raise ArmError(400, "InvalidRequestFormat",
                                   "Security rule %s specifies both %s and %s." % (rname, one, many))
                if not has_one and not has_many:
                    if what == "PortRange":
                        raise ArmError(400, "SecurityRuleInvalidPortRange",
                                       "Security rule %s has no %s." % (rname, one))
                    raise ArmError(400, "SecurityRuleInvalidAddressPrefix",
                                   "Security rule %s has no %s." % (rname, one))
                if has_many:
                    if not isinstance(p[many], list):
                        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
                    if what == "PortRange":
                        check(rname, many, p[many])
                    else:
                        check(rname, many, p[many], True)
                        totals[side] = len(p[many])
                    props[many] = list(p[many])
                    props[one] = None
                else:
                    if what == "PortRange":
                        check(rname, one, [p[one]])
                    else:
                        check(rname, one, [p[one]], False)
                        totals[side] = 1
                    props[one] = p[one]
                    props[many] = []
        props = {k: v for k, v in props.items() if v is not None}
        # NSG-wide limits.
        if len(others) >= MAX_RULES:
            raise ArmError(400, "SecurityRulesLimitReached",
                           "Network security group %s has reached the limit of %d rules."
                           % (nsg["name"], MAX_RULES))
        for side in ("source", "destination"):
            used = totals.get(side, 0)
            for o in others.values():
                if o["name"].lower() == rname.lower():
                    continue
                op = o["properties"]
                used += len(op.get(side + "AddressPrefixes") or []) or \
                    (1 if op.get(side + "AddressPrefix") else 0)
            if used > MAX_PREFIXES_PER_SIDE:
                raise ArmError(400, "SecurityRulesAddressPrefixesLimitReached",
                               "Network security group %s would have %d %s address prefixes; "
                               "the limit is %d." % (nsg["name"], used, side,
                                                     MAX_PREFIXES_PER_SIDE))
        for o in others.values():
            if o["name"].lower() != rname.lower() and o["properties"]["priority"] == prio and \
                    o["properties"]["direction"] == direction:
                raise ArmError(400, "SecurityRuleConflict",
                               "Security rule %s conflicts with rule %s. Rules cannot have the "
                               "same Priority and Direction. To learn more, see "
                               "aka.ms/nsgrules." % (rname, o["name"]))
        return {"name": rname, "id": nsg["id"] + "/securityRules/" + rname, "etag": new_etag(),
                "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                "properties": dict(props, provisioningState="Succeeded")}

    def _busy_check(self, nsg):
        st = self.state
        op_id = nsg.get("busy")
        if op_id and not st.operations[op_id]["done"]:
            raise ArmError(409, "AnotherOperationInProgress",
                           "Another operation on this or dependent resource is in progress. "
                           "To retrieve status of the operation use uri: %s"
                           % (self._base() + "/subscriptions/%s/providers/Microsoft.Network/"
                              "locations/%s/operations/%s?api-version=%s"
                              % (st.subscription, nsg["location"], op_id, API_VERSION)),
                           # Never 0 here: the other operation needs time to finish.
                           headers={"Retry-After": str(max(1, st.args.retry_after))})

    def _rule(self, method, nsg, name, body):
        st = self.state
        key = name.lower()
        existing = nsg["rules"].get(key)
        if method == "GET":
            if existing is None:
                raise ArmError(404, "NotFound",
                               "Resource /subscriptions/%s/.../securityRules/%s not found."
                               % (st.subscription, name))
            return 200, self._rule_view(existing, nsg), {}
        if method == "PUT":
            # One write at a time per NSG; then the preconditions, against the NSG's etag
            # (a child rule has no etag of its own). If-None-Match is not declared for
            # security rules and is ignored.
            self._busy_check(nsg)
            if_match = self.headers.get("If-Match")
            if if_match is not None and if_match.strip() != "*" and \
                    (existing is None or nsg["etag"] != if_match.strip()):
                raise ArmError(412, "PreconditionFailed",
                               "The condition specified using HTTP conditional header(s) is not "
                               "met: etag %s does not match." % if_match.strip())
            if if_match is not None and if_match.strip() == "*" and existing is None:
                raise ArmError(412, "PreconditionFailed",
                               "The condition specified using HTTP conditional header(s) is not "
                               "met: security rule %s does not exist." % name)
            try:
                spec = json.loads(body or b"{}")
            except ValueError:
                raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
            rule = self._validated_rule(nsg, existing["name"] if existing else name, spec,
                                        nsg["rules"])
            rule["properties"]["provisioningState"] = "Updating"
            previous = existing
            nsg["rules"][key] = rule
            nsg["etag"] = new_etag()

            def done(status, rule=rule, previous=previous):
                if status == "Canceled":
                    # Superseded: what was there before stays (a created rule is gone).
                    if nsg["rules"].get(key) is rule:
                        if previous is None:
                            nsg["rules"].pop(key, None)
                        else:
                            previous["properties"]["provisioningState"] = "Succeeded"
                            nsg["rules"][key] = previous
                else:
                    rule["properties"]["provisioningState"] = status
                # Provisioning is a write too: the etag moves again.
                nsg["etag"] = new_etag()
            _, urls = self._new_operation(nsg, "put", done)
            return (200 if existing else 201), self._rule_view(rule, nsg), {
                "Azure-AsyncOperation": urls["async"], "Retry-After": str(st.args.retry_after)}
        if method == "DELETE":
            if existing is None:
                return 204, None, {}
            self._busy_check(nsg)
            before_state = existing["properties"].get("provisioningState", "Succeeded")
            existing["properties"]["provisioningState"] = "Deleting"

            def done(status, existing=existing, before_state=before_state):
                if status == "Succeeded":
                    nsg["rules"].pop(key, None)
                elif status == "Failed":
                    existing["properties"]["provisioningState"] = "Failed"
                else:
                    existing["properties"]["provisioningState"] = before_state
                nsg["etag"] = new_etag()
            _, urls = self._new_operation(nsg, "delete", done)
            return 202, None, {"Location": urls["location"],
                               "Azure-AsyncOperation": urls["async"],
                               "Retry-After": str(st.args.retry_after)}
        raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--page-size", type=int, default=50)
    ap.add_argument("--async-polls", type=int, default=1,
                    help="InProgress answers before an operation reports Succeeded")
    ap.add_argument("--op-seconds", type=float, default=30.0,
                    help="an operation also completes on its own after this long")
    ap.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds to send")
    ap.add_argument("--token-ttl", type=int, default=3600)
    ap.add_argument("--tenant")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--subscription")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    state = State(args)
    Handler.state = state
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = "http://127.0.0.1:%d" % server.server_address[1]
    info = {
        "arm_endpoint": base,
        "token_endpoint": base,  # authority host: {base}/{tenant}/oauth2/v2.0/token
        "imds_endpoint": base + "/metadata/identity/oauth2/token",
        "tenant_id": state.tenant,
        "client_id": state.client_id,
        "client_secret": state.client_secret,
        "subscription_id": state.subscription,
        "client_certificate_path": state.cert_path,
        "oidc_token": state.mint_oidc(ttl=3600),
        "oidc_request_url": base + "/_oidc/github?api-version=2.0",
        "oidc_request_token": state.github_request_token,
        "control": base + "/_fault",
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(json.dumps(info), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())

    def watch_stdin():
        try:
            while sys.stdin.read(4096):
                pass
        except Exception:
            pass
        stop.set()
    threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()
    server.shutdown()
    try:
        os.remove(state.cert_path)
        os.rmdir(state.tmpdir)
    except OSError:
        pass


if __name__ == "__main__":
    main()
