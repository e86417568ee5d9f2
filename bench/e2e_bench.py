#!/usr/bin/env python3
"""End-to-end benchmarks: real OpenTofu driving the built provider against the loopback fakes.

    python3 bench/e2e_bench.py --build BUILD --tofu PATH [--sections datasource,quickstart,aws,azure,gcp]
                               [--scale 200] [--repeat 3] [--before-build DIR] [--datasource-repeat 15]

Prints figures (never asserts on them), one section per cloud:

* datasource: `tofu plan` of a configuration with one pure data source (the catalog), next to
  the same configuration without the provider, interleaved in the same run, so the provider's
  share is plan time minus the baseline; with --before-build (a build of the previous code,
  e.g. main's), that binary's share is measured in the same interleaved runs, and
  handshake_bench is run on both binaries (exec -> handshake, exit after
  GRPCController.Shutdown, RSS after schema).
* quickstart: `tofu plan` wall time of examples/quickstart (all services, 2 security groups,
  AWS emulator) next to the same configuration with the allowlist replaced by a
  `terraform_data` resource and no provider at all, so the provider's own share is visible.
* aws / azure / gcp: `--scale` allowlists (services = ["desktop_softphone"], one target each),
  apply once, then `tofu plan -detailed-exitcode` (a refresh of every allowlist): wall time,
  API calls per refresh from the fake's /_stats, and the provider's peak memory (VmHWM of
  every terraform-provider-office process tofu starts, sampled from /proc; the max is shown).
  Azure and GCP also apply and plan the full catalog on one target.

Every fake is started on 127.0.0.1 (ephemeral port) and stopped on exit, even on failure.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "acceptance"))
import clouds                                                        # noqa: E402
from blocks import aws_provider_block, azure_provider_block, gcp_provider_block  # noqa: E402
from tfharness import Cli, Workspace, hcl_list, hcl_string          # noqa: E402

SMALL_SERVICES = ["desktop_softphone"]
COMMAND_TIMEOUT = 900
TICKS = os.sysconf("SC_CLK_TCK")


def load() -> str:
    a, b, c = os.getloadavg()
    return f"load average {a:.2f} {b:.2f} {c:.2f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def say(text: str = "") -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------- fakes
class Fake:
    """One tests/fakes/<cloud>/server.py with extra arguments; stops when `stop` closes stdin."""

    running: list["Fake"] = []

    def __init__(self, cloud: str, log_dir: pathlib.Path, args: list[str] | None = None):
        self.cloud = cloud
        self.args = args or []
        self.log_path = log_dir / f"{cloud}-fake.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> dict[str, Any]:
        script = ROOT / "tests" / "fakes" / self.cloud / "server.py"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, str(script), *self.args], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True)
        Fake.running.append(self)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if line.strip():
                    return json.loads(line)
                break
        self.stop()
        raise RuntimeError(f"{self.cloud} fake did not start; log:\n"
                           f"{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._log.close()
        if self in Fake.running:
            Fake.running.remove(self)

    @classmethod
    def stop_all(cls) -> None:
        for f in list(cls.running):
            f.stop()


# --------------------------------------------------------------------------- measuring
class ProviderMemory(threading.Thread):
    """Samples VmHWM / VmRSS of the provider processes that one tofu process starts.

    Only direct children of that tofu pid whose executable is our provider binary count, so
    provider processes of other people's runs on the same machine never leak into the figure.
    VmHWM is the kernel's own peak; sampling every 20 ms only has to catch each process once
    near its end, and a process that lives shorter than that is reported from its last sample."""

    def __init__(self, tofu_pid: int, provider_exe: pathlib.Path):
        super().__init__(daemon=True)
        self.tofu_pid = tofu_pid
        self.exe = str(provider_exe.resolve())
        self.peak_hwm_kb: dict[int, int] = {}
        self.peak_rss_kb: dict[int, int] = {}
        self.cpu_ticks: dict[int, int] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(0.02)

    def sample(self) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                status = pathlib.Path(f"/proc/{pid}/status").read_text()
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if int(fields.get("PPid", "0").strip()) != self.tofu_pid:
                    continue
                if os.readlink(f"/proc/{pid}/exe") != self.exe:
                    continue
                hwm = int(fields.get("VmHWM", "0 kB").split()[0])
                rss = int(fields.get("VmRSS", "0 kB").split()[0])
                # utime + stime (fields 14 and 15; the command name may hold spaces).
                stat = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks = int(stat[11]) + int(stat[12])
            except (OSError, ValueError, IndexError):
                continue  # exited (or became a zombie) between listing and reading
            self.peak_hwm_kb[pid] = max(self.peak_hwm_kb.get(pid, 0), hwm)
            self.peak_rss_kb[pid] = max(self.peak_rss_kb.get(pid, 0), rss)
            self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), ticks)

    def stop(self) -> None:
        self._done.set()
        self.join()

    def cpu_seconds(self) -> float:
        """CPU time of all sampled provider processes; a lower bound (the last <=20 ms of each
        process happen after its final sample)."""
        return sum(self.cpu_ticks.values()) / TICKS

    def summary(self) -> str:
        if not self.peak_hwm_kb:
            return "provider memory: no provider process sampled"
        return (f"provider peak VmHWM {max(self.peak_hwm_kb.values()) / 1024:.1f} MiB, "
                f"peak VmRSS {max(self.peak_rss_kb.values()) / 1024:.1f} MiB "
                f"(max over {len(self.peak_hwm_kb)} provider processes), "
                f"provider CPU >= {self.cpu_seconds() * 1000:.0f} ms")


class Measured:
    def __init__(self, seconds: float, returncode: int, stdout: str, stderr: str,
                 memory: ProviderMemory):
        self.seconds = seconds
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.memory = memory


class Bench:
    def __init__(self, build: pathlib.Path, tofu: pathlib.Path, tmp: pathlib.Path, repeat: int):
        self.build = build
        self.tofu = Cli("tofu", tofu)
        self.tmp = tmp
        self.repeat = repeat
        self.provider = build / "terraform-provider-office"

    def workspace(self, name: str, extra_env: dict[str, str] | None = None) -> Workspace:
        return Workspace(self.tofu, self.tmp / name, self.build, extra_env)

    def tofu_run(self, ws: Workspace, *args: str, ok: tuple[int, ...] = (0,)) -> Measured:
        """Runs one tofu command, timing it and sampling the provider's memory meanwhile."""
        argv = [str(self.tofu.path), *args, "-no-color", "-input=false"]
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ws.dir, env=ws.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        mem = ProviderMemory(proc.pid, self.provider)
        mem.start()
        try:
            out, err = proc.communicate(timeout=COMMAND_TIMEOUT)
        except BaseException as e:
            # Timeout, Ctrl-C or SIGTERM: never leave a tofu (and its provider) running.
            proc.kill()
            proc.communicate()
            if isinstance(e, subprocess.TimeoutExpired):
                raise RuntimeError(f"tofu {' '.join(args)} timed out after {COMMAND_TIMEOUT}s") from e
            raise
        finally:
            mem.stop()
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok:
            raise RuntimeError(f"tofu {' '.join(args)} in {ws.dir} exited {proc.returncode}:\n"
                               f"{out[-3000:]}\n{err[-5000:]}")
        return Measured(elapsed, proc.returncode, out, err, mem)

    def apply(self, ws: Workspace) -> Measured:
        return self.tofu_run(ws, "apply", "-auto-approve")

    def noop_plan(self, ws: Workspace) -> Measured:
        """A refresh that must find nothing to change (exit 0 with -detailed-exitcode)."""
        return self.tofu_run(ws, "plan", "-detailed-exitcode")

    def repeated(self, label: str, fn: Callable[[], Measured]) -> list[Measured]:
        runs = [fn() for _ in range(self.repeat)]
        times = [r.seconds for r in runs]
        hwm = max((max(r.memory.peak_hwm_kb.values(), default=0) for r in runs), default=0)
        cpu = statistics.median(r.memory.cpu_seconds() for r in runs)
        say(f"  {label:<58} median {ms(statistics.median(times))}  min {ms(min(times))}  "
            f"max {ms(max(times))}  (n={len(runs)}; provider peak VmHWM {hwm / 1024:.1f} MiB, "
            f"median provider CPU >= {cpu * 1000:.0f} ms)")
        return runs


def count_resources(ws: Workspace) -> int:
    r = ws.run("state", "list")
    return len([line for line in r.stdout.splitlines() if line.strip()])


# --------------------------------------------------------------------------- datasource
DATASOURCE_TF = '''
data "office_at_hand_catalog" "all" {}
output "services" {
  value = length(data.office_at_hand_catalog.all.services_selected)
}
'''

# The same outputs, no provider: what tofu itself costs for such a plan.
DATASOURCE_BASELINE_TF = '''
locals {
  services = ["one"]
}
output "services" {
  value = length(local.services)
}
'''


def handshake_figures(b: Bench, binary: pathlib.Path) -> dict[str, str]:
    """handshake_bench on one binary: its exec -> handshake, exit and RSS lines."""
    tool = b.build / "bench" / "handshake_bench"
    if not tool.exists():
        return {"error": f"{tool} not built"}
    p = subprocess.run([str(tool), str(binary), "40", "50"], capture_output=True, text=True,
                       timeout=COMMAND_TIMEOUT)
    if p.returncode != 0:
        return {"error": (p.stdout + p.stderr)[-500:]}
    keep = {"exec -> handshake": "handshake", "exit after": "exit", "RSS after schema": "rss",
            "CPU time": "cpu"}
    out = {}
    for line in p.stdout.splitlines():
        for key, name in keep.items():
            if key in line:
                out[name] = line.strip()
    return out


def datasource(b: Bench, before: pathlib.Path | None, repeat: int) -> None:
    say(f"== datasource: tofu plan of one pure data source, with and without the provider; {load()}")
    variants = {"provider": b.build}
    if before is not None:
        variants["provider (before)"] = before
    spaces = {}
    for label, build in variants.items():
        ws = Workspace(b.tofu, b.tmp / f"ds-{len(spaces)}", build)
        ws.write(DATASOURCE_TF)
        ws.init().ok()
        spaces[label] = ws
    base = b.workspace("ds-baseline")
    base.write(DATASOURCE_BASELINE_TF, with_required_providers=False)
    base.init().ok()
    spaces["baseline (no provider)"] = base
    times: dict[str, list[float]] = {k: [] for k in spaces}
    cpu: dict[str, list[float]] = {k: [] for k in spaces}
    # Interleaved, so that a change of load on the machine hits every variant alike.
    for _ in range(repeat):
        for label, ws in spaces.items():
            m = b.tofu_run(ws, "plan")
            if "services = 1" not in m.stdout and "services = 12" not in m.stdout:
                raise RuntimeError(f"unexpected plan output for {label}:\n{m.stdout[-2000:]}")
            times[label].append(m.seconds)
            cpu[label].append(m.memory.cpu_seconds())
    med = {k: statistics.median(v) for k, v in times.items()}
    for label in spaces:
        say(f"  {'plan, ' + label:<58} median {ms(med[label])}  min {ms(min(times[label]))}  "
            f"max {ms(max(times[label]))}  (n={repeat}; provider CPU >= "
            f"{statistics.median(cpu[label]) * 1000:.0f} ms)")
    base_med = med["baseline (no provider)"]
    share = med["provider"] - base_med
    line = f"  provider share (plan minus baseline, medians): {ms(share)}"
    if before is not None:
        share_before = med["provider (before)"] - base_med
        ratio = f"{share / share_before * 100:.0f} %" if share_before > 0 else "n/a"
        line += f"; before: {ms(share_before)}; now / before = {ratio} (target <= 60 %)"
    say(line)
    # Minimums: what each variant costs when the shared machine lets it run undisturbed.
    low = {k: min(v) for k, v in times.items()}
    line = f"  provider share (minimums): {ms(low['provider'] - low['baseline (no provider)'])}"
    if before is not None:
        b_low = low["provider (before)"] - low["baseline (no provider)"]
        ratio = f"{(low['provider'] - low['baseline (no provider)']) / b_low * 100:.0f} %" if b_low > 0 else "n/a"
        line += f"; before: {ms(b_low)}; now / before = {ratio}"
    say(line)
    for label, build in variants.items():
        figures = handshake_figures(b, build / "terraform-provider-office")
        say(f"  handshake_bench, {label}:")
        for v in figures.values():
            say(f"    {v}")


# --------------------------------------------------------------------------- quickstart
BASELINE_TF = '''
# examples/quickstart with the allowlist replaced by terraform_data: same variables and
# outputs, no provider at all (the figure the provider's own share is measured against).
variable "region" {
  type    = string
  default = "us-east-1"
}
variable "ec2_endpoint" {
  type    = string
  default = null
}
variable "security_group_id" {
  type = string
}
variable "additional_security_group_ids" {
  type    = list(string)
  default = []
}
variable "rule_quota" {
  type    = number
  default = null
}
resource "terraform_data" "office" {
  input = {
    group_ids  = concat([var.security_group_id], var.additional_security_group_ids)
    rule_quota = var.rule_quota
  }
}
output "rule_count" {
  value = length(terraform_data.office.output.group_ids)
}
'''


def aws_credentials_env() -> dict[str, str]:
    # The emulator accepts these; they are never real.
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": clouds.AWS_REGION, "AWS_DEFAULT_REGION": clouds.AWS_REGION}


def quickstart(b: Bench) -> None:
    say(f"== quickstart: tofu plan with and without the provider (AWS emulator); {load()}")
    fake = Fake("aws", b.tmp)
    info = fake.start()
    try:
        aws = clouds.AwsEnv(info)
        _, groups = aws.create_vpc_and_groups(2)
        for g in groups:
            aws.remove_default_egress(g)
        tfvars = (f"security_group_id = {hcl_string(groups[0])}\n"
                  f"additional_security_group_ids = {hcl_list(groups[1:])}\n"
                  f"ec2_endpoint = {hcl_string(info['endpoint'])}\n")

        ws = b.workspace("quickstart", aws_credentials_env())
        shutil.copy(ROOT / "examples" / "quickstart" / "main.tf", ws.dir / "main.tf")
        (ws.dir / "terraform.tfvars").write_text(tfvars)
        ws.init()
        base = b.workspace("quickstart-baseline")
        base.write(BASELINE_TF, with_required_providers=False)
        (base.dir / "terraform.tfvars").write_text(tfvars)
        base.init()

        p_create = b.repeated("quickstart: plan, empty state (all services)",
                              lambda: b.tofu_run(ws, "plan"))
        b_create = b.repeated("baseline (terraform_data, no provider): plan, empty state",
                              lambda: b.tofu_run(base, "plan"))
        a = b.apply(ws)
        rules = json.loads(ws.run("output", "-json").stdout)["rule_count"]["value"]
        say(f"  quickstart: apply                                          {ms(a.seconds)}  "
            f"({rules} rules in 2 groups; {a.memory.summary()})")
        b.apply(base)
        p_refresh = b.repeated("quickstart: plan -detailed-exitcode after apply (refresh)",
                               lambda: b.noop_plan(ws))
        b_refresh = b.repeated("baseline: plan -detailed-exitcode after apply",
                               lambda: b.noop_plan(base))
        med = lambda runs: statistics.median(r.seconds for r in runs)  # noqa: E731
        say(f"  provider share (median difference): empty-state plan {ms(med(p_create) - med(b_create))}, "
            f"refresh plan {ms(med(p_refresh) - med(b_refresh))}")
    finally:
        fake.stop()


# --------------------------------------------------------------------------- scale runs
def many_allowlists(provider_block: str, targets: list[str], target_block: Callable[[int, str], str],
                    services: list[str] | None) -> str:
    services_line = f"services = {hcl_list(services)}" if services is not None else ""
    parts = [provider_block]
    for i, t in enumerate(targets):
        parts.append(f'''
resource "office_at_hand_allowlist" "t{i}" {{
  {services_line}
{target_block(i, t)}
}}
''')
    return "".join(parts)


def scale_run(b: Bench, label: str, ws: Workspace, n: int, stats: Callable[[], dict[str, Any]],
              reset: Callable[[], None], per_target_actions: list[str]) -> None:
    ws.init()
    reset()
    a = b.apply(ws)
    applied = stats()
    say(f"  {label}: apply {n} allowlists                     {ms(a.seconds)}  "
        f"({count_resources(ws)} resources; {a.memory.summary()})")
    say(f"    API calls during apply: {json.dumps(applied, sort_keys=True)}")
    for k in range(b.repeat):
        reset()
        p = b.noop_plan(ws)
        got = stats()
        say(f"  {label}: plan -detailed-exitcode (refresh {n}) #{k + 1}         {ms(p.seconds)}  "
            f"({p.memory.summary()})")
        if k == 0:
            say(f"    API calls per refresh of all {n}: {json.dumps(got, sort_keys=True)}")
            for action in per_target_actions:
                say(f"    {action}: {got.get(action, 0)} calls = {got.get(action, 0) / n:.2f} per allowlist")


def tofu_baseline(b: Bench, n: int) -> None:
    """tofu's own cost for n resources: n terraform_data resources, no provider."""
    ws = b.workspace("tofu-baseline")
    ws.write("".join(f'resource "terraform_data" "t{i}" {{\n  input = "sg-{i:08x}"\n}}\n'
                     for i in range(n)), with_required_providers=False)
    ws.init()
    b.apply(ws)
    b.repeated(f"baseline: {n} terraform_data, no provider: plan (no change)", lambda: b.noop_plan(ws))


def aws_scale(b: Bench, n: int) -> None:
    say(f"== AWS: {n} allowlists on {n} security groups, services = {SMALL_SERVICES}; {load()}")
    fake = Fake("aws", b.tmp)
    info = fake.start()
    try:
        aws = clouds.AwsEnv(info)
        t = time.perf_counter()
        vpc = aws.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]

        def make(i: int) -> str:
            g = aws.ec2.create_security_group(GroupName=f"bench-{i}", Description="bench",
                                              VpcId=vpc)["GroupId"]
            aws.remove_default_egress(g)
            return g
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            groups = list(pool.map(make, range(n)))
        say(f"  set-up: {n} security groups in {time.perf_counter() - t:.1f} s (moto, not timed below)")
        control = info["endpoint"].rstrip("/")

        def stats() -> dict[str, Any]:
            return clouds.http_json("GET", f"{control}/_stats")[1]["actions"]

        def reset() -> None:
            clouds.http_json("POST", f"{control}/_reset_stats")
        ws = b.workspace("aws-scale")
        ws.write(many_allowlists(aws_provider_block(info), groups, lambda i, g: f'''
  aws_security_group {{
    group_ids = [{hcl_string(g)}]
  }}''', SMALL_SERVICES))
        tofu_baseline(b, n)
        scale_run(b, "AWS", ws, n, stats, reset,
                  ["DescribeSecurityGroupRules", "DescribeSecurityGroups", "AuthorizeSecurityGroupEgress"])
    finally:
        fake.stop()


def azure_target(env: clouds.AzureEnv, i: int, nsg: str) -> str:
    return f'''
  azure_network_security_group {{
    id            = {hcl_string(nsg)}
    priority_from = 1000
    priority_to   = 1999
    name_prefix   = "oah"
  }}'''


def azure(b: Bench, n: int, retry_after: int) -> None:
    say(f"== Azure: {n} allowlists on {n} NSGs, services = {SMALL_SERVICES} "
        f"(fake sends Retry-After: {retry_after}); {load()}")
    fake = Fake("azure", b.tmp, ["--retry-after", str(retry_after)])
    info = fake.start()
    try:
        env = clouds.AzureEnv(info)
        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            nsgs = list(pool.map(lambda _: env.create_nsg(), range(n + 1)))
        say(f"  set-up: {n + 1} NSGs in {time.perf_counter() - t:.1f} s (not timed below)")
        base = info["arm_endpoint"].rstrip("/")
        ctl = base

        def stats() -> dict[str, Any]:
            return clouds.http_json("GET", f"{ctl}/_stats")[1]

        def reset() -> None:
            clouds.http_json("POST", f"{ctl}/_stats/reset")
        full = b.workspace("azure-full")
        full.write(many_allowlists(azure_provider_block(info), nsgs[:1],
                                   lambda i, t: azure_target(env, i, t), None))
        full_run(b, "Azure", full, stats, reset)
        ws = b.workspace("azure-scale")
        ws.write(many_allowlists(azure_provider_block(info), nsgs[1:],
                                 lambda i, t: azure_target(env, i, t), SMALL_SERVICES))
        scale_run(b, "Azure", ws, n, stats, reset, ["GET nsg", "PUT rule"])
    finally:
        fake.stop()


def gcp(b: Bench, n: int) -> None:
    say(f"== GCP: {n} allowlists on {n} VPC networks, services = {SMALL_SERVICES}; {load()}")
    fake = Fake("gcp", b.tmp, ["--firewall-quota", "100000"])
    info = fake.start()
    try:
        env = clouds.GcpEnv(info)
        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            nets = list(pool.map(lambda _: env.create_network(), range(n + 1)))
        say(f"  set-up: {n + 1} networks in {time.perf_counter() - t:.1f} s (not timed below)")
        ctl = info["compute_endpoint"].rstrip("/")
        for suffix in ("/compute/v1",):
            if ctl.endswith(suffix):
                ctl = ctl[: -len(suffix)]

        def stats() -> dict[str, Any]:
            return clouds.http_json("GET", f"{ctl}/_stats")[1]

        def reset() -> None:
            clouds.http_json("DELETE", f"{ctl}/_stats")

        def target(i: int, net: str) -> str:
            # Firewall names are unique per project: one prefix per allowlist.
            return f'''
  gcp_firewall {{
    project     = {hcl_string(info["project"])}
    network     = {hcl_string(net)}
    name_prefix = "oah{i}x"
    priority    = 1000
  }}'''
        full = b.workspace("gcp-full")
        full.write(many_allowlists(gcp_provider_block(info), nets[:1],
                                   lambda i, t: target(100000 + i, t), None))
        full_run(b, "GCP", full, stats, reset)
        ws = b.workspace("gcp-scale")
        ws.write(many_allowlists(gcp_provider_block(info), nets[1:], target, SMALL_SERVICES))
        scale_run(b, "GCP", ws, n, stats, reset, ["GET firewalls.list", "POST firewalls.insert"])
    finally:
        fake.stop()


def full_run(b: Bench, label: str, ws: Workspace, stats: Callable[[], dict[str, Any]],
             reset: Callable[[], None]) -> None:
    ws.init()
    reset()
    a = b.apply(ws)
    applied = stats()
    rules = len(ws.resource_values("office_at_hand_allowlist.t0")["rules"])
    say(f"  {label}: apply full catalog on one target                {ms(a.seconds)}  "
        f"({rules} rules; {a.memory.summary()})")
    say(f"    API calls during apply: {json.dumps(applied, sort_keys=True)}")
    reset()
    runs = b.repeated(f"{label}: plan -detailed-exitcode, full catalog", lambda: b.noop_plan(ws))
    say(f"    API calls per refresh: "
        f"{json.dumps({k: v / len(runs) for k, v in stats().items()}, sort_keys=True)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True, type=pathlib.Path)
    ap.add_argument("--tofu", required=True, type=pathlib.Path)
    ap.add_argument("--sections", default="datasource,quickstart,aws,azure,gcp")
    ap.add_argument("--scale", type=int, default=200)
    ap.add_argument("--azure-scale", type=int, default=None)
    ap.add_argument("--gcp-scale", type=int, default=None)
    ap.add_argument("--azure-retry-after", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before-build", type=pathlib.Path, default=None,
                    help="a build dir holding the previous terraform-provider-office (datasource section)")
    ap.add_argument("--datasource-repeat", type=int, default=15)
    ap.add_argument("--keep", action="store_true", help="keep the temporary working directories")
    args = ap.parse_args()

    # SIGTERM takes the same path as Ctrl-C, so the finally blocks stop fakes and tofu.
    def on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_sigterm)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="office-e2e-bench-"))
    b = Bench(args.build.resolve(), args.tofu.resolve(), tmp, args.repeat)
    say(f"e2e bench: tofu {args.tofu}, provider {b.provider}, work dir {tmp}, {load()}")
    failed = []
    before = args.before_build.resolve() if args.before_build else None
    if before is not None and not (before / "terraform-provider-office").exists():
        raise SystemExit(f"--before-build {before}: no terraform-provider-office there")
    sections = {
        "datasource": lambda: datasource(b, before, args.datasource_repeat),
        "quickstart": lambda: quickstart(b),
        "aws": lambda: aws_scale(b, args.scale),
        "azure": lambda: azure(b, args.azure_scale or args.scale, args.azure_retry_after),
        "gcp": lambda: gcp(b, args.gcp_scale or args.scale),
    }
    try:
        for name in [s.strip() for s in args.sections.split(",") if s.strip()]:
            if name not in sections:
                raise SystemExit(f"unknown section {name!r}; known: {', '.join(sections)}")
            t = time.perf_counter()
            try:
                sections[name]()
            except Exception as e:  # noqa: BLE001 - report and carry on with the next cloud
                failed.append(name)
                say(f"!! section {name} failed: {e}")
            say(f"  (section {name} took {time.perf_counter() - t:.0f} s; {load()})")
    finally:
        Fake.stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        say(f"!! failed sections: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
