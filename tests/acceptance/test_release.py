"""AccRelease: `./dev release` output installed the way users install it, without dev_overrides:
`init` from a filesystem mirror and from a network mirror over HTTPS on 127.0.0.1, the lock file
holding the right h1:/zh: hashes, a second `init` verifying them, tampering refused. Also the
artefacts themselves (archive layout, SHA256SUMS + GPG signature, manifest) and the binary's
portability (dynamic dependencies against an allow-list, glibc floor, no C++ runtime needed).

The release is built once per session by `./dev release <throw-away key>` into
PROV_RELEASE_BUILD_DIR (default <repo>/build-release); ccache serves the objects of the dev build.
"""

from __future__ import annotations

import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import pathlib
import re
import shutil
import ssl
import subprocess
import threading
import zipfile

import pytest

from tfharness import REPO, Workspace, provider_version

NAMESPACE = "office-at-hand"
# What the release binary may load from the host: glibc, libgcc_s (libc6 depends on it),
# OpenSSL 3 and zlib (libcurl is dlopen()ed on first use, see provider/lazy_curl.cc).
# No libstdc++: linked in.
ALLOWED_NEEDED = {"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2", "libgcc_s.so.1",
                  "libssl.so.3", "libcrypto.so.3", "libz.so.1"}
# The newest glibc symbol version the binary may require (README "Install" states it).
GLIBC_FLOOR = (2, 34)


def _release_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PROV_RELEASE_BUILD_DIR", REPO / "build-release")).resolve()


@pytest.fixture(scope="session")
def gpg_home(tmp_path_factory) -> tuple[pathlib.Path, str]:
    """A throw-away signing key in its own GNUPGHOME (short path: gpg-agent's socket)."""
    home = tmp_path_factory.mktemp("gpg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-generate-key",
                    "Office provider release test <release-test@example.invalid>", "ed25519",
                    "sign", "1d"], env=env, check=True, capture_output=True, timeout=120)
    out = subprocess.run(["gpg", "--batch", "--with-colons", "--list-secret-keys"], env=env,
                         check=True, capture_output=True, text=True).stdout
    fpr = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))
    return home, fpr


@pytest.fixture(scope="session")
def release(gpg_home) -> dict:
    home, fpr = gpg_home
    env = {**os.environ, "GNUPGHOME": str(home), "PROV_RELEASE_BUILD_DIR": str(_release_dir())}
    r = subprocess.run([str(REPO / "dev"), "release", fpr], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=3600)
    assert r.returncode == 0, f"./dev release failed:\n{r.stdout}\n{r.stderr}"
    dist = _release_dir() / "dist"
    v = provider_version()
    return {"dist": dist, "version": v, "fpr": fpr, "gnupghome": home,
            "binary": _release_dir() / "terraform-provider-office.stripped",
            "zip": dist / f"terraform-provider-office_{v}_linux_amd64.zip",
            "hashes": json.loads((dist / "hashes.json").read_text())}


# ------------------------------------------------------------------ artefacts
def test_archive_sums_manifest_and_signature(release):
    v, dist = release["version"], release["dist"]
    with zipfile.ZipFile(release["zip"]) as z:
        [info] = z.infolist()
        assert info.filename == f"terraform-provider-office_v{v}"
        assert (info.external_attr >> 16) & 0o777 == 0o755
        assert z.read(info) == release["binary"].read_bytes()
    manifest = json.loads((dist / f"terraform-provider-office_{v}_manifest.json").read_text())
    assert manifest == {"version": 1, "metadata": {"protocol_versions": ["6.0", "5.0"]}}
    sums = (dist / f"terraform-provider-office_{v}_SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    assert sorted(listed) == sorted([release["zip"].name, f"terraform-provider-office_{v}_manifest.json"])
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name
    assert release["hashes"]["zh"] == "zh:" + listed[release["zip"].name]

    env = {**os.environ, "GNUPGHOME": str(release["gnupghome"])}
    sig = dist / f"terraform-provider-office_{v}_SHA256SUMS.sig"
    ok = subprocess.run(["gpg", "--batch", "--status-fd", "1", "--verify", str(sig),
                         str(dist / f"terraform-provider-office_{v}_SHA256SUMS")],
                        env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and f"VALIDSIG {release['fpr']}" in ok.stdout, ok.stderr
    forged = dist.parent / "forged_SHA256SUMS"
    forged.write_text("\n".join(sums).replace(listed[release["zip"].name], "0" * 64) + "\n")
    bad = subprocess.run(["gpg", "--batch", "--verify", str(sig), str(forged)], env=env,
                         capture_output=True, text=True)
    assert bad.returncode != 0, "a changed SHA256SUMS must not verify"


def test_binary_reports_the_version_file(release):
    out = subprocess.run([str(release["binary"]), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == f"terraform-provider-office {(REPO / 'VERSION').read_text().strip()}"


def test_binary_is_stripped_and_needs_only_glibc_openssl_zlib(release):
    b = str(release["binary"])
    dyn = subprocess.run(["readelf", "-d", b], capture_output=True, text=True, check=True).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn))
    assert needed and needed <= ALLOWED_NEEDED, f"unexpected libraries: {sorted(needed - ALLOWED_NEEDED)}"
    assert "RPATH" not in dyn and "RUNPATH" not in dyn
    syms = subprocess.run(["objdump", "-T", b], capture_output=True, text=True, check=True).stdout
    assert "GLIBCXX_" not in syms and "CXXABI_" not in syms, "the C++ runtime must be linked in"
    versions = {tuple(int(x) for x in m.split(".")) for m in re.findall(r"GLIBC_([0-9]+(?:\.[0-9]+)+)", syms)}
    assert max(versions) <= GLIBC_FLOOR, f"needs glibc {'.'.join(map(str, max(versions)))}"
    sections = subprocess.run(["readelf", "-S", b], capture_output=True, text=True, check=True).stdout
    assert ".debug_info" not in sections and ".symtab" not in sections
    assert release["binary"].stat().st_size < 40 * 1024 * 1024


# ------------------------------------------------------------------ installing
MAIN_TF = """
terraform {
  required_providers {
    office = {
      source  = "%s/office"
      version = "%s"
    }
  }
}

data "office_at_hand_catalog" "all" {}

output "catalog" {
  value = data.office_at_hand_catalog.all.id
}
"""


def _workspace(cli, directory: pathlib.Path, cli_config: str, extra_env=None) -> Workspace:
    # Workspace writes a dev_overrides config; replace it: this is a user's installation.
    w = Workspace(cli, directory, directory, extra_env=extra_env)
    shutil.rmtree(w.dir / ".mirror")
    w.cli_config.write_text(cli_config)
    (w.dir / "main.tf").write_text(MAIN_TF % (NAMESPACE, provider_version()))
    return w


def _lock_hashes(w: Workspace, cli) -> list[str]:
    text = (w.dir / ".terraform.lock.hcl").read_text()
    block = text[text.index(f'provider "{cli.registry_host}/{NAMESPACE}/office"'):]
    block = block[:block.index("\n}")]
    assert f'version     = "{provider_version()}"' in block, block
    return re.findall(r'"((?:h1|zh):[^"]+)"', block)


def _plan_uses_the_release(w: Workspace):
    r = w.run("plan", "-no-color", "-input=false")
    assert r.returncode == 0, r.describe()
    assert "development overrides" not in r.output.lower(), r.describe()
    assert 'catalog = "' in r.output, r.describe()


def _packed_mirror(release, root: pathlib.Path, cli) -> pathlib.Path:
    """Filesystem mirror, packed layout: HOST/NAMESPACE/TYPE/terraform-provider-TYPE_V_OS_ARCH.zip"""
    d = root / cli.registry_host / NAMESPACE / "office"
    d.mkdir(parents=True)
    shutil.copyfile(release["zip"], d / release["zip"].name)
    return root


@pytest.mark.core
def test_init_from_a_filesystem_mirror_writes_and_checks_the_lock(release, cli, tmp_path):
    mirror = _packed_mirror(release, tmp_path / "mirror", cli)
    config = (f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    w = _workspace(cli, tmp_path / "w", config)
    w.init()
    assert _lock_hashes(w, cli) == [release["hashes"]["h1"]]
    _plan_uses_the_release(w)

    # A fresh init against the same lock verifies the mirror's archive.
    shutil.rmtree(w.dir / ".terraform")
    w.init()
    # The archive replaced by another one (same name): the lock refuses it.
    zip_in_mirror = mirror / cli.registry_host / NAMESPACE / "office" / release["zip"].name
    _tamper(zip_in_mirror)
    shutil.rmtree(w.dir / ".terraform")
    r = w.run("init", "-no-color", "-input=false")
    assert r.returncode != 0, r.describe()
    assert "checksum" in r.output.lower(), r.describe()


def _tamper(zip_path: pathlib.Path) -> None:
    with zipfile.ZipFile(zip_path) as z:
        [info] = z.infolist()
        data = bytearray(z.read(info))
    data[-1] ^= 0xFF
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr(info, bytes(data))


# ------------------------------------------------------------------ network mirror over HTTPS
def _test_ca_and_server_cert(directory: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "office provider test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(hours=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem, cert_pem, key_pem = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


class _MirrorServer:
    """A static HTTPS file server for the mirror tree on 127.0.0.1, port 0; records requests."""

    def __init__(self, root: pathlib.Path, cert: pathlib.Path, key: pathlib.Path):
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(root), **kw)

            def log_message(self, *args):
                outer.requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert), str(key))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture
def https_mirror(release, tmp_path):
    root = tmp_path / "site"
    shutil.copytree(release["dist"] / "mirror", root)
    ca, cert, key = _test_ca_and_server_cert(tmp_path)
    server = _MirrorServer(root, cert, key)
    yield root, ca, server
    server.close()


@pytest.mark.core
def test_init_from_a_network_mirror_over_https(release, cli, tmp_path, https_mirror):
    root, ca, server = https_mirror
    config = f'provider_installation {{\n  network_mirror {{\n    url = "{server.url}"\n  }}\n}}\n'
    w = _workspace(cli, tmp_path / "w", config, extra_env={"SSL_CERT_FILE": str(ca)})
    w.init()
    # OpenTofu records every hash the mirror lists (h1: and zh:, as the mirror is trusted for
    # them); Terraform records only the h1: it checked on the unpacked package.
    expected = {release["hashes"]["h1"]}
    if cli.flavour == "tofu":
        expected.add(release["hashes"]["zh"])
    assert set(_lock_hashes(w, cli)) == expected
    assert any(p.endswith(f"/{NAMESPACE}/office/index.json") for p in server.requests), server.requests
    _plan_uses_the_release(w)

    shutil.rmtree(w.dir / ".terraform")
    w.init()  # verifies the lock against the mirror's archive

    # The archive on the mirror swapped for a tampered one: refused, lock or no lock.
    _tamper(root / cli.registry_host / NAMESPACE / "office" / release["zip"].name)
    shutil.rmtree(w.dir / ".terraform")
    r = w.run("init", "-no-color", "-input=false")
    assert r.returncode != 0, r.describe()
    fresh = _workspace(cli, tmp_path / "fresh", config, extra_env={"SSL_CERT_FILE": str(ca)})
    r2 = fresh.run("init", "-no-color", "-input=false")
    assert r2.returncode != 0, r2.describe()
    assert "checksum" in r2.output.lower() or "hash" in r2.output.lower(), r2.describe()


def test_network_mirror_without_the_test_ca_is_refused(release, tofu_cli, tmp_path, https_mirror):
    root, ca, server = https_mirror
    config = f'provider_installation {{\n  network_mirror {{\n    url = "{server.url}"\n  }}\n}}\n'
    other = tmp_path / "other-ca"
    other.mkdir()
    other_ca, _, _ = _test_ca_and_server_cert(other)
    w = _workspace(tofu_cli, tmp_path / "w", config, extra_env={"SSL_CERT_FILE": str(other_ca)})
    r = w.run("init", "-no-color", "-input=false")
    assert r.returncode != 0, r.describe()
    assert "certificate" in r.output.lower(), r.describe()
