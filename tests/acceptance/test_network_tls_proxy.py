"""AccNetwork: a corporate network with a private CA and an authenticating proxy (issue 21).

Every server here is local: the cloud fakes and a catalog file sit behind an HTTPS front signed
by a throw-away CA, reachable as `<name>.corp.test`, a name only the local CONNECT proxy
resolves. The provider must trust the CA when told to (SSL_CERT_FILE, CURL_CA_BUNDLE,
AWS_CA_BUNDLE, the profile's ca_bundle, the provider's ca_bundle_file), refuse it otherwise with
an error naming the host and the bundle, go through HTTPS_PROXY / https_proxy with the
credentials of its URL, honour NO_PROXY, and never print the proxy password.
"""

from __future__ import annotations

import hashlib
import pathlib

import pytest

import clouds
from aws_common import allowlist_config
from network_servers import ConnectProxy, ThrowawayCa, TlsFront
from tfharness import hcl_string
from test_azure_allowlist import config as azure_config
from test_gcp_allowlist import config as gcp_config
from test_gcp_allowlist import owned as gcp_owned

ROOT = pathlib.Path(__file__).resolve().parents[2]
CATALOG = (ROOT / "provider" / "catalog" / "data" / "office_at_hand.json").read_bytes()
DIGEST = hashlib.sha256(CATALOG).hexdigest()
PROXY_USER, PROXY_PASSWORD = "corp-user", "pr0xy-Pa55-w0rd"

HOSTS = ["catalog.corp.test", "ec2.corp.test", "arm.corp.test", "gcp.corp.test", "*.corp.test"]


NETWORK_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE", "HTTPS_PROXY",
                "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY",
                "all_proxy")


@pytest.fixture(autouse=True)
def clean_network_env(ws):
    """The machine's own CA and proxy settings must not decide these scenarios."""
    for k in NETWORK_VARS:
        ws.env.pop(k, None)


@pytest.fixture
def pki(tmp_path) -> ThrowawayCa:
    return ThrowawayCa(tmp_path / "pki", HOSTS)


@pytest.fixture
def proxy():
    p = ConnectProxy(PROXY_USER, PROXY_PASSWORD)
    yield p
    p.stop()


@pytest.fixture
def catalog_front(pki):
    f = TlsFront(pki, static={"/catalog.json": CATALOG})
    yield f
    f.stop()


def catalog_config(url: str, extra: str = "") -> str:
    return f'''
provider "office" {{
  catalog_url    = {hcl_string(url)}
  catalog_sha256 = "{DIGEST}"
  {extra}
}}
data "office_at_hand_catalog" "x" {{}}
output "origin" {{ value = data.office_at_hand_catalog.x.origin }}
'''


def flat(text: str) -> str:
    """The CLI wraps diagnostics; compare with single spaces."""
    return " ".join(text.split())


def with_trace_log(ws) -> pathlib.Path:
    log = ws.dir / "trace.log"
    ws.env.update({"TF_LOG": "trace", "TF_LOG_PATH": str(log)})
    return log


def assert_no_password(ws, log: pathlib.Path | None = None) -> None:
    for run in ws.history:
        assert PROXY_PASSWORD not in run.stdout + run.stderr, run.describe()
    if log is not None and log.exists():
        assert PROXY_PASSWORD not in log.read_text(errors="replace")


def test_catalog_url_private_ca_is_refused_then_trusted(ws, pki, catalog_front):
    url = catalog_front.url("localhost") + "/catalog.json"
    ws.write(catalog_config(url))
    ws.init()
    r = ws.apply(check=False)
    assert r.returncode == 1, r.describe()
    assert "TLS certificate of localhost" in flat(r.stderr), r.describe()
    assert "system CA bundle" in flat(r.stderr), r.describe()

    ws.env["SSL_CERT_FILE"] = str(pki.ca_file)
    ws.apply()
    assert ws.output_json()["origin"] == f"url:{url}"

    # A bundle without the CA (here: the server certificate's key file) is named in the error.
    ws.env["SSL_CERT_FILE"] = str(pki.cert_file)
    ws.env["CURL_CA_BUNDLE"] = str(pki.key_file)
    r = ws.apply("-refresh=true", check=False)
    assert r.returncode == 1, r.describe()
    assert str(pki.key_file) in flat(r.stderr) and "CURL_CA_BUNDLE" in flat(r.stderr), r.describe()


def test_catalog_url_trusts_the_provider_ca_bundle_file(ws, pki, catalog_front):
    url = catalog_front.url("localhost") + "/catalog.json"
    ws.write(catalog_config(url, f"ca_bundle_file = {hcl_string(str(pki.ca_file))}"))
    ws.init()
    ws.apply()
    assert ws.output_json()["origin"] == f"url:{url}"


def test_catalog_url_through_an_authenticating_proxy(ws, pki, catalog_front, proxy):
    url = catalog_front.url("catalog.corp.test") + "/catalog.json"
    ws.write(catalog_config(url))
    log = with_trace_log(ws)
    ws.env.update({"SSL_CERT_FILE": str(pki.ca_file),
                   "HTTPS_PROXY": proxy.url(PROXY_USER, PROXY_PASSWORD)})
    ws.init()
    ws.apply()
    assert ws.output_json()["origin"] == f"url:{url}"
    assert f"catalog.corp.test:{catalog_front.port}" in proxy.targets
    assert_no_password(ws, log)

    # Wrong credentials: the proxy answers 407; the error says so and shows no password.
    ws.env["HTTPS_PROXY"] = proxy.url(PROXY_USER, "wrong-" + PROXY_PASSWORD)
    r = ws.apply(check=False)
    assert r.returncode == 1, r.describe()
    assert "407" in flat(r.stderr) and "proxy" in r.stderr.lower(), r.describe()
    assert "wrong-" + PROXY_PASSWORD not in r.stdout + r.stderr
    assert proxy.refused_auth >= 1

    # NO_PROXY for the domain: the provider goes direct and cannot resolve the name.
    ws.env["HTTPS_PROXY"] = proxy.url(PROXY_USER, PROXY_PASSWORD)
    ws.env["NO_PROXY"] = ".corp.test"
    r = ws.apply(check=False)
    assert r.returncode == 1, r.describe()
    assert "resolve" in r.stderr.lower(), r.describe()
    assert_no_password(ws, log)


def _front_for(pki, info: dict, key: str, host: str) -> tuple[TlsFront, dict]:
    """An HTTPS front for the fake behind info[key]; returns it and info rewritten to use it."""
    import urllib.parse
    u = urllib.parse.urlsplit(info[key])
    base = f"{u.scheme}://{u.netloc}"
    front = TlsFront(pki, backend=base, public_host=host)
    public = front.url(host)
    rewritten = {k: (v.replace(base, public) if isinstance(v, str) else v) for k, v in info.items()}
    return front, rewritten


def test_aws_through_proxy_with_aws_ca_bundle(ws, pki, proxy, aws, aws_fake):
    front, info = _front_for(pki, aws_fake, "endpoint", "ec2.corp.test")
    try:
        _, (sg,) = aws.create_vpc_and_groups(1)
        ws.write(allowlist_config(info, [sg]))
        log = with_trace_log(ws)
        ws.env["https_proxy"] = proxy.url(PROXY_USER, PROXY_PASSWORD)  # lower case this time
        ws.init()
        # Without AWS_CA_BUNDLE the private CA is refused, naming the host.
        r = ws.apply(check=False)
        assert r.returncode == 1, r.describe()
        assert "TLS certificate of ec2.corp.test" in flat(r.stderr), r.describe()
        assert aws.owned_rules(sg, set()) == []

        ws.env["AWS_CA_BUNDLE"] = str(pki.ca_file)
        ws.apply()
        assert len(aws.owned_rules(sg, set())) > 0
        assert f"ec2.corp.test:{front.port}" in proxy.targets
        assert any(h.startswith("ec2.corp.test") for _, h, _ in front.requests)
        assert ws.plan().returncode == 0
        ws.destroy()
        assert aws.owned_rules(sg, set()) == []
        assert_no_password(ws, log)
    finally:
        front.stop()


def test_aws_profile_ca_bundle(ws, pki, aws, aws_fake):
    front, info = _front_for(pki, aws_fake, "endpoint", "localhost")
    try:
        _, (sg,) = aws.create_vpc_and_groups(1)
        ws.write(allowlist_config(info, [sg]))
        (ws.dir / ".aws-config").write_text(f"[profile corp]\nca_bundle = {pki.ca_file}\n")
        ws.env["AWS_PROFILE"] = "corp"
        ws.init()
        ws.apply()
        assert len(aws.owned_rules(sg, set())) > 0
        ws.destroy()
    finally:
        front.stop()


def test_azure_through_proxy_with_ssl_cert_file(ws, pki, proxy, azure, azure_fake):
    front, info = _front_for(pki, azure_fake, "arm_endpoint", "arm.corp.test")
    try:
        nsg = azure.create_nsg()
        ws.write(azure_config(info, nsg))
        log = with_trace_log(ws)
        ws.env.update({"SSL_CERT_FILE": str(pki.ca_file),
                       "HTTPS_PROXY": proxy.url(PROXY_USER, PROXY_PASSWORD)})
        ws.init()
        ws.apply()
        assert [r for r in azure.rules(nsg) if r["name"].startswith("oah")]
        assert any(t.startswith("arm.corp.test:") for t in proxy.targets)
        assert ws.plan().returncode == 0
        assert_no_password(ws, log)
        # The client secret is never printed either.
        assert info["client_secret"] not in (log.read_text(errors="replace") if log.exists() else "")
    finally:
        front.stop()


def test_gcp_through_proxy_with_ssl_cert_dir(ws, pki, proxy, gcp, gcp_fake, tmp_path):
    import subprocess
    certdir = tmp_path / "certs"
    certdir.mkdir()
    (certdir / "corp-ca.pem").write_bytes(pki.ca_file.read_bytes())
    subprocess.run(["openssl", "rehash", str(certdir)], check=True, capture_output=True)
    front, info = _front_for(pki, gcp_fake, "compute_endpoint", "gcp.corp.test")
    try:
        network = gcp.create_network()
        ws.write(gcp_config(info, network, ["video"]))
        ws.env.update({"SSL_CERT_DIR": str(certdir),
                       "HTTPS_PROXY": proxy.url(PROXY_USER, PROXY_PASSWORD)})
        ws.init()
        ws.apply()
        assert gcp_owned(gcp, network)
        assert any(t.startswith("gcp.corp.test:") for t in proxy.targets)
        assert ws.plan().returncode == 0
        assert_no_password(ws)
    finally:
        front.stop()
