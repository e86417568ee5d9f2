"""AccDocs: every HCL snippet in README.md and docs/ is exercised, so the docs cannot drift from
the provider: configuration snippets go through `init` + `validate` with the built provider,
CLI configuration snippets (provider_installation) are loaded by the CLI and must raise no
problem. Runs on OpenTofu (snippets use provider-defined functions, which Terraform 1.5.7 lacks).
"""

from __future__ import annotations

import pathlib
import re

import pytest

from tfharness import REPO, REQUIRED_PROVIDERS, Workspace, error_diagnostics

# Files whose fenced blocks are not meant to be valid HCL, with the reason.
NOT_HCL = {
    "docs/schema-plan.md": "a schema sketch in pseudo-syntax (a | b, elided values), not a configuration",
}
FENCE = re.compile(r"^```(?:hcl|terraform|tf)\s*\n(.*?)^```", re.M | re.S)


def _doc_files() -> list[pathlib.Path]:
    files = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    return [f for f in files if str(f.relative_to(REPO)) not in NOT_HCL]


def _snippets():
    out = []
    for f in _doc_files():
        text = f.read_text()
        for i, m in enumerate(FENCE.finditer(text)):
            line = text.count("\n", 0, m.start()) + 1
            out.append(pytest.param(m.group(1), id=f"{f.relative_to(REPO)}:{line}"))
    return out


SNIPPETS = _snippets()


def test_the_docs_have_snippets_and_the_exclusions_exist():
    assert len(SNIPPETS) >= 10, [p.id for p in SNIPPETS]
    for name in NOT_HCL:
        assert (REPO / name).is_file(), f"NOT_HCL lists {name}, which no longer exists"


def _is_cli_config(snippet: str) -> bool:
    return re.search(r"^\s*provider_installation\s*\{", snippet, re.M) is not None


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_snippet(snippet, tofu_cli, provider_dir, tmp_path):
    w = Workspace(tofu_cli, tmp_path / "w", provider_dir)
    if _is_cli_config(snippet):
        w.cli_config.write_text(snippet)
        r = w.run("version")
        assert r.returncode == 0, r.describe()
        assert "problems with the CLI configuration" not in r.output, r.describe()
        return
    # Fragments may use input variables they do not declare (`var.service`): declare them.
    declared = set(re.findall(r'^\s*variable\s+"([^"]+)"', snippet, re.M))
    free = sorted(set(re.findall(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)", snippet)) - declared)
    text = snippet + "".join(f'\nvariable "{v}" {{}}\n' for v in free)
    w.write(text, with_required_providers="required_providers" not in snippet)
    w.init()
    doc = w.validate()
    assert doc["valid"] is True, f"{error_diagnostics(doc)}\n--- snippet ---\n{snippet}"
