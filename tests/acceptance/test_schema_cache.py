"""AccSchemaCache: the provider answers get_provider_schema_optional = true.

A CLI command starts the provider several times (three processes for a `plan` with one data
source). A client that caches schemas per command then asks the first process for the schema
and skips GetProviderSchema in the others, which must still serve ValidateProviderConfig,
ConfigureProvider and ReadDataSource without it. What each CLI does, from its source:

* OpenTofu (1.12): a schema cache shared by the provider instances of a command; the RPC is
  made again in a new process only when the capability is false.
* Terraform >= 1.6: a process-wide cache keyed by provider address, used when the capability
  is true.
* Terraform 1.5.7 (tested here): does not know the capability (the field is unknown to its
  protocol) and asks every process, as before.

The test counts the GetProviderSchema calls the provider served (its own debug log line, which
the CLI copies into TF_LOG_PATH) against the provider processes the CLI started.
"""

import json
import re

CONFIG = '''
data "office_at_hand_catalog" "all" {}
data "office_at_hand_rules" "aws" {
  platform   = "aws"
  rule_quota = 1000
}
output "services" { value = length(data.office_at_hand_catalog.all.services_selected) }
output "rules"    { value = data.office_at_hand_rules.aws.rules_needed }
'''


def _cli_version(ws) -> tuple[int, ...]:
    r = ws.run("version", "-json").ok()
    text = json.loads(r.stdout)["terraform_version"]
    return tuple(int(p) for p in re.match(r"(\d+)\.(\d+)\.(\d+)", text).groups())


def _honours_capability(ws) -> bool:
    return ws.cli.name == "tofu" or _cli_version(ws) >= (1, 6, 0)


def _logged(ws, command: list[str]):
    """Runs one command with TF_LOG=trace into a fresh log; returns (run, processes, schema calls)."""
    log = ws.dir / "trace.log"
    log.write_text("")
    ws.env["TF_LOG"] = "trace"
    ws.env["TF_LOG_PATH"] = str(log)
    try:
        run = ws.run(*command)
    finally:
        del ws.env["TF_LOG"], ws.env["TF_LOG_PATH"]
    text = log.read_text()
    processes = len(re.findall(r"plugin started: path=\S*terraform-provider-office", text))
    schema_calls = text.count("Served cached provider schema")
    return run, processes, schema_calls


def test_schema_fetched_once_per_command_where_the_client_caches(ws):
    ws.write(CONFIG)
    ws.init()
    caching = _honours_capability(ws)

    plan, processes, calls = _logged(ws, ["plan", "-no-color", "-input=false"])
    assert plan.returncode == 0, plan.describe()
    assert processes >= 2, f"expected several provider processes for one plan, saw {processes}"
    if caching:
        assert calls == 1, f"{ws.cli.name}: {calls} GetProviderSchema calls over {processes} processes"
    else:
        assert calls == processes, f"{ws.cli.name}: {calls} GetProviderSchema calls over {processes} processes"

    # The processes that skipped the schema call did the real work: the values are right.
    apply, processes, calls = _logged(ws, ["apply", "-auto-approve", "-no-color", "-input=false"])
    assert apply.returncode == 0, apply.describe()
    if caching:
        assert calls == 1, f"{ws.cli.name}: {calls} GetProviderSchema calls over {processes} processes"
    out = ws.output_json()
    assert out["services"] == 12
    assert out["rules"] > 0
