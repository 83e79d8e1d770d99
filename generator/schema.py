"""JSON Schema of every catalogue file kind, exported from the models.

Editors that speak the YAML language server validate and complete catalogue
files as they are typed when a file starts with
``# yaml-language-server: $schema=<path or URL of the schema>``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .models import Account, Buyer, Offer, PlatformFile, TrafficSource

KINDS: dict[str, type[BaseModel]] = {
    "account": Account,
    "offer": Offer,
    "buyer": Buyer,
    "traffic-source": TrafficSource,
    "platform": PlatformFile,
}
"""Schema name -> the model of that file kind."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(name: str) -> dict[str, Any]:
    """The JSON Schema of one file kind."""
    schema = KINDS[name].model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": f"{name}.schema.json", **schema}


def schema_files() -> dict[str, str]:
    """Every schema as ``<kind>.schema.json`` -> its text."""
    return {f"{name}.schema.json": json.dumps(schema_of(name), indent=2) + "\n" for name in KINDS}
