#!/usr/bin/env python3
"""Loopback AWS emulator for tests: moto's server behind a checking, fault-injecting proxy.

    python3 tests/fakes/aws/server.py [--access-key testing --secret-key testing]

Starts moto (ThreadedMotoServer) on 127.0.0.1:<ephemeral> and, in front of it, a proxy on
127.0.0.1:<ephemeral> that

* verifies the SigV4 signature of EVERY request with botocore's own signer (an
  implementation independent of ours) against the known secret keys, and answers
  403 SignatureDoesNotMatch / IncompleteSignature / MissingAuthenticationToken or
  400 RequestExpired (X-Amz-Date more than 15 minutes off) in EC2's error XML when wrong;
  temporary keys handed out by moto's STS through the proxy are learnt automatically;
  unsigned requests are accepted only for STS AssumeRoleWithWebIdentity (AWS does so too);
* injects faults on demand, optionally only for one Action:
  throttle   -> 503 RequestLimitExceeded (not forwarded)
  5xx        -> 500 InternalError (not forwarded)
  drop       -> connection closed without an answer (not forwarded)
  slow       -> forwarded after `delay_ms` (default 2000)
  truncate   -> forwarded; the 200 body is cut in half (still framed by Content-Length)
  drop_after -> forwarded to moto (so it takes effect), then the connection is closed
                without an answer: "the write happened but the client never heard"
* checks every EC2 (and STS) request against botocore's service model before moto sees
  it (query_model.py): unknown action or parameter, missing required parameter, wrong
  type, value outside the enum or range -> the 400 EC2 answers (UnknownParameter,
  MissingParameter, InvalidParameterValue, InvalidAction), counted in /_stats "invalid";
* adds the EC2 behaviour moto lacks (ec2_semantics.py): idempotency tokens (ClientToken),
  prefix-list version conflicts and resizing, prefix-list references weighing MaxEntries
  against the 60-rules quota, complete Authorize answers;
* counts requests per Action.

Control (on the proxy):
  POST /_fault  {"kind": "...", "count": N, "action": "AuthorizeSecurityGroupEgress",
                 "delay_ms": 2000, "skip": K} -> {"queued": [...]}
                (skip: the first K matching calls pass untouched before the fault applies)
                "rate": 0.1, "seed": 7 (optional): each matching request is faulted with that
                probability, seeded; "count" then caps the faults injected
  GET  /_stats  -> {"total": n, "actions": {Action: n}, "forwarded": {Action: n},
                    "faults_injected": {kind: n}, "rejected": n, "pending_faults": [...],
                    "invalid": {Code: n}, "invalid_requests": ["Action: Code: message", ...],
                    "missing_tokens": {Action: n} (creates sent without their ClientToken),
                    "semantics": {"idempotent_replays": n, "authorize_answers_completed": n,
                                  "version_conflicts": n, "resizes": n, "quota_refusals": n},
                    "model": "botocore <version> data/<service>/<version>/service-2.json"}
  POST /_clear_faults -> drops pending faults
  POST /_reset_stats  -> clears counters (keeps moto state and pending faults)
  POST /_reset        -> clears counters, pending faults and ALL moto state

When ready, prints ONE JSON line on stdout:
  {"endpoint": "http://127.0.0.1:P", "moto": "http://127.0.0.1:P2",
   "control": "http://127.0.0.1:P/_fault"}
and runs until stdin is closed or SIGTERM/SIGINT arrives.
"""

import argparse
import datetime
import http.client
import http.server
import json
import logging
import os
import random
import re
import signal
import socketserver
import sys
import threading
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.server import ThreadedMotoServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ec2_semantics import Ec2Semantics  # noqa: E402
from query_model import QueryValidator, Violation, model_source  # noqa: E402

MAX_SKEW = datetime.timedelta(minutes=15)
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailers", "transfer-encoding", "upgrade", "content-length",
}
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;\-]+),\s*Signature=([0-9a-f]{64})$")


def ec2_error(code, message):
    from xml.sax.saxutils import escape
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code>"
            "<Message>%s</Message></Error></Errors><RequestID>proxy-%s</RequestID></Response>"
            % (escape(code), escape(message), escape(code))).encode()


def sts_error(code, message):
    from xml.sax.saxutils import escape
    return ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
            "<Code>%s</Code><Message>%s</Message></Error><RequestId>proxy-%s</RequestId></ErrorResponse>"
            % (escape(code), escape(message), escape(code))).encode()


def _draw(f):
    """A fault with "rate" hits each matching request with that probability, drawn from
    (seed, draw number) so a run is reproducible for a given request order."""
    f["draws"] += 1
    return random.Random("%s:%d" % (f["seed"], f["draws"])).random() < f["rate"]


class State:
    def __init__(self, keys, moto_host, moto_port):
        self.lock = threading.Lock()
        self.keys = dict(keys)  # access key id -> secret
        self.moto = (moto_host, moto_port)
        self.faults = []  # list of dicts with remaining count
        self.validators = {"ec2": QueryValidator("ec2"), "sts": QueryValidator("sts")}
        idem = {}
        model = self.validators["ec2"].model
        for op in model.operation_names:
            shape = model.operation_model(op).input_shape
            for name, member in (shape.members.items() if shape is not None else []):
                if member.metadata.get("idempotencyToken"):
                    idem[op] = self.validators["ec2"]._member_key(name, member)
        self.semantics = Ec2Semantics(moto_host, moto_port, idem)
        self.reset_stats()

    def reset_stats(self):
        self.total = 0
        self.actions = {}
        self.forwarded = {}
        self.faults_injected = {}
        self.rejected = 0
        self.invalid = {}
        self.invalid_requests = []
        self.missing_tokens = {}  # action -> creates sent without their idempotency token

    def take_fault(self, action):
        with self.lock:
            for f in self.faults:
                if f["count"] > 0 and (not f.get("action") or f["action"] == action):
                    if f.get("skip", 0) > 0:  # let the first `skip` matching calls through
                        f["skip"] -= 1
                        continue
                    if f.get("rate") is not None and not _draw(f):
                        continue
                    f["count"] -= 1
                    kind = f["kind"]
                    self.faults_injected[kind] = self.faults_injected.get(kind, 0) + 1
                    result = dict(f)
                    self.faults = [x for x in self.faults if x["count"] > 0]
                    return result
        return None


def verify_signature(state, method, path, headers, body):
    """Returns None when the request is correctly signed, else (status, code, message)."""
    auth = headers.get("authorization")
    if not auth:
        return (403, "MissingAuthenticationToken", "Request is missing Authentication Token")
    m = AUTH_RE.match(auth.strip())
    if not m:
        return (403, "IncompleteSignature", "Authorization header is not a SigV4 header")
    akid, date, region, service, signed, signature = m.groups()
    with state.lock:
        secret = state.keys.get(akid)
    if secret is None:
        return (401, "AuthFailure", "AWS was not able to validate the provided access credentials")
    amz_date = headers.get("x-amz-date", "")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return (403, "IncompleteSignature", "X-Amz-Date missing or malformed")
    if abs(datetime.datetime.now(datetime.timezone.utc) - when) > MAX_SKEW:
        return (400, "RequestExpired", "Request has expired")
    if amz_date[:8] != date:
        return (403, "SignatureDoesNotMatch", "Credential scope date does not match X-Amz-Date")
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        return (403, "IncompleteSignature", "host and x-amz-date must be signed")
    signed_headers = {}
    for n in names:
        if n not in headers:
            return (403, "IncompleteSignature", "signed header %s not sent" % n)
        signed_headers[n] = headers[n]
    # Rebuild the request exactly as received (only the signed headers) and let botocore
    # compute the signature it would have produced at that timestamp.
    url = "http://%s%s" % (headers["host"], path)
    req = AWSRequest(method=method, url=url, data=body, headers=signed_headers)
    req.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(akid, secret), service, region)
    canonical = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, canonical), req)
    if expected != signature:
        return (403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided")
    return None


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: stdout carries the ready line only
            if os.environ.get("AWS_FAKE_VERBOSE"):
                sys.stderr.write("proxy: " + (fmt % args) + "\n")

        def _send(self, status, body, content_type="text/xml", extra=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status, obj):
            self._send(status, json.dumps(obj).encode(), "application/json")

        def _read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n > 0 else b""

        def _control(self, body):
            if self.path == "/_fault" and self.command == "POST":
                try:
                    spec = json.loads(body or b"{}")
                    kinds = ("throttle", "5xx", "drop", "slow", "truncate", "drop_after")
                    if spec.get("kind") not in kinds:
                        raise ValueError("kind must be one of %s" % (kinds,))
                    fault = {"kind": spec["kind"], "count": int(spec.get("count", 1)),
                             "action": spec.get("action") or "",
                             "delay_ms": int(spec.get("delay_ms", 2000)),
                             "skip": int(spec.get("skip", 0))}
                    if spec.get("rate") is not None:  # seeded random faults (see _draw)
                        fault.update(rate=float(spec["rate"]), seed=spec.get("seed", 0), draws=0)
                except (ValueError, TypeError) as e:
                    return self._json(400, {"error": str(e)})
                with state.lock:
                    state.faults.append(fault)
                    queued = list(state.faults)
                return self._json(200, {"queued": queued})
            if self.path == "/_stats" and self.command == "GET":
                with state.lock:
                    return self._json(200, {
                        "total": state.total, "actions": state.actions, "forwarded": state.forwarded,
                        "faults_injected": state.faults_injected, "rejected": state.rejected,
                        "pending_faults": state.faults, "invalid": state.invalid,
                        "invalid_requests": state.invalid_requests,
                        "missing_tokens": state.missing_tokens,
                        "semantics": dict(state.semantics.stats),
                        "model": model_source()})
            if self.path == "/_clear_faults" and self.command == "POST":
                with state.lock:
                    state.faults = []
                return self._json(200, {"ok": True})
            if self.path == "/_reset_stats" and self.command == "POST":
                with state.lock:
                    state.reset_stats()
                with state.semantics.lock:
                    for k in state.semantics.stats:
                        state.semantics.stats[k] = 0
                return self._json(200, {"ok": True})
            if self.path == "/_reset" and self.command == "POST":
                conn = http.client.HTTPConnection(*state.moto, timeout=30)
                conn.request("POST", "/moto-api/reset")
                conn.getresponse().read()
                conn.close()
                with state.lock:
                    state.reset_stats()
                    state.faults = []
                state.semantics.reset()
                return self._json(200, {"ok": True})
            return self._json(404, {"error": "unknown control path %s" % self.path})

        def _forward(self, body):
            conn = http.client.HTTPConnection(*state.moto, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out_headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            conn.close()
            return resp.status, out_headers, data

        def _handle(self):
            body = self._read_body()
            if self.path.startswith("/_"):
                return self._control(body)
            headers = {k.lower(): v for k, v in self.headers.items()}
            params = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
            ctype = headers.get("content-type", "")
            if body and ctype.startswith("application/x-www-form-urlencoded"):
                for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                  keep_blank_values=True).items():
                    params.setdefault(k, []).extend(v)
            action = (params.get("Action") or [""])[0]
            m = AUTH_RE.match(headers.get("authorization", "").strip())
            service = m.group(4) if m else (
                "sts" if (params.get("Version") or [""])[0] == "2011-06-15" else "ec2")
            region = m.group(3) if m else "us-east-1"
            with state.lock:
                state.total += 1
                state.actions[action] = state.actions.get(action, 0) + 1

            unsigned_ok = action == "AssumeRoleWithWebIdentity" and "authorization" not in headers
            if not unsigned_ok:
                err = verify_signature(state, self.command, self.path, headers, body)
                if err is not None:
                    with state.lock:
                        state.rejected += 1
                    sys.stderr.write("proxy: rejected %s: %s %s\n" % (action, err[1], err[2]))
                    return self._send(err[0], ec2_error(err[1], err[2]))

            validator = state.validators.get(service)
            if validator is not None:
                try:
                    validator.check(params)
                except Violation as v:
                    with state.lock:
                        state.invalid[v.code] = state.invalid.get(v.code, 0) + 1
                        state.invalid_requests.append("%s: %s: %s" % (action, v.code, v.message))
                        del state.invalid_requests[:-50]
                    sys.stderr.write("proxy: invalid %s: %s %s\n" % (action, v.code, v.message))
                    make = sts_error if service == "sts" else ec2_error
                    return self._send(v.status, make(v.code, v.message))

            token_key = state.semantics.idempotent_ops.get(action) if service == "ec2" else None
            if token_key and not (params.get(token_key) or [""])[0]:
                # EC2 accepts it, but a retry of such a create can make a second resource.
                with state.lock:
                    state.missing_tokens[action] = state.missing_tokens.get(action, 0) + 1

            fault = state.take_fault(action)
            kind = fault["kind"] if fault else None
            if kind == "throttle":
                return self._send(503, ec2_error("RequestLimitExceeded", "Request limit exceeded."))
            if kind == "5xx":
                return self._send(500, ec2_error("InternalError", "An internal error has occurred"))
            if kind == "drop":
                self.close_connection = True
                return None
            if kind == "slow":
                threading.Event().wait(fault["delay_ms"] / 1000.0)

            sem = state.semantics
            flat = {k: v for k, v in params.items()}
            with sem.lock if service == "ec2" and sem.handles(action) else _NoLock():
                try:
                    replayed, slot = sem.replay(region, action, flat) if service == "ec2" else (None, None)
                    ctx = sem.before(region, action, flat) if service == "ec2" and replayed is None else {}
                except Violation as v:
                    return self._send(v.status, ec2_error(v.code, v.message))
                if replayed is not None:
                    status, out_headers, data = replayed
                elif ctx.get("answer"):  # answered by the proxy's EC2 behaviour, moto untouched
                    status, out_headers, data = ctx["answer"]
                else:
                    status, out_headers, data = self._forward(body)
                    if service == "ec2":
                        data = sem.after(region, action, flat, ctx, status, data)
                        sem.remember(slot, (status, out_headers, data))
            with state.lock:
                if replayed is None:
                    state.forwarded[action] = state.forwarded.get(action, 0) + 1
                # Learn temporary credentials issued by moto's STS so requests signed with
                # them can be verified too.
                if b"<SecretAccessKey>" in data:
                    ak = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", data)
                    sk = re.search(rb"<SecretAccessKey>([^<]+)</SecretAccessKey>", data)
                    if ak and sk:
                        state.keys[ak.group(1).decode()] = sk.group(1).decode()
            if kind == "drop_after":
                self.close_connection = True
                return None
            if kind == "truncate" and status == 200:
                data = data[: len(data) // 2]
            self.send_response(status)
            for k, v in out_headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            return None

        def do_GET(self):
            self._handle()

        def do_POST(self):
            self._handle()

        def do_PUT(self):
            self._handle()

        def do_DELETE(self):
            self._handle()

    return Handler


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class ProxyServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--access-key", default=os.environ.get("AWS_FAKE_ACCESS_KEY", "testing"))
    ap.add_argument("--secret-key", default=os.environ.get("AWS_FAKE_SECRET_KEY", "testing"))
    ap.add_argument("--extra-key", action="append", default=[],
                    help="additional ACCESS:SECRET pairs accepted by the signature check")
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    moto_host, moto_port = moto.get_host_and_port()

    keys = {args.access_key: args.secret_key}
    for pair in args.extra_key:
        ak, _, sk = pair.partition(":")
        keys[ak] = sk
    state = State(keys, moto_host, moto_port)
    proxy = ProxyServer(("127.0.0.1", 0), make_handler(state))
    port = proxy.server_address[1]
    threading.Thread(target=proxy.serve_forever, daemon=True).start()

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
    endpoint = "http://127.0.0.1:%d" % port
    print(json.dumps({"endpoint": endpoint, "moto": "http://%s:%d" % (moto_host, moto_port),
                      "control": endpoint + "/_fault"}), flush=True)
    stop.wait()
    proxy.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
