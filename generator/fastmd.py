"""A fast converter for the Markdown postdocs' own templates write, exact to Python-Markdown.

Partner pages are Markdown written by :mod:`render` from a small, regular subset: ATX headings,
paragraphs, pipe tables, fenced code (optionally in content tabs or admonitions), admonitions,
tight ordered/unordered lists and HTML comments, with inline code, emphasis, backslash escapes,
entities and ``<br>``.  Converting that subset with Python-Markdown and its extensions costs tens of
milliseconds a page; this module converts it in a fraction of that and produces the same HTML
(``tests/test_fastmd.py`` compares both, byte for byte, on every page of the example catalogue and
on hostile and generated input).

Anything outside the subset raises :class:`Unsupported`, and the caller falls back to
Python-Markdown for that page, so a customised template can never be rendered wrongly.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

ESCAPABLE = set("\\`*_{}[]()>#+-.!|")
"""Python-Markdown's backslash-escapable characters with the tables extension."""


class Unsupported(Exception):
    """The Markdown uses a construct this converter does not handle exactly."""


@dataclass
class Heading:
    """A heading as the table of contents needs it."""

    level: int
    id: str
    name: str
    html: str


@dataclass
class Result:
    """Converted HTML, the page's headings and the languages of its code blocks."""

    html: str
    headings: list[Heading] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)


Highlighter = Callable[[str, str], str]
"""(code, language) -> the HTML Python-Markdown's superfences + highlight produce for that fence."""

Linker = Callable[[str], str]
"""A link target as written -> as the site builder rewrites it (MkDocs makes relative links relative to the
page's URL); raises :class:`Unsupported` for a target it cannot resolve."""


def _same(href: str) -> str:
    return href


# --------------------------------------------------------------------------- inline

_CODE = re.compile(r"(?<!\\)(`+)(.+?)(?<!`)\1(?!`)")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z0-9]+);")
_TAG = re.compile(r"<(/?[a-zA-Z][^<>@ ]*(?: [^<>]*)?)>")
_LINK = re.compile(r"\[((?:[^\[\]\\`]|\\.|`[^`]*`)*)\]\(([^()\s<>\"]+)\)(?:\{((?: *[a-z-]+=\"[^\"<>&]*\")+) *\})?")
_ATTR = re.compile(r'([a-z-]+)="([^"]*)"')


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SPECIAL = re.compile(r"[`\\&<*\[\]_!{}]")


CACHE_LIMIT = 16384
"""Entries the inline and table-row caches hold before they are emptied (pages repeat most of their
cells and phrases: field descriptions, platform names, tokens)."""

_inline_cache: dict[str, str] = {}
_row_cache: dict[tuple[str, int], str] = {}


def inline(text: str, link: Linker = _same) -> str:
    """Inline Markdown (code spans, escapes, entities, tags, strong, emphasis, links) to HTML."""
    if _SPECIAL.search(text) is None:
        return _escape_text(text)
    if "[" in text:  # a link: its target depends on the page
        return _inline(text, 0, link)
    cached = _inline_cache.get(text)
    if cached is None:
        cached = _inline(text, 0, link)
        if len(_inline_cache) >= CACHE_LIMIT:
            _inline_cache.clear()
        _inline_cache[text] = cached
    return cached


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _inline(text: str, depth: int, link: Linker) -> str:
    if depth > 3:
        raise Unsupported("emphasis nested too deeply")
    out: list[str] = []
    i, n = 0, len(text)
    plain_start = 0

    def flush(end: int) -> None:
        if end > plain_start:
            out.append(_escape_text(text[plain_start:end]))

    while i < n:
        special = _SPECIAL.search(text, i)
        if special is None:
            break
        i = special.start()
        ch = text[i]
        if ch == "`":
            m = _CODE.match(text, i)
            if m is None:
                raise Unsupported("unmatched backtick")
            flush(i)
            out.append("<code>" + _escape_text(m.group(2).strip()) + "</code>")
            i = plain_start = m.end()
        elif ch == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt in ESCAPABLE and nxt:
                flush(i)
                out.append(_escape_text(nxt))
                i += 2
                plain_start = i
            else:
                raise Unsupported("backslash before a character that is not escapable")
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if m is None:
                raise Unsupported("bare ampersand")
            flush(i)
            out.append(m.group(0))
            i = plain_start = m.end()
        elif ch == "<":
            m = _TAG.match(text, i)
            if m is None or m.group(1).lower() not in ("br", "br/", "br /"):
                raise Unsupported("raw HTML other than <br>")
            flush(i)
            out.append(m.group(0))
            i = plain_start = m.end()
        elif ch == "*":
            run = 2 if text.startswith("**", i) else 1
            close = _find_close(text, i + run, "*" * run)
            if close < 0 or text.startswith("***", i):
                raise Unsupported("unpaired emphasis")
            inner = text[i + run : close]
            if not inner or inner[0].isspace() or inner[-1].isspace() or (run == 1 and "*" in inner):
                raise Unsupported("emphasis Python-Markdown may read differently")
            flush(i)
            tag = "strong" if run == 2 else "em"
            out.append(f"<{tag}>{_inline(inner, depth + 1, link)}</{tag}>")
            i = plain_start = close + run
        elif ch == "[":
            m = _LINK.match(text, i)
            if m is None:
                raise Unsupported("a bracket that does not start a link")
            flush(i)
            attrs = dict(_ATTR.findall(m.group(3) or ""))
            if "href" in attrs or len(attrs) != len(_ATTR.findall(m.group(3) or "")):
                raise Unsupported("link attributes")
            attrs["href"] = link(m.group(2))
            rendered = " ".join(f'{k}="{_attr(v)}"' for k, v in sorted(attrs.items()))
            out.append(f"<a {rendered}>{_inline(m.group(1), depth + 1, link)}</a>")
            i = plain_start = m.end()
        else:
            # Unescaped: underscores may emphasise, brackets may link, braces may be attributes.
            raise Unsupported(f"unescaped {ch!r}")
    flush(n)
    return "".join(out)


def _find_close(text: str, start: int, marker: str) -> int:
    """Index of the closing emphasis marker, skipping code spans and escapes."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "`":
            m = _CODE.match(text, i)
            if m is None:
                return -1
            i = m.end()
            continue
        if text.startswith(marker, i) and not (len(marker) == 1 and text.startswith("**", i)):
            return i
        i += 1
    return -1


# --------------------------------------------------------------------------- headings


def slugify(value: str) -> str:
    """Python-Markdown's toc slugify (ASCII, '-' separator)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


_STRIP_TAGS = re.compile(r"<[^>]+>")


class _Ids:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def unique(self, value: str) -> str:
        while value in self.used or not value:
            m = re.match(r"^(.*)_([0-9]+)$", value)
            value = f"{m.group(1)}_{int(m.group(2)) + 1}" if m else f"{value}_1"
        self.used.add(value)
        return value


# --------------------------------------------------------------------------- blocks

_HEADING = re.compile(r"^(#{1,6}) +(.*?)\s*$")
_ADMONITION = re.compile(r'^!!! ([a-z]+)(?: "(.*)")?\s*$')
_TAB = re.compile(r'^=== "(.*)"[ ]*$')
_FENCE = re.compile(r"^(`{3,})([A-Za-z0-9_+-]*)\s*$")
_OL = re.compile(r"^([0-9]+)\.[ ]+(.*)$")
_UL = re.compile(r"^[-*][ ]+(.*)$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)\s*$")
_TABLE_DELIM = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\s*$")


@dataclass
class _State:
    highlight: Highlighter
    link: Linker = _same
    ids: bool = True
    used: _Ids = field(default_factory=_Ids)
    headings: list[Heading] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)
    tab_sets: int = 0


_SPACES_ONLY = re.compile(r"\n +(?=\n)")
"""A line of only spaces, with the line end before it (Python-Markdown's ``(?<=\\n) +\\n``, ten times faster)."""


def normalize_whitespace(text: str) -> str:
    """The text as Python-Markdown's first preprocessor (``NormalizeWhitespace``) leaves it.

    Every later step sees it so, fenced code included: STX and ETX removed, CR and CRLF line ends made
    LF, tabs expanded to four columns, and every line of only spaces but the first emptied.
    """
    if "\x02" in text or "\x03" in text:
        text = text.replace("\x02", "").replace("\x03", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.expandtabs(4)
    return _SPACES_ONLY.sub("\n", text + "\n")[:-1]


def convert(text: str, highlight: Highlighter, link: Linker = _same, *, ids: bool = True) -> Result:
    """Convert a page's Markdown (without front matter) to HTML, exactly as Python-Markdown would.

    ``ids``: headings get ids and permalinks (the ``toc`` extension with ``permalink: true``); without,
    plain headings (Python-Markdown without ``toc``).
    """
    state = _State(highlight, link, ids)
    lines = normalize_whitespace(text).split("\n")
    html_out = "\n".join(_blocks(lines, state)).strip("\n")
    return Result(html_out, state.headings, state.languages)


def _blank(line: str) -> bool:
    """A blank line as Python-Markdown sees it: nothing but spaces and tabs."""
    return not line.strip(" \t")


def _dedent(lines: list[str], width: int = 4) -> list[str]:
    out = []
    for line in lines:
        if _blank(line):
            out.append("")
        elif line.startswith(" " * width):
            out.append(line[width:])
        else:
            raise Unsupported("indented block with a line that is not indented")
    return out


def _take_indented(lines: list[str], i: int) -> tuple[list[str], int]:
    """Lines from ``i`` that belong to an indented block (blank lines included until a dedent)."""
    body: list[str] = []
    while i < len(lines) and (lines[i].startswith("    ") or _blank(lines[i])):
        body.append(lines[i])
        i += 1
    while body and _blank(body[-1]):
        body.pop()
        i -= 1
    return body, i


def _blocks(lines: list[str], state: _State) -> Iterator[str]:
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _blank(line):
            i += 1
            continue
        if line.startswith("<!--"):
            if not line.rstrip().endswith("-->") or "-->" in line[4:-3]:
                raise Unsupported("multi-line HTML comment")
            yield line.rstrip() + "\n"
            i += 1
            continue
        if m := _HEADING.match(line):
            level = len(m.group(1))
            content = inline(m.group(2), state.link)
            name = html.unescape(_STRIP_TAGS.sub("", content))
            if not state.ids:
                yield f"<h{level}>{content}</h{level}>"
                i += 1
                continue
            hid = state.used.unique(slugify(name))
            state.headings.append(Heading(level, hid, name, content))
            yield (
                f'<h{level} id="{hid}">{content}<a class="headerlink" href="#{hid}" '
                f'title="Permanent link">&para;</a></h{level}>'
            )
            i += 1
            continue
        if m := _FENCE.match(line):
            ticks, lang = m.group(1), m.group(2)
            j = i + 1
            while j < n and lines[j] != ticks:
                if lines[j].startswith("```") and lines[j].strip("`") == "" and len(lines[j]) >= len(ticks):
                    break
                j += 1
            if j >= n or lines[j] != ticks:
                raise Unsupported("unclosed fence")
            state.languages.add(lang)
            yield state.highlight("\n".join(lines[i + 1 : j]), lang)
            i = j + 1
            continue
        if m := _ADMONITION.match(line):
            kind, title = m.group(1), m.group(2)
            body, i = _take_indented(lines, i + 1)
            if title is None or not body:
                raise Unsupported("admonition without a title or body")
            inner = "\n".join(_blocks(_dedent(body), state))
            yield (
                f'<div class="admonition {kind}">\n<p class="admonition-title">{html.escape(title, quote=False)}'
                f"</p>\n{inner}\n</div>"
            )
            continue
        if _TAB.match(line):
            tabs, i = _tabs(lines, i, state)
            yield tabs
            continue
        if line.startswith("|"):
            rows = []
            while i < n and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            yield _table(rows, state.link)
            continue
        if _OL.match(line) or _UL.match(line):
            items, i = _list(lines, i, state)
            yield items
            continue
        if line.startswith(("    ", "\t", "#", ">", "!!!", "===", "---", "- ", "* ", "+ ")):
            raise Unsupported(f"unsupported block: {line[:20]!r}")
        para: list[str] = []
        while i < n and not _blank(lines[i]) and not _starts_block(lines[i]):
            if para and (lines[i].lstrip().startswith(">") or _SETEXT.match(lines[i])):
                raise Unsupported("a block quote or a heading underline right after a paragraph")
            para.append(lines[i])
            i += 1
        if i < n and not _blank(lines[i]) and not _HEADING.match(lines[i]):
            # Python-Markdown reads most blocks only at the start of a block: a list or table line right after
            # a paragraph stays in the paragraph there.  Leave such Markdown to it.
            raise Unsupported("a block right after a paragraph, without a blank line")
        if any(line.endswith("  ") for line in para[:-1]):
            raise Unsupported("two spaces at the end of a line (a line break)")
        if not "".join(para).strip():
            raise Unsupported("a paragraph of only Unicode whitespace (Python-Markdown drops it)")
        yield "<p>" + inline("\n".join(para).lstrip(), state.link) + "</p>"


def _starts_block(line: str) -> bool:
    return bool(
        _HEADING.match(line)
        or _FENCE.match(line)
        or _ADMONITION.match(line)
        or _TAB.match(line)
        or line.startswith(("|", "<!--"))
        or _OL.match(line)
        or _UL.match(line)
    )


def _tabs(lines: list[str], i: int, state: _State) -> tuple[str, int]:
    state.tab_sets += 1
    set_no = state.tab_sets
    labels: list[str] = []
    blocks: list[str] = []
    n = len(lines)
    while i < n and (m := _TAB.match(lines[i])):
        labels.append(m.group(1))
        body, i = _take_indented(lines, i + 1)
        if not body:
            raise Unsupported("empty tab")
        blocks.append("\n".join(_blocks(_dedent(body), state)))
        j = i
        while j < n and _blank(lines[j]):
            j += 1
        if j < n and _TAB.match(lines[j]):
            i = j
        else:
            break
    count = len(labels)
    checked = 'checked="checked" '
    inputs = "".join(
        f'<input {checked if k == 1 else ""}id="__tabbed_{set_no}_{k}" name="__tabbed_{set_no}" type="radio" />'
        for k in range(1, count + 1)
    )
    label_html = "".join(
        f'<label for="__tabbed_{set_no}_{k}">{inline(label, state.link)}</label>' for k, label in enumerate(labels, 1)
    )
    content = "\n".join(f'<div class="tabbed-block">\n{b}\n</div>' for b in blocks)
    html_out = (
        f'<div class="tabbed-set tabbed-alternate" data-tabs="{set_no}:{count}">{inputs}'
        f'<div class="tabbed-labels">{label_html}</div>\n<div class="tabbed-content">\n{content}\n</div>\n</div>'
    )
    return html_out, i


def _split_row(row: str) -> list[str]:
    body = row.strip()
    if not body.startswith("|") or not body.endswith("|"):
        raise Unsupported("table row without outer pipes")
    if "\\" not in body and "`" not in body:
        return [c.strip(" ") for c in body[1:-1].split("|")]
    cells: list[str] = []
    cur: list[str] = []
    i = 1
    while i < len(body) - 1:
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) - 1:
            cur.append(body[i : i + 2])
            i += 2
            continue
        if ch == "`":
            m = _CODE.match(body, i)
            if m is not None and m.end() <= len(body) - 1:
                cur.append(m.group(0))
                i = m.end()
                continue
        if ch == "|":
            cells.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur))
    return [c.strip(" ") for c in cells]


def _table(rows: list[str], link: Linker) -> str:
    if len(rows) < 2 or not _TABLE_DELIM.match(rows[1]):
        raise Unsupported("table without a delimiter row")
    head = _split_row(rows[0])
    width = len(head)
    if any(":" in c for c in _split_row(rows[1])) or len(_split_row(rows[1])) != width:
        raise Unsupported("aligned or ragged table")
    out = ["<table>", "<thead>", "<tr>"]
    out += [f"<th>{inline(c, link)}</th>" for c in head]
    out += ["</tr>", "</thead>", "<tbody>"]
    out += [table_row(row, width, link) for row in rows[2:]]
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def table_row(row: str, width: int, link: Linker = _same) -> str:
    """One body row of a table (``<tr>`` to ``</tr>``)."""
    key = (row, width)
    cached = _row_cache.get(key)
    if cached is not None:
        return cached
    cells = _split_row(row)
    if len(cells) != width:
        raise Unsupported("row with a different number of cells")
    html_out = "\n".join(["<tr>", *(f"<td>{inline(c, link)}</td>" for c in cells), "</tr>"])
    if "[" not in row:  # no link: the row's HTML is the same on every page
        if len(_row_cache) >= CACHE_LIMIT:
            _row_cache.clear()
        _row_cache[key] = html_out
    return html_out


def _list(lines: list[str], i: int, state: _State) -> tuple[str, int]:
    ordered = bool(_OL.match(lines[i]))
    pattern = _OL if ordered else _UL
    if _is_loose(lines, i):
        return _loose_list(lines, i, state, pattern, ordered)
    link = state.link
    items: list[list[str]] = []
    n = len(lines)
    while i < n:
        line = lines[i]
        m = pattern.match(line)
        if m:
            items.append([m.group(2) if ordered else m.group(1)])
        elif line.startswith("   ") and line.strip() and items:
            items[-1].append(line)
        elif not _blank(line):
            raise Unsupported("a line right after a list item, neither an item nor indented")
        else:
            break
        i += 1
    if i < n and _blank(lines[i]) and i + 1 < n and (pattern.match(lines[i + 1]) or lines[i + 1].startswith("   ")):
        raise Unsupported("loose list")  # pragma: no cover - such a list is read by _loose_list
    tag = "ol" if ordered else "ul"
    if any(line.endswith("  ") for item in items for line in item[:-1]):
        raise Unsupported("two spaces at the end of a line (a line break)")
    body = "\n".join("<li>" + inline("\n".join(item).lstrip(), link) + "</li>" for item in items)
    return f"<{tag}>\n{body}\n</{tag}>", i


def _is_loose(lines: list[str], i: int) -> bool:
    """True when the list's first blank line is followed by an item (of either kind) or by indented content."""
    n = len(lines)
    while i < n and not _blank(lines[i]):
        i += 1
    return i + 1 < n and bool(_OL.match(lines[i + 1]) or _UL.match(lines[i + 1]) or lines[i + 1].startswith("    "))


def _loose_list(lines: list[str], i: int, state: _State, pattern: re.Pattern[str], ordered: bool) -> tuple[str, int]:
    """A loose list in the one shape the templates write, and nothing else.

    Each item is one line (``1. text``), then, each after a blank line, blocks indented by four spaces
    (paragraphs, fenced code, admonitions...); items are separated by a blank line.  Python-Markdown wraps
    each item's first line in a paragraph and converts the indented blocks as a page of their own.
    """
    n = len(lines)
    items: list[str] = []
    while i < n:
        m = pattern.match(lines[i])
        if m is None:
            break
        first = m.group(2) if ordered else m.group(1)
        if not first.strip() or first.endswith("  "):
            raise Unsupported("a list item without text, or with a line break")
        i += 1
        if i < n and not _blank(lines[i]):
            raise Unsupported("a list item of more than one line")
        body, i = _take_indented(lines, i)
        if body and not _blank(body[0]):  # pragma: no cover - the line after an item is blank (checked above)
            raise Unsupported("a list item continued without a blank line")
        inner = list(_blocks(_dedent(body), state)) if body else []
        if any(block.startswith("<!--") for block in inner):
            raise Unsupported("an HTML comment inside a list item")
        content = "\n".join([f"<p>{inline(first.lstrip(), state.link)}</p>", *inner])
        items.append(f"<li>\n{content}\n</li>")
        j = i
        while j < n and _blank(lines[j]):
            j += 1
        if j < n and pattern.match(lines[j]) and j > i:
            i = j
            continue
        if j < n and (_OL.match(lines[j]) or _UL.match(lines[j])):
            raise Unsupported("a list of the other kind right after a loose list")
        if j < n and j == i:
            raise Unsupported("a line right after a list item, neither an item nor indented")
        break
    tag = "ol" if ordered else "ul"
    return f"<{tag}>\n" + "\n".join(items) + f"\n</{tag}>", i
