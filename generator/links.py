"""Where each partner page lives: its path in the site and its public link."""

from __future__ import annotations

import functools
import hashlib
from typing import Literal

Kind = Literal["buyer", "traffic_source"]

KIND_SLUG: dict[str, str] = {"buyer": "b", "traffic_source": "t"}

PAGES_DIR = "p"
"""Top folder of every partner page in the site."""


def page_slug(offer_id: str, kind: Kind, partner_id: str, key: bytes | None) -> str:
    """The page's folder, relative to the site root, without slashes at either end.

    With a site key the folder is an HMAC-SHA256 of the pair, so links cannot be
    guessed from ids and survive rebuilds; without one it is readable (local preview).
    """
    if key is None:
        return f"{PAGES_DIR}/{offer_id}/{KIND_SLUG[kind]}-{partner_id}"
    inner, outer = _hmac_pads(key)
    h = inner.copy()
    h.update(f"postdocs-page-v1\0{offer_id}\0{kind}\0{partner_id}".encode())
    o = outer.copy()
    o.update(h.digest())
    return f"{PAGES_DIR}/{o.hexdigest()[:32]}"


@functools.lru_cache(maxsize=4)
def _hmac_pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256 (RFC 2104) with the key's two padded blocks hashed once.

    ``hmac.new`` per page sets up the key again for each of 10,000 pages (OpenSSL 3 looks the
    algorithm up every time); copying the two prepared hashes costs half as much.
    """
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in block)), hashlib.sha256(bytes(b ^ 0x5C for b in block))


def page_url(site_url: str, slug: str) -> str:
    """The shareable link of a page (directory URL)."""
    return f"{site_url.rstrip('/')}/{slug}/"
