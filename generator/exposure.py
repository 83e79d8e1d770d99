"""What the built site shows to someone who has no link: a crawl from its public entry points.

The build runs this on the staged site before publishing it and fails when a
partner page can be reached without its link (through a page, the sitemap or
the search index), when a partner page lacks its ``noindex`` meta tag, or when
a partner page links to another partner's page.  It is the last line of
defence against a theme or ``mkdocs.yml`` change that would list partner pages.
"""

from __future__ import annotations

import gzip
import json
import posixpath
import re
import zlib
from collections.abc import Collection, Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .links import PAGES_DIR

_LINK_ATTRS = {"href", "src", "action", "data", "poster", "formaction", "cite"}
_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>")
MAX_DECOMPRESSED = 64 * 1024 * 1024
"""Most bytes read from a compressed file (``sitemap.xml.gz``)."""


class _Page(HTMLParser):
    """Links and robots meta of one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.robots: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name in _LINK_ATTRS:
                self.links.append(value)
            elif name in ("srcset", "imagesrcset"):
                self.links.extend(part.split()[0] for part in value.split(",") if part.split())
        if tag == "meta" and values.get("name", "").lower() == "robots":
            self.robots.append(values.get("content", ""))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            _, _, target = values.get("content", "").partition("=")
            if target:
                self.links.append(target.strip().strip("'\""))


def parse_html(data: bytes) -> tuple[list[str], list[str]]:
    """(links, robots meta contents) of an HTML document."""
    page = _Page()
    page.feed(data.decode("utf-8", errors="replace"))
    page.close()
    return page.links, page.robots


def _url_of(rel: str) -> str:
    """The site-relative URL a file is served at (directory URLs for ``index.html``)."""
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel.removesuffix("index.html")
    return "/" + rel


class Site:
    """A built site folder seen through URLs."""

    def __init__(self, root: Path, site_url: str) -> None:
        self.root = root
        base = urlsplit(site_url if "://" in site_url else "https://site.invalid/")
        self.origin = f"{base.scheme}://{base.netloc}"
        self.prefix = "/" + base.path.strip("/") + "/" if base.path.strip("/") else "/"

    def resolve(self, link: str, from_url: str) -> str | None:
        """The site file (relative path) a link leads to, or None when it leaves the site or leads nowhere."""
        absolute = urljoin(self.origin + self.prefix + from_url.lstrip("/"), link)
        split = urlsplit(absolute)
        if f"{split.scheme}://{split.netloc}" != self.origin or not split.path.startswith(self.prefix):
            return None
        path = posixpath.normpath(unquote(split.path[len(self.prefix) :])) if split.path != self.prefix else ""
        path = "" if path == "." else path.lstrip("/")
        if path.startswith(".."):
            return None
        for candidate in (path, f"{path}/index.html" if path else "index.html"):
            target = self.root / candidate
            if candidate and target.is_file():
                return candidate
        return None


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix != ".gz":
        return data
    try:
        with gzip.open(path, "rb") as f:
            return f.read(MAX_DECOMPRESSED)
    except (OSError, EOFError, zlib.error):
        return b""


def _links_of(site: Site, rel: str) -> list[str]:
    data = _read(site.root / rel)
    rel = rel.removesuffix(".gz")
    if rel.endswith(".html"):
        return parse_html(data)[0]
    if rel.endswith(".xml"):
        return [m.decode("utf-8", errors="replace") for m in _LOC.findall(data)]
    if rel.endswith("robots.txt"):
        lines = data.decode("utf-8", errors="replace").splitlines()
        fields = [line.partition(":") for line in lines]
        return [value.strip() for name, _, value in fields if name.strip().lower() in ("allow", "disallow", "sitemap")]
    if rel.endswith(".json"):
        try:
            docs = json.loads(data).get("docs", [])
        except (ValueError, AttributeError):
            return []
        return ["/" + str(d.get("location", "")).lstrip("/") for d in docs if isinstance(d, dict)]
    return []


def reachable(site: Site, entry_points: Iterable[str]) -> dict[str, str]:
    """Every site file reachable from the entry points, with the first file linking to it."""
    seen: dict[str, str] = {}
    queue = [(e, "(entry point)") for e in entry_points if (site.root / e).is_file()]
    while queue:
        rel, referrer = queue.pop(0)
        if rel in seen:
            continue
        seen[rel] = referrer
        for link in _links_of(site, rel):
            target = site.resolve(link, _url_of(rel))
            if target is not None and target not in seen:
                queue.append((target, rel))
    return seen


def _owner(rel: str, slugs: Collection[str]) -> str | None:
    """The partner page whose folder holds ``rel`` (the page itself or a file beside it, like an export)."""
    parts = rel.split("/")
    return next(
        (prefix for i in range(1, len(parts)) if (prefix := "/".join(parts[:i])) in slugs),
        None,
    )


class SlugFinder:
    """Finds every partner page's path written in some bytes (one simple scan, then set lookups)."""

    _PATH = re.compile(rb"(?<![A-Za-z0-9_.-])" + PAGES_DIR.encode() + rb"/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")

    def __init__(self, slugs: Collection[str]) -> None:
        self.slugs = frozenset(slugs)

    def __call__(self, data: bytes) -> set[str]:
        """The partner pages whose paths (or paths inside whose folders) ``data`` names."""
        found: set[str] = set()
        for match in self._PATH.finditer(data):
            parts = match.group(0).decode().split("/")
            for i in range(2, len(parts) + 1):
                candidate = "/".join(parts[:i])
                if candidate in self.slugs:
                    found.add(candidate)
        return found


def exposure_problems(
    site_dir: Path,
    site_url: str,
    partner_slugs: Collection[str],
    entry_points: Iterable[str],
    checked_pages: Collection[str] = (),
) -> list[str]:
    """Everything that makes a partner page findable without its link; empty when the site is safe.

    Partner pages in ``checked_pages`` were checked as they were written (noindex meta, links to other
    partners) and are not parsed again.
    """
    site = Site(site_dir, site_url)
    slugs = frozenset(partner_slugs)
    find = SlugFinder(slugs)
    pages = {f"{slug}/index.html": slug for slug in slugs}
    problems: list[str] = []
    seen = reachable(site, entry_points)
    found = {owner for rel in seen if (owner := _owner(rel, slugs))}
    for rel, referrer in sorted(seen.items()):
        owner = _owner(rel, slugs)
        if owner is not None:
            what = "partner page" if rel in pages else f"{rel}, a file of partner page"
            problems.append(f"{what} {owner}/ can be reached without its link (from {referrer})")
        else:
            data = _read(site_dir / rel)
            named = sorted(find(data) - found)
            problems.extend(f"{rel} names partner page {slug}/" for slug in named)
    folders = {"/".join(slug.split("/")[:i]) for slug in partner_slugs for i in range(1, slug.count("/") + 1)}
    for folder in sorted(folders):
        if not (site_dir / folder / "index.html").is_file():
            problems.append(f"folder {folder}/ has no index.html: a host that lists folders would list partner pages")
    skip = frozenset(checked_pages)
    for rel, slug in sorted(pages.items()):
        if slug in skip:
            continue
        path = site_dir / rel
        if not path.is_file():
            problems.append(f"partner page {slug}/ was not built")
            continue
        links, robots = parse_html(path.read_bytes())
        if not any("noindex" in r.lower() and "nofollow" in r.lower() for r in robots):
            problems.append(f'partner page {slug}/ has no <meta name="robots" content="noindex, nofollow">')
        others = sorted({o for link in links if (o := _owner(site.resolve(link, _url_of(rel)) or "", slugs))})
        problems.extend(f"partner page {slug}/ links to another partner's page {o}/" for o in others if o != slug)
    return problems
