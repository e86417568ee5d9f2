"""Drives a real `tofu` or `terraform` binary against the provider built in the build dir.

One `Workspace` is one working directory with its own CLI config (dev_overrides for both
registry hosts -> the build dir, plus a filesystem mirror so `init` works offline), so nothing from $HOME or the machine's TF_CLI_CONFIG_FILE
leaks in. Every command runs with TF_IN_AUTOMATION=1, -no-color and -input=false, has a
timeout, and returns a `Run` carrying the exit code and both streams. JSON-producing commands
return parsed JSON so tests assert on structure, not on screen text.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
import subprocess
import textwrap
from typing import Any, Iterable

PROVIDER_SOURCE = "office-at-hand/office"
REPO = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT = float(os.environ.get("ACC_COMMAND_TIMEOUT", "300"))


@dataclasses.dataclass(frozen=True)
class Cli:
    """A client: `tofu`, `terraform` (1.5.7) or `terraform-1.11`, with the path to its binary."""

    name: str
    path: pathlib.Path

    @property
    def flavour(self) -> str:
        """`tofu` or `terraform`: what decides the default registry host and CLI behaviour."""
        return "tofu" if self.name.startswith("tofu") else "terraform"

    @property
    def registry_host(self) -> str:
        return "registry.opentofu.org" if self.flavour == "tofu" else "registry.terraform.io"

    @property
    def provider_address(self) -> str:
        return f"{self.registry_host}/{PROVIDER_SOURCE}"

    @property
    def supports_functions(self) -> bool:
        # Provider-defined functions: OpenTofu >= 1.7, Terraform >= 1.8 (not 1.5.7).
        return self.name != "terraform"


@dataclasses.dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return (f"$ {' '.join(self.args)}\n(exit {self.returncode})\n--- stdout ---\n"
                f"{_clip(self.stdout)}\n--- stderr ---\n{_clip(self.stderr)}")

    def ok(self) -> "Run":
        """Returns self; raises with the full transcript when the command failed."""
        if self.returncode != 0:
            raise CommandFailed(self)
        return self


def _clip(text: str, keep: int = 8000) -> str:
    """Head and tail of long output: plan diffs start at the top, errors sit at the bottom."""
    if len(text) <= 2 * keep:
        return text
    return f"{text[:keep]}\n[... {len(text) - 2 * keep} characters ...]\n{text[-keep:]}"


class CommandFailed(AssertionError):
    def __init__(self, run: Run):
        super().__init__(run.describe())
        self.run = run


def provider_version() -> str:
    """The version from VERSION (CMake stamps it on the build; `--version` reports it)."""
    return (REPO / "VERSION").read_text().strip()


def make_mirror(mirror: pathlib.Path, provider_dir: pathlib.Path) -> None:
    """An unpacked filesystem mirror of the built provider (symlinks), for both registry hosts.

    dev_overrides alone make plan/apply use the build, but `init` still tries to resolve the
    provider from the registry and fails offline; with this mirror `init` installs the local
    build and writes a lock file, as it would for a user, and never touches the network."""
    version = provider_version()
    for host in ("registry.terraform.io", "registry.opentofu.org"):
        d = mirror / host / PROVIDER_SOURCE / version / "linux_amd64"
        d.mkdir(parents=True, exist_ok=True)
        link = d / f"terraform-provider-office_v{version}"
        if not link.is_symlink():
            link.symlink_to(provider_dir / "terraform-provider-office")


def write_cli_config(path: pathlib.Path, provider_dir: pathlib.Path,
                     mirror: pathlib.Path | None = None) -> None:
    """A CLI config that serves office-at-hand/office from `provider_dir` for both registry hosts
    (dev_overrides) and, when `mirror` is given, lets `init` install it from that mirror."""
    hosts = [f"registry.terraform.io/{PROVIDER_SOURCE}", f"registry.opentofu.org/{PROVIDER_SOURCE}"]
    overrides = "\n".join(f'    "{h}" = "{provider_dir}"' for h in hosts)
    text = f"provider_installation {{\n  dev_overrides {{\n{overrides}\n  }}\n"
    if mirror is not None:
        text += (f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
                 f"    include = {json.dumps(hosts)}\n  }}\n"
                 f"  direct {{\n    exclude = {json.dumps(hosts)}\n  }}\n}}\n")
    else:
        text += "  direct {}\n}\n"
    path.write_text(text)


REQUIRED_PROVIDERS = textwrap.dedent(f"""\
    terraform {{
      required_providers {{
        office = {{
          source = "{PROVIDER_SOURCE}"
        }}
      }}
    }}
    """)


def hcl_string(s: str) -> str:
    return json.dumps(s)  # JSON string syntax is valid HCL for plain strings


def hcl_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(hcl_string(i) for i in items) + "]"


class Workspace:
    """A Terraform/OpenTofu working directory driven through the real CLI."""

    def __init__(self, cli: Cli, directory: pathlib.Path, provider_dir: pathlib.Path,
                 extra_env: dict[str, str] | None = None):
        self.cli = cli
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cli_config = self.dir / ".cli.tfrc"
        make_mirror(self.dir / ".mirror", provider_dir)
        write_cli_config(self.cli_config, provider_dir, self.dir / ".mirror")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TF_", "AWS_", "ARM_", "AZURE_", "GOOGLE_", "CLOUDSDK_"))}
        env.update({
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # Keep cloud SDK conventions from the user's machine out of the provider.
            "AWS_CONFIG_FILE": str(self.dir / ".aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.dir / ".aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        if os.environ.get("ACC_TF_LOG"):
            env["TF_LOG"] = os.environ["ACC_TF_LOG"]
            env["TF_LOG_PATH"] = str(self.dir / "tf.log")
        env.update(extra_env or {})
        self.env = env
        (self.dir / ".aws-config").write_text("")
        (self.dir / ".aws-credentials").write_text("")
        self.history: list[Run] = []

    # ------------------------------------------------------------------ files
    def write(self, main_tf: str, name: str = "main.tf", with_required_providers: bool = True) -> None:
        text = textwrap.dedent(main_tf)
        if with_required_providers:
            text = REQUIRED_PROVIDERS + "\n" + text
        (self.dir / name).write_text(text)

    def remove(self, name: str) -> None:
        (self.dir / name).unlink(missing_ok=True)

    # ------------------------------------------------------------------ raw
    def run(self, *args: str, timeout: float = DEFAULT_TIMEOUT, stdin: str | None = None) -> Run:
        argv = [str(self.cli.path), *args]
        try:
            p = subprocess.run(argv, cwd=self.dir, env=self.env, input=stdin, text=True,
                               capture_output=True, timeout=timeout)
            run = Run(argv, p.returncode, p.stdout, p.stderr)
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
            run = Run(argv, -9, out, err + f"\n[harness] timed out after {timeout}s")
        self.history.append(run)
        return run

    def transcript(self) -> str:
        return "\n\n".join(r.describe() for r in self.history)

    # ------------------------------------------------------------------ commands
    def init(self) -> Run:
        return self.run("init", "-no-color", "-input=false").ok()

    def validate(self) -> dict[str, Any]:
        """`validate -json`; returns the JSON document (valid, error_count, diagnostics)."""
        r = self.run("validate", "-json", "-no-color")
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"validate -json printed no JSON:\n{r.describe()}") from e

    def plan(self, *extra: str, detailed_exitcode: bool = True, out: str | None = None,
             refresh_only: bool = False) -> Run:
        args = ["plan", "-no-color", "-input=false"]
        if detailed_exitcode:
            args.append("-detailed-exitcode")
        if refresh_only:
            args.append("-refresh-only")
        if out:
            args.append(f"-out={out}")
        args.extend(extra)
        return self.run(*args)

    def plan_json(self, *extra: str, refresh_only: bool = False) -> tuple[int, dict[str, Any]]:
        """Plans into a file and returns (detailed exit code, `show -json` of the plan)."""
        r = self.plan(*extra, out="acc.tfplan", refresh_only=refresh_only)
        if r.returncode not in (0, 2):
            raise CommandFailed(r)
        shown = self.show_json("acc.tfplan")
        return r.returncode, shown

    def apply(self, *extra: str, check: bool = True) -> Run:
        r = self.run("apply", "-no-color", "-input=false", "-auto-approve", *extra)
        return r.ok() if check else r

    def apply_plan(self, planfile: str = "acc.tfplan", check: bool = True) -> Run:
        r = self.run("apply", "-no-color", "-input=false", planfile)
        return r.ok() if check else r

    def destroy(self, *extra: str, check: bool = True) -> Run:
        r = self.run("destroy", "-no-color", "-input=false", "-auto-approve", *extra)
        return r.ok() if check else r

    def show_json(self, planfile: str | None = None) -> dict[str, Any]:
        args = ["show", "-json", "-no-color"]
        if planfile:
            args.append(planfile)
        r = self.run(*args).ok()
        return json.loads(r.stdout)

    def output_json(self) -> dict[str, Any]:
        r = self.run("output", "-json", "-no-color").ok()
        return {k: v["value"] for k, v in json.loads(r.stdout).items()}

    def import_(self, address: str, import_id: str, check: bool = True) -> Run:
        r = self.run("import", "-no-color", "-input=false", address, import_id)
        return r.ok() if check else r

    def state_rm(self, address: str) -> Run:
        return self.run("state", "rm", address).ok()

    def state_list(self) -> list[str]:
        r = self.run("state", "list").ok()
        return [line for line in r.stdout.splitlines() if line.strip()]

    def providers_schema(self) -> dict[str, Any]:
        r = self.run("providers", "schema", "-json").ok()
        return json.loads(r.stdout)

    def console(self, expression: str) -> Run:
        return self.run("console", "-no-color", stdin=expression + "\n")

    # ------------------------------------------------------------------ state helpers
    def resource_values(self, address: str) -> dict[str, Any]:
        """Attribute values of `address` in the current state (`show -json`)."""
        state = self.show_json()
        for res in _iter_resources(state.get("values", {}).get("root_module", {})):
            if res["address"] == address:
                return res["values"]
        raise AssertionError(f"{address} not in state; state has "
                             f"{[r['address'] for r in _iter_resources(state.get('values', {}).get('root_module', {}))]}")


def _iter_resources(module: dict[str, Any]):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _iter_resources(child)


def resource_changes(plan: dict[str, Any], address: str) -> list[dict[str, Any]]:
    return [rc for rc in plan.get("resource_changes", []) if rc.get("address") == address]


def drift_entries(plan: dict[str, Any], address: str) -> list[dict[str, Any]]:
    return [rd for rd in plan.get("resource_drift", []) if rd.get("address") == address]


def error_diagnostics(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in doc.get("diagnostics", []) if d.get("severity") == "error"]


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> str:
    return ANSI.sub("", text)
