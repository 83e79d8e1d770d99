"""Fast syntax highlighting that produces exactly what pymdownx.highlight produces.

Highlighting is most of the cost of turning a partner page into HTML.  This highlighter calls
Pygments directly with one shared formatter (pymdownx creates a formatter per block, which costs
more than the highlighting), caches whole blocks, and for languages whose samples postdocs writes
one complete statement or literal per line (Python, JavaScript) caches the lexer's tokens per line.

It is verified, not trusted: the first blocks of every language are also highlighted by the
reference (Python-Markdown with the site's own pymdownx configuration) and compared; a language
whose output differs is highlighted by the reference from then on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pygments import format as pygments_format
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

Reference = Callable[[str, str], str]

LINE_CACHED = frozenset({"python", "py", "javascript", "js"})
"""Languages lexed line by line: every line of postdocs' samples in them is lexically complete."""

VERIFY = 3
"""Blocks per language compared with the reference before the fast path is trusted."""


class Highlighter:
    """``(code, language) -> HTML`` of a fenced block, as the site's Markdown extensions render it."""

    def __init__(self, reference: Reference, trusted: Iterable[str] = ()) -> None:
        from pymdownx.highlight import BlockHtmlFormatter

        self._reference = reference
        self._formatter = BlockHtmlFormatter(cssclass="highlight", wrapcode=True)
        self._lexers: dict[str, Lexer | None] = {}
        self._blocks: dict[tuple[str, str], str] = {}
        self._lines: dict[tuple[str, str], list[tuple[Any, str]]] = {}
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
        self._blocks[key] = html
        return html

    def trusted(self) -> set[str]:
        """Languages verified against the reference (safe to skip verifying in a later build)."""
        return {lang for lang, n in self._checked.items() if n >= VERIFY and self._trusted.get(lang) is not False}

    def _lexer(self, lang: str) -> Lexer | None:
        if lang not in self._lexers:
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
        tokens = self._tokens(lexer, code, lang) if lang in LINE_CACHED else lexer.get_tokens(code)
        return str(pygments_format(tokens, self._formatter)).rstrip("\n")

    def _tokens(self, lexer: Lexer, code: str, lang: str) -> Iterator[tuple[Any, str]]:
        text = code.strip("\n")
        for line in text.split("\n"):
            key = (lang, line)
            tokens = self._lines.get(key)
            if tokens is None:
                tokens = list(lexer.get_tokens(line + "\n"))
                self._lines[key] = tokens
            yield from tokens
