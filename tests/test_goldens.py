"""Golden files: the example catalogue's pages and canonical requests, reviewed in diffs like code.

Regenerate with ``pytest --update-goldens`` after an intended change, then read the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE, GOLDENS, REPO

from generator.build import Project, docs_files
from generator.catalogue import load_catalogue
from generator.exports import page_json as _page_json
from generator.plan import Page, plan_site

PLAN = plan_site(load_catalogue(EXAMPLE))
DOCS = docs_files(Project.at(REPO), PLAN)


def _check(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.relative_to(REPO)}; run pytest --update-goldens"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.relative_to(REPO)} differs; if intended, run pytest --update-goldens"


def _name(page: Page) -> str:
    return f"{page.offer.id}--{page.kind}--{page.partner_id}"


@pytest.mark.parametrize("page", PLAN.pages, ids=lambda p: f"{p.offer.id}-{p.kind}-{p.partner_id}")
def test_page_markdown(page: Page, update_goldens: bool) -> None:
    _check(GOLDENS / "pages" / f"{_name(page)}.md", str(DOCS[f"{page.slug}.md"]), update_goldens)


@pytest.mark.parametrize("page", PLAN.pages, ids=lambda p: f"{p.offer.id}-{p.kind}-{p.partner_id}")
def test_canonical_requests(page: Page, update_goldens: bool) -> None:
    actual = json.dumps(_page_json(page), indent=2, ensure_ascii=False) + "\n"
    _check(GOLDENS / "requests" / f"{_name(page)}.json", actual, update_goldens)


def test_home_page(update_goldens: bool) -> None:
    _check(GOLDENS / "pages" / "index.md", str(DOCS["index.md"]), update_goldens)


def test_no_stale_golden_files() -> None:
    expected = {f"{_name(p)}.md" for p in PLAN.pages} | {"index.md"}
    present = {p.name for p in (GOLDENS / "pages").glob("*.md")}
    assert present == expected, "remove golden files of pages that no longer exist"
    present_requests = {p.name for p in (GOLDENS / "requests").glob("*.json")}
    assert present_requests == {f"{_name(p)}.json" for p in PLAN.pages}


def test_example_covers_every_feature() -> None:
    """The shipped example exercises every platform, form, auth, subdomain, revenue and intake."""
    pages = PLAN.pages
    buyers = [p for p in pages if p.kind == "buyer"]
    sources = [p for p in pages if p.kind == "traffic_source"]
    assert {p.platform.id for p in pages} >= {"trackdrive", "ringba", "retreaver", "vicidial", "generic"}
    assert any(not p.platform.builtin for p in pages)
    assert {p.requests[0].form for p in buyers} == {"json", "post_url", "get"}
    assert {p.buyer.auth for p in buyers if p.buyer} == {"header", "payload"}
    assert {p.buyer.subdomain for p in buyers if p.buyer} == {"fixed", "token"}
    assert {p.buyer.revenue for p in buyers if p.buyer} == {"amount", "token", "none"}
    assert {p.offer.intake.method for p in sources} == {"lead_post", "capture", "ping_post"}
    assert {p.conversion_type for p in sources} == {"ringba", "retreaver", "url", "none"}
    assert {r.form for p in sources for r in p.requests} >= {"json", "post_url"}
