"""Where each partner page lives: its path in the site and its public link."""

from __future__ import annotations

import hashlib
import hmac
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
    message = "\0".join(("postdocs-page-v1", offer_id, kind, partner_id)).encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
    return f"{PAGES_DIR}/{digest}"


def page_url(site_url: str, slug: str) -> str:
    """The shareable link of a page (directory URL)."""
    return f"{site_url.rstrip('/')}/{slug}/"
