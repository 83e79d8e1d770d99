"""Hostile catalogue text, end to end through a real MkDocs build: it renders as text, never as markup.

The same catalogue is built twice: once with a hostile string in every place a catalogue string lands
(titles, front matter, running text, tables, admonitions, code spans, code blocks, code samples, URLs,
custom token syntax, the owner's index), once with plain text in its place.  Hostile text must not
change the structure of any page (the sequence of HTML elements and their attribute names), must come
out as exactly the text that was written, and every code block must hold exactly its canonical view.
"""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result

from generator.build import Project, check
from generator.plan import Page
from generator.samples import samples_for

HOSTILE = (
    "<script>alert(1)</script></title>|`t` ``2`` {{ x }} {% if 1 %}y{% endif %}[x](javascript:alert(3)) --- *e* _u_"
    " &amp; <!-- ' \" \\ # ~~s~~ ==m== ^^i^^ <img src=x onerror=alert(4)> $(id)"
)
"""At most 192 characters: names are limited to 200 and get a short prefix."""
PLAIN = "plain words"
MULTILINE = "\n---\n| a | b |\n|---|---|\n```\nfence\n```\n{% raw %}\n<div>\n!!! warning\n    boom\n"


def catalogue(text: str) -> dict[str, str]:
    def y(value: str) -> str:
        return json.dumps(value)

    return {
        "offers/account.yml": f"""
            subdomain: acme
            company: {y("Acme " + text)}
            support:
              email: "x|{{{{y}}}}`z`@evil.example"
              name: {y("Desk " + text)}
              phone: {y("+1 " + text)}
        """,
        "offers/solar.yml": f"""
            id: solar
            name: {y("Solar " + text)}
            description: {y("Line one " + text + MULTILINE)}
            lead_token: abcdefgh1234
            intake:
              method: lead_post
            fields:
              - name: note
                label: {y("Note " + text)}
                example: {y("ex " + text)}
                pattern: "[^]*"
                description: {y("Desc " + text)}
              - name: choice
                label: Choice
                example: {y("a|`b` " + text)}
                allowed: [{y("a|`b` " + text)}, "<script>", "{{{{ x }}}}"]
            buyers:
              - buyer: evil-buyer
            traffic_sources:
              - traffic_source: evil-source
                payout: 20.00
              - traffic_source: custom-source
        """,
        "offers/buyers/evil-buyer.yml": f"""
            id: evil-buyer
            name: {y("Buyer " + text)}
            platform: generic
            revenue:
              token: payout
            post_call_tokens:
              - name: extra
                token: lead.extra
                example: {y("pc " + text)}
            contact:
              email: ops@evil.example
              name: {y("Contact " + text)}
        """,
        "offers/traffic-sources/evil-source.yml": f"""
            id: evil-source
            name: {y("Source " + text)}
            platform: generic
            traffic_source_id: 501
            conversion:
              type: url
              url: https://track.evil.example/pb/[traffic_source_lead_id]
              method: GET
              params:
                {y("a|b<script>`" + text)}: {y("v " + text)}
                clickid: "[traffic_source_lead_id]"
        """,
        "offers/platforms/weird.yml": f"""
            id: weird
            name: {y("Weird " + text)}
            token:
              prefix: "<b>{{{{"
              suffix: "}}}}</b>|`"
            name_pattern: "[a-z_]+"
            docs: "https://docs.evil.example/t?a=1&b=(2)*#x"
        """,
        "offers/traffic-sources/custom-source.yml": f"""
            id: custom-source
            name: {y("Custom " + text)}
            platform: weird
            traffic_source_id: 502
        """,
    }


class Structure(HTMLParser):
    """The element structure of a page, the text of elements of interest, and every code block's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self.blocks: list[str] = []
        self.texts: dict[str, list[str]] = {"h1": [], "title": [], "td": [], "p": []}
        self._block: list[str] | None = None
        self._depth_in_block = 0
        self._capture: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if self._block is not None:
            self._depth_in_block += 1
            return
        self.shape.append(f"<{tag} {' '.join(sorted(n for n, _ in attrs))}>")
        if tag == "pre":
            self._block, self._depth_in_block = [], 0
        if tag in self.texts or tag == "script":
            self._capture.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if self._block is not None:
            if tag == "pre" and self._depth_in_block == 0:
                self.blocks.append("".join(self._block))
                self._block = None
                self.shape.append("</pre>")
            else:
                self._depth_in_block -= 1
            return
        self.shape.append(f"</{tag}>")
        if self._capture and self._capture[-1][0] == tag:
            name, parts = self._capture.pop()
            if name == "script":
                self.scripts.append("".join(parts))
            else:
                self.texts[name].append("".join(parts))

    def handle_data(self, data: str) -> None:
        if self._block is not None:
            self._block.append(data)
        for _, parts in self._capture:
            parts.append(data)


def parse(path: Path) -> Structure:
    page = Structure()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The hostile and the plain catalogue, each built with `postdocs build --strict`."""
    from click.testing import CliRunner
    from conftest import copy_project

    from generator.cli import main

    out = {}
    for name, text in (("hostile", HOSTILE), ("plain", PLAIN)):
        root = copy_project(tmp_path_factory.mktemp(name), catalogue(text))
        result: Result = CliRunner().invoke(main, ["--project", str(root), "build", "--strict"])
        assert result.exit_code == 0, result.output
        out[name] = root
    return out


def pages_of(root: Path) -> list[Page]:
    return list(check(Project.at(root)).pages)


def html_files(root: Path) -> list[Path]:
    return sorted(
        [p.relative_to(root) for p in (root / "site").rglob("*.html")] + [Path("owner/index.html")],
    )


def test_hostile_text_changes_no_page_structure(builds: dict[str, Path]) -> None:
    hostile, plain = builds["hostile"], builds["plain"]
    assert html_files(hostile) == html_files(plain)
    for rel in html_files(hostile):
        assert parse(hostile / rel).shape == parse(plain / rel).shape, rel


def test_no_script_no_handler_no_javascript_link(builds: dict[str, Path]) -> None:
    for rel in html_files(builds["hostile"]):
        page = parse(builds["hostile"] / rel)
        assert not any("alert(" in script for script in page.scripts), rel
        for tag, name, value in page.attributes:
            assert not name.startswith("on"), (rel, tag, name)
            if name in ("href", "src", "action"):
                assert not value.strip().lower().startswith("javascript:"), (rel, tag, value)


def test_titles_and_headings_are_the_text_written(builds: dict[str, Path]) -> None:
    root = builds["hostile"]
    for page in pages_of(root):
        assert HOSTILE in page.title
        parsed = parse(root / "site" / page.slug / "index.html")
        assert parsed.texts["h1"][0].strip().removesuffix("¶") == page.title
        assert parsed.texts["title"] == [f"{page.title} - Summit Call Partners"]
        description = [v for t, n, v in parsed.attributes if t == "meta" and n == "content" and "instructions" in v]
        assert description == [f"{page.offer.name}: instructions for {page.partner_name}"]
    home = parse(root / "site" / "index.html")
    assert home.texts["h1"][0].strip().removesuffix("¶") == f"Acme {HOSTILE} partner instructions"


def test_table_cells_hold_the_text_written(builds: dict[str, Path]) -> None:
    root = builds["hostile"]
    source = next(p for p in pages_of(root) if p.partner_id == "evil-source")
    cells = parse(root / "site" / source.slug / "index.html").texts["td"]
    for field in source.requests[0].fields():
        assert field.value.example() in cells
        assert field.value.template() in cells
    assert "Note " + HOSTILE not in cells  # labels are not in the field table; descriptions are text, examples code
    assert f"ex {HOSTILE}" in cells


def test_code_blocks_hold_exactly_the_canonical_views(builds: dict[str, Path]) -> None:
    root = builds["hostile"]
    for page in pages_of(root):
        blocks = parse(root / "site" / page.slug / "index.html").blocks
        for request in page.requests:
            assert request.url_template() + "\n" in blocks
            if request.body is not None:
                assert request.body_template() + "\n" in blocks
            assert request.http_example().replace("\r\n", "\n") in blocks or (
                request.http_example().replace("\r\n", "\n") + "\n" in blocks
            )
            for sample in samples_for(request):
                assert sample.code in blocks, (page.slug, sample.label)


def test_the_description_stays_one_paragraph_of_text(builds: dict[str, Path]) -> None:
    root = builds["hostile"]
    page = pages_of(root)[0]
    paragraphs = parse(root / "site" / page.slug / "index.html").texts["p"]
    expected = " ".join(("Line one " + HOSTILE + MULTILINE).splitlines())
    assert expected in paragraphs


def test_owner_index_shows_hostile_names_as_text(builds: dict[str, Path]) -> None:
    root = builds["hostile"]
    owner = parse(root / "owner" / "index.html")
    assert not owner.scripts
    cells = owner.texts["td"]
    for page in pages_of(root):
        assert page.partner_name in cells
        assert page.offer.name in cells
    text = html.unescape((root / "owner" / "index.html").read_text())
    assert "{{ x }}" in text and "{% if 1 %}y{% endif %}" in text
