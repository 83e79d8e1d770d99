"""The pipeline: ``load`` -> ``validate`` -> ``plan`` -> ``render`` -> ``write``, and the MkDocs build.

Each command of the CLI calls one function here.  Inputs are read at the
start, outputs written at the end, and the published ``site/`` is replaced only
when every step succeeded.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import exports, site
from .catalogue import load_catalogue
from .history import History, page_history
from .links import page_url
from .plan import Plan, plan_site
from .render import environment, render_docs, render_owner, template_dir
from .writer import replace_tree, staging_dir, swap_in, sync_tree, write_files

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


def check(project: Project) -> Plan:
    """Load, validate and plan; raise :class:`DataError` listing every problem."""
    return plan_site(load_catalogue(project.catalogue))


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


def build(project: Project, *, strict: bool = False, history: bool = True) -> BuildReport:
    """Check, render and build the site; ``site/`` is replaced only if every step succeeded.

    With ``history``, each page shows when its instructions changed, from the catalogue's git history.
    """
    plan = check(project)
    files = docs_files(project, plan, page_history(project.catalogue, plan) if history else None)
    owner = owner_files(project, plan)
    staged_docs = staging_dir(project.docs_dir)
    staged_site = staging_dir(project.site_dir)
    try:
        write_files(files, staged_docs)
        warnings = site.build_site(project.config, staged_docs, staged_site, strict=strict)
        swap_in(staged_site, project.site_dir)
        swap_in(staged_docs, project.docs_dir)
    finally:
        for leftover in (staged_docs, staged_site):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    replace_tree(owner, project.owner_dir)
    return BuildReport(plan, len(plan.pages), tuple(warnings))
