"""Exports: each pair's requests as files for the partner's tools, written next to its page.

* ``postman_collection.json``: a Postman Collection v2.1 (:mod:`.postman`);
* ``openapi.json``: an OpenAPI 3.1 document, TrackDrive's conversion postback
  to a traffic source under ``webhooks`` (:mod:`.openapi`);
* ``requests.http``: for the JetBrains HTTP Client and VS Code REST Client (:mod:`.httpfile`);
* ``canonical.json``: the canonical requests themselves, both views (:func:`page_json`).

Each is a view of the page's canonical requests, pre-filled with the example
values; secrets stay placeholders.  Pure: the build writes the files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ..canonical import dump_json
from . import httpfile, openapi, postman

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")

if TYPE_CHECKING:
    from ..plan import Page, Plan


def page_json(page: Page) -> dict[str, Any]:
    """The page's canonical requests as JSON-ready data (``postdocs show --format json``)."""
    from ..changes import page_content  # what diff and the page history compare

    return {**page.identity(), **page_content(page)}


def canonical(page: Page) -> str:
    """The canonical request file."""
    return dump_json(page_json(page)) + "\n"


@dataclass(frozen=True)
class Export:
    """One kind of export: file name, link text, what it is for, and its generator."""

    filename: str
    label: str
    purpose: str
    make: Callable[[Page], str]


EXPORTS: tuple[Export, ...] = (
    Export(
        "postman_collection.json", "Postman collection", "import into Postman (Collection v2.1)", postman.collection
    ),
    Export("openapi.json", "OpenAPI 3.1", "for Swagger UI, Redoc, Scalar or a code generator", openapi.document),
    Export("requests.http", ".http file", "for the JetBrains HTTP Client or VS Code REST Client", httpfile.document),
    Export(
        "canonical.json", "Canonical requests (JSON)", "both views of every request, as postdocs sees them", canonical
    ),
)


@dataclass(frozen=True)
class ExportLink:
    """What a page shows for one export: a link relative to the page's Markdown file."""

    label: str
    purpose: str
    href: str
    download: str


def folder(page: Page) -> str:
    """The docs folder of a page's exports: served next to the page (``{slug}/``)."""
    return page.slug


def page_files(page: Page) -> dict[str, str]:
    """Every export of one page, by path relative to the docs folder."""
    return {f"{folder(page)}/{e.filename}": e.make(page) for e in EXPORTS}


def site_files(plan: Plan) -> dict[str, str]:
    """Every export of every page."""
    files: dict[str, str] = {}
    for page in plan.pages:
        files.update(page_files(page))
    return files


def links(page: Page) -> tuple[ExportLink, ...]:
    """The links a page shows to its exports (relative to ``{slug}.md``, so MkDocs checks them)."""
    base = PurePosixPath(page.slug).name
    stem = f"{page.offer.id}--{page.kind}--{page.partner_id}"
    out = tuple(ExportLink(e.label, e.purpose, f"{base}/{e.filename}", f"{stem}.{e.filename}") for e in EXPORTS)
    for link in out:  # written into Markdown unescaped: ids and slugs never need escaping
        if not _SAFE.fullmatch(link.href) or not _SAFE.fullmatch(link.download):  # pragma: no cover
            raise ValueError(f"unsafe export link {link.href!r}")
    return out
