"""Helpers for tests that need a plan from a small catalogue."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from conftest import MINIMAL, write_tree

from generator.canonical import Request
from generator.catalogue import load_catalogue
from generator.plan import Plan, plan_site


def plan_from(tmp_path: Path, **changes: str | None) -> Plan:
    """Plan the minimal catalogue with files replaced (``buyers__sunbuyer_yml=...``) or removed (None)."""
    files: dict[str, str] = dict(MINIMAL)
    for key, content in changes.items():
        name = _name(key)
        if content is None:
            files.pop(name, None)
        else:
            files[name] = content
    write_tree(tmp_path, files)
    return plan_site(load_catalogue(tmp_path / "offers"))


def _name(key: str) -> str:
    """``traffic_sources__x_yml`` -> ``offers/traffic-sources/x.yml``."""
    folder, _, rest = key.rpartition("__")
    folder = folder.replace("_", "-")
    return "offers/" + (folder + "/" if folder else "") + rest.removesuffix("_yml") + ".yml"


def only_request(plan: Plan, offer: str, partner: str, key: str | None = None) -> Request:
    pages = plan.find(offer, partner)
    assert len(pages) == 1, pages
    requests = [r for r in pages[0].requests if key is None or r.key == key]
    assert len(requests) == 1, requests
    return requests[0]


def buyer(platform: str, extra: str = "") -> str:
    """A buyer file; on ViciDial (whose Dispo Call URL fires on every disposition) with a sale status."""
    statuses = "sale_statuses: [SALE]\n" if platform == "vicidial" and "sale_statuses" not in extra else ""
    return (
        textwrap.dedent(f"""
        id: sunbuyer
        name: Sun Buyer
        platform: {platform}
    """)
        + statuses
        + textwrap.dedent(extra)
    )


def source(platform: str, extra: str = "") -> str:
    return textwrap.dedent(f"""
        id: sunsource
        name: Sun Source
        platform: {platform}
        traffic_source_id: 501
    """) + textwrap.dedent(extra)


def files_with(**changes: str) -> Mapping[str, str]:
    files = dict(MINIMAL)
    for key, content in changes.items():
        files[_name(key)] = content
    return files
