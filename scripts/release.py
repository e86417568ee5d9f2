#!/usr/bin/env python3
"""Packs a built provider binary the way Terraform and OpenTofu install providers from outside
the public registry (called by `./dev release`; tests/acceptance/test_release.py drives it too).

  release.py --binary B --version V --out DIR [--gpg-key ID] [--gpg-home DIR]
             [--namespace NS] [--hostname H ...] [--platform linux_amd64]

writes into DIR:
  terraform-provider-office_<V>_<platform>.zip   holding terraform-provider-office_v<V>
  terraform-provider-office_<V>_manifest.json    terraform-registry-manifest.json (protocol 6.0, 5.0)
  terraform-provider-office_<V>_SHA256SUMS       sha256sum format: the zip and the manifest
  terraform-provider-office_<V>_SHA256SUMS.sig   detached binary GPG signature (with --gpg-key)
  mirror/<host>/<NS>/office/index.json           network mirror protocol: {"versions": {V: {}}}
  mirror/<host>/<NS>/office/<V>.json             {"archives": {platform: {url, hashes: [h1:, zh:]}}}
  mirror/<host>/<NS>/office/terraform-provider-office_<V>_<platform>.zip
  hashes.json                                    {"h1": ..., "zh": ...} for tests and notes

The mirror tree is a static site: serve mirror/ over HTTPS and point `network_mirror.url` at it.
The zip is deterministic (fixed timestamp, fixed permissions), so the same binary gives the
same `zh:` hash.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import zipfile

TYPE = "office"
BINARY_PREFIX = "terraform-provider-office"
# The provider serves plugin protocol 6 (and 5 for older clients: PLUGIN_PROTOCOL_VERSIONS).
MANIFEST = {"version": 1, "metadata": {"protocol_versions": ["6.0", "5.0"]}}
ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def sha256_file(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def h1_of_zip(zip_path: pathlib.Path) -> str:
    """The `h1:` hash (Go's dirhash Hash1) of the zip's unpacked contents: SHA-256 over the
    lines "<sha256 hex>  <name>\\n" of every file, sorted by name."""
    lines = []
    with zipfile.ZipFile(zip_path) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            lines.append(f"{hashlib.sha256(z.read(info)).hexdigest()}  {info.filename}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def write_zip(zip_path: pathlib.Path, binary: pathlib.Path, member: str) -> None:
    info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
    info.external_attr = (0o100755 << 16)
    info.create_system = 3  # unix, so the mode is honoured on unpacking
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr(info, binary.read_bytes(), compresslevel=9)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, type=pathlib.Path)
    ap.add_argument("--version", required=True)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--platform", default="linux_amd64")
    ap.add_argument("--namespace", default="office-at-hand")
    ap.add_argument("--hostname", action="append",
                    help="registry host(s) in the mirror tree (default: both public hosts)")
    ap.add_argument("--gpg-key", default="")
    ap.add_argument("--gpg-home", default="")
    a = ap.parse_args(argv)

    if not a.binary.is_file():
        ap.error(f"--binary {a.binary}: no such file")
    v = a.version
    out = a.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    zip_name = f"{BINARY_PREFIX}_{v}_{a.platform}.zip"
    zip_path = out / zip_name
    write_zip(zip_path, a.binary, f"{BINARY_PREFIX}_v{v}")
    manifest_name = f"{BINARY_PREFIX}_{v}_manifest.json"
    (out / manifest_name).write_text(json.dumps(MANIFEST, indent=2) + "\n")

    sums_name = f"{BINARY_PREFIX}_{v}_SHA256SUMS"
    sums = "".join(f"{sha256_file(out / n)}  {n}\n" for n in sorted([zip_name, manifest_name]))
    (out / sums_name).write_text(sums)
    if a.gpg_key:
        cmd = ["gpg", "--batch", "--yes", "--local-user", a.gpg_key, "--output",
               str(out / f"{sums_name}.sig"), "--detach-sign", str(out / sums_name)]
        if a.gpg_home:
            cmd[1:1] = ["--homedir", a.gpg_home]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"release.py: gpg --detach-sign with key {a.gpg_key!r} failed:\n{r.stderr}",
                  file=sys.stderr)
            return 1

    hashes = {"h1": h1_of_zip(zip_path), "zh": "zh:" + sha256_file(zip_path)}
    (out / "hashes.json").write_text(json.dumps(hashes, indent=2) + "\n")
    for host in a.hostname or ["registry.terraform.io", "registry.opentofu.org"]:
        d = out / "mirror" / host / a.namespace / TYPE
        d.mkdir(parents=True)
        shutil.copyfile(zip_path, d / zip_name)
        (d / "index.json").write_text(json.dumps({"versions": {v: {}}}, indent=2) + "\n")
        (d / f"{v}.json").write_text(json.dumps(
            {"archives": {a.platform: {"url": zip_name, "hashes": [hashes["h1"], hashes["zh"]]}}},
            indent=2) + "\n")
    print(json.dumps({"dir": str(out), "zip": zip_name, **hashes}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
