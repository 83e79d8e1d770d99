"""Read one YAML file into plain data plus the position of every node.

The reader is deliberately stricter than ``yaml.safe_load``:

* YAML 1.2 core scalars only: ``yes``/``no``/``on``/``off`` stay text, there
  are no timestamps or sexagesimal numbers, and a decimal number keeps its
  exact written value (``12.50`` becomes ``Decimal("12.50")``, never a float).
* Duplicate keys, merge keys (``<<``), custom tags and non-text keys are
  refused with their line and column.
* Size, node count and nesting depth are bounded, so a YAML alias bomb or a
  huge file ends in a located error in bounded time and memory.

Nothing here knows about the catalogue; it only produces a :class:`Document`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from .errors import Problem, os_failure, quoted

MAX_FILE_BYTES = 256 * 1024
"""Largest catalogue file accepted, in bytes (256 KiB: far above any real entity file)."""

MAX_NODES = 50_000
"""Most YAML nodes one file may expand to, aliases counted each time they are used."""

MAX_DEPTH = 32
"""Deepest nesting of mappings and sequences accepted."""

Loc = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _CoreResolver(BaseResolver):
    """The YAML 1.2 core schema: only true/false, null, integers and decimals are implicit."""


_CoreResolver.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_CoreResolver.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_CoreResolver.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_CoreResolver.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+)$"),
    list("-+.0123456789"),
)


class _PyComposeLoader(Reader, Scanner, Parser, Composer, _CoreResolver):
    """Just enough of PyYAML to build the node graph; values are built by :func:`_walk`."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)


_ComposeLoader: type[Any] = _PyComposeLoader
if yaml.__with_libyaml__:  # libyaml composes about ten times faster; same nodes and marks
    from yaml._yaml import CParser

    class _CComposeLoader(CParser, _CoreResolver):
        """The node graph from libyaml, resolved with the YAML 1.2 core schema."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _CoreResolver.__init__(self)

    _ComposeLoader = _CComposeLoader


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a file."""

    line: int
    col: int


@dataclass(frozen=True)
class Document:
    """One parsed file: its data and where each value and key was written.

    Positions are worked out on first use (only a file with a problem needs them) by reading the
    text again, so a large valid catalogue is read once, without a table of every node's position.
    """

    path: str
    data: Any
    digest: str = ""
    """SHA-256 of the file's bytes."""
    text: str = field(default="", repr=False, compare=False)

    @cached_property
    def strings(self) -> str:
        """Every string value of the file, joined by NUL characters (kept with the parsed file).

        A text without NUL (an environment variable's value, say) is in some value exactly when it is
        in this string: one search per file instead of one per value.
        """
        return "\0".join(text for _, text in string_values(self.data))

    @cached_property
    def _positions(self) -> tuple[dict[Loc, Position], dict[Loc, Position]]:
        values: dict[Loc, Position] = {}
        keys: dict[Loc, Position] = {}
        if self.text:
            loader = _ComposeLoader(self.text)
            try:
                root = loader.get_single_node()
            finally:
                loader.dispose()
            if root is not None:
                _walk(root, (), self.path, values, keys, [MAX_NODES])
        return values, keys

    @property
    def values(self) -> Mapping[Loc, Position]:
        """Where each value was written."""
        return self._positions[0]

    @property
    def keys(self) -> Mapping[Loc, Position]:
        """Where each key of a mapping was written."""
        return self._positions[1]

    def locate(self, loc: Loc, *, key: bool = False) -> Position:
        """Position of ``loc``, or of its nearest written ancestor when it is absent."""
        table = self.keys if key else self.values
        if loc in table:
            return table[loc]
        for end in range(len(loc) - 1, -1, -1):
            prefix = loc[:end]
            if prefix in self.values:
                return self.values[prefix]
        return Position(1, 1)

    def problem(self, loc: Loc, message: str, hint: str = "", *, key: bool = False) -> Problem:
        """A :class:`Problem` located at ``loc`` in this document."""
        pos = self.locate(loc, key=key)
        return Problem(self.path, pos.line, pos.col, dotted(loc), message, hint)


def dotted(loc: Loc) -> str:
    """``("fields", 2, "name")`` -> ``fields[2].name``; the empty path is ``(file)``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(file)"


class _Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def read_document(path: Path, display: str) -> Document | Problem:
    """Parse ``path``; return the document, or the one problem that stops reading it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        what, hint = os_failure(exc)
        return Problem(display, 1, 1, "(file)", f"cannot be read: {what}", hint)
    return parse_document(raw, display)


def string_values(node: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every string in parsed data, with where it is."""
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from string_values(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from string_values(value, (*loc, i))


def parse_document(raw: bytes, display: str) -> Document | Problem:
    """Parse YAML bytes that claim to come from ``display``."""
    if len(raw) > MAX_FILE_BYTES:
        return Problem(
            display,
            1,
            1,
            "(file)",
            f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
            "one entity per file keeps files small; split it or remove generated content",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return Problem(
            display,
            line,
            col,
            "(file)",
            f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            "save the file as UTF-8",
        )
    text = text.removeprefix("\ufeff")
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return Problem(display, 1, 1, "(file)", "file is empty", "describe one entity in it, or delete the file")
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad is not None:  # a character YAML forbids anywhere (NUL, control characters)
        head = text[: bad.start()]
        return Problem(
            display,
            head.count("\n") + 1,
            bad.start() - (head.rfind("\n") + 1) + 1,
            "(file)",
            f"holds the non-printable character U+{ord(bad.group()[0]):04X}, which YAML does not allow",
            "remove it (it is usually left by copying text from another program)",
        )
    loader = _ComposeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = (exc.problem or exc.context or "invalid YAML").strip()
        if exc.context and exc.problem:
            message = f"{exc.context.strip()}: {message}"
        return Problem(display, line, col, "(file)", f"invalid YAML: {message}", "check indentation and quoting")
    except yaml.YAMLError as exc:  # pragma: no cover - reader errors without a mark
        return Problem(display, 1, 1, "(file)", f"invalid YAML: {exc}", "check the file's syntax")
    finally:
        loader.dispose()
    if root is None:
        return Problem(display, 1, 1, "(file)", "file is empty", "describe one entity in it, or delete the file")
    budget = [MAX_NODES]
    try:
        data = _walk(root, (), display, None, None, budget)
    except _Stop as stop:
        return stop.problem
    return Document(display, data, hashlib.sha256(raw).hexdigest(), text)


def _tag(tag: str) -> str:
    """A tag as the user wrote it (``!!python/object``, not ``tag:yaml.org,2002:python/object``)."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _pos(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _stop(display: str, node: Node, loc: Loc, message: str, hint: str) -> _Stop:
    pos = _pos(node)
    return _Stop(Problem(display, pos.line, pos.col, dotted(loc), message, hint))


def _walk(
    node: Node,
    loc: Loc,
    display: str,
    values: dict[Loc, Position] | None,
    keys: dict[Loc, Position] | None,
    budget: list[int],
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _stop(
            display,
            node,
            loc,
            f"expands to more than {MAX_NODES:,} values",
            "YAML aliases (*name) are expanded every time they are used; write the values out instead",
        )
    if len(loc) > MAX_DEPTH:
        raise _stop(display, node, loc, f"is nested more than {MAX_DEPTH} levels deep", "flatten the structure")
    if values is not None:
        values.setdefault(loc, _pos(node))
    if isinstance(node, ScalarNode):
        return _scalar(node, loc, display)
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ:
            raise _stop(display, node, loc, f"unsupported tag {quoted(_tag(node.tag))}", "remove the tag")
        return [_walk(item, (*loc, i), display, values, keys, budget) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        if node.tag != _MAP:
            raise _stop(display, node, loc, f"unsupported tag {quoted(_tag(node.tag))}", "remove the tag")
        out: dict[str, Any] = {}
        first_seen: dict[str, Position] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in (_STR, _INT, _BOOL):
                raise _stop(display, key_node, loc, "keys must be plain text", "write the key as a plain word")
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                raise _stop(display, key_node, loc, "merge keys (<<) are not supported", "write the keys out")
            name = str(key_node.value)
            if name in first_seen:
                first = first_seen[name]
                raise _stop(
                    display,
                    key_node,
                    (*loc, name),
                    f"duplicate key {quoted(name)} (first written at line {first.line})",
                    "remove one of the two; YAML would silently keep only the last",
                )
            first_seen[name] = _pos(key_node)
            if keys is not None:
                keys[(*loc, name)] = first_seen[name]
            out[name] = _walk(value_node, (*loc, name), display, values, keys, budget)
        return out
    raise _stop(
        display, node, loc, "unsupported YAML node", "use plain mappings, lists and scalars"
    )  # pragma: no cover


def _scalar(node: ScalarNode, loc: Loc, display: str) -> Any:
    text: str = node.value
    tag = node.tag
    if tag == _STR:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise _stop(display, node, loc, f"{quoted(text)} is not true or false", "write true or false")
    if tag == _INT:
        try:
            if text.startswith(("0o", "0x")):
                return int(text, 0)
            return int(text)
        except ValueError:
            raise _stop(
                display, node, loc, f"{quoted(text)} is not an integer", "quote it to keep it as text"
            ) from None
    if tag == _FLOAT:
        try:
            return Decimal(text)
        except InvalidOperation:
            raise _stop(display, node, loc, f"{quoted(text)} is not a number", "quote it to keep it as text") from None
    raise _stop(
        display, node, loc, f"unsupported tag {quoted(_tag(tag))}", "remove the tag; plain YAML values are enough"
    )
