"""The JSON Schema (draft 2020-12) of the catalog against the data and the broken corpus.

Run: python3 -m pytest tests/catalog/test_catalog_schema.py
The C++ loader is the authority; the schema is for editors and external tools. These tests
pin which broken cases the schema alone catches and which need the loader's own checks.
"""
import json
import pathlib

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "provider/catalog/data/catalog.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
BROKEN = sorted((ROOT / "tests/catalog/broken").glob("*.json"))

# Broken cases only the loader catches: values the schema cannot relate or compute.
LOADER_ONLY = {
    "cidr_not_an_address",     # octet above 255
    "duplicate_advisory",      # unique ids across array items
    "duplicate_key",           # Python keeps the last key, as JSON parsers do
    "duplicate_port",
    "duplicate_row_id",
    "duplicate_service_id",
    "include_cycle",
    "include_self",
    "ingress_without_sources",
    "lone_alternative",
    "no_destinations",
    "port_out_of_range",
    "port_reversed",
    "port_zero",
    "row_id_wrong_service",
    "supernet_duplicate",
    "supernet_host_bits",
    "unknown_group_for_port",
    "unknown_include",
    "within_supernets_without_names",  # the schema sees "fqdns": [] as present
}


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_canonical_data_matches_schema():
    data = json.loads((ROOT / "provider/catalog/data/office_at_hand.json").read_text(encoding="utf-8"))
    errors = [e.message for e in VALIDATOR.iter_errors(data)]
    assert errors == []


def test_minimal_test_catalog_matches_schema():
    data = json.loads((ROOT / "tests/catalog/testdata/minimal.json").read_text(encoding="utf-8"))
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []


def test_corpus_is_large_enough():
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_case_partition(path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        assert path.stem == "not_json"
        return
    rejected = any(True for _ in VALIDATOR.iter_errors(data))
    if path.stem in LOADER_ONLY:
        assert not rejected, "the schema now catches this case: move it out of LOADER_ONLY"
    else:
        assert rejected, "the schema accepts a case it should reject"
