"""Creating and rotating the site key: ``postdocs key new`` and ``postdocs key rotate``.

Rotating the key moves every partner page to a new unguessable path.  The
command prints each pair's old and new link (so the owner can send the new
ones) and writes the new key into ``.postdocs-key``; the old links stop working
when the site built with the new key is published.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import site
from .build import Project
from .catalogue import load_catalogue
from .errors import UsageError
from .keys import KEY_ENV, load_key, new_key, parse_key, write_key
from .links import page_url
from .plan import plan_site

ROTATION_FIELDS = ("offer", "partner", "kind", "old_url", "new_url")


@dataclass(frozen=True)
class Rotation:
    """What ``key rotate`` did."""

    rows: list[dict[str, str]]
    path: Path
    """The key file written."""
    env_override: bool
    """``POSTDOCS_SITE_KEY`` is set and will keep winning over the new key file."""
    git_ignored: bool | None
    """Is the key file git-ignored? None outside a git work tree."""


def create_key(project: Project, environ: Mapping[str, str] | None = None) -> Path:
    """Write a first site key; refuse when the project already has one."""
    environ = os.environ if environ is None else environ
    existing = load_key(project.root, environ)
    if existing is not None:
        raise UsageError(
            f"the project already has a site key (from {existing.source}); "
            "`postdocs key rotate` replaces it and prints every old -> new link"
        )
    return write_key(project.root, new_key())


def rotate_key(project: Project, environ: Mapping[str, str] | None = None) -> Rotation:
    """Replace the site key; return every pair's old and new link."""
    environ = os.environ if environ is None else environ
    old = load_key(project.root, environ)
    catalogue = load_catalogue(project.catalogue)
    text = new_key()
    new = parse_key(text, "new key")
    old_plan = plan_site(catalogue, old.secret if old else None)
    new_plan = plan_site(catalogue, new.secret)
    base = site.site_url(project.config)
    new_slugs = {s.key: s.slug for s in new_plan.slots}
    rows = [
        {
            "offer": s.offer_id,
            "partner": s.partner_id,
            "kind": s.kind,
            "old_url": page_url(base, s.slug),
            "new_url": page_url(base, new_slugs[s.key]),
        }
        for s in old_plan.slots
    ]
    path = write_key(project.root, text)
    return Rotation(rows, path, KEY_ENV in environ, git_ignored(path))


def rows_csv(rows: list[dict[str, str]]) -> str:
    """Old -> new links as CSV."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ROTATION_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def git_ignored(path: Path) -> bool | None:
    """Whether git ignores ``path``; None when git is missing or ``path`` is not in a work tree."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [git, "-C", str(path.parent), "check-ignore", "-q", "--", path.name],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {0: True, 1: False}.get(result.returncode)
