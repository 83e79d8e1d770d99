"""The default build engine: MkDocs builds the public pages and the shells, workers build partner pages.

1. The public part of the docs (home, folder indexes, robots.txt, assets) is written, and MkDocs
   builds it together with one shell page per depth of the partner pages (:mod:`shell`) and a few
   *probe* pages: real partner pages, one of each kind of page the catalogue has.
2. The probes are rendered again on the fast path and compared with MkDocs' output byte for byte.
   If any differs (a customised theme or ``markdown_extensions`` the fast path does not reproduce),
   the build says so and MkDocs builds every page instead: the fast path is never trusted blindly.
3. Workers render every other page (:mod:`pagebuild`); a page the fast converter cannot render is
   built by a second MkDocs run.

The site is then exactly what MkDocs would have built from the same Markdown, in a fraction of the time.
A later build that changes only some pages renders only those (:func:`render_some`), with the shells,
tables of contents and verified languages this build saved.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import exports, site
from .history import History
from .pagebuild import Job, PageResult, render_pages
from .plan import Plan
from .render import environment, page_folders, page_meta, render_folder, render_home
from .shell import SHELL_NAME, Shells, depth, shell_markdown, shell_slug
from .writer import staging_dir, write_files

ASSETS = ("assets/postdocs.css",)


class Unfaithful(Exception):
    """The fast path would not reproduce MkDocs' output for this site."""


@dataclass(frozen=True)
class FastResult:
    """What the fast engine built."""

    warnings: tuple[str, ...]
    pages: tuple[PageResult, ...]
    files: dict[str, dict[str, str]]
    """Slug -> every file written for the page (``site/...``, ``docs/...``) -> SHA-256."""
    fallbacks: tuple[str, ...]
    """Slugs of the pages MkDocs built because the fast path could not."""
    shells: Shells | None
    trusted: frozenset[str]
    """Languages the fast highlighter was proven on (through the probes)."""


def public_docs(templates: Path, plan: Plan, env: jinja2.Environment | None = None) -> dict[str, str | bytes]:
    """The docs files that are not partner pages: home, folder indexes, robots.txt, assets."""
    env = env or environment(templates)
    files: dict[str, str | bytes] = {"index.md": render_home(env, plan)}
    for folder in page_folders(plan):
        files[f"{folder}/index.md"] = render_folder(env, plan)
    files["robots.txt"] = "User-agent: *\nDisallow: /p/\n"
    for asset in ASSETS:
        files[asset] = (templates / asset).read_bytes()
    return files


def probe_indices(plan: Plan) -> list[int]:
    """One page of each kind the catalogue has: buyer pages by request form, source pages by intake and form."""
    chosen: dict[tuple[str, ...], int] = {}
    for i, page in enumerate(plan.pages):
        if page.kind == "buyer" and page.buyer is not None:
            key: tuple[str, ...] = ("buyer", page.buyer.form, page.buyer.auth, page.buyer.revenue)
        elif page.source is not None:
            key = ("source", page.offer.intake.method, page.source.form, page.conversion_type)
        else:  # pragma: no cover - every page is one of the two
            key = (page.kind,)
        chosen.setdefault(key, i)
    return sorted(chosen.values())


def build_fast(
    *,
    config: Path,
    templates: Path,
    plan: Plan,
    history: History | None,
    docs_root: Path,
    site_root: Path,
    strict: bool,
    secrets: Mapping[str, str],
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    only: Sequence[int] | None = None,
) -> FastResult:
    """Build the whole site into ``site_root`` and its Markdown into ``docs_root`` (both empty staging folders).

    ``only``: render just these pages (a shard); the public part and the probes are still built.
    """
    # One environment for every step: each template is compiled once (or read from the bytecode cache),
    # in this process, before the workers are forked.
    env = environment(templates, docs_root.parent / "cache" / "jinja")
    public = public_docs(templates, plan, env)
    write_files(public, docs_root)
    probes = probe_indices(plan)
    depths = {depth(p.slug) for p in plan.pages}
    meta_keys = page_meta(plan.pages[0]) if plan.pages else {}

    # Probes' Markdown and exports go to the docs folder (workers write them), then MkDocs builds them.
    job = Job(plan, history, env, docs_root, None, None, _no_highlight, secrets)
    probe_results = render_pages(job, probes, jobs=1)
    mkdocs_docs = staging_dir(docs_root.parent / "mkdocs")
    try:
        write_files(public, mkdocs_docs)
        write_files({f"{shell_slug(d)}.md": shell_markdown(meta_keys) for d in depths}, mkdocs_docs)
        _copy_pages(plan, probes, docs_root, mkdocs_docs)
        warnings, mk_config = site.build_site_config(config, mkdocs_docs, site_root, strict=strict)
    finally:
        shutil.rmtree(mkdocs_docs, ignore_errors=True)

    shells = Shells.from_build(mk_config, site_root, depths, {}) if depths else None
    _remove_shells(site_root)
    reference = site.reference_highlighter(mk_config)

    # The fast path must reproduce MkDocs' own output for every probe.
    check_root = staging_dir(site_root.parent / "probe")
    trusted: set[str] = set()
    try:
        check_job = Job(plan, history, env, check_root / "docs", check_root / "site", shells, reference, {})
        for result in render_pages(check_job, probes, jobs=1):
            built = site_root / result.slug / "index.html"
            fast = check_root / "site" / result.slug / "index.html"
            if result.fallback or not fast.is_file() or fast.read_bytes() != built.read_bytes():
                raise Unfaithful(result.slug)
            trusted.update(result.languages)
    finally:
        shutil.rmtree(check_root, ignore_errors=True)

    wanted = set(range(len(plan.pages))) if only is None else set(only)
    others = sorted(wanted - set(probes))
    probe_results = [r for r in probe_results if r.index in wanted]
    job = Job(
        plan,
        history,
        env,  # its page templates compiled by the probes, before the workers are forked
        docs_root,
        site_root,
        shells,
        reference,
        secrets,
        trusted=frozenset(trusted),
    )
    results = list(probe_results) + render_pages(job, others, jobs=jobs, progress=progress)
    if progress:
        progress(len(probe_results))
    fallbacks = [r.index for r in results if r.fallback]
    if fallbacks:
        warnings += build_with_mkdocs(config, plan, public, fallbacks, docs_root, site_root, strict)
    files = {r.slug: dict(r.files) for r in results}
    for i in [*(r.index for r in probe_results), *fallbacks]:
        files[plan.pages[i].slug].update(site_files(site_root, plan.pages[i].slug))
    return FastResult(
        tuple(warnings),
        tuple(sorted(results, key=lambda r: r.index)),
        files,
        tuple(plan.pages[i].slug for i in fallbacks),
        shells,
        frozenset(trusted),
    )


def site_files(site_root: Path, slug: str) -> dict[str, str]:
    """``site/<slug>/...`` -> SHA-256 of every file in a page's folder."""
    folder = site_root / slug
    return {
        f"site/{p.relative_to(site_root).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _no_highlight(code: str, lang: str) -> str:  # pragma: no cover - never called: no site root, no HTML
    raise AssertionError("no HTML is rendered without a site root")


def _copy_pages(plan: Plan, indices: Sequence[int], docs_root: Path, dest: Path) -> None:
    """Copy pages' Markdown and exports from the docs folder into another docs folder."""
    for i in indices:
        page = plan.pages[i]
        for rel in (f"{page.slug}.md", *exports.page_files(page)):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(docs_root / rel, target)


def _remove_shells(site_root: Path) -> None:
    for path in sorted(site_root.glob(f"**/{SHELL_NAME}"), reverse=True):
        shutil.rmtree(path, ignore_errors=True)


def build_with_mkdocs(
    config: Path,
    plan: Plan,
    public: Mapping[str, str | bytes],
    indices: Sequence[int],
    docs_root: Path,
    site_root: Path,
    strict: bool,
) -> list[str]:
    """MkDocs builds these pages (from ``docs_root``); their folders are copied into ``site_root``."""
    docs = staging_dir(docs_root.parent / "mkdocs")
    out = staging_dir(site_root.parent / "fallback")
    try:
        write_files(public, docs)
        _copy_pages(plan, indices, docs_root, docs)
        warnings = site.build_site(config, docs, out, strict=strict)
        for i in indices:
            slug = plan.pages[i].slug
            target = site_root / slug
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(out / slug, target)
        return warnings
    finally:
        shutil.rmtree(docs, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
