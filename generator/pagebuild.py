"""Stage ``render``/``write`` for partner pages at scale: Markdown, exports and HTML, in parallel.

Each worker process renders its share of the pages: the page's Markdown and exports into the docs
folder, and, through :mod:`fastmd` and the theme's shell (:mod:`shell`), the page's final HTML and a
copy of its exports into the site folder.  Every byte written is scanned for secrets on the way, and
every page is checked for a link to another partner's page; the parent only collects the findings.

A page the fast converter cannot render exactly (a customised template using Markdown outside the
subset, say) is reported back and built by MkDocs itself, so the output is always MkDocs' output.
Workers are forked, so they share the plan and the shells without copying them through a pipe.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import exports
from .errors import naming
from .fastmd import Unsupported, convert
from .highlight import Highlighter
from .history import History
from .plan import Page, Plan
from .render import escape_meta, page_meta, render_page
from .scan import Leak, compile_scanner
from .shell import Shells, relative_link

CHUNK = 64
"""Pages handed to a worker at a time."""

IN_PROCESS_BELOW = 200
"""Sites with fewer pages are rendered in this process: forking costs more than it saves."""


@dataclass(frozen=True)
class PageResult:
    """What rendering one page produced and found."""

    index: int
    slug: str
    fallback: bool
    """The fast path could not render it exactly; MkDocs must build it."""
    files: tuple[tuple[str, str], ...]
    """(path relative to the site or docs folder, prefixed ``site/`` or ``docs/``, sha256) of every file written."""
    leaks: tuple[Leak, ...] = ()
    exposure: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    """Languages of the page's code blocks."""


@dataclass
class Job:
    """Everything a worker needs; set before forking, inherited by every worker."""

    plan: Plan
    history: History | None
    env: jinja2.Environment
    """The Jinja environment, made before the workers are forked: templates it compiled are shared."""
    docs_root: Path
    site_root: Path | None
    shells: Shells | None
    reference: Callable[[str, str], str]
    secrets: Mapping[str, str]
    display: Mapping[str, str] = field(default_factory=lambda: {"docs": "build/docs", "site": "site"})
    trusted: frozenset[str] = frozenset()
    """Languages the highlighter need not verify again."""
    previous: tuple[Path, Path] | None = None
    """The published ``(docs, site)`` folders a rebuild replaces pages in: unchanged code blocks are
    taken from a page's previous HTML instead of being highlighted again (:meth:`Highlighter.seed`)."""


_JOB: Job | None = None


class _Worker:
    """Per-process state: the Jinja environment, the highlighter and the secret scanner."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.env = job.env
        self.highlight = Highlighter(job.reference, job.trusted)
        self.scan = compile_scanner(job.secrets)
        self.folders: set[str] = set()

    def page(self, index: int) -> PageResult:
        job = self.job
        page = job.plan.pages[index]
        key = (page.offer.id, page.kind, page.partner_id)
        changes = None if job.history is None else job.history.get(key)
        markdown = render_page(self.env, job.plan, page, changes)
        files: list[tuple[str, str]] = []
        leaks: list[Leak] = []
        page_exports = exports.page_files(page)
        self._write("docs", f"{page.slug}.md", markdown.encode(), files, leaks)
        for rel, content in page_exports.items():
            self._write("docs", rel, content.encode(), files, leaks)
        if job.site_root is None or job.shells is None:
            return PageResult(index, page.slug, False, tuple(files), tuple(leaks))
        body = _body(markdown)
        if job.previous is not None:
            self._seed(page.slug, *job.previous)
        try:
            link = relative_link(page.slug, set(page_exports))
            converted = convert(body, self.highlight, link)
            html = job.shells.page(page.slug, escape_meta(page_meta(page)), converted.html, converted.headings)
        except Unsupported:
            return PageResult(index, page.slug, True, tuple(files), tuple(leaks))
        data = html.encode()
        exposure = self._exposure(page, data)
        self._write("site", f"{page.slug}/index.html", data, files, leaks)
        for rel in page_exports:
            self._link("docs", "site", rel, files)
        languages = tuple(sorted(converted.languages))
        return PageResult(index, page.slug, False, tuple(files), tuple(leaks), exposure, languages)

    def _seed(self, slug: str, docs: Path, site: Path) -> None:
        """Offer the highlighter the code blocks of the page as it was last built."""
        try:
            with open(f"{os.fspath(docs)}/{slug}.md", encoding="utf-8") as f:
                old_markdown = f.read()
            with open(f"{os.fspath(site)}/{slug}/index.html", encoding="utf-8") as f:
                old_html = f.read()
        except (OSError, UnicodeDecodeError):
            return
        blocks: list[tuple[str, str]] = []

        def record(code: str, lang: str) -> str:
            blocks.append((code, lang))
            return ""

        try:
            convert(_body(old_markdown), record)
        except Unsupported:
            return
        self.highlight.seed(blocks, old_html)

    def _root(self, tree: str) -> str:
        root = self.job.docs_root if tree == "docs" else self.job.site_root
        if root is None:  # pragma: no cover - pages are written to the site only with a site root
            raise RuntimeError("no site folder to write to")
        return os.fspath(root)

    def _folder(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)

    def _write(self, tree: str, rel: str, data: bytes, files: list[tuple[str, str]], leaks: list[Leak]) -> None:
        # Plain os calls: at 60,000 files a build, pathlib's layers cost seconds.
        path = f"{self._root(tree)}/{rel}"
        self._folder(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            with naming(path):  # a full disk: os.write's error names no file
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        files.append((f"{tree}/{rel}", hashlib.sha256(data).hexdigest()))
        leaks.extend(self.scan(data, f"{self.job.display[tree]}/{rel}"))

    def _link(self, source: str, tree: str, rel: str, files: list[tuple[str, str]]) -> None:
        """The same bytes in a second tree (a hard link where the file system allows)."""
        src, dest = f"{self._root(source)}/{rel}", f"{self._root(tree)}/{rel}"
        self._folder(dest)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)
        digest = next(d for p, d in reversed(files) if p == f"{source}/{rel}")
        files.append((f"{tree}/{rel}", digest))

    def _exposure(self, page: Page, data: bytes) -> tuple[str, ...]:
        # Links in the content can only lead to the page's own files (``relative_link`` refuses anything
        # else, and MkDocs then builds and checks the page), and the shell links to no partner page, so
        # what is left to check per page is the robots meta.
        if b'<meta name="robots" content="noindex, nofollow">' not in data:
            return (f'partner page {page.slug}/ has no <meta name="robots" content="noindex, nofollow">',)
        return ()


def _body(markdown: str) -> str:
    """The page's Markdown without its front matter."""
    return markdown.split("---\n", 2)[2] if markdown.startswith("---\n") else markdown


_WORKER: _Worker | None = None


def _run_chunk(indices: list[int]) -> list[PageResult]:
    global _WORKER
    if _WORKER is None:
        if _JOB is None:  # pragma: no cover - render_pages sets the job before any chunk runs
            raise RuntimeError("no job")
        _WORKER = _Worker(_JOB)
    return [_WORKER.page(i) for i in indices]


def _run_forked_chunk(indices: list[int]) -> list[PageResult]:
    """A chunk in a worker process, which then forgets the pages' requests: its memory stays flat."""
    results = _run_chunk(indices)
    if _JOB is not None:
        for i in indices:
            _JOB.plan.pages[i].forget()
    return results


def render_pages(
    job: Job,
    indices: Sequence[int],
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[PageResult]:
    """Render the given pages of ``job.plan``; results in page order."""
    global _JOB, _WORKER
    _JOB, _WORKER = job, None
    chunks = [list(indices[i : i + CHUNK]) for i in range(0, len(indices), CHUNK)]
    workers = max(1, jobs or os.cpu_count() or 1)
    results: list[PageResult] = []
    try:
        if workers == 1 or len(indices) < IN_PROCESS_BELOW:
            for chunk in chunks:
                results.extend(_run_chunk(chunk))
                if progress:
                    progress(len(chunk))
        else:
            context = multiprocessing.get_context("fork")
            with context.Pool(processes=min(workers, len(chunks))) as pool:
                for done in pool.imap_unordered(_run_forked_chunk, chunks):
                    results.extend(done)
                    if progress:
                        progress(len(done))
    finally:
        _JOB, _WORKER = None, None
    return sorted(results, key=lambda r: r.index)
