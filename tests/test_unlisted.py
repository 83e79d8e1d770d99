"""Partner pages are unlisted: proven by crawling the built site over HTTP from its public entry points.

The example is built with a site key (unguessable paths) and served by a real HTTP server.  A crawler
that knows nothing of postdocs follows every link of every reachable page, the sitemap (plain and
gzipped), the search index, the 404 page and robots.txt: no partner page may be reached, no reachable
file may name one, and nothing partner-specific may show.  Then each partner page is fetched by its
link: it carries the noindex meta and links to no other partner's page.
"""

from __future__ import annotations

import gzip
import http.server
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE_SECRETS, TEST_KEY, copy_project

from generator.build import Project, check
from generator.cli import main
from generator.plan import Plan

ENTRY_POINTS = ("/", "/sitemap.xml", "/sitemap.xml.gz", "/search/search_index.json", "/404.html", "/robots.txt")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.links += [a[k] for k in ("href", "src", "action", "data", "poster") if k in a]
        if "srcset" in a:
            self.links += [part.split()[0] for part in a["srcset"].split(",") if part.strip()]
        if tag == "meta" and "name" in a:
            self.meta[a["name"].lower()] = a.get("content", "")


def html_links(body: bytes) -> Links:
    parser = Links()
    parser.feed(body.decode("utf-8", errors="replace"))
    return parser


def css_links(body: bytes) -> list[str]:
    return re.findall(r"url\(\s*['\"]?([^'\")]+)", body.decode("utf-8", errors="replace"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Plan]:
    root = copy_project(tmp_path_factory.mktemp("unlisted"))
    env = {"POSTDOCS_SITE_KEY": TEST_KEY, **EXAMPLE_SECRETS}
    result = CliRunner(env=env).invoke(main, ["--project", str(root), "build", "--publish"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root, check(Project.at(root), env)


@pytest.fixture(scope="module")
def server(built: tuple[Path, Plan]) -> Iterator[str]:
    site = built[0] / "site"

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(site), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


SITE_URL = "https://partners.summitcalls.example/"


def crawl(base: str) -> dict[str, bytes]:
    """Every URL of the site reachable from the public entry points, with its body."""
    seen: dict[str, bytes] = {}
    queue = [base + e for e in ENTRY_POINTS]
    while queue:
        url = urldefrag(queue.pop(0))[0]
        if url in seen or not url.startswith(base):
            continue
        status, kind, body = fetch(url)
        seen[url] = body
        if status != 200:
            continue
        if url.endswith(".gz"):
            body = gzip.decompress(body)
        found: list[str] = []
        if kind == "text/html":
            found = html_links(body).links
        elif url.endswith((".xml", ".xml.gz")):
            found = [loc.replace(SITE_URL, base + "/") for loc in re.findall(r"<loc>([^<]+)</loc>", body.decode())]
        elif url.endswith(".json"):
            found = ["/" + d["location"] for d in json.loads(body).get("docs", [])]
        elif url.endswith("robots.txt"):
            found = re.findall(r"(?im)^(?:dis)?allow:\s*(\S+)", body.decode())
        elif kind == "text/css":
            found = css_links(body)
        for link in found:
            target = urljoin(url, link)
            if urlsplit(target).scheme in ("http", "https"):
                queue.append(target)
    return seen


def partner_paths(plan: Plan) -> set[str]:
    return {f"/{page.slug}/" for page in plan.pages}


def test_no_partner_page_is_reachable_from_the_public_entry_points(built: tuple[Path, Plan], server: str) -> None:
    reached = crawl(server)
    paths = {urlsplit(url).path for url in reached}
    assert "/" in paths and "/assets/postdocs.css" in paths and "/search/search_index.json" in paths
    assert len(reached) > 10
    partners = partner_paths(built[1])
    assert len(partners) == 12 and all(re.fullmatch(r"/p/[0-9a-f]{32}/", p) for p in partners)
    assert not paths & partners
    assert not any(p.startswith("/p/") for p in paths - {"/p/"})
    for url, body in reached.items():
        text = body if not url.endswith(".gz") else gzip.decompress(body)
        for path in partners:
            assert path.strip("/").encode() not in text, (url, path)


def test_the_public_part_shows_nothing_partner_specific(built: tuple[Path, Plan], server: str) -> None:
    plan = built[1]
    secrets = set()
    for page in plan.pages:
        secrets |= {page.partner_name, page.partner_id}
        if page.offer.lead_token:
            secrets.add(page.offer.lead_token)
        if page.source:
            secrets.add(page.source.traffic_source_id)
    for url, body in crawl(server).items():
        if not url.endswith((".js", ".map", ".css", ".png", ".svg")):  # Material's own assets
            text = (gzip.decompress(body) if url.endswith(".gz") else body).decode("utf-8", errors="replace")
            for value in secrets:
                assert not re.search(rf"\b{re.escape(value)}\b", text), (url, value)


def test_every_partner_page_is_noindex_and_links_to_no_other_partner(built: tuple[Path, Plan], server: str) -> None:
    partners = partner_paths(built[1])
    for path in sorted(partners):
        status, _, body = fetch(server + path)
        assert status == 200
        page = html_links(body)
        assert page.meta.get("robots") == "noindex, nofollow", path
        targets = {urlsplit(urljoin(server + path, link)).path for link in page.links}
        targets |= {urlsplit(link).path for link in page.links if link.startswith(SITE_URL)}
        assert targets & partners <= {path}, path
        others = [p.strip("/") for p in partners - {path}]
        assert not any(other.encode() in body for other in others), path


def test_robots_txt_and_listing_files(built: tuple[Path, Plan], server: str) -> None:
    assert fetch(server + "/robots.txt")[2] == b"User-agent: *\nDisallow: /p/\n"
    sitemap = fetch(server + "/sitemap.xml")[2].decode()
    assert re.findall(r"<loc>([^<]+)</loc>", sitemap) == [SITE_URL]
    index = json.loads(fetch(server + "/search/search_index.json")[2])
    assert {d["location"].split("#")[0] for d in index["docs"]} == {""}
    status, _, body = fetch(server + "/p/")  # a host that lists folders finds an index page instead
    assert status == 200 and html_links(body).meta.get("robots") == "noindex, nofollow"
    assert b"Nothing to browse here" in body


def test_the_build_side_crawl_reports_every_way_a_partner_page_leaks(tmp_path: Path) -> None:
    from generator.exposure import exposure_problems

    site = tmp_path / "site"
    noindex = '<meta name="robots" content="noindex, nofollow">'
    files = {
        "index.html": '<a href="p/aaa/">a</a> <link rel="canonical" href="https://x.example/">',
        "404.html": "<p>not found</p>",
        "search/search_index.json": json.dumps({"docs": [{"location": "p/bbb/#top"}]}),
        "robots.txt": "User-agent: *\nDisallow: /p/\n",
        "extra.css": "/* p/ccc */",
        "p/aaa/index.html": '<a href="../bbb/">b</a>',
        "p/bbb/index.html": noindex,
        "p/ccc/index.html": noindex + '<a href="https://x.example/p/ccc/">self</a>',
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    entry_points = ("index.html", "404.html", "search/search_index.json", "robots.txt", "sitemap.xml")
    problems = exposure_problems(site, "https://x.example/", ["p/aaa", "p/bbb", "p/ccc"], entry_points)
    assert problems == [
        "partner page p/aaa/ can be reached without its link (from index.html)",
        "partner page p/bbb/ can be reached without its link (from search/search_index.json)",
        "folder p/ has no index.html: a host that lists folders would list partner pages",
        'partner page p/aaa/ has no <meta name="robots" content="noindex, nofollow">',
        "partner page p/aaa/ links to another partner's page p/bbb/",
    ]
    (site / "p" / "index.html").write_text(noindex + '<a href="../extra.css">css</a>')
    problems = exposure_problems(site, "https://x.example/", ["p/ccc"], entry_points)
    assert problems == ["extra.css names partner page p/ccc/"]


def test_files_beside_a_partner_page_are_as_private_as_the_page(tmp_path: Path) -> None:
    from generator.exposure import exposure_problems

    site = tmp_path / "site"
    noindex = '<meta name="robots" content="noindex, nofollow">'
    files = {
        "index.html": '<a href="p/aaa/openapi.json">spec</a>',
        "p/index.html": noindex,
        "p/aaa/index.html": noindex + '<a href="openapi.json">own export</a>',
        "p/aaa/openapi.json": "{}",
        "p/bbb/index.html": noindex + '<a href="../aaa/openapi.json">another partner\'s export</a>',
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    assert exposure_problems(site, "https://x.example/", ["p/aaa", "p/bbb"], ["index.html"]) == [
        "p/aaa/openapi.json, a file of partner page p/aaa/ can be reached without its link (from index.html)",
        "partner page p/bbb/ links to another partner's page p/aaa/",
    ]
