"""Catalogue text lands in Markdown as text: never markup, never a template, never breaking a table or fence."""

from __future__ import annotations

import re

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


@pytest.mark.parametrize("value", HOSTILE)
def test_table_cells_stay_in_their_cell(value: str) -> None:
    md = f"| a | b |\n|---|---|\n| {markup.cell(value)} | {markup.code(value)} |\n"
    out = html(md)
    assert out.count("<td>") == 2, out
    assert "<script" not in out


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
        assert markup.text(value) == " ".join(value.splitlines()).translate(markup._TEXT_TABLE)
        assert markup.code(value) == _code_as_defined(value)
        assert markup.fence(value, "text") == _fence_as_defined(value, "text")
