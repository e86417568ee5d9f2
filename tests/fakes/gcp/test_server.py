"""Self-tests for the fake Compute server (pytest tests/fakes/gcp). They pin the behaviour
the C++ tests rely on: JWT checks at the token endpoint, auth on Compute, filters, paging,
operation lifecycle, defaults, errors and faults."""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture()
def fake():
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--network", "prod"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    info = json.loads(proc.stdout.readline())
    yield info
    proc.stdin.close()
    proc.wait(timeout=10)


def call(method, url, body=None, token=None, headers=None, form=None):
    h = dict(headers or {})
    data = None
    if token:
        h["Authorization"] = "Bearer " + token
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        h["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except json.JSONDecodeError:
            return e.code, raw.decode()


def jwt(key_pem, claims, kid):
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    head = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64(sig)}"


def token(info, signing_key=None, **overrides):
    with open(info["credentials_file"]) as fh:
        sa = json.load(fh)
    now = int(time.time())
    claims = {"iss": sa["client_email"], "aud": sa["token_uri"],
              "scope": "https://www.googleapis.com/auth/compute", "iat": now, "exp": now + 3600}
    claims.update(overrides)
    key = signing_key or sa["private_key"]
    st, body = call("POST", info["token_endpoint"], form={
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": jwt(key, claims, sa["private_key_id"])})
    return st, body


def fw(name, **kw):
    f = {"name": name, "network": "global/networks/prod", "allowed": [{"IPProtocol": "TCP", "ports": ["443"]}]}
    f.update(kw)
    return f


def wait(info, tok, op):
    base = f"{info['compute_endpoint']}/compute/v1/projects/{info['project']}/global/operations/{op['name']}/wait"
    for _ in range(50):
        st, op = call("POST", base, token=tok)
        assert st == 200
        if op["status"] == "DONE":
            return op
    raise AssertionError("operation never finished")


def test_token_endpoint_checks_signature_and_claims(fake):
    st, body = token(fake)
    assert st == 200 and body["access_token"].startswith("ya29.") and body["expires_in"] > 0
    assert token(fake, aud="https://oauth2.googleapis.com/token")[0] == 400
    assert token(fake, scope="https://www.googleapis.com/auth/devstorage.read_only")[0] == 400
    assert token(fake, exp=int(time.time()) + 7200)[0] == 400
    assert token(fake, iss="someone@else")[0] == 400
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    st, body = token(fake, signing_key=other)
    assert st == 400 and body["error"] == "invalid_grant"


def test_metadata_requires_flavor_header(fake):
    url = fake["metadata_endpoint"] + "/computeMetadata/v1/instance/service-accounts/default/token"
    assert call("GET", url)[0] == 403
    st, body = call("GET", url, headers={"Metadata-Flavor": "Google"})
    assert st == 200 and body["token_type"] == "Bearer"


def test_compute_requires_issued_token(fake):
    url = f"{fake['compute_endpoint']}/compute/v1/projects/{fake['project']}/global/firewalls"
    st, body = call("GET", url)
    assert st == 401 and body["error"]["errors"][0]["reason"] == "required"
    st, body = call("GET", url, token="ya29.forged")
    assert st == 401 and body["error"]["errors"][0]["reason"] == "authError"


def test_firewall_lifecycle_defaults_filter_paging(fake):
    tok = token(fake)[1]["access_token"]
    base = f"{fake['compute_endpoint']}/compute/v1/projects/{fake['project']}/global"
    st, op = call("POST", f"{base}/firewalls", fw("oah-a", sourceRanges=["2620:0000:2910::/48"]), tok)
    assert st == 200 and op["kind"] == "compute#operation" and op["status"] in ("PENDING", "RUNNING")
    done = wait(fake, tok, op)
    assert "error" not in done
    st, f = call("GET", f"{base}/firewalls/oah-a", token=tok)
    assert f["allowed"] == [{"IPProtocol": "tcp", "ports": ["443"]}]
    assert f["priority"] == 1000 and f["direction"] == "INGRESS"
    assert f["sourceRanges"] == ["2620:0:2910::/48"]
    assert f["selfLink"].endswith("/global/firewalls/oah-a") and f["kind"] == "compute#firewall"
    wait(fake, tok, call("POST", f"{base}/firewalls", fw("oah-b", description="no sources"), tok)[1])
    st, f = call("GET", f"{base}/firewalls/oah-b", token=tok)
    assert f["sourceRanges"] == ["0.0.0.0/0"]
    for n in ("oah-c", "oah-d", "other-e"):
        wait(fake, tok, call("POST", f"{base}/firewalls", fw(n), tok)[1])
    # Duplicate name: 409 alreadyExists.
    st, body = call("POST", f"{base}/firewalls", fw("oah-a"), tok)
    assert st == 409 and body["error"]["errors"][0]["reason"] == "alreadyExists"
    # Filter + paging.
    q = urllib.parse.urlencode({"filter": 'name eq "oah-.*"', "maxResults": 2})
    st, page = call("GET", f"{base}/firewalls?{q}", token=tok)
    names = [i["name"] for i in page["items"]]
    while "nextPageToken" in page:
        st, page = call("GET", f"{base}/firewalls?{q}&pageToken={page['nextPageToken']}", token=tok)
        names += [i["name"] for i in page["items"]]
    assert names == ["oah-a", "oah-b", "oah-c", "oah-d"]
    st, body = call("GET", f"{base}/firewalls?maxResults=501", token=tok)
    assert st == 400
    # Patch: merge semantics, immutable direction.
    wait(fake, tok, call("PATCH", f"{base}/firewalls/oah-c", {"name": "oah-c", "targetTags": ["web"]}, tok)[1])
    st, f = call("GET", f"{base}/firewalls/oah-c", token=tok)
    assert f["targetTags"] == ["web"] and f["allowed"][0]["ports"] == ["443"]
    st, body = call("PATCH", f"{base}/firewalls/oah-c", {"name": "oah-c", "direction": "EGRESS"}, tok)
    assert st == 400
    # Delete, then 404.
    wait(fake, tok, call("DELETE", f"{base}/firewalls/oah-d", token=tok)[1])
    st, body = call("GET", f"{base}/firewalls/oah-d", token=tok)
    assert st == 404 and body["error"]["errors"][0]["reason"] == "notFound"


def test_validation_quota_and_faults(fake):
    tok = token(fake)[1]["access_token"]
    base = f"{fake['compute_endpoint']}/compute/v1/projects/{fake['project']}/global"
    assert call("POST", f"{base}/firewalls", fw("Bad_Name"), tok)[0] == 400
    assert call("POST", f"{base}/firewalls", fw("oah-x", sourceRanges=["1.2.3.0/24", "2001:db8::/32"]), tok)[0] == 400
    assert call("POST", f"{base}/firewalls", fw("oah-x", allowed=[{"IPProtocol": "icmp", "ports": ["1"]}]), tok)[0] == 400
    assert call("POST", f"{base}/firewalls", fw("oah-x", network="global/networks/nope"), tok)[0] == 404
    call("POST", fake["compute_endpoint"] + "/_config", {"firewall_quota": 1})
    wait(fake, tok, call("POST", f"{base}/firewalls", fw("oah-q1"), tok)[1])
    done = wait(fake, tok, call("POST", f"{base}/firewalls", fw("oah-q2"), tok)[1])
    assert done["error"]["errors"][0]["code"] == "QUOTA_EXCEEDED" and done["httpErrorStatusCode"] == 403
    call("POST", fake["compute_endpoint"] + "/_fault", {"kind": "throttle", "count": 1})
    call("POST", fake["compute_endpoint"] + "/_fault", {"kind": "ratelimit403", "count": 1})
    st, body = call("GET", f"{base}/firewalls", token=tok)
    assert st == 429 and body["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    st, body = call("GET", f"{base}/firewalls", token=tok)
    assert st == 403 and body["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    assert call("GET", f"{base}/firewalls", token=tok)[0] == 200
    st, stats = call("GET", fake["compute_endpoint"] + "/_stats")
    assert stats["GET firewalls.list"] == 3


def test_request_id_makes_retries_idempotent(fake):
    tok = token(fake)[1]["access_token"]
    base = f"{fake['compute_endpoint']}/compute/v1/projects/{fake['project']}/global"
    rid = "123e4567-e89b-42d3-a456-426614174000"
    st1, op1 = call("POST", f"{base}/firewalls?requestId={rid}", fw("oah-r"), tok)
    wait(fake, tok, op1)
    st2, op2 = call("POST", f"{base}/firewalls?requestId={rid}", fw("oah-r"), tok)
    assert st1 == st2 == 200 and op1["name"] == op2["name"]
