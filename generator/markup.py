"""Escaping for where catalogue text lands: Markdown text, table cells, code spans and fences.

The Jinja environment escapes *every* interpolated value as Markdown text
unless it is :class:`markupsafe.Markup` produced by one of the functions here,
so a name like ``<script>``, ``|``, `` ` ``, ``{{ x }}``, ``[x]`` or ``---``
renders as text, never as markup, never breaking a table or a fence.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from jinja2.filters import do_indent
from markupsafe import Markup

# Python-Markdown's backslash-escapable characters, plus '|' (tables extension).
_BACKSLASH = set("\\`*_{}[]()>#+-.!|")
# Characters with a meaning in the extensions in use that backslashes cannot escape: use entities.
_ENTITY = {"<": "&lt;", "&": "&amp;", "=": "&#61;", "~": "&#126;", "^": "&#94;"}


_TEXT_TABLE = {ord(c): "\\" + c for c in _BACKSLASH} | {ord(c): e for c, e in _ENTITY.items()}


_TICKS = re.compile(r"`+")


def _longest_ticks(raw: str) -> int:
    """The longest run of backticks in ``raw``."""
    return max(map(len, _TICKS.findall(raw))) if "`" in raw else 0


def text(value: Any) -> Markup:
    """Markdown-escape a value for running text (one line: newlines become spaces)."""
    if isinstance(value, Markup):
        return value
    return _text(str(value))


@functools.lru_cache(maxsize=8192)
def _text(raw: str) -> Markup:
    # Cached: a page interpolates the same names, labels and values over and over (Markup is immutable).
    return Markup(" ".join(raw.splitlines()).translate(_TEXT_TABLE))  # noqa: S704 - every special character is escaped


def code(value: Any) -> Markup:
    """An inline code span holding ``value`` exactly (one line)."""
    return _code(str(value))


@functools.lru_cache(maxsize=8192)
def _code(text: str) -> Markup:
    # Cached like `text`: field names, tokens and example values recur on every page of an offer.
    raw = " ".join(text.splitlines())
    if not raw:
        return Markup("")
    ticks = "`" * (_longest_ticks(raw) + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") or (raw.startswith(" ") and raw.endswith(" ")) else ""
    return Markup(  # noqa: S704 - built from escaped text
        f"{ticks}{pad}{raw}{pad}{ticks}"
    )


def fence(value: Any, lang: str = "") -> Markup:
    """A fenced code block holding ``value`` exactly; the fence is longer than any backtick run inside."""
    raw = str(value)
    if not raw.endswith("\n"):
        raw += "\n"
    ticks = "`" * max(3, _longest_ticks(raw) + 1)
    return Markup(  # noqa: S704 - built from escaped text
        f"{ticks}{lang}\n{raw}{ticks}"
    )


def cell(value: Any) -> Markup:
    """A table cell: escaped text, '-' when empty (or only white space, which a cell would not show)."""
    if value is None or value == () or (isinstance(value, str) and not value.strip()):
        return Markup("-")
    return text(value)


def quoted(value: Any) -> Markup:
    """A double-quoted attribute-like label (content tab titles): quotes and backslashes escaped."""
    raw = " ".join(str(value).splitlines()).replace("\\", "\\\\").replace('"', '\\"')
    return Markup(  # noqa: S704 - built from escaped text
        f'"{raw}"'
    )


def indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> Any:
    """Jinja's ``indent`` filter, with the same result, without wrapping and re-escaping every line of Markup.

    For Markup, Jinja's filter indents with Markup pieces that escape nothing (every line is already
    Markup), so indenting the plain text and marking the result gives the same string.
    """
    if isinstance(value, Markup):
        return Markup(do_indent(str(value), width, first, blank))  # noqa: S704 - the input was Markup
    return do_indent(value, width, first, blank)
