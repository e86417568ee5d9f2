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


def test_version_comes_from_the_version_file():
    r = _bash("provider_version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == (REPO / "VERSION").read_text().strip()
    assert "VERSION ${PROV_VERSION_STRING}" in (REPO / "CMakeLists.txt").read_text()


def test_step_times_are_recorded_and_printed():
    r = _bash('timed "first step" sleep 1; timed "failing step" false || echo "rc=$?"; '
              'print_step_times; echo "${#STEP_TIMES[@]}"')
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["rc=1", "2"]
    lines = [line for line in r.stderr.splitlines() if line.startswith("  ")]
    assert lines[0].split() == ["first", "step", "0m01s"], r.stderr
    assert lines[1].split()[:2] == ["failing", "step"], r.stderr


def test_acceptance_clients_default_to_all_three():
    r = _bash("unset ACC_CLIS; acceptance_clients; ACC_CLIS=tofu,terraform acceptance_clients")
    assert r.stdout.splitlines() == ["tofu terraform terraform-1.11", "tofu terraform"], r.stderr


def test_ccache_hits_across_checkout_folders():
    r = _bash('echo "$CCACHE_BASEDIR|$CCACHE_NOHASHDIR"')
    assert r.stdout.strip() == f"{REPO}|1", r.stderr


def test_usage_lists_flake_and_release():
    r = subprocess.run(["./dev", "help"], cwd=REPO, capture_output=True, text=True)
    assert "./dev flake" in r.stdout and "./dev release" in r.stdout, r.stdout


def test_an_empty_test_folder_is_a_configure_error(tmp_path):
    """prov_cc_test used to drop a test binary without a word when its glob matched nothing."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.25)\nproject(t LANGUAGES CXX)\n"
        f'include("{REPO}/cmake/prov.cmake")\n'
        "prov_cc_test(NAME net_test SRCS ${CMAKE_CURRENT_SOURCE_DIR}/net/*_test.cc)\n")
    r = subprocess.run(["cmake", "-S", str(src), "-B", str(tmp_path / "b")], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0
    assert "prov_cc_test(net_test): no sources match" in r.stderr, r.stderr
