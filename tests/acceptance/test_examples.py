"""AccExamples: every example under examples/ is valid for the provider as built (so examples
and schema cannot drift apart), through tofu and terraform."""

import pathlib
import shutil

import pytest

from tfharness import REQUIRED_PROVIDERS, error_diagnostics

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def _example_dirs():
    dirs = sorted({p.parent for p in EXAMPLES.rglob("*.tf")})
    return [pytest.param(d, id=str(d.relative_to(EXAMPLES))) for d in dirs]


@pytest.mark.parametrize("example", _example_dirs())
def test_example_is_valid(ws, example):
    for f in example.glob("*.tf"):
        shutil.copy(f, ws.dir / f.name)
    if "required_providers" not in "".join(f.read_text() for f in example.glob("*.tf")):
        (ws.dir / "_providers.tf").write_text(REQUIRED_PROVIDERS)
    ws.init()
    doc = ws.validate()
    assert doc["valid"] is True, error_diagnostics(doc)


def test_every_resource_example_has_an_import_script():
    for d in (EXAMPLES / "resources").iterdir():
        text = (d / "import.sh").read_text()
        assert f"import {d.name}." in text, d
