"""The exported JSON Schema is current, valid, and agrees with the models on the example catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import EXAMPLE, REPO

from generator.schema import KINDS, schema_files
from generator.yamlsource import Document, parse_document

SCHEMA_DIR = REPO / "schema"


def kind_of(path: Path) -> str:
    if path.name == "account.yml":
        return "account"
    return {"buyers": "buyer", "traffic-sources": "traffic-source", "platforms": "platform"}.get(
        path.parent.name, "offer"
    )


def test_committed_schemas_are_current() -> None:
    for name, text in schema_files().items():
        assert (SCHEMA_DIR / name).read_text() == text, f"schema/{name} is stale: run postdocs schema"
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(schema_files())


@pytest.mark.parametrize("name", sorted(KINDS))
def test_schemas_are_valid_json_schema(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert all("description" in prop for prop in schema["properties"].values())


@pytest.mark.parametrize("path", sorted(EXAMPLE.rglob("*.yml")), ids=lambda p: str(p.relative_to(EXAMPLE)))
def test_example_files_validate_against_their_schema(path: Path) -> None:
    doc = parse_document(path.read_bytes(), str(path))
    assert isinstance(doc, Document)
    schema = json.loads((SCHEMA_DIR / f"{kind_of(path)}.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(doc.data)


def test_schema_rejects_an_unknown_key() -> None:
    schema = json.loads((SCHEMA_DIR / "buyer.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError, match="revenu"):
        jsonschema.Draft202012Validator(schema).validate({"id": "b", "name": "B", "platform": "ringba", "revenu": "1"})
