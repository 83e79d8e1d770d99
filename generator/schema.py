"""JSON Schema of every catalogue file kind, exported from the models.

Editors that speak the YAML language server validate and complete catalogue
files as they are typed when a file starts with
``# yaml-language-server: $schema=<path or URL of the schema>``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import json
import textwrap
from typing import Any

from pydantic import BaseModel

from . import models
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
    _describe_fields()
    schema = KINDS[name].model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": f"{name}.schema.json", **schema}


def schema_files() -> dict[str, str]:
    """Every schema as ``<kind>.schema.json`` -> its text."""
    return {f"{name}.schema.json": json.dumps(schema_of(name), indent=2) + "\n" for name in KINDS}


@functools.cache
def _describe_fields() -> None:
    """Give every field of the catalogue models the docstring written under it, as its description.

    What pydantic's ``use_attribute_docstrings`` does when each model class is created, done here
    instead: reading the models' source costs every command a tenth of its start-up, and only the
    schemas show the descriptions.  The models' validators are then built again with them.
    """
    classes = [
        cls
        for cls in vars(models).values()
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == models.__name__
    ]
    for cls in classes:
        written = _attribute_docstrings(cls)
        for name, field in cls.model_fields.items():
            if field.description is None and name in written:
                field.description = written[name]
    for cls in classes:  # in the module's order: a nested model before the models using it
        cls.model_rebuild(force=True)


def _attribute_docstrings(cls: type) -> dict[str, str]:
    """``name -> docstring`` of the class's own annotated attributes (a string right below one)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    found = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[node.target.id] = inspect.cleandoc(following.value.value)
    return found
