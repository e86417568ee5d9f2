#!/usr/bin/env bash
# Runs every benchmark binary in <build>/bench/ and then times the CLI path users see:
# `tofu plan` of the catalog/rules data sources (no cloud), and the nightly drift job
# (`tofu plan -detailed-exitcode` refreshing an applied allowlist) against the AWS emulator.
#
#   bench/run.sh [build dir]      (./dev bench builds first, then calls this)
#   BENCH_REPEAT=N                CLI repetitions (default 5); figures are median / min / max
#
# Then bench/e2e_bench.py: a one-data-source plan and the quickstart plan with vs. without the
# provider (and vs. a previous build's binary, BENCH_BEFORE_BUILD), and N allowlists on N
# targets per cloud fake (plan wall time, API calls per refresh, provider peak memory):
#   BENCH_E2E_SCALE=N             allowlists per cloud (default 200; BENCH_E2E_AZURE_SCALE,
#                                 BENCH_E2E_GCP_SCALE override per cloud)
#   BENCH_E2E_REPEAT=N            plan repetitions in the e2e part (default 3)
#   BENCH_E2E_SECTIONS=a,b        subset of datasource,quickstart,aws,azure,gcp (default all;
#                                 "none" skips)
#   BENCH_BEFORE_BUILD=DIR        a build dir of the previous code (e.g. main's build/): the
#                                 datasource section then measures that binary in the same run
#                                 (plan share, handshake, exit after Shutdown, RSS after schema)
#   BENCH_DATASOURCE_REPEAT=N     interleaved plan repetitions in the datasource section (default 15)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
TOOLS="${OFFICE_TOOLS_BIN:-$("$ROOT/scripts/build-test-tools.sh" path)}"
REPEAT="${BENCH_REPEAT:-5}"
status=0

echo "== benchmark binaries ($BUILD/bench)"
found=0
for b in "$BUILD"/bench/*; do
  [[ -f "$b" && -x "$b" ]] || continue
  found=1
  echo "-- $(basename "$b")"
  if ! (cd "$BUILD" && PROV_SOURCE_DIR="$ROOT" PROV_BINARY_DIR="$BUILD" "$b"); then
    echo "!! $(basename "$b") failed" >&2; status=1
  fi
done
[[ $found == 1 ]] || echo "(no benchmark binaries built yet)"

echo "== CLI timings (tofu, median of $REPEAT)"
[[ -x "$BUILD/terraform-provider-office" ]] || { echo "provider binary missing in $BUILD" >&2; exit 1; }
PROV_BUILD_DIR="$BUILD" OFFICE_TOOLS_BIN="$TOOLS" BENCH_REPEAT="$REPEAT" \
  python3 - "$ROOT" <<'PY' || status=1
import os, pathlib, statistics, sys, tempfile, time
root = pathlib.Path(sys.argv[1])
sys.path.insert(0, str(root / "tests" / "acceptance"))
from tfharness import Cli, Workspace          # noqa: E402
import clouds                                 # noqa: E402
from aws_common import allowlist_config       # noqa: E402

build = pathlib.Path(os.environ["PROV_BUILD_DIR"])
tofu = Cli("tofu", pathlib.Path(os.environ["OFFICE_TOOLS_BIN"]) / "tofu")
repeat = int(os.environ["BENCH_REPEAT"])
tmp = pathlib.Path(tempfile.mkdtemp(prefix="office-bench-"))

def timed(label, fn):
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    print(f"{label:<48} median {statistics.median(times)*1000:8.1f} ms   "
          f"min {min(times)*1000:8.1f}   max {max(times)*1000:8.1f}")

ws = Workspace(tofu, tmp / "data", build)
ws.write('''
data "office_at_hand_catalog" "all" {}
data "office_at_hand_rules" "aws" {
  platform   = "aws"
  rule_quota = 1000
}
output "n" { value = data.office_at_hand_rules.aws.rules_needed }
''')
ws.init()
timed("tofu validate (schema fetch)", lambda: ws.run("validate", "-no-color").ok())
timed("tofu plan: catalog + AWS rules data sources", lambda: ws.plan(detailed_exitcode=False).ok())

fake = clouds.FakeProcess("aws", tmp)
info = fake.start()
try:
    aws = clouds.AwsEnv(info)
    _, groups = aws.create_vpc_and_groups(2)
    for g in groups:
        aws.remove_default_egress(g)
    ws2 = Workspace(tofu, tmp / "aws", build)
    ws2.write(allowlist_config(info, groups, services=None))
    ws2.init()
    t = time.perf_counter(); ws2.apply(); apply_s = time.perf_counter() - t
    n = len(ws2.resource_values("office_at_hand_allowlist.a")["rules"])
    print(f"{'tofu apply: all services, 2 groups (emulator)':<48} {apply_s*1000:8.1f} ms   ({n} rules)")
    def drift_job():
        r = ws2.plan()
        if r.returncode != 0:
            raise SystemExit(f"drift job expected exit 0:\n{r.describe()}")
    timed("tofu plan -detailed-exitcode (refresh, emulator)", drift_job)
    ws2.destroy()
finally:
    fake.stop()
PY

sections="${BENCH_E2E_SECTIONS:-datasource,quickstart,aws,azure,gcp}"
if [[ "$sections" != none ]]; then
  echo "== end-to-end (tofu + provider + cloud fakes; bench/e2e_bench.py)"
  e2e_args=(--build "$BUILD" --tofu "$TOOLS/tofu" --sections "$sections"
    --scale "${BENCH_E2E_SCALE:-200}" --repeat "${BENCH_E2E_REPEAT:-3}")
  [[ -n "${BENCH_E2E_AZURE_SCALE:-}" ]] && e2e_args+=(--azure-scale "$BENCH_E2E_AZURE_SCALE")
  [[ -n "${BENCH_E2E_GCP_SCALE:-}" ]] && e2e_args+=(--gcp-scale "$BENCH_E2E_GCP_SCALE")
  [[ -n "${BENCH_BEFORE_BUILD:-}" ]] && e2e_args+=(--before-build "$BENCH_BEFORE_BUILD")
  [[ -n "${BENCH_DATASOURCE_REPEAT:-}" ]] && e2e_args+=(--datasource-repeat "$BENCH_DATASOURCE_REPEAT")
  python3 "$ROOT/bench/e2e_bench.py" "${e2e_args[@]}" || status=1
fi
exit $status
