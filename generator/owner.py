"""The offer owner's files: every pair, its link and the TrackDrive setup it needs (never published).

``owner/index.md`` is rendered from ``templates/owner.md.j2``, whose document is a header, a table
row and a section per page; ``owner/index.html`` is its HTML, exactly as Python-Markdown with the
``tables`` extension converts it.  Rows and sections are kept per page digest, so a rebuild after one
partner changed renders only that partner's rows and sections.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from array import array
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from . import __version__
from .fastmd import Unsupported, convert, inline, table_row
from .links import page_url
from .plan import Page, Plan, Slot
from .writer import keep, read_kept

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


class Joined(NamedTuple):
    """Every page's part in order, each column joined as the owner's files hold it.

    ``row_html`` has each row followed by a newline, ``section_html`` each section preceded by one,
    ``json_line`` each line indented and followed by a comma and a newline.
    """

    columns: Part
    complete: bool
    """Every row and section has its HTML (the fast converter rendered them all)."""


def _stored(part: Part) -> tuple[str, str, str, str, str, str]:
    """A part's texts as the joined columns hold them."""
    return (
        part.row_md,
        part.section_md,
        part.row_html + "\n",
        "\n" + part.section_html,
        part.csv_line,
        f"  {part.json_line},\n",
    )


class PartStore:
    """The owner's rows and sections as the last build joined them, and where each page's text ends.

    A rebuild after one partner changed copies the other pages' texts a run of pages at a time (a few
    dozen slices of six strings) instead of looking up and joining 60,000 strings; only the changed
    pages' parts are rendered.  Pages are found by their digest, which names everything their part is
    made from, so a store is correct for any build that reads it.
    """

    VERSION = 4
    COLUMNS = 6

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.digests: list[str] = []
        self.columns: tuple[str, ...] = ("",) * self.COLUMNS
        self.ends: list[array[int]] = [array("q") for _ in range(self.COLUMNS)]
        self.incomplete: set[str] = set()
        self._next: tuple[list[str], tuple[str, ...], list[array[int]], set[str]] | None = None
        kept = read_kept(path, (self.VERSION, __version__)) if path is not None else None
        with contextlib.suppress(TypeError, ValueError):
            digests, columns, ends, incomplete = kept  # type: ignore[misc]
            arrays = [array("q", e) for e in ends]
            if (
                len(columns) == len(arrays) == self.COLUMNS
                and all(len(e) == len(digests) for e in arrays)
                and all(e[-1] == len(c) if e else not c for e, c in zip(arrays, columns, strict=True))
            ):
                self.digests, self.columns, self.ends = list(digests), tuple(columns), arrays
                self.incomplete = set(incomplete)

    def join(self, digests: Sequence[str | None], make: Callable[[int], Part]) -> Joined:
        """Every page's part in order: copied from the store under its digest, else ``make(index)``."""
        where = {d: i for i, d in enumerate(self.digests)}
        pieces: list[list[str]] = [[] for _ in range(self.COLUMNS)]
        ends: list[array[int]] = [array("q") for _ in range(self.COLUMNS)]
        totals = [0] * self.COLUMNS
        incomplete: set[str] = set()
        run: list[int] = []  # stored indices, consecutive

        def flush() -> None:
            if not run:
                return
            first, last = run[0], run[-1]
            for c in range(self.COLUMNS):
                old_ends = self.ends[c]
                start = old_ends[first - 1] if first else 0
                shift = totals[c] - start
                pieces[c].append(self.columns[c][start : old_ends[last]])
                ends[c].extend([e + shift for e in old_ends[first : last + 1]])
                totals[c] += old_ends[last] - start
            run.clear()

        for i, digest in enumerate(digests):
            j = where.get(digest) if digest is not None else None
            if j is not None:
                if run and j != run[-1] + 1:
                    flush()
                run.append(j)
                if digest in self.incomplete:
                    incomplete.add(digest)
                continue
            flush()
            part = make(i)
            if not (part.row_html and part.section_html):
                incomplete.add(digest or f"#{i}")
            for c, text in enumerate(_stored(part)):
                pieces[c].append(text)
                totals[c] += len(text)
                ends[c].append(totals[c])
        flush()
        columns = tuple("".join(p) for p in pieces)
        if all(d is not None for d in digests):
            self._next = ([d for d in digests if d is not None], columns, ends, incomplete)
        return Joined(Part._make(columns), not incomplete)

    def save(self) -> None:
        """Keep what the last :meth:`join` made (atomically), for the next build."""
        if self.path is None or self._next is None:
            return
        digests, columns, ends, incomplete = self._next
        keep(self.path, (self.VERSION, __version__), (digests, columns, [e.tobytes() for e in ends], incomplete))


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
    store: PartStore | None = None,
) -> tuple[str, str, Joined | None]:
    """The owner's index as (Markdown, HTML body, the pages' parts when the template is composed of them)."""
    module: Any = env.get_template(TEMPLATE).make_module({"rows": [], "account": plan.account})
    if not _composable(env) or not all(hasattr(module, n) for n in ("header", "table_head", "row", "section")):
        # A template of its own, without the per-page macros: render it whole.
        md = env.get_template(TEMPLATE).render(
            account=plan.account, rows=[(p, page_url(site_url, p.slug)) for p in plan.pages], plan=plan
        )
        return md, _html(md), None
    store = store or PartStore(None)
    # A page whose part is kept is not even planned; kept parts are copied a run of pages at a time.
    keys = [digests.get(s.slug) for s in plan.slots] if digests else [None] * len(plan.slots)
    joined = store.join(keys, lambda i: _part(module, plan.pages[i], site_url))
    header = str(module.header(plan.account, len(plan.pages)))
    head = str(module.table_head())
    columns = joined.columns
    md = header + head + columns.row_md + "\n" + columns.section_md
    if not keys or not joined.complete:
        return md, _html(md), joined
    try:
        header_html = convert(header, _no_code, ids=False).html
        head_cells = [c.strip() for c in head.strip("\n").split("\n")[0].strip().strip("|").split("|")]
        thead = ["<table>", "<thead>", "<tr>", *(f"<th>{inline(c)}</th>" for c in head_cells), "</tr>", "</thead>"]
    except Unsupported:
        return md, _html(md), joined
    table = "\n".join([*thead, "<tbody>"]) + "\n" + columns.row_html + "</tbody>\n</table>"
    return md, header_html + "\n" + table + columns.section_html, joined


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
    store: PartStore | None = None,
) -> dict[str, str | bytes]:
    """``index.md``, ``index.html``, ``links.csv`` and ``links.json``."""
    md, body, joined = index(env, plan, site_url, digests, store)
    html = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>Partner pages</title></head>\n<body>\n{body}\n</body></html>\n"
    )
    if joined is None:
        rows = link_rows(plan, site_url)
        return {
            "index.md": md,
            "index.html": html,
            "links.csv": _csv([csv_line(r) for r in rows]),
            "links.json": _json([json_line(r) for r in rows]),
        }
    lines = joined.columns
    links = "[\n" + lines.json_line.removesuffix(",\n") + "\n]\n" if lines.json_line else "[]\n"
    return {"index.md": md, "index.html": html, "links.csv": _csv([lines.csv_line]), "links.json": links}


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
