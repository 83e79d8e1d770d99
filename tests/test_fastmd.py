"""The fast converter produces Python-Markdown's HTML exactly, or says it cannot (never something else)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import markdown
import pytest
from conftest import REPO, copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile import HOSTILE, catalogue

from generator import markup
from generator.build import Project, check, docs_files
from generator.canonical import dump_json
from generator.fastmd import Unsupported, convert, normalize_whitespace
from generator.highlight import Highlighter

EXTENSIONS = [
    "admonition",
    "attr_list",
    "tables",
    "toc",
    "pymdownx.details",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.tabbed",
]
CONFIGS = {"toc": {"permalink": True}, "pymdownx.tabbed": {"alternate_style": True}}
REFERENCE = markdown.Markdown(extensions=EXTENSIONS, extension_configs=CONFIGS)
FENCES = markdown.Markdown(extensions=["pymdownx.highlight", "pymdownx.superfences"])


def reference(text: str) -> str:
    REFERENCE.reset()
    return str(REFERENCE.convert(text))


def fence(code: str, lang: str) -> str:
    FENCES.reset()
    return str(FENCES.convert(f"````{lang}\n{code}\n````"))


def body(text: str) -> str:
    return text.split("---\n", 2)[2] if text.startswith("---\n") else text


def pages(root: Path) -> dict[str, str]:
    project = Project.at(root)
    plan = check(project)
    files = docs_files(project, plan)
    return {name: body(str(text)) for name, text in files.items() if name.endswith(".md") and name != "index.md"}


def test_every_page_of_the_example_converts_exactly() -> None:
    converted = 0
    highlight = Highlighter(fence)
    for name, text in pages(REPO).items():
        if name.endswith("/index.md"):
            continue
        assert convert(text, highlight).html == reference(text), name
        converted += 1
    assert converted == 12


def test_every_page_of_a_hostile_catalogue_converts_exactly_or_is_refused(tmp_path: Path) -> None:
    root = copy_project(tmp_path, catalogue(HOSTILE))
    exact = 0
    for name, text in pages(root).items():
        try:
            html = convert(text, Highlighter(fence)).html
        except Unsupported:
            continue
        assert html == reference(text), name
        exact += 1
    assert exact >= 3


@pytest.mark.parametrize(
    "text",
    [
        "> a quote\n",
        "para\n> quote\n",
        "para\n1. not a list here\n",
        "1. item\nlazy continuation\n",
        "<div>raw</div>\n",
        "a _b_ c\n",
        "    indented code\n",
        "Setext\n---\n",
        "a & b\n",
        "x\\y\n",
        "| a | b |\n|:--|---|\n| 1 | 2 |\n",
    ],
)
def test_markdown_outside_the_subset_is_refused(text: str) -> None:
    with pytest.raises(Unsupported):
        convert(text, fence)


def test_a_link_only_to_the_pages_own_files() -> None:
    from generator.shell import relative_link

    link = relative_link("p/abc", {"p/abc/openapi.json"})
    assert convert("[o](abc/openapi.json)\n", fence, link).html == '<p><a href="openapi.json">o</a></p>'
    for href in ("http://example.com", "/p/other", "other/openapi.json", "abc/missing.json", "../x.md"):
        with pytest.raises(Unsupported):
            convert(f"[o]({href})\n", fence, link)


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from(list("<>&|`*_[]{}()#+-.!=~^\\ \"'")),
    max_size=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT, TEXT)
def test_escaped_text_in_every_construct_converts_exactly(a: str, b: str, c: str) -> None:
    """Catalogue text lands in paragraphs, headings, tables, lists, admonitions, tabs and code spans."""
    doc = "\n".join(
        [
            f"# {markup.text(a)}",
            "",
            f"{markup.text(b)} {markup.code(c)} **{markup.text(a)}**",
            "",
            "| A | B |",
            "|---|---|",
            f"| {markup.cell(b)} | {markup.code(c)} |",
            "",
            f"1. {markup.text(c)}",
            f"2. {markup.text(a)}",
            "",
            '!!! note "Note"',
            f"    {markup.text(b)}",
            "",
            f"=== {markup.quoted(a or 'x')}",
            "",
            f"    {markup.fence(c, 'text')}".replace("\n", "\n    "),
            "",
        ]
    )
    try:
        html = convert(doc, fence).html
    except Unsupported:
        return
    assert html == reference(doc)


def test_the_highlighter_gives_up_on_a_language_the_reference_renders_differently() -> None:
    calls: list[str] = []

    def odd_reference(code: str, lang: str) -> str:
        calls.append(lang)
        return fence(code, lang).replace("highlight", "highlight odd") if lang == "json" else fence(code, lang)

    highlight = Highlighter(odd_reference)
    for n in range(5):
        assert highlight(f'{{"a": "{n}"}}', "json") == odd_reference(f'{{"a": "{n}"}}', "json")
        assert highlight(f"print({n})", "python") == fence(f"print({n})", "python")
    assert highlight.trusted() == {"python"}
    assert highlight.fallbacks >= 5


def test_trusted_languages_skip_the_reference() -> None:
    def no_reference(code: str, lang: str) -> str:
        raise AssertionError("a trusted language is not checked again")

    highlight = Highlighter(no_reference, trusted=["python"])
    assert highlight("print(1)", "python") == fence("print(1)", "python")


def test_every_block_highlights_exactly_with_caches_emptied_along_the_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fenced block of the example, on the fast path alone (every language trusted, no reference
    check) and with caches small enough to be emptied many times, is what pymdownx renders."""
    import re

    from generator import highlight as highlight_module

    monkeypatch.setattr(highlight_module, "CACHE_LIMIT", 4)
    blocks = [
        (m.group(2), m.group(1))
        for text in pages(REPO).values()
        for m in re.finditer(r"^ *```(\w+)\n(.*?)\n *```$", _dedented(text), flags=re.M | re.S)
    ]
    languages = {lang for _, lang in blocks}
    assert set(highlight_module.SEGMENTED) & languages == {"bash", "python", "javascript", "php", "json"}
    # The example's shell and PHP samples are all inside the subset that is lexed segment by segment.
    for code, lang in blocks:
        if lang in ("bash", "php"):
            assert highlight_module.SEGMENTED[lang](code.strip("\n").split("\n")), code
    highlight = Highlighter(lambda code, lang: pytest.fail(f"reference called for {lang}"), trusted=languages)
    for code, lang in blocks * 2:
        assert highlight(code, lang) == fence(code, lang), (lang, code)
    assert len(blocks) > 100


@dataclass(frozen=True)
class _Sent:
    """The parts of a request the samples read."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: dict[str, object] | None

    def url_example(self) -> str:
        return self.url

    def headers_example(self) -> list[tuple[str, str]]:
        return list(self.headers)

    def body_example(self) -> str | None:
        return None if self.body is None else dump_json(self.body)

    def body_object(self, view: str) -> dict[str, object] | None:
        return self.body


HOSTILE_TEXT = st.text(alphabet=st.sampled_from("a'\"\\$`#<>?/*;{}[]()\n =&%!é\u2028"), max_size=24)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    url=HOSTILE_TEXT,
    headers=st.lists(st.tuples(st.sampled_from(["X-A", "Authorization"]), HOSTILE_TEXT), max_size=2),
    body=st.none() | st.dictionaries(st.sampled_from(["a", "b'c", 'd"e']), HOSTILE_TEXT, max_size=3),
)
def test_shell_and_php_samples_highlight_exactly_with_any_values(
    url: str, headers: list[tuple[str, str]], body: dict[str, object] | None
) -> None:
    """Quotes, backslashes, newlines and PHP or shell syntax inside the values of the curl and PHP
    samples: the segmented path gives pymdownx's HTML, or lexes the block whole."""
    from generator import samples

    sent = cast(Any, _Sent("POST", "https://x.example/p?q=" + url, tuple(headers), body))
    highlight = Highlighter(lambda code, lang: pytest.fail("reference called"), trusted=["bash", "php"])
    for code, lang in ((samples.curl(sent), "bash"), (samples.php(sent), "php")):
        # The converter hands the highlighter a fence's code as Python-Markdown sees it (after a fence line).
        as_converted = normalize_whitespace("\n" + code)[1:]
        assert highlight(as_converted, lang) == fence(code, lang), (lang, code)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(" \n\t\r\x02\x03ab"), max_size=30))
def test_whitespace_normalisation_is_python_markdown_s_own(text: str) -> None:
    from markdown.preprocessors import NormalizeWhitespace

    theirs = "\n".join(NormalizeWhitespace(REFERENCE).run(text.split("\n")))
    assert normalize_whitespace(text) + "\n\n" == theirs


def test_whitespace_is_what_python_markdown_makes_of_it_fenced_code_included() -> None:
    """Lines of only spaces (in a fence, in a tab's fence), tabs, CR and CRLF line ends, STX and ETX: the
    converter sees them as Python-Markdown's first preprocessor leaves them, and so does the highlighter."""
    text = (
        "Intro\twith a tab\r\n\r\nand \x02text\x03\n\n```bash\ncurl 'a\n   \n\tb'\r\n  \n```\n\n"
        '=== "Tab"\n\n    ```python\n    x = 1\n        \n    y = "\t"\n    ```\n'
    )
    highlight = Highlighter(lambda code, lang: pytest.fail("reference called"), trusted=["bash", "python"])
    assert convert(text, highlight).html == reference(text)
    assert normalize_whitespace(" \n  \nx  \n \n\t\n") == " \n\nx  \n\n\n"
    # Python-Markdown drops a paragraph of only Unicode spaces; such a page is left to MkDocs.
    only_nbsp = '!!! note "Note"\n    \u00a0\n'
    assert reference(only_nbsp) == '<div class="admonition note">\n<p class="admonition-title">Note</p>\n</div>'
    with pytest.raises(Unsupported):
        convert(only_nbsp, highlight)


def _dedented(text: str) -> str:
    """Tab contents are indented by four spaces; the blocks' code is compared without that indent."""
    return "\n".join(line[4:] if line.startswith("    ") else line for line in text.split("\n"))


def test_cached_cells_and_phrases_never_carry_one_page_s_links_to_another() -> None:
    from generator.fastmd import inline, table_row

    def to_a(href: str) -> str:
        return f"a/{href}"

    def to_b(href: str) -> str:
        return f"b/{href}"

    row = "| [the export](postman.json) | `token` |"
    assert 'href="a/postman.json"' in table_row(row, 2, to_a)
    assert 'href="b/postman.json"' in table_row(row, 2, to_b)
    assert 'href="b/postman.json"' in inline("see [the export](postman.json)", to_b)
    assert 'href="a/postman.json"' in inline("see [the export](postman.json)", to_a)
    # Without a link the cached HTML is what the converter writes afresh.
    plain = "| **bold** and `code` &amp; \\* | x |"
    first, again = table_row(plain, 2), table_row(plain, 2)
    assert first == again == "<tr>\n<td><strong>bold</strong> and <code>code</code> &amp; *</td>\n<td>x</td>\n</tr>"


def _recorded(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A page's HTML (highlighted by the reference) and the blocks the converter asked for, in order."""
    blocks: list[tuple[str, str]] = []

    def record(code: str, lang: str) -> str:
        blocks.append((code, lang))
        return fence(code, lang)

    return convert(text, record).html, blocks


def _nothing_highlighted(code: str, lang: str) -> str:
    raise AssertionError(f"the reference highlighted {lang}")


def test_a_page_lends_its_blocks_to_the_highlighter(monkeypatch: pytest.MonkeyPatch) -> None:
    text = next(t for name, t in pages(REPO).items() if name.startswith("p/") and "```python" in t)
    html, blocks = _recorded(text)
    assert len(blocks) >= 5
    highlight = Highlighter(_nothing_highlighted, trusted={lang for _, lang in blocks})
    assert highlight.seed(blocks, html) == len(blocks)
    monkeypatch.setattr(Highlighter, "_lexer", lambda self, lang: pytest.fail(f"{lang} was lexed"))
    assert convert(text, highlight).html == html


def test_a_page_lends_only_blocks_that_show_their_code() -> None:
    text = next(t for name, t in pages(REPO).items() if name.startswith("p/") and "```python" in t)
    html, blocks = _recorded(text)
    languages = {lang for _, lang in blocks}
    # The page changed since: one block's code is different; only the others are taken.
    k = next(k for k, (code, _) in enumerate(blocks) if k and "https" in code)
    code, lang = blocks[k]
    changed = [*blocks[:k], (code.replace("https", "http"), lang), *blocks[k + 1 :]]
    assert code != changed[k][0]
    highlight = Highlighter(fence, trusted=languages)
    assert highlight.seed(changed, html) == len(blocks) - 1
    assert highlight(changed[k][0], lang) == fence(changed[k][0], lang)
    # A different number of blocks (a block added or removed): nothing is taken.
    assert Highlighter(fence, trusted=languages).seed(blocks[1:], html) == 0
    # HTML cut short: nothing is taken.
    assert Highlighter(fence, trusted=languages).seed(blocks, html[: html.rindex("</code></pre></div>")]) == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(TEXT, TEXT, st.lists(TEXT, max_size=2)), min_size=1, max_size=3), TEXT)
def test_a_numbered_checklist_with_nested_blocks_converts_exactly(
    items: list[tuple[str, str, list[str]]], after: str
) -> None:
    """The setup steps' loose ordered list: a bold first line, then paragraphs and fenced blocks indented by
    four spaces, items a blank line apart, then the page goes on."""
    lines: list[str] = []
    for n, (where, do, parts) in enumerate(items, 1):
        lines += [f"{n}. **{markup.text(where or 'x')}**", "", f"    {markup.text(do or 'y')}", ""]
        for part in parts:
            lines += [
                f"    {markup.text(part or 'Label')}:",
                "",
                "    " + markup.fence(part, "text").replace("\n", "\n    "),
            ]
            lines.append("")
        lines += ["    **Why:** it matters. Source: [a page](https://example.org/docs/a_b.txt).", "", ""]
    lines += [f"{markup.text(after or 'After')}", ""]
    doc = "\n".join(lines)
    try:
        html = convert(doc, fence).html
    except Unsupported:
        return
    assert html == reference(doc)


@pytest.mark.parametrize(
    "text",
    [
        "1. a\n\n    b\n\n- c\n",  # Python-Markdown makes the bullet an item of the numbered list
        "1. a\n    b\n\n2. c\n",  # an item of two lines
        "1. a\n\n    b\nc\n",  # a lazy line after an item's block
    ],
)
def test_a_loose_list_outside_the_checklist_shape_is_refused(text: str) -> None:
    with pytest.raises(Unsupported):
        convert(text, fence)


def test_a_loose_list_converts_as_python_markdown_does() -> None:
    text = "1. **Where**\n\n    Do it.\n\n    ```text\n    ALT\n    ```\n\n2. **Next**\n\n    Then.\n\nAfter.\n"
    assert convert(text, fence).html == reference(text)
    assert convert(text, fence).html.startswith("<ol>\n<li>\n<p><strong>Where</strong></p>\n<p>Do it.</p>")
