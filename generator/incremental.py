"""Rebuilds that redo only what changed, and publish it without a half-written moment that lasts.

A page's *digest* covers everything its files are made from (the build's fingerprint, its slug, the
catalogue files of its account, offer, partner and platform, its change history).  When the
fingerprint and the public part (home page, folder indexes, shells) are unchanged, only pages whose
digest changed are rendered, into a transaction folder; after every check passed, each new file is
renamed into place, the files of removed pages are deleted, and the build state is written last.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import exports, site
from .fastbuild import build_with_mkdocs, public_docs, site_files
from .history import History
from .pagebuild import Job, PageResult, render_pages
from .plan import Plan
from .render import environment, page_folders
from .shell import Shells, depth
from .state import State
from .writer import staging_dir

TREES = ("site", "docs")


def page_digests(fingerprint: str, plan: Plan, history: History | None) -> dict[str, str]:
    """Slug -> digest of everything the page's files are made from."""
    out = {}
    for slot in plan.slots:
        changes = None if history is None else history.get(slot.key)
        text = "\0".join((fingerprint, slot.slug, slot.inputs, repr(changes)))
        out[slot.slug] = hashlib.sha256(text.encode()).hexdigest()
    return out


def public_digest(fingerprint: str, plan: Plan, account_digest: str) -> str:
    """Digest of what the public part of the site (and the shells) is made from."""
    depths = sorted({depth(s.slug) for s in plan.slots})
    text = "\0".join((fingerprint, account_digest, *page_folders(plan), *map(str, depths)))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Rebuilt:
    """The pages a rebuild rendered, into ``txn``."""

    txn: Path
    pages: tuple[PageResult, ...]
    files: dict[str, dict[str, str]]
    warnings: tuple[str, ...]


def rebuild(
    *,
    config: Path,
    templates: Path,
    plan: Plan,
    history: History | None,
    state: State,
    shells_saved: Mapping[str, object],
    dirty: Sequence[int],
    txn_parent: Path,
    secrets: Mapping[str, str],
    strict: bool,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    previous: tuple[Path, Path] | None = None,
) -> Rebuilt:
    """Render the dirty pages into a new transaction folder (``txn/site``, ``txn/docs``).

    ``previous``: the published ``(docs, site)`` folders, whose pages lend their unchanged code blocks.
    """
    txn = staging_dir(txn_parent)
    shells = Shells.from_saved(dict(shells_saved), config, state.toc)
    reference = _LazyReference(config)
    job = Job(
        plan,
        history,
        environment(templates, txn_parent.parent / "cache" / "jinja"),
        txn / "docs",
        txn / "site",
        shells,
        reference,
        secrets,
        trusted=frozenset(state.trusted),
        previous=previous,
    )
    results = render_pages(job, dirty, jobs=jobs, progress=progress)
    files = {r.slug: dict(r.files) for r in results}
    warnings: list[str] = []
    fallbacks = [r.index for r in results if r.fallback]
    if fallbacks:
        public = public_docs(templates, plan, job.env)
        warnings += build_with_mkdocs(config, plan, public, fallbacks, txn / "docs", txn / "site", strict)
        for i in fallbacks:
            files[plan.pages[i].slug].update(site_files(txn / "site", plan.pages[i].slug))
    return Rebuilt(txn, tuple(results), files, tuple(warnings))


class _LazyReference:
    """The reference highlighter, loaded from ``mkdocs.yml`` only if a block needs verifying."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self._highlight: Callable[[str, str], str] | None = None

    def __call__(self, code: str, lang: str) -> str:
        if self._highlight is None:
            self._highlight = site.reference_highlighter(site.load_config(self.config))
        return self._highlight(code, lang)


def page_paths(slug: str) -> list[str]:
    """Every file a page has, as ``site/...`` and ``docs/...`` (the page, its Markdown, its exports)."""
    names = [e.filename for e in exports.EXPORTS]
    return [
        f"docs/{slug}.md",
        *(f"docs/{slug}/{n}" for n in names),
        f"site/{slug}/index.html",
        *(f"site/{slug}/{n}" for n in names),
    ]


def commit(rebuilt: Rebuilt, roots: Mapping[str, Path], removed: Sequence[str]) -> None:
    """Move the rebuilt files into place, then delete the files of removed pages."""
    txn, made = os.fspath(rebuilt.txn), set()
    for files in rebuilt.files.values():
        for rel in sorted(files):
            tree, _, path = rel.partition("/")
            target = f"{os.fspath(roots[tree])}/{path}"
            folder = os.path.dirname(target)
            if folder not in made:  # plain os calls on strings: pathlib's layers cost more than the renames
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            os.replace(f"{txn}/{tree}/{path}", target)
    for slug in removed:
        _delete(page_paths(slug), roots)
    shutil.rmtree(rebuilt.txn, ignore_errors=True)


def _delete(files: Sequence[str], roots: Mapping[str, Path]) -> None:
    folders = set()
    for rel in files:
        tree, _, path = rel.partition("/")
        target = roots[tree] / path
        target.unlink(missing_ok=True)
        folders.add(target.parent)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        for candidate in (folder, *folder.parents):
            if candidate in roots.values() or not candidate.is_dir() or any(candidate.iterdir()):
                break
            candidate.rmdir()
