#!/usr/bin/env bash
# The scheduled drift job of examples/scheduled-drift: the exact commands the GitHub Actions
# workflow and the GitLab CI job run (tests/acceptance/test_report_examples.py runs this
# script against the cloud emulators with real OpenTofu and Terraform).
#
#   drift-report.sh [CONFIG_DIR]      (default: the current directory)
#
# Environment:
#   TF_BIN          tofu or terraform (default: tofu)
#   OFFICE_REPORT   the terraform-provider-office binary (default: the one `init` installed
#                   under CONFIG_DIR/.terraform/providers, else the one on PATH)
#   REPORT_DIR      where the outputs go (default: ./drift-report)
#
# Writes REPORT_DIR/{plan.tfplan,plan.json,report.md,report.json,plan.log} and exits with the
# report's code: 0 in sync, 2 cloud drift / catalog change / configuration change pending,
# 1 error (plan failed, bad plan JSON). The plan is never applied.
set -uo pipefail

config_dir="$(cd "${1:-.}" && pwd)" || exit 1
tf="${TF_BIN:-tofu}"
out="${REPORT_DIR:-drift-report}"
mkdir -p "$out" && out="$(cd "$out" && pwd)" || exit 1

"$tf" -chdir="$config_dir" init -input=false -no-color >"$out/init.log" 2>&1 || {
  cat "$out/init.log" >&2; echo "drift-report: init failed" >&2; exit 1; }

# A normal plan (not -refresh-only): it refreshes, so resource_drift holds what changed in the
# cloud, and resource_changes what the configuration or the catalog would change.
"$tf" -chdir="$config_dir" plan -input=false -no-color -lock=false -out="$out/plan.tfplan" \
  >"$out/plan.log" 2>&1 || { cat "$out/plan.log" >&2; echo "drift-report: plan failed" >&2; exit 1; }
"$tf" -chdir="$config_dir" show -json "$out/plan.tfplan" >"$out/plan.json" || {
  echo "drift-report: show -json failed" >&2; exit 1; }

report="${OFFICE_REPORT:-}"
if [[ -z "$report" ]]; then
  # -L: init links the platform folder to a local mirror's instead of copying it.
  report="$(find -L "$config_dir/.terraform/providers" -path '*/office-at-hand/office/*' \
              -name 'terraform-provider-office*' -type f -perm -u+x 2>/dev/null | sort | tail -1)"
  [[ -n "$report" ]] || report="$(command -v terraform-provider-office || true)"
fi
[[ -n "$report" ]] || { echo "drift-report: terraform-provider-office not found (set OFFICE_REPORT)" >&2; exit 1; }

"$report" report --format json "$out/plan.json" >"$out/report.json"
json_rc=$?
"$report" report --format markdown "$out/plan.json" >"$out/report.md"
rc=$?
if [[ $rc != "$json_rc" ]]; then
  echo "drift-report: the Markdown and JSON reports disagree (exit $rc vs $json_rc)" >&2
  exit 1
fi
case $rc in
  0) echo "drift-report: in sync" ;;
  2) echo "drift-report: drift or pending change; see $out/report.md" ;;
  *) echo "drift-report: report failed (exit $rc)" >&2; exit 1 ;;
esac
exit "$rc"
