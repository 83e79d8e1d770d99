"""The built example site in a real browser (Debian's Chromium driven by Playwright) and real checkers.

The example project is committed to a git repository (two commits, fixed dates, so pages show a
change history), built with ``postdocs build --strict`` and served over HTTP on 127.0.0.1.  Every
page must load without a console error or a request leaving the site; linked tabs, the copy button
and the print layout are exercised; axe-core, the Nu Html Checker and linkchecker check every page.
Screenshots of a buyer page and a traffic-source page, phone and desktop, go to ``tests/artifacts/``
(and, with ``--update-goldens``, to ``docs/screenshots/`` for the README).

In CI (``POSTDOCS_REQUIRE_TOOLS=1``, which ``conftest.py`` also sets when ``CI`` is) a missing browser or
checker fails; elsewhere the
tests are skipped with what to install.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO, copy_project
from gitutil import commit_all, edit, init_repo

from generator.build import Project, check
from generator.cli import main
from generator.plan import Page
from generator.samples import SAMPLERS, curl

ARTIFACTS = REPO / "tests" / "artifacts"
SCREENSHOTS = REPO / "docs" / "screenshots"
NODE_MODULES = REPO / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
BASELINE = Path(__file__).with_name("axe-baseline.json")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
BUYER_PAGE = ("final-expense", "buyer", "lakeshore-benefits")
SOURCE_PAGE = ("final-expense", "traffic_source", "bluewave-media")
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def missing(what: str, install: str) -> None:
    """Fail in CI (``POSTDOCS_REQUIRE_TOOLS=1``), skip elsewhere; name what to install."""
    message = f"{what} not found: {install}"
    if os.environ.get("POSTDOCS_REQUIRE_TOOLS") == "1":  # set in CI (and by conftest.py when CI is set)
        pytest.fail(f"{message} (.ci/run installs it; in CI a missing browser or checker is a failure)")
    pytest.skip(message)


def chromium_path() -> str:
    for candidate in (os.environ.get("POSTDOCS_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    missing("Chromium", "apt-get install chromium (or set POSTDOCS_CHROMIUM to a Chrome/Chromium binary)")
    raise AssertionError  # pragma: no cover


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        missing(name, f"pip install -e '.[test]' (it provides {name})")
    return str(found)


def node_tool(path: Path) -> Path:
    if not path.is_file():
        missing(str(path.relative_to(REPO)), "npm ci (package.json lists the checkers)")
    return path


# --------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class Site:
    root: Path
    """The project folder."""
    base: str
    """http://127.0.0.1:PORT"""
    pages: dict[tuple[str, str, str], Page]

    @property
    def dir(self) -> Path:
        return self.root / "site"

    def url(self, key: tuple[str, str, str]) -> str:
        return f"{self.base}/{self.pages[key].slug}/"

    def urls(self) -> list[str]:
        """Every page of the site: home and partner pages (the 404 page is served for unknown paths)."""
        return [f"{self.base}/", *(self.url(k) for k in sorted(self.pages))]


ROBOTS_META = b'<meta name="robots" content="noindex, nofollow">'


class _Quiet(http.server.SimpleHTTPRequestHandler):
    strip_robots = False
    """Serve pages without their robots meta tag: linkchecker, like a search engine, follows no link of a
    ``nofollow`` page, and partner pages are all ``nofollow``."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if not self.strip_robots or path.suffix != ".html" or not path.is_file():
            return super().send_head()
        data = path.read_bytes().replace(ROBOTS_META, b"")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)


class _ForLinkchecker(_Quiet):
    strip_robots = True

    def end_headers(self) -> None:
        self.send_header("LinkChecker", "local test server")  # lets it send more than 10 requests a second
        super().end_headers()


@contextmanager
def serve(directory: Path, handler: type[http.server.SimpleHTTPRequestHandler] = _Quiet) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1; yield the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example project with two commits of history, built strictly and served on 127.0.0.1."""
    root = init_repo(copy_project(tmp_path_factory.mktemp("browser")))
    commit_all(root, "example catalogue", "2025-01-15")
    edit(root / "offers/buyers/lakeshore-benefits.yml", "    example: submitted", "    example: approved")
    edit(root / "offers/final-expense.yml", "payout: 32.00", "payout: 34.00")
    commit_all(root, "new example status; BlueWave's payout", "2025-03-04")
    result = CliRunner().invoke(main, ["--project", str(root), "build", "--strict"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    project = Project.at(root)
    pages = {(p.offer.id, p.kind, p.partner_id): p for p in check(project).pages}
    with serve(root / "site") as base:
        yield Site(root, base, pages)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright", "pip install playwright (never `playwright install`: it uses Debian's chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Visit:
    """What one page did while loading."""

    errors: list[str]
    outside: list[str]


def open_page(context: Any, url: str, base: str) -> tuple[Any, Visit]:
    page = context.new_page()
    visit = Visit([], [])
    page.on("console", lambda m: visit.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: visit.errors.append(f"failed request: {r.url}"))
    page.on("request", lambda r: visit.outside.append(r.url) if not r.url.startswith((base + "/", "data:")) else None)
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, url
    return page, visit


# --------------------------------------------------------------------------- pages


def test_every_page_loads_cleanly(site: Site, browser: Any) -> None:
    context = browser.new_context()
    for url in site.urls():
        page, visit = open_page(context, url, site.base)
        assert visit.errors == [], url
        assert visit.outside == [], f"{url} made requests outside the site"
        assert page.locator("h1").count() == 1
        dangling = page.evaluate(
            """() => [...document.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href').slice(1))
                .filter(id => id && !document.getElementById(decodeURIComponent(id)))"""
        )
        assert dangling == [], f"{url}: links to anchors that do not exist"
        page.close()
    context.close()


def test_a_language_chosen_on_one_page_is_chosen_on_the_next(site: Site, browser: Any) -> None:
    context = browser.new_context()
    first, python = SAMPLERS[0][0], next(label for label, lang, _ in SAMPLERS if lang == "python")
    page, _ = open_page(context, site.url(BUYER_PAGE), site.base)
    assert checked_tabs(page) == {first}
    page.locator(".tabbed-labels label", has_text=python).first.click()
    assert checked_tabs(page) == {python}
    page.goto(site.url(SOURCE_PAGE), wait_until="networkidle")
    assert checked_tabs(page) == {python}
    context.close()


def checked_tabs(page: Any) -> set[str]:
    """The label of the selected tab of every tab set on the page."""
    labels = page.evaluate(
        """() => [...document.querySelectorAll('.tabbed-set')].map(set => {
            const input = set.querySelector(':scope > input:checked');
            return set.querySelector(`label[for="${input.id}"]`).textContent.trim();
        })"""
    )
    assert labels, "no tab set on the page"
    return set(labels)


@pytest.mark.parametrize("key", [BUYER_PAGE, SOURCE_PAGE, ("auto-insurance", "traffic_source", "crestline-calls")])
def test_the_copy_button_copies_exactly_the_curl_sample(site: Site, browser: Any, key: tuple[str, str, str]) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page, _ = open_page(context, site.url(key), site.base)
    block = page.locator(".tabbed-set").first.locator(".tabbed-block").first
    block.locator('button.md-code__button[data-md-type="copy"]').click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == curl(site.pages[key].requests[0]).removesuffix("\n")
    context.close()


def test_printing_keeps_every_sample_whole(site: Site, browser: Any) -> None:
    context = browser.new_context()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for key in sorted(site.pages):
        page, _ = open_page(context, site.url(key), site.base)
        page.emulate_media(media="print")
        layout = page.evaluate(
            """() => ({
                cut: [...document.querySelectorAll('.md-content pre, .md-content pre > code')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
                    .map(e => e.textContent.slice(0, 60)),
                hiddenBlocks: [...document.querySelectorAll('.tabbed-block')]
                    .filter(e => getComputedStyle(e).display === 'none').length,
                labels: [...document.querySelectorAll('.tabbed-labels > label')]
                    .filter(e => getComputedStyle(e).display === 'none').length,
                sidebars: [...document.querySelectorAll('.md-sidebar, .md-header, .md-footer')]
                    .filter(e => getComputedStyle(e).display !== 'none').length,
            })"""
        )
        assert layout == {"cut": [], "hiddenBlocks": 0, "labels": 0, "sidebars": 0}, site.url(key)
        if key in (BUYER_PAGE, SOURCE_PAGE):
            pdf = page.pdf(format="A4")
            assert pdf.startswith(b"%PDF")
            (ARTIFACTS / f"{key[1]}.pdf").write_bytes(pdf)
        page.close()
    context.close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots(site: Site, browser: Any, update_goldens: bool) -> None:
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for name, key in (("buyer", BUYER_PAGE), ("traffic-source", SOURCE_PAGE)):
        for device, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport, is_mobile=device == "phone")
            page, _ = open_page(context, site.url(key), site.base)
            path = out / f"{name}-{device}.png"
            page.screenshot(path=str(path))
            assert png_size(path.read_bytes()) == (viewport["width"], viewport["height"])
            context.close()
            if update_goldens:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, SCREENSHOTS / path.name)
            committed = SCREENSHOTS / path.name
            assert committed.is_file(), f"{committed} missing: run pytest --update-goldens"
            assert png_size(committed.read_bytes()) == (viewport["width"], viewport["height"])


# --------------------------------------------------------------------------- checkers


def element(target: str) -> str:
    """An axe target as the kind of element it is: ``:nth-child(3)`` and the like dropped (they differ per page)."""
    return re.sub(r"#__code_\d+", "#__code_N", re.sub(r":nth-(?:child|of-type)\(\d+\)", "", target))


def test_axe_finds_nothing_beyond_the_baseline(site: Site, browser: Any) -> None:
    """Every violation axe finds on every page is accepted by the baseline by rule *and* element, and counted.

    ``axe-baseline.json``: per rule, why it is accepted and how many times each element may fail it over the
    whole site.  A new element failing an accepted rule, or one more failure of an accepted element, fails.
    """
    script = node_tool(AXE)
    baseline = json.loads(BASELINE.read_text())
    context = browser.new_context()
    found: dict[str, dict[str, int]] = {}
    where: dict[tuple[str, str], str] = {}
    for url in site.urls():
        page, _ = open_page(context, url, site.base)
        page.add_script_tag(path=str(script))
        violations = page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']}})).violations
                .map(v => ({id: v.id, targets: v.nodes.map(n => n.target.join(' '))}))"""
        )
        for v in violations:
            for target in v["targets"]:
                kind = element(target)
                counts = found.setdefault(v["id"], {})
                counts[kind] = counts.get(kind, 0) + 1
                where.setdefault((v["id"], kind), f"{url.removeprefix(site.base)} {target}")
        page.close()
    context.close()
    accepted = {rule: entry["accept"] for rule, entry in baseline.items()}
    beyond = {
        f"{rule}: {kind} x{count} (accepted: {accepted.get(rule, {}).get(kind, 0)}), like {where[rule, kind]}"
        for rule, counts in found.items()
        for kind, count in counts.items()
        if count > accepted.get(rule, {}).get(kind, 0)
    }
    assert beyond == set(), "accessibility problems beyond axe-baseline.json (fix them, or record and explain them)"
    stale = {
        f"{rule}: {kind} accepted x{count}, found x{found.get(rule, {}).get(kind, 0)}"
        for rule, kinds in accepted.items()
        for kind, count in kinds.items()
        if found.get(rule, {}).get(kind, 0) < count
    }
    assert stale == set(), "axe-baseline.json accepts more than occurs: lower or remove these entries"
    assert all(entry["why"] for entry in baseline.values())


def test_vnu_finds_no_error_beyond_materials_known_one(site: Site) -> None:
    jar = node_tool(VNU)
    java = shutil.which("java")
    if java is None:
        missing("java", "apt-get install openjdk-17-jre-headless")
    known = ".*Attribute “autocomplete” is only allowed when the input type is.*"  # Material's search toggles
    result = subprocess.run(
        [
            java,
            "-jar",
            str(jar),
            "--stdout",
            "--format",
            "json",
            "--skip-non-html",
            "--filterpattern",
            known,
            str(site.dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = [f"{m.get('url', '')}:{m.get('lastLine', '')}: {m['message']}" for m in messages if m["type"] == "error"]
    assert errors == []
    checked = {m.get("url") for m in messages}
    assert len(checked) >= 2, "vnu read no page"  # info messages name the pages it read


def test_linkchecker_finds_no_broken_internal_link(site: Site, tmp_path: Path) -> None:
    """Every link and anchor between pages and to assets resolves (--no-robots: robots.txt keeps out /p/)."""
    exe = tool("linkchecker")
    config = tmp_path / "linkchecker.ini"
    with serve(site.dir, _ForLinkchecker) as base:
        config.write_text(
            "[checking]\nmaxrequestspersecond=500\n\n"
            f"[filtering]\ncheckextern=0\ninternlinks=^{re.escape(base)}/\n\n"
            "[AnchorCheck]\n"
        )
        urls = [base + u.removeprefix(site.base) for u in site.urls()]
        result = subprocess.run(
            [exe, "--config", str(config), "--no-robots", "--no-status", "--verbose", "-o", "csv", *urls],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))
    problems = [(r["urlname"], r["parentname"], r["result"], r["warningstring"]) for r in rows if r["valid"] != "True"]
    problems += [(r["urlname"], r["parentname"], r["result"], r["warningstring"]) for r in rows if r["warningstring"]]
    assert problems == [], result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    parents = {r["parentname"] for r in rows}
    assert any(p.startswith(base + "/p/") for p in parents), "linkchecker followed no link of a partner page"
