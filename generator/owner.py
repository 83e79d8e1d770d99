"""The offer owner's files: every pair, its link and the TrackDrive setup it needs (never published).

``owner/index.md`` is rendered from ``templates/owner.md.j2``, whose document is a header, a table
row and a section per page; ``owner/index.html`` is its HTML, exactly as Python-Markdown with the
``tables`` extension converts it.  Rows and sections are kept per page digest, so a rebuild after one
partner changed renders only that partner's rows and sections.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from . import __version__
from .fastmd import Unsupported, convert, inline, table_row
from .links import page_url
from .plan import Page, Plan, Slot
from .writer import KeptMap

TEMPLATE = "owner.md.j2"
COLUMNS = 5


class Part(NamedTuple):
    """One page's row and section, in Markdown and HTML, and its lines of the link lists.

    A named tuple: 10,000 of them are read and written with the build state.
    """

    row_md: str
    section_md: str
    row_html: str
    section_html: str
    csv_line: str
    json_line: str


class Columns(NamedTuple):
    """Every page's :class:`Part`, column by column, in page order."""

    row_md: list[str]
    section_md: list[str]
    row_html: list[str]
    section_html: list[str]
    csv_line: list[str]
    json_line: list[str]


class PartCache:
    """Rows and sections by page digest, kept between builds (as plain tuples, which pickle in C)."""

    VERSION = 3

    def __init__(self, path: Path | None) -> None:
        self.kept: KeptMap[tuple[str, ...]] = KeptMap(path, (self.VERSION, __version__))
        self.used = self.kept.used

    def parts(self, digests: Sequence[str | None], make: Callable[[int], Part]) -> list[tuple[str, ...]]:
        """Each page's part (as a plain tuple): kept under its digest, else ``make(index)``, then kept."""
        entries = self.kept.entries
        found = [entries.get(d, ()) if d is not None else () for d in digests]
        self.used.update(d for d in digests if d is not None)
        for i, part in enumerate(found):
            if len(part) != len(Part._fields):  # not kept (or kept by another shape of part)
                found[i] = part = tuple(make(i))
                if (digest := digests[i]) is not None:
                    entries[digest] = part
        return found

    def save(self) -> None:
        """Keep the parts used in this build (atomically)."""
        self.kept.save()


def _no_code(code: str, lang: str) -> str:
    raise Unsupported("a code block in the owner's index")


def _html(markdown_text: str) -> str:
    try:
        return convert(markdown_text, _no_code, ids=False).html
    except Unsupported:
        import markdown

        return str(markdown.markdown(markdown_text, extensions=["tables"]))


DOCUMENT = (
    "{{ header(account, rows | length) | safe }}{{ table_head() | safe }}"
    "{% for page, url in rows %}{{ row(page, url) | safe }}{% endfor %}\n"
    "\n"
    "{% for page, url in rows %}{{ section(page, url) | safe }}{% endfor %}\n"
)
"""The document the template must end with for postdocs to compose it from its macros."""


def _composable(env: jinja2.Environment) -> bool:
    """True when the template's document is exactly the composition of its macros."""
    if env.loader is None:  # pragma: no cover - environment() always sets one
        return False
    source, _, _ = env.loader.get_source(env, TEMPLATE)
    return source.rsplit("-#}\n", 1)[-1] == DOCUMENT


def index(
    env: jinja2.Environment,
    plan: Plan,
    site_url: str,
    digests: Mapping[str, str] | None = None,
    cache: PartCache | None = None,
) -> tuple[str, str, Columns | None]:
    """The owner's index as (Markdown, HTML body, the pages' parts when the template is composed of them)."""
    module: Any = env.get_template(TEMPLATE).make_module({"rows": [], "account": plan.account})
    if not _composable(env) or not all(hasattr(module, n) for n in ("header", "table_head", "row", "section")):
        # A template of its own, without the per-page macros: render it whole.
        md = env.get_template(TEMPLATE).render(
            account=plan.account, rows=[(p, page_url(site_url, p.slug)) for p in plan.pages], plan=plan
        )
        return md, _html(md), None
    cache = cache or PartCache(None)
    # A page whose part is kept is not even planned; the parts are then joined column by column.
    keys = [digests.get(s.slug) for s in plan.slots] if digests else [None] * len(plan.slots)
    found = cache.parts(keys, lambda i: _part(module, plan.pages[i], site_url))
    parts = Columns(*map(list, zip(*found, strict=True))) if found else Columns([], [], [], [], [], [])
    header = str(module.header(plan.account, len(plan.pages)))
    head = str(module.table_head())
    md = header + head + "".join(parts.row_md) + "\n" + "".join(parts.section_md)
    if not found or not (all(parts.row_html) and all(parts.section_html)):
        return md, _html(md), parts
    try:
        header_html = convert(header, _no_code, ids=False).html
        head_cells = [c.strip() for c in head.strip("\n").split("\n")[0].strip().strip("|").split("|")]
        thead = ["<table>", "<thead>", "<tr>", *(f"<th>{inline(c)}</th>" for c in head_cells), "</tr>", "</thead>"]
    except Unsupported:
        return md, _html(md), parts
    table = "\n".join([*thead, "<tbody>", *parts.row_html, "</tbody>", "</table>"])
    return md, "\n".join([header_html, table, *parts.section_html]), parts


def _part(module: Any, page: Page, site_url: str) -> Part:
    """One page's row and section (Markdown and HTML) and link list lines."""
    url = page_url(site_url, page.slug)
    row_md = str(module.row(page, url))
    section_md = str(module.section(page, url))
    try:
        row_html = table_row(row_md.strip("\n"), COLUMNS)
        section_html = convert(section_md, _no_code, ids=False).html
    except Unsupported:
        row_html, section_html = "", ""
    row = link_row(page, site_url)
    return Part(row_md, section_md, row_html, section_html, csv_line(row), json_line(row))


def files(
    env: jinja2.Environment,
    plan: Plan,
    site_url: str,
    digests: Mapping[str, str] | None = None,
    cache: PartCache | None = None,
) -> dict[str, str | bytes]:
    """``index.md``, ``index.html``, ``links.csv`` and ``links.json``."""
    md, body, parts = index(env, plan, site_url, digests, cache)
    html = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>Partner pages</title></head>\n<body>\n{body}\n</body></html>\n"
    )
    if parts is None:
        rows = link_rows(plan, site_url)
        csv_lines, json_lines = [csv_line(r) for r in rows], [json_line(r) for r in rows]
    else:
        csv_lines, json_lines = parts.csv_line, parts.json_line
    return {"index.md": md, "index.html": html, "links.csv": _csv(csv_lines), "links.json": _json(json_lines)}


LINK_FIELDS = ("offer", "partner", "kind", "platform", "title", "path", "url")


def link_row(page: Page | Slot, base: str) -> dict[str, str]:
    """A page's row of the link list: offer, partner, direction, platform, title, path, link."""
    return {**page.identity(), "url": page_url(base, page.slug)}


def link_rows(plan: Plan, base: str) -> list[dict[str, str]]:
    """One row per page (see :func:`link_row`)."""
    return [link_row(s, base) for s in plan.slots]


def csv_line(row: Mapping[str, str]) -> str:
    """A row of the CSV link list, newline included."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row[k] for k in LINK_FIELDS])
    return buf.getvalue()


def json_line(row: Mapping[str, str]) -> str:
    """A row of the JSON link list: one object on one line."""
    return json.dumps(dict(row), ensure_ascii=False)


def links_csv(rows: list[dict[str, str]]) -> str:
    """The link list as CSV."""
    return _csv([csv_line(r) for r in rows])


def links_json(rows: list[dict[str, str]]) -> str:
    """The link list as JSON: an array with one row per line (quick to write and to diff)."""
    return _json([json_line(r) for r in rows])


def _csv(lines: list[str]) -> str:
    return ",".join(LINK_FIELDS) + "\n" + "".join(lines)


def _json(lines: list[str]) -> str:
    if not lines:
        return "[]\n"
    return "[\n" + ",\n".join("  " + line for line in lines) + "\n]\n"
