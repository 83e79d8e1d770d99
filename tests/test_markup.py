"""Catalogue text lands in Markdown as text: never markup, never a template, never breaking a table or fence."""

from __future__ import annotations

import markdown
import pytest

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
