"""AccHarness: the harness itself (pinned CLI versions, CLI config wiring). Needs no provider."""

import json
import os
import stat

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
