"""The pipeline: ``load`` -> ``validate`` -> ``plan`` -> ``render`` -> ``write``, and the MkDocs build.

Each command of the CLI calls one function here.  Inputs are read at the
start, outputs written at the end, and the published ``site/`` is replaced only
when every step succeeded.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from . import exports, owner, site
from .catalogue import DocumentCache, load_catalogue
from .errors import BuildError, DataError
from .history import History, page_history
from .keys import NO_KEY_WARNING, SiteKey, load_key, require_key
from .plan import Plan, plan_site
from .project import Project as Project
from .render import environment, render_docs
from .secrets import references, resolve
from .writer import sync_tree

ASSETS = ("assets/postdocs.css",)


@dataclass(frozen=True)
class BuildReport:
    """What a build produced."""

    plan: Plan | None
    """None when the site was up to date (nothing was read but the file list)."""
    pages: int
    warnings: tuple[str, ...]
    """MkDocs' warnings."""
    notes: tuple[str, ...] = ()
    """postdocs' own warnings (no site key, secrets the scan could not look for)."""
    key_source: str | None = None
    outcome: str = "built"
    """``built`` (clean), ``rebuilt`` (only what changed) or ``up to date`` (nothing written)."""
    rendered: int = 0
    """Pages rendered (or removed) by this build."""


@dataclass(frozen=True)
class Checked:
    """A planned site and the secrets the build knows."""

    plan: Plan
    key: SiteKey | None
    secrets: Mapping[str, str]
    """Label -> value of every secret the output is scanned for."""
    notes: tuple[str, ...]
    secret_env: tuple[str, ...] = ()
    """Environment variables the catalogue references as secrets."""
    account_digest: str = ""
    """SHA-256 of the account file."""


def load(
    project: Project,
    environ: Mapping[str, str] | None = None,
    *,
    publish: str | None = None,
    cache: DocumentCache | None = None,
    known: Collection[str] = (),
) -> Checked:
    """Load, validate and plan with the site key; raise :class:`DataError` listing every problem.

    ``publish`` says why the build publishes (None for a local preview): then a
    site key is required, and every secret the catalogue references must be set.
    ``known``: digests of catalogue files the last successful build read, with the same code and key
    (see :func:`plan.plan_site`).
    """
    environ = os.environ if environ is None else environ
    catalogue = load_catalogue(project.catalogue, cache)
    key = load_key(project.root, environ)
    require_key(key, publish)
    site_key = {f"the site key ({key.source})": key.text} if key else {}
    resolved = resolve(catalogue, environ, site_key)
    problems = list(resolved.problems)
    notes = [] if key else [NO_KEY_WARNING]
    if publish:
        hint = (
            "a published build scans its output for every secret the catalogue references: set it (in CI, as a secret)"
        )
        problems += [replace(p, hint=hint) for p in resolved.unset]
    else:
        notes += [f"warning: {p}; the secret scan cannot look for its value" for p in resolved.unset]
    try:
        plan = plan_site(catalogue, key.secret if key else None, known)
    except DataError as exc:
        raise DataError([*exc.problems, *problems]) from None
    if problems:
        raise DataError(problems)
    names = tuple(sorted({ref.name for ref in references(catalogue)}))
    return Checked(
        plan, key, {**resolved.values, **site_key}, tuple(notes), names, catalogue.digests.get("account", "")
    )


def check(project: Project, environ: Mapping[str, str] | None = None) -> Plan:
    """Load, validate and plan; raise :class:`DataError` listing every problem."""
    return load(project, environ).plan


def docs_files(project: Project, plan: Plan, history: History | None = None) -> dict[str, str | bytes]:
    """Every file of the docs folder: pages (with their change history), exports, robots.txt, assets."""
    env = environment(project.templates)
    files: dict[str, str | bytes] = dict(render_docs(env, plan, history))
    files["robots.txt"] = "User-agent: *\nDisallow: /p/\n"
    files.update(exports.site_files(plan))
    for asset in ASSETS:
        files[asset] = (project.templates / asset).read_bytes()
    return files


def owner_files(
    project: Project, plan: Plan, digests: Mapping[str, str] | None = None, cache: owner.PartStore | None = None
) -> dict[str, str | bytes]:
    """The owner's index (Markdown and HTML) and link lists (CSV, JSON); see :mod:`owner`."""
    env = environment(project.templates, project.jinja_cache)
    return owner.files(env, plan, site.site_url(project.config), digests, cache)


def link_rows(plan: Plan, base: str) -> list[dict[str, str]]:
    """One row per page: offer, partner, direction, platform, link."""
    return owner.link_rows(plan, base)


def links_csv(plan: Plan, base: str) -> str:
    """The link list as CSV."""
    return owner.links_csv(owner.link_rows(plan, base))


def links_json(plan: Plan, base: str) -> str:
    """The link list as JSON."""
    return owner.links_json(owner.link_rows(plan, base))


def render_into(project: Project, docs_dir: Path) -> Plan:
    """Render the docs folder in place, touching only changed files (live preview)."""
    plan = check(project)
    sync_tree(docs_files(project, plan, page_history(project.catalogue, plan, project.history_cache)), docs_dir)
    return plan


def _exposed(lines: list[str]) -> BuildError:
    return BuildError(
        "the built site exposes partner pages; nothing was published\n"
        + "\n".join(f"  {line}" for line in lines)
        + "\n    hint: keep the partner pages' front matter and templates/theme (sitemap.xml, main.html) "
        "and the search plugin's exclusions"
    )


def _shown(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return str(path)
