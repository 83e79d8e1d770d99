"""The pipeline: ``load`` -> ``validate`` -> ``plan`` -> ``render`` -> ``write``, and the MkDocs build.

Each command of the CLI calls one function here.  Inputs are read at the
start, outputs written at the end, and the published ``site/`` is replaced only
when every step succeeded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from . import exports, site
from .catalogue import load_catalogue
from .errors import BuildError, DataError
from .exposure import exposure_problems
from .fastbuild import Unfaithful, build_fast
from .history import History, page_history
from .keys import NO_KEY_WARNING, SiteKey, load_key, publishing, require_key
from .links import page_url
from .plan import Plan, plan_site
from .render import environment, render_docs, render_owner, template_dir
from .scan import SecretLeakError, check_no_secrets, scan_trees
from .secrets import resolve
from .writer import staging_dir, swap_in, sync_tree, write_files

ASSETS = ("assets/postdocs.css",)


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live."""

    root: Path
    catalogue: Path

    @classmethod
    def at(cls, root: Path, catalogue: Path | None = None) -> Project:
        """A project rooted at ``root`` (where ``mkdocs.yml`` is), catalogue ``offers/`` by default."""
        root = root.resolve()
        return cls(root, (catalogue if catalogue is not None else root / "offers").resolve())

    @property
    def config(self) -> Path:
        """The MkDocs config."""
        return self.root / "mkdocs.yml"

    @property
    def docs_dir(self) -> Path:
        """Generated Markdown (what ``docs_dir`` in mkdocs.yml points at)."""
        return self.root / "build" / "docs"

    @property
    def site_dir(self) -> Path:
        """The published site."""
        return self.root / "site"

    @property
    def owner_dir(self) -> Path:
        """The owner's link list and setup steps, never published."""
        return self.root / "owner"

    @property
    def templates(self) -> Path:
        """Page templates."""
        return template_dir(self.root)


@dataclass(frozen=True)
class BuildReport:
    """What a build produced."""

    plan: Plan
    pages: int
    warnings: tuple[str, ...]
    """MkDocs' warnings."""
    notes: tuple[str, ...] = ()
    """postdocs' own warnings (no site key, secrets the scan could not look for)."""
    key_source: str | None = None


@dataclass(frozen=True)
class Checked:
    """A planned site and the secrets the build knows."""

    plan: Plan
    key: SiteKey | None
    secrets: Mapping[str, str]
    """Label -> value of every secret the output is scanned for."""
    notes: tuple[str, ...]


def load(project: Project, environ: Mapping[str, str] | None = None, *, publish: str | None = None) -> Checked:
    """Load, validate and plan with the site key; raise :class:`DataError` listing every problem.

    ``publish`` says why the build publishes (None for a local preview): then a
    site key is required, and every secret the catalogue references must be set.
    """
    environ = os.environ if environ is None else environ
    catalogue = load_catalogue(project.catalogue)
    key = load_key(project.root, environ)
    require_key(key, publish)
    known = {f"the site key ({key.source})": key.text} if key else {}
    resolved = resolve(catalogue, environ, known)
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
        plan = plan_site(catalogue, key.secret if key else None)
    except DataError as exc:
        raise DataError([*exc.problems, *problems]) from None
    if problems:
        raise DataError(problems)
    return Checked(plan, key, {**resolved.values, **known}, tuple(notes))


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


def owner_files(project: Project, plan: Plan) -> dict[str, str | bytes]:
    """The owner's index (Markdown and HTML) and link lists (CSV, JSON)."""
    import markdown

    base = site.site_url(project.config)
    env = environment(project.templates)
    index = render_owner(env, plan, base)
    html_body = markdown.markdown(index, extensions=["tables"])
    html = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>Partner pages</title></head>\n<body>\n{html_body}\n</body></html>\n"
    )
    return {
        "index.md": index,
        "index.html": html,
        "links.csv": links_csv(plan, base),
        "links.json": links_json(plan, base),
    }


def link_rows(plan: Plan, base: str) -> list[dict[str, str]]:
    """One row per page: offer, partner, direction, platform, link."""
    return [
        {
            "offer": p.offer.id,
            "partner": p.partner_id,
            "kind": p.kind,
            "platform": p.platform.id,
            "title": p.title,
            "path": f"{p.slug}/",
            "url": page_url(base, p.slug),
        }
        for p in plan.pages
    ]


def links_csv(plan: Plan, base: str) -> str:
    """The link list as CSV."""
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=["offer", "partner", "kind", "platform", "title", "path", "url"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(link_rows(plan, base))
    return buf.getvalue()


def links_json(plan: Plan, base: str) -> str:
    """The link list as JSON."""
    return json.dumps(link_rows(plan, base), indent=2) + "\n"


def render_into(project: Project, docs_dir: Path) -> Plan:
    """Render the docs folder in place, touching only changed files (live preview)."""
    plan = check(project)
    sync_tree(docs_files(project, plan, page_history(project.catalogue, plan)), docs_dir)
    return plan


def build(
    project: Project,
    *,
    strict: bool = False,
    history: bool = True,
    publish: bool | None = None,
    environ: Mapping[str, str] | None = None,
    engine: str = "fast",
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> BuildReport:
    """Check, render, build the site and scan it; ``site/`` is replaced only if every step succeeded.

    With ``history``, each page shows when its instructions changed, from the catalogue's git history.
    ``publish`` is True for a build to publish, False for a preview, None to decide from ``CI``.
    The docs, site and owner folders are staged beside their destinations.  The
    staged output is scanned for secrets and crawled from its public entry points;
    only then is each folder swapped in with a rename.  Any failure leaves every
    published file as it was and no staging folder behind.

    ``engine`` ``fast`` (the default) has MkDocs build the public pages and one shell per page depth,
    and builds partner pages from the shells in ``jobs`` processes, proven equal to MkDocs' output
    (:mod:`fastbuild`); ``mkdocs`` has MkDocs build every page.
    """
    environ = os.environ if environ is None else environ
    checked = load(project, environ, publish=publishing(environ, publish))
    plan = checked.plan
    base = site.site_url(project.config)
    changes = page_history(project.catalogue, plan) if history else None
    owner = owner_files(project, plan)
    staged = {
        "docs": staging_dir(project.docs_dir),
        "site": staging_dir(project.site_dir),
        "owner": staging_dir(project.owner_dir),
    }
    notes = list(checked.notes)
    try:
        write_files(owner, staged["owner"])
        fast = None
        if engine == "fast":
            try:
                fast = build_fast(
                    config=project.config,
                    templates=project.templates,
                    plan=plan,
                    history=changes,
                    docs_root=staged["docs"],
                    site_root=staged["site"],
                    strict=strict,
                    secrets=checked.secrets,
                    jobs=jobs,
                    progress=progress,
                )
            except Unfaithful as exc:
                notes.append(
                    f"note: the fast engine does not reproduce this theme's page {exc.args[0]}/ exactly; "
                    "MkDocs built every page (use --engine mkdocs to skip the attempt)"
                )
                for folder in ("docs", "site"):
                    shutil.rmtree(staged[folder])
                    staged[folder].mkdir()
        if fast is None:
            write_files(docs_files(project, plan, changes), staged["docs"])
            warnings = site.build_site(project.config, staged["docs"], staged["site"], strict=strict)
            check_no_secrets(
                {
                    _shown(project, project.docs_dir): staged["docs"],
                    _shown(project, project.site_dir): staged["site"],
                    _shown(project, project.owner_dir): staged["owner"],
                },
                checked.secrets,
            )
            checked_pages: list[str] = []
        else:
            warnings = list(fast.warnings)
            leaks = [leak for r in fast.pages for leak in r.leaks]
            written = {path for r in fast.pages for path, _ in r.files}
            leaks += scan_trees(
                {
                    _shown(project, project.docs_dir): staged["docs"],
                    _shown(project, project.site_dir): staged["site"],
                    _shown(project, project.owner_dir): staged["owner"],
                },
                checked.secrets,
                skip={
                    f"{_shown(project, project.docs_dir)}/{p[5:]}"
                    if p.startswith("docs/")
                    else f"{_shown(project, project.site_dir)}/{p[5:]}"
                    for p in written
                },
            )
            if leaks:
                raise SecretLeakError(leaks)
            checked_pages = [
                r.slug
                for r in fast.pages
                if not r.fallback and r.files and any(p.startswith("site/") for p, _ in r.files)
            ]
            exposed_pages = [line for r in fast.pages for line in r.exposure]
            if exposed_pages:
                raise _exposed(exposed_pages)
        exposed = exposure_problems(
            staged["site"], base, [p.slug for p in plan.pages], site.PUBLIC_ENTRY_POINTS, checked_pages
        )
        if exposed:
            raise _exposed(exposed)
        swap_in(staged["site"], project.site_dir)
        swap_in(staged["docs"], project.docs_dir)
        swap_in(staged["owner"], project.owner_dir)
    finally:
        for leftover in staged.values():
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    return BuildReport(
        plan, len(plan.pages), tuple(warnings), tuple(notes), checked.key.source if checked.key else None
    )


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
