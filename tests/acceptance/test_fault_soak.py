"""AccFaultSoak (issues 10 and 20): faulted applies against the AWS, Azure and GCP fakes.

For each cloud, with real OpenTofu (13 faulted applies) and a shorter run with Terraform (3):
a fixed schedule of creates, service-set changes and destroys, each run while the fake faults
a seeded random share of requests (10 % or 50 %: throttling, 5xx, connection resets before the
call and lost answers after the fake performed it), either on every API call or only on the
calls that change something. After EVERY faulted apply, whatever its exit code, the cloud is
compared with state (soak.py): 0 orphans (in the cloud, not in state), 0 lost (in state, not in
the cloud), 0 duplicates; then, after a fault-free refresh, state must equal the cloud again.
At the end, one clean apply converges and the next plan is empty.

Seeds are fixed ("rate"/"seed" in the fakes' POST /_fault), so a run is reproducible as far
as the order of the provider's requests is. A summary line per cloud and CLI is printed
(pytest -rA; `-o junit_logging=system-out` puts it in the junit report); on failure the
assertion carries the per-apply table and the CLI output of each bad step.
"""

from __future__ import annotations

import pytest

import clouds
import soak

MAX_RETRIES = 3  # small on purpose: at 50 % many applies fail, which is what is under test

# Service sets per cloud, small: AWS 9/18/27 EC2 rules; Azure 1/4/2 and GCP 1/3/2 named rules
# (SIP trunk peers and, on GCP, an SFTP server add named rules, so changes create and delete
# rules as well as update them). Azure leaves archiver out: its SFTP rule never settles even
# without faults (the plan after a clean apply always shows its remote_id as changing), which
# is not what this soak measures.
SERVICES = {
    "aws": [["room_connector"], ["video"], ["desktop_softphone"]],
    "azure": [["room_connector"], ["sip_trunks", "video"], ["phones"]],
    "gcp": [["room_connector"], ["archiver", "sip_trunks", "video"], ["phones", "sip_trunks"]],
}

# (action, service-set index, fault rate, scope: "all" API calls or only "writes").
TOFU_SCHEDULE = [
    ("apply", 0, 0.1, "all"), ("apply", 1, 0.1, "writes"), ("apply", 2, 0.1, "all"),
    ("destroy", 2, 0.1, "writes"), ("apply", 1, 0.1, "all"), ("apply", 0, 0.1, "writes"),
    ("apply", 2, 0.5, "writes"), ("apply", 1, 0.5, "all"), ("destroy", 1, 0.5, "writes"),
    ("apply", 0, 0.5, "writes"), ("apply", 2, 0.5, "all"), ("apply", 1, 0.5, "writes"),
    ("destroy", 1, 0.5, "all"),
]
TERRAFORM_SCHEDULE = [("apply", 0, 0.5, "writes"), ("apply", 1, 0.5, "all"),
                      ("destroy", 1, 0.5, "writes")]

CRASH_SIGNS = ("panic:", "plugin crashed", "failed to respond", "Internal provider error")


@pytest.fixture(scope="module")
def soak_azure_fake(tmp_path_factory):
    """The module's own ARM fake: Retry-After 0 (the shared one asks for 1 s on every
    long-running operation and throttle, which alone would take minutes here)."""
    proc = clouds.FakeProcess("azure", tmp_path_factory.mktemp("soak-azure"), ("--retry-after", "0"))
    info = proc.start()
    yield info
    proc.stop()


FAKES = {"aws": "aws_fake", "azure": "soak_azure_fake", "gcp": "gcp_fake"}


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_fault_soak(request, cloud, cli, workspace_factory):
    info = request.getfixturevalue(FAKES[cloud])
    target = soak.TARGETS[cloud](info)
    ws = workspace_factory(f"soak-{cloud}")
    schedule = TOFU_SCHEDULE if cli.name == "tofu" else TERRAFORM_SCHEDULE
    sets = SERVICES[cloud]

    ws.write(target.config(sets[schedule[0][1]], MAX_RETRIES))
    ws.init()

    rows: list[str] = []
    totals = {"applies": 0, "failed": 0, "injected": 0, "orphans": 0, "lost": 0,
              "duplicates": 0, "after_refresh": 0, "crashes": 0}
    problems: list[str] = []

    for i, (action, set_index, rate, scope) in enumerate(schedule):
        ws.write(target.config(sets[set_index], MAX_RETRIES))
        target.faults_on(rate, seed=f"soak:{cloud}:{cli.name}:{i}", scope=scope)
        try:
            run = ws.destroy(check=False) if action == "destroy" else ws.apply(check=False)
        finally:
            injected = target.faults_off()
        totals["applies"] += 1
        totals["injected"] += sum(injected.values())
        if run.returncode != 0:
            totals["failed"] += 1
        if any(s in run.output for s in CRASH_SIGNS):
            totals["crashes"] += 1
            problems.append(f"step {i} ({action}): provider crash\n{run.describe()}")

        diff = target.compare(soak.state_rules(ws))
        o, lo, d = diff.counts()
        totals["orphans"] += o
        totals["lost"] += lo
        totals["duplicates"] += d
        if not diff.clean:
            problems.append(f"step {i} ({action} {sets[set_index]} at {rate:.0%}, exit "
                            f"{run.returncode}): orphans {diff.orphans} lost {diff.lost} "
                            f"duplicates {diff.duplicates}\n{run.describe()}")

        # A fault-free refresh: state must then equal the cloud.
        refresh = ws.apply("-refresh-only", check=False)
        after = target.compare(soak.state_rules(ws))
        if refresh.returncode != 0 or not after.clean:
            totals["after_refresh"] += 1
            problems.append(f"step {i}: after refresh (exit {refresh.returncode}) orphans "
                            f"{after.orphans} lost {after.lost} duplicates {after.duplicates}"
                            + ("" if refresh.returncode == 0 else f"\n{refresh.describe()}"))
        rows.append(f"  {i:2d} {action:7s} {'+'.join(sets[set_index]):26s} {rate:4.0%} {scope:6s} "
                    f"exit={run.returncode} orphans={o} lost={lo} dups={d}"
                    f" after-refresh={'ok' if after.clean and refresh.returncode == 0 else 'DIFF'}"
                    f" faults={','.join(f'{k}:{n}' for k, n in sorted(injected.items()) if n)}")

    # Faults off: one clean apply converges, the cloud equals state, the next plan is empty.
    ws.write(target.config(sets[schedule[-1][1]], MAX_RETRIES))
    final = ws.apply(check=False)
    final_diff = target.compare(soak.state_rules(ws))
    plan = ws.plan()
    converged = final.returncode == 0 and final_diff.clean and plan.returncode == 0
    if not converged:
        problems.append(f"clean apply exit {final.returncode}, orphans {final_diff.orphans} "
                        f"lost {final_diff.lost} duplicates {final_diff.duplicates}, "
                        f"plan -detailed-exitcode {plan.returncode}\n{final.describe()}\n"
                        f"{plan.describe()}")
    ws.destroy(check=False)  # leave the shared fake tidy; not part of the figures

    summary = (f"SOAK {cloud} {cli.name}: {totals['applies']} faulted applies, "
               f"{totals['failed']} failed, {totals['injected']} faults injected, "
               f"orphans={totals['orphans']} lost={totals['lost']} "
               f"duplicates={totals['duplicates']} state!=cloud after refresh: "
               f"{totals['after_refresh']}, crashes={totals['crashes']}, "
               f"clean apply + empty plan: {'yes' if converged else 'NO'}")
    print(summary)
    print("\n".join(rows))
    assert totals["injected"] > 0, f"no fault was injected: the soak tested nothing\n{summary}"
    assert not problems, summary + "\n" + "\n".join(rows) + "\n\n" + "\n\n".join(problems)
