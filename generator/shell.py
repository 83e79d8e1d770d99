"""Partner pages at MkDocs speed without MkDocs per page (MkDocs + Material edge, with :mod:`site`).

MkDocs builds one *shell* page per folder depth of the partner pages: a partner page in every respect
(the same front matter keys, template and theme) except that its title, description, headings and
content are markers.  Every partner page is then the shell with its own values put back in:

* title and description, exactly as the front matter gives them to the theme;
* the canonical link (the shell's path replaced by the page's);
* the skip link and the table of contents, rendered with the theme's own ``partials/toc.html``;
* the content, converted by :mod:`fastmd` (the same HTML Python-Markdown would produce).

Pages of one depth share every other byte (asset paths are relative, and partner pages are in no
navigation).  ``tests/test_shell.py`` builds the example catalogue both ways and compares every
partner page byte for byte with MkDocs' own output.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .errors import BuildError
from .fastmd import Heading, Unsupported
from .links import PAGES_DIR

TITLE = "zzpostdocstitlezz"
DESCRIPTION = "zzpostdocsdescriptionzz"
H1 = "zzpostdocsh1zz"
H2 = "zzpostdocsh2zz"
CONTENT = "zzpostdocscontentzz"
SHELL_NAME = "_shell"
"""Folder and page name of the shells: ids cannot start with ``_``, so no slug can be a shell's."""

TOC_TEMPLATE = '{% import "partials/language.html" as lang with context %}{% include "partials/toc.html" %}'


def depth(slug: str) -> int:
    """Folders between the site root and a page (``p/abc`` has 2)."""
    return slug.count("/") + 1


def shell_slug(page_depth: int) -> str:
    """The shell page standing for every partner page of that depth."""
    if page_depth < 2:
        raise BuildError("partner pages live in folders under p/")
    return "/".join([PAGES_DIR, *[SHELL_NAME] * (page_depth - 1)])


def shell_markdown(meta_keys: Mapping[str, Any]) -> str:
    """The shell's Markdown: a partner page's front matter with markers, one h1, one h2, one paragraph."""
    from .render import front_matter

    meta = dict(meta_keys)
    meta["title"] = TITLE
    meta["description"] = DESCRIPTION
    return front_matter(meta) + f"# {H1}\n\n## {H2}\n\n{CONTENT}\n"


class _TocPage:
    """The part of an MkDocs page the table of contents partial reads."""

    def __init__(self, toc: Any) -> None:
        self.toc = toc


def toc_tokens(headings: list[Heading]) -> list[dict[str, Any]]:
    """Python-Markdown's ``toc_tokens`` (nested by level) for the headings of a page."""
    root: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for h in headings:
        token = {"level": h.level, "id": h.id, "name": h.name, "html": h.html, "children": []}
        while stack and stack[-1]["level"] >= h.level:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


_SLOT = re.compile(
    "|".join(re.escape(m) for m in (TITLE, DESCRIPTION, f'href="#{H1}"', CONTENT, "\x00slug\x00", "\x00toc\x00"))
)


class Shell:
    """One depth's shell, cut into fixed pieces around the slots that differ per page."""

    def __init__(self, slug: str, html: str, toc_html: str, content_start: int, content_end: int) -> None:
        self.slug = slug
        self.source = (slug, html, toc_html, content_start, content_end)
        template = html[:content_start] + CONTENT + html[content_end:]
        template = template.replace(toc_html, "\x00toc\x00").replace(f"{slug}/", "\x00slug\x00/")
        self.pieces: list[str] = []
        self.slots: list[str] = []
        pos = 0
        for match in _SLOT.finditer(template):
            self.pieces.append(template[pos : match.start()])
            self.slots.append(match.group(0))
            pos = match.end()
        self.pieces.append(template[pos:])
        self.head = self.pieces[0]

    def fill(self, slug: str, meta: Mapping[str, Any], content: str, toc_html: str, first_id: str) -> str:
        """The complete HTML of a partner page."""
        values = {
            TITLE: str(meta["title"]),
            DESCRIPTION: str(meta["description"]),
            f'href="#{H1}"': f'href="#{first_id}"',
            CONTENT: content,
            "\x00slug\x00": slug,
            "\x00toc\x00": toc_html,
        }
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out.append(values[slot])
            out.append(piece)
        return "".join(out)


TocRenderer = Callable[[list[Heading]], str]


class Shells:
    """The shells of every depth, and the theme's table of contents (rendered once per set of headings).

    Built from an MkDocs build (:meth:`from_build`), or from a build's saved state (:meth:`from_saved`):
    then MkDocs is loaded only if a page has headings no earlier page had.
    """

    def __init__(
        self, by_depth: dict[int, Shell], renderer: Callable[[], TocRenderer], toc_cache: dict[str, str]
    ) -> None:
        self.by_depth = by_depth
        self._renderer = renderer
        self._render: TocRenderer | None = None
        self.toc_cache = toc_cache
        """``json of the headings -> HTML``, kept in the build state."""

    @classmethod
    def from_build(cls, config: Any, site_dir: Path, depths: set[int], toc_cache: dict[str, str]) -> Shells:
        """The shells MkDocs just built into ``site_dir``."""
        render = theme_toc(config)
        marker_toc = render([Heading(1, H1, H1, H1), Heading(2, H2, H2, H2)])
        by_depth: dict[int, Shell] = {}
        for d in sorted(depths):
            slug = shell_slug(d)
            html = (site_dir / slug / "index.html").read_text(encoding="utf-8")
            start = html.find(f'<h1 id="{H1}">')
            end_marker = f"{CONTENT}</p>"
            end = html.find(end_marker)
            if start < 0 or end < 0 or html.count(marker_toc) != 1 or html.count(TITLE) < 1:
                raise BuildError(
                    f"the theme renders partner pages in a way postdocs cannot reproduce ({slug}); "
                    "build with --engine mkdocs"
                )
            by_depth[d] = Shell(slug, html, marker_toc, start, end + len(end_marker))
        return cls(by_depth, lambda: render, toc_cache)

    @classmethod
    def from_saved(cls, saved: dict[str, Any], config_file: Path, toc_cache: dict[str, str]) -> Shells:
        """Shells saved by :meth:`saved`; ``config_file`` is loaded only to render a new table of contents."""

        def renderer() -> TocRenderer:
            from .site import load_config

            return theme_toc(load_config(config_file))

        by_depth = {int(d): Shell(*args) for d, args in saved.items()}
        return cls(by_depth, renderer, toc_cache)

    def saved(self) -> dict[str, Any]:
        """The shells as JSON-ready data."""
        return {str(d): list(shell.source) for d, shell in self.by_depth.items()}

    def toc_html(self, headings: list[Heading]) -> str:
        """The theme's table of contents for these headings (pages of one kind share it: cached)."""
        # The theme leaves a leading h1 (the page title, different on every page) out of the table.
        shown = headings[1:] if headings and headings[0].level == 1 else headings
        key = json.dumps([headings[0].level if headings else 0, *([h.level, h.id, h.name, h.html] for h in shown)])
        cached = self.toc_cache.get(key)
        if cached is None:
            if self._render is None:
                self._render = self._renderer()
            cached = self._render(headings)
            self.toc_cache[key] = cached
        return cached

    def page(self, slug: str, meta: Mapping[str, Any], content: str, headings: list[Heading]) -> str:
        """A partner page's HTML; raises :class:`Unsupported` when the shell cannot stand for it."""
        shell = self.by_depth.get(depth(slug))
        if shell is None or not headings or headings[0].level != 1 or not any(h.level == 2 for h in headings):
            raise Unsupported("a page without an h1 and an h2, or at a depth without a shell")
        return shell.fill(slug, meta, content, self.toc_html(headings), headings[0].id)


def theme_toc(config: Any) -> TocRenderer:
    """The theme's ``partials/toc.html`` as a function of a page's headings."""
    from mkdocs.structure.toc import get_toc

    template = config.theme.get_env().from_string(TOC_TEMPLATE)

    def render(headings: list[Heading]) -> str:
        tokens: Any = toc_tokens(headings)
        return str(template.render(config=config, page=_TocPage(get_toc(tokens))))

    return render


_ABSOLUTE = re.compile(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/%-]*)?")
"""An absolute link MkDocs leaves as it is: https, a host, a plain path (no query, fragment or quote)."""


def relative_link(page_slug: str, files: set[str]) -> Any:
    """MkDocs' rewriting of a relative link in ``<page_slug>.md``: relative to the page's URL folder."""
    src_dir = posixpath.dirname(page_slug)

    def link(href: str) -> str:
        if _ABSOLUTE.fullmatch(href):  # a documentation page a setup step cites: MkDocs leaves it as written
            return href
        if "://" in href or href.startswith(("/", "#", "mailto:")) or "?" in href or "#" in href:
            raise Unsupported(f"link {href!r}")
        target = posixpath.normpath(posixpath.join(src_dir, href))
        if target not in files or target.endswith(".md"):
            raise Unsupported(f"link to {href!r}, which is not a file of the page")
        return posixpath.relpath(target, page_slug)

    return link
