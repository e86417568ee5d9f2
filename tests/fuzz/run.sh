#!/usr/bin/env bash
# Builds and runs the cty decoder fuzzer for a bounded time.
# Usage: tests/fuzz/run.sh [BUILD_DIR] [SECONDS]
#   BUILD_DIR  a clang build dir (configured here with PROV_FUZZ=ON if it has none yet);
#              default: <repo>/build-fuzz
#   SECONDS    -max_total_time for libFuzzer; default 30 (or $FUZZ_SECONDS)
# Exits non-zero when the build fails or the fuzzer finds a crash, leak, timeout or
# broken round-trip invariant; the reproducer is kept in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$src/build-fuzz}"
secs="${2:-${FUZZ_SECONDS:-30}}"

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DPROV_FUZZ=ON
fi
ninja -C "$build" -j2 cty_msgpack_fuzz
fuzzer="$(find "$build" -name cty_msgpack_fuzz -type f -perm -u+x | head -n 1)"
[[ -n "$fuzzer" ]] || { echo "run.sh: cty_msgpack_fuzz was not built" >&2; exit 1; }

# Work on a copy of the seeds so the checked-in corpus only changes by review.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$src"/tests/fuzz/corpus/* "$work"/
mkdir -p "$build/fuzz-artifacts"
echo "run.sh: fuzzing for ${secs}s with $(ls "$work" | wc -l) seeds"
"$fuzzer" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/" "$work"
echo "run.sh: no crash in ${secs}s"
