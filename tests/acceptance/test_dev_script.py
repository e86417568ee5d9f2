"""AccDevScript: the pieces of ./dev that every other result depends on (counting, CLI config)."""

import pathlib
import subprocess

REPO = pathlib.Path(__file__).resolve().parents[2]


def _bash(snippet: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source ./dev; {snippet}"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_unknown_command_fails_with_usage():
    r = subprocess.run(["./dev", "frobnicate"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode != 0
    assert "unknown command 'frobnicate'" in r.stderr
    assert "./dev test" in r.stdout


def test_junit_counting_treats_skips_as_failures(tmp_path):
    xml = tmp_path / "r.xml"
    xml.write_text('<testsuites><testsuite name="s">'
                   '<testcase name="a"/><testcase name="b"/>'
                   '<testcase name="c"><failure message="x"/></testcase>'
                   '<testcase name="d"><skipped/></testcase>'
                   '<testcase name="e"><error message="y"/></testcase>'
                   '</testsuite></testsuites>')
    r = _bash(f'count_junit "{xml}"; echo "$PASSED $FAILED"')
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2", "3"]


def test_missing_junit_file_is_reported():
    r = _bash('if count_junit /nonexistent.xml; then echo counted; else echo missing; fi')
    assert r.stdout.strip() == "missing", r.stderr


def test_cli_config_serves_the_build_from_a_mirror(tmp_path):
    r = _bash(f'write_cli_config "{tmp_path}/c.tfrc" /opt/build "{tmp_path}/m"; provider_version')
    assert r.returncode == 0, r.stderr
    version = r.stdout.strip()
    assert version.count(".") == 2
    text = (tmp_path / "c.tfrc").read_text()
    assert text.index("dev_overrides") < text.index("filesystem_mirror") < text.index("direct")
    link = tmp_path / "m" / "registry.opentofu.org" / "office-at-hand" / "office" / version / "linux_amd64" / \
        f"terraform-provider-office_v{version}"
    assert link.is_symlink() and str(link.readlink()) == "/opt/build/terraform-provider-office"
