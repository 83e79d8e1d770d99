"""Fast syntax highlighting that produces exactly what pymdownx.highlight produces.

Highlighting is most of the cost of turning a partner page into HTML.  This highlighter calls
Pygments directly with one shared formatter (pymdownx creates a formatter per block, which costs
more than the highlighting), caches whole blocks, and for languages whose samples postdocs writes
one complete statement or literal per line (Python, JavaScript, pretty-printed JSON) caches each
line's HTML: Pygments formats every line from that line's tokens alone, so a block is the
formatter's wrapper around its lines.

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

LINE_CACHED = frozenset({"python", "py", "javascript", "js", "json"})
"""Languages lexed line by line: every line of postdocs' samples in them is lexically complete
(JSON is written by ``json.dumps`` with an indent: no token spans a line)."""

VERIFY = 3
"""Blocks per language compared with the reference before the fast path is trusted."""

CACHE_LIMIT = 4096
"""Entries each cache holds before it is emptied: most blocks of a large site are unique (each holds
its page's URL and values), and a worker rendering 5,000 pages must not keep all their HTML."""


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

    def _lexer(self, lang: str) -> Lexer | None:
        if lang not in self._lexers:
            # Imported here: a rebuild whose code blocks are unchanged loads no lexer (see seed).
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound

            try:
                self._lexers[lang] = get_lexer_by_name(lang or "text", stripnl=True)
            except ClassNotFound:
                self._lexers[lang] = None
        return self._lexers[lang]

    def _fast(self, code: str, lang: str) -> str:
        lexer = self._lexer(lang)
        if lexer is None:
            self._trusted[lang] = False
            return self._reference(code, lang)
        if lang in LINE_CACHED:
            body = "".join(self._line(lexer, line, lang) for line in code.strip("\n").split("\n"))
            return (self._open + body + self._close).rstrip("\n")
        return str(pygments_format(lexer.get_tokens(code), self._formatter)).rstrip("\n")

    def _line(self, lexer: Lexer, line: str, lang: str) -> str:
        """One line's HTML, newline included: the formatter's output for that line's tokens."""
        key = (lang, line)
        cached = self._lines.get(key)
        if cached is None:
            tokens: Iterable[tuple[Any, str]] = lexer.get_tokens(line + "\n")
            cached = str(pygments_format(tokens, self._line_formatter))
            if len(self._lines) >= CACHE_LIMIT * 8:
                self._lines.clear()
            self._lines[key] = cached
        return cached
