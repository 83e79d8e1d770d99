"""Catalogue text lands in Markdown as text: never markup, never a template, never breaking a table or fence."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2.filters import do_indent
from markupsafe import Markup

from generator import markup

EXTENSIONS = ["admonition", "attr_list", "tables", "pymdownx.superfences", "pymdownx.tabbed"]
HOSTILE = [
    "<script>alert(1)</script>",
    "a | b | c",
    "`code` and ``more``",
    "{{ x }} {% if %}",
    "[x](http://evil.example) ![i](x.png)",
    "---",
    '=== "tab"',
    "!!! warning",
    "*bold* _em_ # h",
    "&amp; &lt;",
    "line one\nline two",
    "1. not a list",
    "> not a quote",
    "\\ backslash",
]


def html(md: str) -> str:
    return markdown.markdown(md, extensions=EXTENSIONS)


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_as_the_same_text(value: str) -> None:
    out = html(f"{markup.text(value)}\n")
    assert "<script" not in out and "<a " not in out and "<img" not in out and "<h1" not in out
    assert "<em>" not in out and "<strong>" not in out and "<blockquote" not in out and "<ol" not in out
    # What the reader sees is the value itself (newlines folded into spaces).
    import html as html_lib
    import re

    visible = html_lib.unescape(re.sub(r"<[^>]+>", "", out)).strip()
    assert visible == " ".join(value.splitlines())


class _Cells(HTMLParser):
    """The text of every body cell of a rendered table, row by row (an oracle independent of postdocs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.codes: list[list[str]] = []
        self._cell: list[str] | None = None
        self._code: list[str] | None = None
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
            self.codes.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "code" and self._cell is not None:
            self._code = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "code" and self._code is not None:
            self.codes[-1].append("".join(self._code))
            self._code = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._code is not None:
            self._code.append(data)


def table(*cells: str) -> _Cells:
    """Python-Markdown's HTML for a one-row table of these (escaped) cells, parsed."""
    head = "| " + " | ".join("h" for _ in cells) + " |\n|" + "---|" * len(cells) + "\n"
    parser = _Cells()
    parser.feed(html(head + "| " + " | ".join(cells) + " |\n"))
    return parser


def shown(value: str) -> str:
    """What a reader must see for a value written in a cell: one line, the ends' white space trimmed."""
    return " ".join(value.splitlines()).strip()


CELL_TEXT = st.text(alphabet=st.sampled_from("a |`*_{}[]()#+-.!<>&=~^\\\n'\"é"), max_size=30)
"""Markdown's special characters (a tab is left out: Markdown expands it to spaces, as it should)."""


@pytest.mark.parametrize("value", HOSTILE)
def test_table_cells_hold_exactly_their_value(value: str) -> None:
    parsed = table(markup.cell(value), markup.code(value))
    body = parsed.rows[1:]
    assert body == [[shown(value), shown(value)]], body  # exactly two cells, each the value itself
    assert parsed.codes[1:] == [[shown(value)]]
    assert "script" not in parsed.tags and "a" not in parsed.tags


@given(CELL_TEXT, CELL_TEXT)
def test_any_text_stays_in_its_cell_as_written(first: str, second: str) -> None:
    """A broken '|' escape adds a cell (which Markdown drops): the cells' text tells, not their count."""
    parsed = table(markup.cell(first), markup.code(second), markup.cell(second))
    expected_code = " ".join(second.splitlines())
    assert parsed.rows[1:] == [[shown(first) or "-", expected_code.strip(), shown(second) or "-"]]


@pytest.mark.parametrize("value", [*HOSTILE, "```\nfenced\n```", "````"])
def test_fence_holds_any_content(value: str) -> None:
    md = f"before\n\n{markup.fence(value, 'text')}\n\nafter\n"
    out = html(md)
    assert out.count("<pre") == 1 and out.rstrip().endswith("<p>after</p>"), out


def test_code_span_with_backticks() -> None:
    assert markup.code("a`b") == "``a`b``"
    assert markup.code("`x`") == "`` `x` ``"


@given(
    st.text(alphabet=st.sampled_from("ab<&>`\n\r \t\u2028"), max_size=40),
    st.sampled_from([0, 2, 4, "> ", "<b>"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_indent_gives_jinja_indent_result(value: str, width: int | str, first: bool, blank: bool, marked: bool) -> None:
    # The environment's `indent` skips re-escaping Markup line by line; its result must not change.
    source = Markup(value) if marked else value  # noqa: S704 - test input
    ours = markup.indent(source, width, first, blank)
    theirs = do_indent(source, width, first, blank)
    assert ours == theirs
    assert isinstance(ours, Markup) == isinstance(theirs, Markup)


def _code_as_defined(value: str) -> str:
    """``code`` as written before its cache and its fast path for text without backticks."""
    raw = " ".join(value.splitlines())
    if not raw:
        return ""
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", raw)), default=0) + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") or (raw.startswith(" ") and raw.endswith(" ")) else ""
    return f"{ticks}{pad}{raw}{pad}{ticks}"


def _fence_as_defined(value: str, lang: str) -> str:
    raw = value if value.endswith("\n") else value + "\n"
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", raw)), default=0) + 1)
    return f"{ticks}{lang}\n{raw}{ticks}"


@given(st.text(alphabet=st.sampled_from("a `\n\\|<"), max_size=30))
def test_cached_text_and_code_match_their_definition(value: str) -> None:
    # `text` and `code` are cached, `code` and `fence` skip the backtick search when there is no
    # backtick: twice each (the second answer from the cache), they give what they were defined as.
    for _ in range(2):
        parsed = table(markup.text(value))  # what Python-Markdown makes of it, not the escaping table itself
        assert parsed.rows[1:] == [[shown(value)]]
        assert markup.code(value) == _code_as_defined(value)
        assert markup.fence(value, "text") == _fence_as_defined(value, "text")
