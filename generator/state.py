"""What the last build produced, so the next one redoes only what changed (``build/state``).

A build records a *fingerprint* of everything that shapes every page (postdocs and the libraries it
builds with, ``mkdocs.yml``, the templates, the site key, ``SOURCE_DATE_EPOCH``, the build options),
the size, modification time and SHA-256 of every catalogue file, and for every page a *digest* of
its own inputs (the fingerprint, its slug, the files of its account, offer, partner and platform,
and its change history) with every file written for it.

The next build compares: nothing changed means nothing to do and nothing touched; some pages changed
means only those are rendered; a changed fingerprint or public part means a clean build.  The state
is removed before anything is renamed into place and written last, so a build interrupted while
publishing leaves no state, and the next build is clean.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import __version__
from .errors import naming

VERSION = 2
LIBRARIES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "Markdown", "Pygments", "Jinja2", "pydantic")


def _digest(parts: Iterable[str | bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def tree_digest(root: Path) -> str:
    """SHA-256 over every file (path and bytes) under ``root``."""
    parts: list[str | bytes] = []
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return _digest(parts)


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The postdocs code running now: its version and every file of the package."""
    return f"{__version__} {tree_digest(Path(__file__).resolve().parent)}"


def fingerprint(
    *,
    config: Path,
    templates: Path,
    key_text: str | None,
    environ: Mapping[str, str],
    options: Mapping[str, Any],
) -> str:
    """The digest of every input that shapes every page (never holding a secret itself)."""
    versions = [f"{name}={version}" for name, version in library_versions().items()]
    return _digest(
        [
            f"postdocs={__version__}",
            sys.version,
            *versions,
            code_digest(),
            config.read_bytes() if config.is_file() else b"",
            tree_digest(templates),
            _digest(["site key", key_text]) if key_text else "no key",
            environ.get("SOURCE_DATE_EPOCH", ""),
            json.dumps(dict(options), sort_keys=True),
        ]
    )


def library_versions() -> dict[str, str]:
    """The installed version of each library in :data:`LIBRARIES`.

    Read from the names of the installed packages' ``.dist-info`` folders (``Jinja2-3.1.6.dist-info``),
    the first found along ``sys.path`` as the import system finds them; ``importlib.metadata``, which
    costs every command more to import than the rest of this check, answers only for what is not found.
    """
    wanted = {_normalized(name): name for name in LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                dist, _, version = folder.removesuffix(".dist-info").partition("-")
                name = wanted.get(_normalized(dist))
                if name is not None and name not in found and version:
                    found[name] = version
    for name in LIBRARIES:
        if name not in found:
            from importlib import metadata

            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
                found[name] = "?"
    return {name: found[name] for name in LIBRARIES}


def _normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them (``pymdown_extensions`` is ``pymdown-extensions``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def secrets_digest(values: Mapping[str, str]) -> str:
    """A digest of the secrets the output was scanned for (a changed secret means a new scan)."""
    return _digest(f"{k}\0{v}" for k, v in sorted(values.items()))


def catalogue_files(root: Path) -> list[tuple[str, os.DirEntry[str]]]:
    """Every YAML file of the catalogue: (path relative to ``root``, its entry), sorted by path.

    Folders are walked as ``Path.rglob`` walks them (links to folders are not followed, links to files
    are), with ``os.scandir``: an entry answers ``is_file`` without a system call unless it is a link.
    """
    found: list[tuple[str, os.DirEntry[str]]] = []
    stack = [(os.fspath(root), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            if entry.is_dir() and not entry.is_symlink():
                stack.append((entry.path, f"{prefix}{entry.name}/"))
            elif os.path.splitext(entry.name)[1] in (".yml", ".yaml") and entry.is_file():
                found.append((prefix + entry.name, entry))
    return sorted(found, key=lambda item: item[0])


def inputs(root: Path, previous: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    """``relative path -> [size, mtime_ns, sha256]`` of every catalogue file; unchanged stats reuse the hash."""
    out: dict[str, list[Any]] = {}
    for rel, entry in catalogue_files(root):
        st = entry.stat()
        old = previous.get(rel)
        if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
            out[rel] = old
        else:
            with open(entry.path, "rb") as f:
                out[rel] = [st.st_size, st.st_mtime_ns, hashlib.sha256(f.read()).hexdigest()]
    return out


def same_inputs(a: Mapping[str, list[Any]], b: Mapping[str, list[Any]]) -> bool:
    """True when both describe the same files with the same contents."""
    return {k: v[2] for k, v in a.items()} == {k: v[2] for k, v in b.items()}


@dataclass
class State:
    """The record of the last successful build."""

    fingerprint: str
    inputs: dict[str, list[Any]]
    secrets: str
    """Digest of every secret value the output was scanned for."""
    secret_env: list[str]
    """Environment variables the catalogue references as secrets."""
    secret_env_digest: str
    """Digest of their values (a changed value means a new scan)."""
    head: str | None
    """The git commit the catalogue's history was read at."""
    public: str
    """Digest of what the public part (home, folder indexes, shells) depends on."""
    pages: dict[str, str] = field(default_factory=dict)
    """Slug -> digest of every page the build wrote (its files follow from the slug)."""
    shells: dict[str, Any] = field(default_factory=dict)
    """The page shells, by depth (:meth:`shell.Shells.saved`)."""
    trusted: list[str] = field(default_factory=list)
    """Languages the fast highlighter was verified on."""
    toc: dict[str, str] = field(default_factory=dict)
    """Rendered tables of contents by their headings."""
    notes: list[str] = field(default_factory=list)
    """The build's notes, repeated when a later build finds nothing to do."""

    @classmethod
    def load(cls, folder: Path) -> State | None:
        """The state in ``folder``, or None when there is none (or it is from another version)."""
        try:
            data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        try:
            data.pop("version")
            return cls(**data)
        except (TypeError, KeyError, AttributeError):
            return None

    @staticmethod
    def invalidate(folder: Path) -> None:
        """Forget the last build before its output is replaced.

        A build interrupted while publishing then leaves no state, and the next build is clean instead
        of trusting pages it may have touched.
        """
        (folder / "manifest.json").unlink(missing_ok=True)

    def save(self, folder: Path) -> None:
        """Write the state atomically."""
        folder.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, **{f.name: getattr(self, f.name) for f in fields(self)}}
        tmp = folder / ".manifest.json.tmp"
        with naming(tmp):
            tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, folder / "manifest.json")
