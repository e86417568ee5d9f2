"""AccHarness: the harness itself (pinned CLI versions, CLI config wiring). Needs no provider."""

import json
import os
import stat
import subprocess
import sys

import pytest

from tfharness import Workspace

EXPECTED_VERSIONS = {"tofu": "1.12.6", "terraform": "1.5.7", "terraform-1.11": "1.11.4"}


@pytest.mark.core
def test_cli_is_the_pinned_version(cli, tmp_path):
    w = Workspace(cli, tmp_path / "v", tmp_path)
    doc = json.loads(w.run("version", "-json").ok().stdout)
    assert doc["terraform_version"] == EXPECTED_VERSIONS[cli.name]


def test_dev_override_points_the_cli_at_our_build_dir(cli, tmp_path):
    # A stand-in "provider" that fails to start. If the CLI config were ignored, the CLI would
    # try the public registry for office-at-hand/office instead of running this file.
    fake_dir = tmp_path / "fakeprovider"
    fake_dir.mkdir()
    fake = fake_dir / "terraform-provider-office"
    marker = tmp_path / "started"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\necho 'stand-in provider refusing to start' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    w = Workspace(cli, tmp_path / "w", fake_dir)
    w.write('data "office_at_hand_catalog" "x" {}\n')
    r = w.run("validate", "-no-color")
    assert r.returncode != 0
    assert marker.exists(), r.describe()
    assert "Provider development overrides are in effect" in r.output, r.describe()
    assert "registry.terraform.io/office-at-hand/office" in r.output or \
        "registry.opentofu.org/office-at-hand/office" in r.output, r.describe()


def test_environment_is_isolated_from_the_machine(cli, tmp_path):
    w = Workspace(cli, tmp_path / "w", tmp_path)
    assert w.env["TF_CLI_CONFIG_FILE"] == str(w.cli_config)
    assert w.env["TF_IN_AUTOMATION"] == "1"
    assert not any(k.startswith(("AWS_ACCESS", "ARM_", "GOOGLE_")) for k in w.env)
    assert os.path.isfile(w.env["TF_CLI_CONFIG_FILE"])


def test_init_installs_the_build_offline(cli, tmp_path):
    # dev_overrides alone make init go to the registry (fails offline); our mirror serves it.
    fake_dir = tmp_path / "fakeprovider"
    fake_dir.mkdir()
    fake = fake_dir / "terraform-provider-office"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    w = Workspace(cli, tmp_path / "w", fake_dir)
    w.write('provider "office" {}\n')
    w.init()
    lock = (w.dir / ".terraform.lock.hcl").read_text()
    assert f'provider "{cli.provider_address}"' in lock, lock


def _collected(clients: str, full: str = "tofu") -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "ACC_CLIS": clients, "ACC_FULL_CLI": full}
    r = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                        here], cwd=here, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return [line for line in r.stdout.splitlines() if "::" in line]


def test_full_set_on_one_client_core_scenarios_on_the_others():
    tofu = _collected("tofu")
    tf = _collected("terraform")
    both = _collected("tofu,terraform")
    params = [t.split("[", 1)[1] if "[" in t else "" for t in tf]
    assert tf and all("terraform" in p and "tofu" not in p for p in params), tf
    assert len(tf) < len(tofu) / 2, (len(tf), len(tofu))
    assert sorted(both) == sorted(tofu + tf)
    # Every core scenario of the list runs on Terraform.
    import conftest
    for core in conftest.CORE_SCENARIOS:
        assert any(core in t for t in tf), core
    # Switching the full client round swaps the roles.
    assert len(_collected("terraform", full="terraform")) > len(tf)
