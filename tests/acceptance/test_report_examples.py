"""AccReport: `terraform-provider-office report` on real plans from tofu and terraform against
the AWS emulator, run through the exact commands of examples/scheduled-drift (the GitHub
Actions steps and the GitLab job script, extracted from the YAML): drift only, catalog change
only, configuration change only, all three, nothing; both formats; exit codes 0 / 2 / 1."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

import report_scenarios
from tfharness import Workspace

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "scheduled-drift"
SCRIPT_CMD = "examples/scheduled-drift/drift-report.sh examples/scheduled-drift"

# Findings per category for the scenarios of report_scenarios (an allowlist of `video`):
# drift = one rule deleted + one re-described by hand; catalog = one row's UDP range moved
# (9 rules out, 9 in); config = tcp_fallback on (TCP 443 joins 9 rules; 8 changed, and the
# one deleted by hand in "all" comes back as new).
EXPECTED = {
    "nothing": (0, 0, 0, 0),
    "drift": (2, 0, 0, 2),
    "catalog": (0, 18, 0, 2),
    "config": (0, 0, 9, 2),
    "all": (2, 18, 9, 2),
}


def github_steps() -> dict[str, dict]:
    wf = yaml.safe_load((EXAMPLE / ".github" / "workflows" / "office-drift.yml").read_text())
    assert wf[True if True in wf else "on"]["schedule"], "the workflow must run on a schedule"
    return {s.get("name") or s.get("uses"): s for s in wf["jobs"]["drift"]["steps"]}


def gitlab_job() -> dict:
    job = yaml.safe_load((EXAMPLE / ".gitlab-ci.yml").read_text())["office-drift"]
    assert any("schedule" in r.get("if", "") for r in job["rules"]), "the job must run on a schedule"
    return job


def _repo_workspace(cli, provider_dir: pathlib.Path, tmp_path: pathlib.Path) -> tuple[pathlib.Path, Workspace]:
    """A checkout-like tree: <repo>/examples/scheduled-drift holds the script and the scenario's
    configuration (the workspace); commands run from <repo> as CI runs them."""
    repo = tmp_path / "repo"
    ws = Workspace(cli, repo / "examples" / "scheduled-drift", provider_dir)
    shutil.copy(EXAMPLE / "drift-report.sh", ws.dir / "drift-report.sh")
    return repo, ws


def _bash(script: str, cwd: pathlib.Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, text=True, capture_output=True, timeout=600)


def _check_outputs(out: pathlib.Path, scenario: str, cli_name: str) -> None:
    drift, catalog, config, code = EXPECTED[scenario]
    doc = json.loads((out / "report.json").read_text())
    assert doc["exit_code"] == code
    assert doc["status"] == ("in_sync" if code == 0 else "changes")
    assert doc["counts"]["cloud_drift"] == drift, doc["counts"]
    assert doc["counts"]["catalog_change"] == catalog, doc["counts"]
    assert doc["counts"]["configuration_change"] == config, doc["counts"]
    assert doc["plan"]["tool"] == ("opentofu" if cli_name == "tofu" else "terraform")
    assert doc["plan"]["format_version"].startswith("1.")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    (al,) = doc["allowlists"]
    assert al["catalog"]["applied"]["version"] == json.loads(report_scenarios.CANONICAL.read_text())["version"]
    assert len(al["catalog"]["applied"]["sha256"]) == 64
    if catalog:
        assert al["catalog"]["planned"]["version"] == report_scenarios.CHANGED_VERSION
        assert al["catalog_rows"] == {report_scenarios.CHANGED_ROW: "changed"}
    assert al["unenforceable"], "the video service has domain-only rows"
    for f in doc["findings"]:
        assert f["recommended_action"] and f["id"]
    md = (out / "report.md").read_text()
    assert len(md) <= 65536
    head = md.splitlines()[0]
    if code == 0:
        assert head == "## Office@Hand firewall report: in sync", head
    else:
        for n, words in ((drift, "cloud drift"), (catalog, "catalog change"), (config, "configuration change")):
            assert (words in head) == bool(n), head
            if n:
                assert f"### {words[0].upper() + words[1:]} ({n})" in md
    assert "<details>" in md


@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_scheduled_drift_commands_classify(scenario, cli, provider_dir, tmp_path, aws, aws_fake):
    repo, ws = _repo_workspace(cli, provider_dir, tmp_path)
    report_scenarios.prepare(ws, aws, aws_fake, scenario)
    code = EXPECTED[scenario][3]
    env = dict(ws.env, TF_BIN=str(cli.path), REPORT_DIR="drift-report")

    # GitLab: the job's script, verbatim (OFFICE_DRIFT_ISSUE unset: nothing is posted).
    job = gitlab_job()
    assert job["script"][0].startswith("rc=0; " + SCRIPT_CMD)
    r = _bash("\n".join(job["script"]), repo, env)
    assert r.returncode == code, f"{r.stdout}\n{r.stderr}"
    _check_outputs(repo / "drift-report", scenario, cli.name)
    assert "drift-report/report.md" in job["script"][1]
    assert "drift-report/" in job["artifacts"]["paths"]
    shutil.rmtree(repo / "drift-report")

    # GitHub Actions: the report step, the job summary and the fail step, verbatim.
    steps = github_steps()
    gh_out, summary = tmp_path / "github_output", tmp_path / "step_summary"
    gh_env = dict(env, GITHUB_OUTPUT=str(gh_out), GITHUB_STEP_SUMMARY=str(summary))
    assert SCRIPT_CMD in steps["Plan and report"]["run"]
    r = _bash(steps["Plan and report"]["run"], repo, gh_env)
    assert r.returncode == 0, f"the step itself must not fail:\n{r.stdout}\n{r.stderr}"
    assert gh_out.read_text().strip() == f"rc={code}"
    _check_outputs(repo / "drift-report", scenario, cli.name)
    assert _bash(steps["Job summary"]["run"], repo, gh_env).returncode == 0
    assert summary.read_text() == (repo / "drift-report" / "report.md").read_text()
    post = steps["Post the report to the tracking issue"]
    assert post["if"] == "steps.report.outputs.rc == '2'" and "--body-file drift-report/report.md" in post["run"]
    fail = steps["Fail on drift or error"]
    assert fail["if"] == "steps.report.outputs.rc != '0'"
    fail_run = fail["run"].replace("${{ steps.report.outputs.rc }}", str(code))
    assert _bash(fail_run, repo, gh_env).returncode == 1  # the step runs only when rc != 0


def test_report_refuses_bad_input(ws, tmp_path, provider_dir, aws, aws_fake):
    binary = provider_dir / "terraform-provider-office"

    def report(path: pathlib.Path, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(binary), "report", *extra, str(path)], text=True, capture_output=True,
                              timeout=60)

    report_scenarios.prepare(ws, aws, aws_fake, "drift")
    code, plan = ws.plan_json()
    assert code == 2
    good = tmp_path / "plan.json"
    good.write_text(json.dumps(plan))
    assert report(good).returncode == 2
    assert report(good, "--format", "json").returncode == 2

    truncated = tmp_path / "truncated.json"
    truncated.write_text(good.read_text()[: len(good.read_text()) // 3])
    r = report(truncated)
    assert r.returncode == 1 and "truncated" in r.stderr and not r.stdout, r.stderr

    state = tmp_path / "state.json"  # `show -json` without a plan file
    state.write_text(json.dumps(ws.show_json()))
    r = report(state)
    assert r.returncode == 1 and "state, not a plan" in r.stderr, r.stderr

    not_json = tmp_path / "plan.log"
    not_json.write_text(ws.plan().stdout)
    r = report(not_json)
    assert r.returncode == 1 and "not JSON" in r.stderr, r.stderr

    r = report(tmp_path / "missing.json")
    assert r.returncode == 1 and "cannot open" in r.stderr

    # A plan with no allowlist: the catalog data source only.
    other = Workspace(ws.cli, tmp_path / "other", provider_dir)
    other.write('data "office_at_hand_catalog" "x" {}\noutput "v" { value = data.office_at_hand_catalog.x.version }\n')
    other.init()
    _, doc = other.plan_json()
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps(doc))
    r = report(empty)
    assert r.returncode == 1 and "no office_at_hand_allowlist" in r.stderr, r.stderr

    # Usage errors are errors (1), not the argument parser's own codes.
    for argv in ([], ["--format", "yaml", str(good)], ["--bogus", str(good)]):
        r = subprocess.run([str(binary), "report", *argv], text=True, capture_output=True, timeout=60)
        assert r.returncode == 1, (argv, r.returncode, r.stderr)


@pytest.mark.parametrize("scenario", ["drift", "catalog"])
def test_refresh_only_plan_reports_cloud_drift_only(scenario, ws, tmp_path, provider_dir, aws, aws_fake):
    """`plan -refresh-only`: drift is reported; a catalog change is not drift (exit 0)."""
    report_scenarios.prepare(ws, aws, aws_fake, scenario)
    _, plan = ws.plan_json(refresh_only=True)
    path = tmp_path / "refresh.json"
    path.write_text(json.dumps(plan))
    binary = str(provider_dir / "terraform-provider-office")
    r = subprocess.run([binary, "report", "--format", "json", "-"], input=path.read_text(), text=True,
                       capture_output=True, timeout=60)
    doc = json.loads(r.stdout)
    assert doc["plan"]["refresh_only"] is True
    if scenario == "drift":
        assert r.returncode == 2, r.stderr
        assert doc["counts"] == {"cloud_drift": 2, "catalog_change": 0, "configuration_change": 0,
                                 "unenforceable": doc["counts"]["unenforceable"]}
        assert sorted(f["kind"] for f in doc["findings"]) == ["rule_changed", "rule_removed"]
    else:
        assert r.returncode == 0, r.stdout
        assert doc["status"] == "in_sync"


def _report_json(provider_dir: pathlib.Path, plan: dict, tmp_path: pathlib.Path) -> tuple[int, dict]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    r = subprocess.run([str(provider_dir / "terraform-provider-office"), "report", "--format", "json", str(path)],
                       text=True, capture_output=True, timeout=60)
    assert r.returncode in (0, 2), r.stderr
    return r.returncode, json.loads(r.stdout)


def test_report_on_gcp_and_azure(ws, workspace_factory, tmp_path, provider_dir, gcp, gcp_fake, azure, azure_fake):
    """The other targets: GCP firewall rules and an Azure NSG, one rule deleted by hand on each,
    reported as cloud drift only, with the platform and the target named."""
    import test_azure_allowlist as az
    import test_gcp_allowlist as g

    net = gcp.create_network()
    ws.write(g.config(gcp_fake, net, services=["video"]))
    ws.init()
    ws.apply()
    code, doc = _report_json(provider_dir, ws.plan_json()[1], tmp_path)
    assert code == 0 and doc["status"] == "in_sync", doc["counts"]
    gone = g.owned(gcp, net)[0]["name"]
    gcp.delete_firewall(gone)
    code, doc = _report_json(provider_dir, ws.plan_json()[1], tmp_path)
    assert code == 2
    assert doc["categories"] == ["cloud_drift"], doc["counts"]
    (al,) = doc["allowlists"]
    assert al["platform"] == "gcp" and al["target"].endswith(f"/global/networks/{net}"), al
    assert [f["after"] for f in doc["findings"]] == [None] * len(doc["findings"])
    assert any(f["before"]["name"] == gone for f in doc["findings"]), doc["findings"]
    assert "Cloud Audit Logs" in doc["findings"][0]["recommended_action"]

    az_ws = workspace_factory("azure")
    nsg = azure.create_nsg()
    az_ws.write(az.config(azure_fake, nsg, services=["video"]))
    az_ws.init()
    az_ws.apply()
    victim = az.owned(azure, nsg)[0]["name"]
    azure.delete_rule(nsg, victim)
    code, doc = _report_json(provider_dir, az_ws.plan_json()[1], tmp_path)
    assert code == 2
    assert doc["categories"] == ["cloud_drift"], doc["counts"]
    (al,) = doc["allowlists"]
    assert al["platform"] == "azure" and al["target"] == nsg, al
    assert any(f["kind"] == "rule_removed" and f["before"]["name"] == victim for f in doc["findings"])
    assert "Azure Activity Log" in doc["findings"][0]["recommended_action"]
