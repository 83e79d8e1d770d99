"""What a partner copies from the built page is what the proof ran.

The example site is built with MkDocs; every code block in the samples' content
tabs, read back from the HTML as a browser shows it, is the generated sample
byte for byte, the filled example is the raw HTTP message, the tabs carry the
stable labels, and the page links its exports, which the site serves next to it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, copy_project
from test_goldens import _name

from generator import exports
from generator.catalogue import load_catalogue
from generator.cli import main
from generator.plan import Page, plan_site
from generator.samples import SAMPLERS, http_message, samples_for

PLAN = plan_site(load_catalogue(EXAMPLE))


class _Blocks(HTMLParser):
    """The text of every ``<pre><code>`` block and every content tab label, in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.codes: list[str] = []
        self.labels: list[str] = []
        self._code: list[str] | None = None
        self._label: list[str] | None = None
        self._in_pre = False  # Material writes <pre><span></span><code>: a block, not an inline code span

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "code" and self._in_pre:
            self._code = []
        elif tag == "label" and any(n == "for" and (v or "").startswith("__tabbed_") for n, v in attrs):
            self._label = []
        self._in_pre = tag == "pre" or (tag == "span" and self._in_pre)

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._code is not None:
            self.codes.append("".join(self._code))
            self._code = None
        elif tag == "label" and self._label is not None:
            self.labels.append("".join(self._label))
            self._label = None

    def handle_data(self, data: str) -> None:
        for buf in (self._code, self._label):
            if buf is not None:
                buf.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("site"))
    result = CliRunner().invoke(main, ["--project", str(root), "build", "--strict"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "site"


def _blocks(site: Path, page: Page) -> _Blocks:
    parser = _Blocks()
    parser.feed((site / page.slug / "index.html").read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", PLAN.pages, ids=_name)
def test_the_page_shows_exactly_the_samples_that_run(site: Path, page: Page) -> None:
    shown = _blocks(site, page)
    labels = [label for label, _, _ in SAMPLERS]
    assert shown.labels == labels * len(page.requests)
    expected = [s.code for r in page.requests for s in samples_for(r)]
    in_tabs = [c for c in shown.codes if c in expected]
    assert in_tabs == expected, "a sample on the page differs from the one the proof runs"
    # the filled example is the raw message (a code block cannot end in the blank line closing a bodiless head)
    stripped = [c.rstrip("\n") for c in shown.codes]
    for request in page.requests:
        assert http_message(request).rstrip("\n") in stripped


@pytest.mark.parametrize("page", PLAN.pages, ids=_name)
def test_the_page_links_its_exports_and_the_site_serves_them(site: Path, page: Page) -> None:
    html = (site / page.slug / "index.html").read_text(encoding="utf-8")
    files = exports.page_files(page)
    for export in exports.EXPORTS:
        served = site / page.slug / export.filename
        assert served.read_text(encoding="utf-8") == files[f"{page.slug}/{export.filename}"]
        assert f'<a download="{_name(page)}.{export.filename}" href="{export.filename}">' in html
