"""``postdocs diff``: which partner pages two catalogue states change, and how, so the owner knows whom to tell.

A state is the catalogue at a git revision or in the working tree.  What was
last published is the revision the tag :data:`PUBLISHED_TAG` points at: the
publish workflow moves it after every deploy (by hand:
``git tag -f postdocs-published && git push -f origin postdocs-published``).
Both states are planned the way ``postdocs build`` plans them, so each page's
link is the one its partner received.

Output formats: a readable table, CSV (one row per thing that changed), JSON,
and Markdown (a pull-request comment).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import site
from .build import Project, check
from .changes import PageChange, PageKey, PageState, compare, snapshot, summary
from .errors import UsageError
from .gitrepo import Repo
from .history import plan_revision
from .links import page_url
from .markup import code, text

PUBLISHED_TAG = "postdocs-published"
"""The tag that marks the commit whose catalogue is live."""

WORKTREE = "working tree"
MARKER = "<!-- postdocs-diff -->"
"""First line of the Markdown output: a pull-request workflow finds its own comment by it."""
DIRECTION = {"buyer": "buyer postback", "traffic_source": "traffic source posting"}
CSV_FIELDS = (
    "status",
    "offer",
    "partner",
    "kind",
    "platform",
    "request",
    "what",
    "name",
    "change",
    "before",
    "after",
    "url",
)


@dataclass(frozen=True)
class DiffReport:
    """The pages two catalogue states change."""

    old: str
    """What the old state is, for people: ``postdocs-published (3f2a1c9d0b12)``."""
    new: str
    changes: tuple[PageChange, ...]
    unchanged: int
    site_url: str
    note: str = ""
    """Something the reader should know about the comparison (printed on stderr)."""

    def counts(self) -> dict[str, int]:
        """How many pages were added, removed, changed and left unchanged."""
        out = {s: sum(1 for c in self.changes if c.status == s) for s in ("added", "removed", "changed")}
        return {**out, "unchanged": self.unchanged}

    def url(self, change: PageChange) -> str:
        """The link of a changed page (for a removed page: the link it had)."""
        return page_url(self.site_url, change.state.slug)

    def headline(self) -> str:
        """One line: what was compared and how many pages changed."""
        c = self.counts()
        return (
            f"{self.old} -> {self.new}: {c['added']} added, {c['removed']} removed, {c['changed']} changed, "
            f"{c['unchanged']} unchanged"
        )


def diff_revisions(project: Project, rev_a: str | None, rev_b: str | None) -> DiffReport:
    """Compare the catalogue at ``rev_a`` (default: last published) with ``rev_b`` (default: working tree)."""
    repo = Repo.find(project.catalogue if project.catalogue.is_dir() else project.root)
    if repo is None:
        raise UsageError(f"{project.root} is not in a git repository; postdocs diff compares git revisions")
    rel = repo.relative(project.catalogue)
    note = ""
    if rev_a is None:
        rev_a = PUBLISHED_TAG
        if repo.resolve(rev_a) is None:
            note = (
                f"note: no tag {PUBLISHED_TAG!r} yet (the publish workflow sets it after each deploy); "
                "every page counts as added"
            )
    old, old_label = _state(project, repo, rel, rev_a, missing_ok=rev_a == PUBLISHED_TAG)
    new, new_label = _state(project, repo, rel, rev_b)
    changes = compare(old, new)
    unchanged = sum(1 for key in new if key in old and old[key].digest == new[key].digest)
    return DiffReport(old_label, new_label, tuple(changes), unchanged, site.site_url(project.config), note)


def _state(
    project: Project, repo: Repo, rel: str, rev: str | None, *, missing_ok: bool = False
) -> tuple[dict[PageKey, PageState], str]:
    if rev is None:
        return snapshot(check(project)), WORKTREE
    sha = repo.resolve(rev)
    if sha is None:
        if missing_ok:
            return {}, f"{rev} (not set)"
        raise UsageError(f"unknown revision {rev!r}")

    def planner(folder: Path) -> Any:
        return check(dataclasses.replace(project, catalogue=folder))

    plan = plan_revision(repo, rev, sha, rel, planner)
    return (snapshot(plan) if plan is not None else {}), f"{rev} ({sha[:12]})"


# --------------------------------------------------------------------------- formats


def _short(value: str | None, width: int = 72) -> str:
    if value is None:
        return "-"
    text = " ".join(value.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def as_table(report: DiffReport, *, links: bool = True) -> str:
    """A readable report: one line per page, one indented line per thing that changed."""
    lines = [report.headline()]
    if not report.changes:
        return lines[0] + "\nNo partner page changes.\n"
    widths = [max(len(getattr(c.state, f)) for c in report.changes) for f in ("offer", "partner", "kind")]
    lines.append("")
    for change in report.changes:
        s = change.state
        row = f"{change.status:<8} {s.offer:<{widths[0]}}  {s.partner:<{widths[1]}}  {s.kind:<{widths[2]}}"
        lines.append(row + (f"  {report.url(change)}" if links else ""))
        for d in change.details:
            where = f"{d.request}: " if d.request else ""
            if d.what in ("example", "wording", "notes", "request"):
                value = ""
            elif d.before is None:
                value = f": {_short(d.after)}"
            elif d.after is None:
                value = f" (was {_short(d.before)})"
            else:
                value = f": {_short(d.before)} -> {_short(d.after)}"
            lines.append(f"           {where}{d.label()} {d.change}{value}")
    return "\n".join(lines) + "\n"


def as_rows(report: DiffReport, *, links: bool = True) -> list[dict[str, str]]:
    """One row per thing that changed (one row for a page added or removed)."""
    rows = []
    for change in report.changes:
        s = change.state
        base = {"status": change.status, "offer": s.offer, "partner": s.partner, "kind": s.kind, "platform": s.platform}
        url = report.url(change) if links else ""
        for d in change.details or (None,):
            detail = (
                {"request": d.request, "what": d.what, "name": d.name, "change": d.change}
                | {"before": d.before or "", "after": d.after or ""}
                if d
                else {"request": "", "what": "page", "name": "", "change": change.status, "before": "", "after": ""}
            )
            rows.append({**base, **detail, "url": url})
    return rows


def as_csv(report: DiffReport, *, links: bool = True) -> str:
    """CSV, one row per thing that changed."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(as_rows(report, links=links))
    return buf.getvalue()


def as_json(report: DiffReport, *, links: bool = True) -> str:
    """JSON: what was compared, the counts, and every changed page with its details."""
    pages = []
    for change in report.changes:
        s = change.state
        pages.append(
            {
                "status": change.status,
                "offer": s.offer,
                "partner": s.partner,
                "partner_name": s.partner_name,
                "kind": s.kind,
                "platform": s.platform,
                "title": s.title,
                **({"url": report.url(change)} if links else {}),
                "changes": [dataclasses.asdict(d) | {"change": d.change} for d in change.details],
            }
        )
    data = {"from": report.old, "to": report.new, "counts": report.counts(), "pages": pages}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown(report: DiffReport, *, links: bool = True) -> str:
    """GitHub-flavoured Markdown for a pull-request comment."""
    c = report.counts()
    lines = [
        MARKER,
        "### Partner pages this change affects",
        "",
        f"Compared `{report.old}` with `{report.new}`: **{c['changed']} changed, {c['added']} added, "
        f"{c['removed']} removed**, {c['unchanged']} unchanged.",
        "",
    ]
    if not report.changes:
        lines.append("No partner has to be told anything.")
        return "\n".join(lines) + "\n"
    lines += [
        "| Change | Offer | Partner | Direction | What changes |" + (" Link |" if links else ""),
        "|---|---|---|---|---|" + ("---|" if links else ""),
    ]
    for change in report.changes:
        s = change.state
        what = ", ".join(summary(change))
        cells = [change.status, str(code(s.offer)), f"{text(s.partner_name)} ({code(s.partner)})", DIRECTION[s.kind]]
        cells.append(what or "-")
        if links:
            cells.append(report.url(change))
        lines.append("| " + " | ".join(_md_cell(x) for x in cells) + " |")
    if not links:
        lines += ["", "Run `postdocs diff` with the site key for each partner's link."]
    return "\n".join(lines) + "\n"


FORMATS: dict[str, Callable[..., str]] = {
    "table": as_table,
    "csv": as_csv,
    "json": as_json,
    "markdown": as_markdown,
}
