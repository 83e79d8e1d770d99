"""Indented JSON text, byte for byte what ``json.dumps(obj, indent=N, ensure_ascii=False)`` writes.

The standard library writes indented JSON with its pure-Python encoder (only compact JSON has a C
path), and every partner page writes four indented documents.  This writer keeps the C string
escaper and walks the value with plain recursion: the same text at about half the cost.  A test
compares the two on generated values of every JSON type.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

_INF = float("inf")


def dumps(obj: Any, indent: int = 2) -> str:
    """``json.dumps(obj, indent=indent, ensure_ascii=False)``."""
    out: list[str] = []
    _value(obj, out, "\n", " " * indent)
    return "".join(out)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return str(encode_basestring(key))
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return f'"{int.__repr__(key)}"'
    if isinstance(key, float):
        return f'"{_float(key)}"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _value(obj: Any, out: list[str], newline: str, step: str) -> None:
    if isinstance(obj, str):
        out.append(encode_basestring(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, float):
        out.append(_float(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        inner = newline + step
        sep = "{" + inner
        for key, value in obj.items():
            out.append(sep + _key(key) + ": ")
            _value(value, out, inner, step)
            sep = "," + inner
        out.append(newline + "}")
    elif isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        inner = newline + step
        sep = "[" + inner
        for value in obj:
            out.append(sep)
            _value(value, out, inner, step)
            sep = "," + inner
        out.append(newline + "]")
    else:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
