"""Fixtures for the acceptance suite (AccXxx): real OpenTofu and Terraform binaries start the
built provider exactly as users' do (dev_overrides), against loopback cloud fakes.

Environment:
  PROV_BUILD_DIR     build dir holding terraform-provider-office (default: <repo>/build)
  OFFICE_TOOLS_BIN   dir with `tofu` and `terraform` (default: ~/.cache/terraform-provider-office/tools/bin)
  ACC_CLIS           comma list of the clients to run (default: tofu,terraform,terraform-1.11):
                     tofu = OpenTofu 1.12.6, terraform = Terraform 1.5.7, terraform-1.11 = 1.11.4
  ACC_FULL_CLI       the client that runs every test (default: tofu); the others run only the
                     tests marked @pytest.mark.core. Tests that take no `cli` (OpenTofu-only
                     features, the harness itself) run when ACC_FULL_CLI is in ACC_CLIS.
  ACC_TF_LOG         set TF_LOG for every command (log written to the workspace's tf.log)

A missing CLI binary, provider binary or fake server FAILS the tests that need it; nothing skips.
"""

from __future__ import annotations

import os
import pathlib

import pytest

import clouds
from tfharness import Cli, Workspace

REPO = pathlib.Path(__file__).resolve().parents[2]
PROVIDER_BINARY = "terraform-provider-office"


def _tools_bin() -> pathlib.Path:
    if os.environ.get("OFFICE_TOOLS_BIN"):
        return pathlib.Path(os.environ["OFFICE_TOOLS_BIN"])
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(cache) / "terraform-provider-office" / "tools" / "bin"


KNOWN_CLIS = ("tofu", "terraform", "terraform-1.11")


def _cli_names() -> list[str]:
    names = [n.strip() for n in os.environ.get("ACC_CLIS", ",".join(KNOWN_CLIS)).split(",")
             if n.strip()]
    bad = [n for n in names if n not in KNOWN_CLIS]
    if bad:
        raise pytest.UsageError(f"ACC_CLIS: unknown CLI(s) {bad} (known: {', '.join(KNOWN_CLIS)})")
    return names


def _full_cli() -> str:
    name = os.environ.get("ACC_FULL_CLI", "tofu").strip()
    if name not in KNOWN_CLIS:
        raise pytest.UsageError(f"ACC_FULL_CLI: unknown CLI {name!r}")
    return name


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "core: a core scenario, run on every client (the rest run on ACC_FULL_CLI only)")


# Core scenarios, besides tests carrying @pytest.mark.core: "file::function". Listed here so the
# choice sits in one place; a name that no longer exists is an error (see below).
CORE_SCENARIOS = {
    "test_harness.py::test_init_installs_the_build_offline",
    "test_provider_schema.py::test_lists_resources_and_data_sources",
    "test_provider_schema.py::test_allowlist_schema_shape",
    "test_validate.py::test_unknown_attribute_is_named",
    "test_catalog_data_source.py::test_video_only",
    "test_rules_data_source.py::test_aws_video_rules_open_only_the_supernets",
    "test_aws_allowlist.py::test_create_and_no_change_plan",
    "test_aws_allowlist.py::test_drift_is_detected_and_repaired",
    "test_aws_allowlist.py::test_import_with_import_block",
    "test_azure_allowlist.py::test_create_and_no_change_plan",
    "test_azure_allowlist.py::test_import",
    "test_gcp_allowlist.py::test_create_and_no_change_plan",
    "test_examples.py::test_example_is_valid",
}


def _scenario_id(item) -> str:
    return f"{item.path.name}::{getattr(item, 'originalname', item.name)}"


def pytest_collection_modifyitems(config, items):
    """Full set on one client, core scenarios on the others. Deselected (not skipped: a skip
    counts as a failure in ./dev test) so the report lists only what ran."""
    full, names = _full_cli(), _cli_names()
    collected_files = {item.path.name for item in items}
    seen = {_scenario_id(item) for item in items}
    stale = [c for c in CORE_SCENARIOS
             if c.split("::")[0] in collected_files and c not in seen and not config.option.keyword]
    if stale:
        raise pytest.UsageError(f"conftest.CORE_SCENARIOS names tests that do not exist: {sorted(stale)}")
    keep, drop = [], []
    for item in items:
        if _scenario_id(item) in CORE_SCENARIOS:
            item.add_marker(pytest.mark.core)
        callspec = getattr(item, "callspec", None)
        client = callspec.params.get("cli") if callspec is not None else None
        if client is None:
            wanted = full in names
        else:
            wanted = client == full or item.get_closest_marker("core") is not None
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _make_cli(name: str) -> Cli:
    path = _tools_bin() / name
    if not (path.exists() and os.access(path, os.X_OK)):
        pytest.fail(f"{name} binary not found at {path}: run ./dev setup "
                    f"(scripts/build-test-tools.sh builds it)", pytrace=False)
    return Cli(name, path)


@pytest.fixture(scope="session", params=_cli_names())
def cli(request) -> Cli:
    """Each test using this runs once per client in ACC_CLIS (core tests) or on ACC_FULL_CLI."""
    return _make_cli(request.param)


@pytest.fixture(scope="session")
def tofu_cli() -> Cli:
    """OpenTofu only: for features Terraform 1.5.7 lacks (provider-defined functions)."""
    return _make_cli("tofu")


@pytest.fixture(scope="session")
def build_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PROV_BUILD_DIR", REPO / "build")).resolve()


@pytest.fixture(scope="session")
def provider_dir(build_dir: pathlib.Path) -> pathlib.Path:
    binary = build_dir / PROVIDER_BINARY
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"provider binary {binary} missing: run ./dev build", pytrace=False)
    return build_dir


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def _attach_transcripts(request, workspaces: list[Workspace]) -> None:
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        for w in workspaces:
            if w.history:
                rep.sections.append((f"CLI transcript ({w.cli.name}, {w.dir})", w.transcript()))


@pytest.fixture
def workspace_factory(request, cli: Cli, provider_dir: pathlib.Path, tmp_path: pathlib.Path):
    """Makes fresh working directories for the parametrized CLI (e.g. import into a new one)."""
    made: list[Workspace] = []

    def make(name: str = "ws", cli_override: Cli | None = None) -> Workspace:
        w = Workspace(cli_override or cli, tmp_path / f"{name}{len(made)}", provider_dir)
        made.append(w)
        return w

    yield make
    _attach_transcripts(request, made)


@pytest.fixture
def ws(workspace_factory) -> Workspace:
    return workspace_factory("ws")


@pytest.fixture
def tofu_ws(request, tofu_cli: Cli, provider_dir: pathlib.Path, tmp_path: pathlib.Path):
    w = Workspace(tofu_cli, tmp_path / "tofu", provider_dir)
    yield w
    _attach_transcripts(request, [w])


# ------------------------------------------------------------------ cloud fakes
@pytest.fixture(scope="session")
def fake_logs(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("fakes")


def _fake(cloud: str, logs: pathlib.Path):
    proc = clouds.FakeProcess(cloud, logs)
    info = proc.start()
    return proc, info


@pytest.fixture(scope="session")
def aws_fake(fake_logs):
    proc, info = _fake("aws", fake_logs)
    yield info
    proc.stop()


@pytest.fixture(scope="session")
def azure_fake(fake_logs):
    proc, info = _fake("azure", fake_logs)
    yield info
    proc.stop()


@pytest.fixture(scope="session")
def gcp_fake(fake_logs):
    proc, info = _fake("gcp", fake_logs)
    yield info
    proc.stop()


@pytest.fixture
def aws(aws_fake) -> clouds.AwsEnv:
    return clouds.AwsEnv(aws_fake)


@pytest.fixture
def azure(azure_fake) -> clouds.AzureEnv:
    return clouds.AzureEnv(azure_fake)


@pytest.fixture
def gcp(gcp_fake) -> clouds.GcpEnv:
    return clouds.GcpEnv(gcp_fake)
