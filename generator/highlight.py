"""Fast syntax highlighting that produces exactly what pymdownx.highlight produces.

Highlighting is most of the cost of turning a partner page into HTML.  This highlighter calls
Pygments directly with one shared formatter (pymdownx creates a formatter per block, which costs
more than the highlighting), caches whole blocks, and for languages whose samples postdocs writes
as lexically complete lines caches each line's HTML: Pygments formats every line from that line's
tokens alone, so a block is the formatter's wrapper around its lines.  Python, JavaScript and
pretty-printed JSON samples are complete line by line; PHP and shell samples are split into
*segments* (a line, or the lines of a multi-line string or nowdoc) by a conservative grammar, and a
block holding anything outside it (comments, double quotes, here-documents...) is lexed whole.

It is verified, not trusted: the first blocks of every language are also highlighted by the
reference (Python-Markdown with the site's own pymdownx configuration) and compared; a language
whose output differs is highlighted by the reference from then on.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pygments import format as pygments_format

if TYPE_CHECKING:
    from pygments.lexer import Lexer

Reference = Callable[[str, str], str]

_TAG = re.compile(r"<[^>]*>")

Segments = Callable[[list[str]], list[str] | None]


def _each_line(lines: list[str]) -> list[str]:
    """Every line alone.

    Every line of postdocs' Python, JavaScript and JSON samples is lexically complete (JSON is written
    with an indent: no token spans a line).
    """
    return lines


# A shell line in the subset postdocs writes: words, backslash escapes (a final one continues the
# line) and single-quoted strings, which may span lines.  Nothing that changes the lexer's state
# across lines in another way: no double quotes, no here-documents, no substitutions, no comments.
_SHELL_COMPLETE = re.compile(r"(?:[^'\"\\<`$#]|\\.|'[^']*')*", re.DOTALL)

# A PHP line in the subset postdocs writes, after the opening tag: code without double quotes,
# comments, tags or here-documents, and single-quoted strings; a nowdoc is one segment.
_PHP_COMPLETE = re.compile(r"(?:[^'\"#/<?]|/(?![/*])|<(?!<<)|'(?:\\.|[^'\\])*')*")
_NOWDOC = re.compile(r"<<<'([A-Za-z_][A-Za-z0-9_]*)'$")


def _shell_segments(lines: list[str]) -> list[str] | None:
    """Shell lines grouped so that no single-quoted string spans two segments; None outside the subset."""
    segments: list[str] = []
    start = 0
    for end in range(len(lines)):
        segment = "\n".join(lines[start : end + 1])
        if _SHELL_COMPLETE.fullmatch(segment + "\n"):
            segments.append(segment)
            start = end + 1
    return segments if start == len(lines) else None


def _php_segments(lines: list[str]) -> list[str] | None:
    """The opening tag, then lines, a nowdoc as one segment; None outside the subset."""
    if not lines or lines[0] != "<?php":
        return None
    segments = [lines[0]]
    i = 1
    while i < len(lines):
        line = lines[i]
        nowdoc = _NOWDOC.search(line)
        if nowdoc:
            if not _PHP_COMPLETE.fullmatch(line[: nowdoc.start()]):
                return None
            marker = nowdoc.group(1)
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == f"{marker};"), None)
            if end is None:
                return None
            segments.append("\n".join(lines[i : end + 1]))
            i = end + 1
            continue
        if not _PHP_COMPLETE.fullmatch(line):
            return None
        segments.append(line)
        i += 1
    return segments


SEGMENTED: dict[str, Segments] = {
    "python": _each_line,
    "py": _each_line,
    "javascript": _each_line,
    "js": _each_line,
    "json": _each_line,
    "bash": _shell_segments,
    "php": _php_segments,
}
"""Languages lexed segment by segment, and how a block of each is split."""

INLINE = {"php": {"startinline": True}}
"""Lexer options for every segment after the first (PHP's first segment is its opening tag)."""

VERIFY = 3
"""Blocks per language compared with the reference before the fast path is trusted."""

CACHE_LIMIT = 4096
"""Entries each cache holds before it is emptied (the line and segment cache: twice as many): most
blocks of a large site are unique (each holds its page's URL and values), and a worker rendering 5,000
pages must not keep all their HTML.  With eight times as many lines, now that shell and PHP lines are
cached too, a 10,000-page build peaked 30 MB higher and was no faster."""


class Highlighter:
    """``(code, language) -> HTML`` of a fenced block, as the site's Markdown extensions render it."""

    def __init__(self, reference: Reference, trusted: Iterable[str] = ()) -> None:
        from pygments.formatters.html import HtmlFormatter

        self._reference = reference
        # pymdownx's BlockHtmlFormatter differs from Pygments' own only with inline line numbers, which
        # the site does not use (and the reference check would catch); it costs importing Markdown.
        self._formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)
        self._line_formatter = HtmlFormatter(cssclass="highlight", nowrap=True)
        self._lexers: dict[str, Lexer | None] = {}
        self._blocks: dict[tuple[str, str], str] = {}
        self._lines: dict[tuple[str, str], str] = {}
        empty = str(pygments_format(iter(()), self._formatter))
        cut = empty.index("</code>")
        self._open, self._close = empty[:cut], empty[cut:]
        self._end = self._close.rstrip("\n")
        self._checked: dict[str, int] = dict.fromkeys(trusted, VERIFY)
        self._trusted: dict[str, bool] = dict.fromkeys(trusted, True)
        self.fallbacks = 0

    def __call__(self, code: str, lang: str) -> str:
        """The HTML of one fenced block."""
        key = (lang, code)
        cached = self._blocks.get(key)
        if cached is not None:
            return cached
        if self._trusted.get(lang) is False:
            html = self._reference(code, lang)
            self.fallbacks += 1
        else:
            html = self._fast(code, lang)
            if self._checked.get(lang, 0) < VERIFY:
                self._checked[lang] = self._checked.get(lang, 0) + 1
                reference = self._reference(code, lang)
                if reference != html:
                    self._trusted[lang] = False
                    html = reference
                    self.fallbacks += 1
        if len(self._blocks) >= CACHE_LIMIT:
            self._blocks.clear()
        self._blocks[key] = html
        return html

    def seed(self, blocks: Sequence[tuple[str, str]], page_html: str) -> int:
        """Take the HTML of a page's blocks from that page as it was last built, instead of highlighting.

        ``blocks``: the ``(code, language)`` pairs the converter asked for, in order, when it built
        ``page_html``.  A rebuild re-renders a page whose prose changed while its code blocks usually
        did not; this spares it the lexers.  The previous page was built by this same code and
        configuration (a rebuild requires an unchanged fingerprint), so a block's HTML there is what
        highlighting it again returns.  Nothing is taken unless the page holds exactly as many
        highlighted blocks, and a block only when its HTML shows exactly its code's text.  Returns the
        number of blocks taken.
        """
        found = []
        start = page_html.find(self._open)
        while start >= 0:
            end = page_html.find(self._end, start)
            if end < 0:
                return 0
            end += len(self._end)
            found.append(page_html[start:end])
            start = page_html.find(self._open, end)
        if len(found) != len(blocks):
            return 0
        taken = 0
        for (code, lang), block in zip(blocks, found, strict=True):
            text = html_lib.unescape(_TAG.sub("", block[len(self._open) : -len(self._end)]))
            if text.strip("\n") == code.strip("\n"):
                if len(self._blocks) >= CACHE_LIMIT:
                    self._blocks.clear()
                self._blocks[(lang, code)] = block
                taken += 1
        return taken

    def trusted(self) -> set[str]:
        """Languages verified against the reference (safe to skip verifying in a later build)."""
        return {lang for lang, n in self._checked.items() if n >= VERIFY and self._trusted.get(lang) is not False}

    def _lexer(self, lang: str, inline: bool = False) -> Lexer | None:
        name = f"{lang} (inline)" if inline else lang
        if name not in self._lexers:
            # Imported here: a rebuild whose code blocks are unchanged loads no lexer (see seed).
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound

            options = INLINE.get(lang, {}) if inline else {}
            try:
                self._lexers[name] = get_lexer_by_name(lang or "text", stripnl=True, **options)
            except ClassNotFound:
                self._lexers[name] = None
        return self._lexers[name]

    def _fast(self, code: str, lang: str) -> str:
        lexer = self._lexer(lang)
        if lexer is None:
            self._trusted[lang] = False
            return self._reference(code, lang)
        split = SEGMENTED.get(lang)
        segments = split(code.strip("\n").split("\n")) if split else None
        # PHP's segments after its opening tag are lexed as inside it; other languages' with one lexer.
        later, later_name = (self._lexer(lang, inline=True), f"{lang} (inline)") if lang in INLINE else (lexer, lang)
        if segments is None or later is None:
            return str(pygments_format(lexer.get_tokens(code), self._formatter)).rstrip("\n")
        body = "".join(
            self._segment(lexer, s, lang) if i == 0 else self._segment(later, s, later_name)
            for i, s in enumerate(segments)
        )
        return (self._open + body + self._close).rstrip("\n")

    def _segment(self, lexer: Lexer, segment: str, name: str) -> str:
        """One segment's HTML, final newline included: the formatter's output for its tokens alone."""
        key = (name, segment)
        cached = self._lines.get(key)
        if cached is None:
            tokens: Iterable[tuple[Any, str]] = lexer.get_tokens(segment + "\n")
            cached = str(pygments_format(tokens, self._line_formatter))
            if len(self._lines) >= CACHE_LIMIT * 2:
                self._lines.clear()
            self._lines[key] = cached
        return cached
