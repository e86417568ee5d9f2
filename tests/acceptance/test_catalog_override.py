"""AccCatalogOverride: catalog_file / catalog_url replace the embedded catalog; a broken or
mis-pinned override is an error naming the cause, never a silent fallback to the embedded one."""

import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
CANONICAL = ROOT / "provider" / "catalog" / "data" / "office_at_hand.json"


def _write_catalog(tmp_path, mutate):
    data = json.loads(CANONICAL.read_text())
    mutate(data)
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def _config(provider_args: str) -> str:
    return f'''
        provider "office" {{
          {provider_args}
        }}
        data "office_at_hand_catalog" "x" {{}}
        output "version" {{ value = data.office_at_hand_catalog.x.version }}
        output "origin"  {{ value = data.office_at_hand_catalog.x.origin }}
        '''


def test_catalog_file_replaces_the_embedded_catalog(ws, tmp_path):
    path = _write_catalog(tmp_path, lambda d: d.update(version="9999.01.01"))
    ws.write(_config(f'catalog_file = "{path}"'))
    ws.init()
    ws.apply()
    out = ws.output_json()
    assert out["version"] == "9999.01.01"
    assert out["origin"] == f"file:{path}"


def test_broken_catalog_file_is_an_error_not_a_fallback(ws, tmp_path):
    path = _write_catalog(tmp_path, lambda d: d["supernets"][0].update(cidr="66.81.240.0/33"))
    ws.write(_config(f'catalog_file = "{path}"'))
    ws.init()
    r = ws.apply(check=False)
    assert r.returncode == 1, r.describe()
    assert "/supernets/0" in r.stderr, r.describe()
    assert "NOT used" in r.stderr, r.describe()


def test_catalog_url_with_a_wrong_pin_is_refused(ws, tmp_path):
    path = _write_catalog(tmp_path, lambda d: None)
    ws.write(_config(f'catalog_url = "file://{path}"\n catalog_sha256 = "{"0" * 64}"'))
    ws.init()
    r = ws.apply(check=False)
    assert r.returncode == 1, r.describe()
    assert "sha256" in r.stderr.lower(), r.describe()


def test_catalog_url_with_the_right_pin_is_used(ws, tmp_path):
    path = _write_catalog(tmp_path, lambda d: d.update(version="9999.02.02"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    ws.write(_config(f'catalog_url = "file://{path}"\n catalog_sha256 = "{digest}"'))
    ws.init()
    ws.apply()
    assert ws.output_json()["version"] == "9999.02.02"
