"""AccProviderSchema: `providers schema -json` through each CLI."""

import pytest

RESOURCES = {"office_at_hand_allowlist"}
DATA_SOURCES = {"office_at_hand_catalog", "office_at_hand_rules"}


@pytest.fixture
def schema(ws):
    ws.write('provider "office" {}\n')
    ws.init()
    doc = ws.providers_schema()
    assert ws.cli.provider_address in doc["provider_schemas"], doc["provider_schemas"].keys()
    return doc["provider_schemas"][ws.cli.provider_address]


def _walk_attributes(block, path=""):
    for name, attr in (block.get("attributes") or {}).items():
        yield f"{path}{name}", attr
    for name, nested in (block.get("block_types") or {}).items():
        yield from _walk_attributes(nested["block"], f"{path}{name}.")


def test_lists_resources_and_data_sources(schema):
    assert RESOURCES <= set(schema.get("resource_schemas", {}))
    assert DATA_SOURCES <= set(schema.get("data_source_schemas", {}))


def test_provider_block_has_one_block_per_cloud(schema):
    blocks = schema["provider"]["block"].get("block_types", {})
    assert {"aws", "azure", "gcp"} <= set(blocks)
    aws = blocks["aws"]["block"]["attributes"]
    assert aws["secret_key"].get("sensitive") is True
    assert aws["ec2_endpoint"].get("optional") is True
    assert blocks["azure"]["block"]["attributes"]["client_secret"].get("sensitive") is True
    assert blocks["gcp"]["block"]["attributes"]["credentials"].get("sensitive") is True


def test_allowlist_schema_shape(schema):
    block = schema["resource_schemas"]["office_at_hand_allowlist"]["block"]
    attrs = block["attributes"]
    for name in ("services", "line_sharing", "tcp_fallback", "ipv6_clients", "owner"):
        assert attrs[name].get("optional") is True, name
    for name in ("id", "rules", "catalog_version", "strategy", "unenforceable"):
        assert attrs[name].get("computed") is True, name
    assert {"aws_security_group", "azure_network_security_group", "gcp_firewall"} <= \
        set(block.get("block_types", {}))


def test_every_attribute_has_a_description(schema):
    missing = []
    for kind in ("resource_schemas", "data_source_schemas"):
        for type_name, s in schema.get(kind, {}).items():
            for path, attr in _walk_attributes(s["block"]):
                if not (attr.get("description") or "").strip():
                    missing.append(f"{type_name}.{path}")
    for path, attr in _walk_attributes(schema["provider"]["block"]):
        if not (attr.get("description") or "").strip():
            missing.append(f"provider.{path}")
    assert not missing, f"attributes without description: {missing}"
