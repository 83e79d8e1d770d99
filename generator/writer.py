"""Stage ``write``: put rendered files on disk, atomically.

A tree is written into a fresh temporary folder beside its destination and
swapped in with renames only when every file is written, so a failure at any
point leaves the previous tree exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Generic, TypeVar

from .errors import BuildError


def safe_relative(name: str) -> PurePosixPath:
    """Refuse any output path that could leave its folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
        raise BuildError(f"refusing to write outside the output folder: {name!r}")
    return path


def write_files(files: Mapping[str, str | bytes], dest: Path) -> None:
    """Write ``files`` into the (empty or new) folder ``dest``."""
    for name, content in files.items():
        target = dest.joinpath(*safe_relative(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise BuildError(f"two outputs would be written to {name!r}")
        if isinstance(content, str):
            content = content.encode("utf-8")
        target.write_bytes(content)


def staging_dir(dest: Path) -> Path:
    """A new empty folder beside ``dest`` (same file system, so the swap is a rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))


def swap_in(staged: Path, dest: Path) -> None:
    """Replace ``dest`` by ``staged`` with two renames; the old tree is removed afterwards."""
    old = None
    if dest.exists() or dest.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
        os.rmdir(old)
        os.replace(dest, old)
    try:
        os.replace(staged, dest)
    except OSError:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def sync_tree(files: Mapping[str, str | bytes], dest: Path) -> int:
    """Make ``dest`` hold exactly ``files``, touching only files whose content changed.

    Used for the docs folder a live preview watches, so an unchanged page does not
    trigger a rebuild.  Returns the number of files written or removed.
    """
    changed = 0
    wanted = {safe_relative(n).as_posix(): (c.encode("utf-8") if isinstance(c, str) else c) for n, c in files.items()}
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(dest.rglob("*"), reverse=True):
        rel = path.relative_to(dest).as_posix()
        if path.is_file() and rel not in wanted:
            path.unlink()
            changed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for rel, content in wanted.items():
        target = dest / rel
        if target.is_file() and target.read_bytes() == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, target)
        changed += 1
    return changed


_UNREADABLE = (OSError, EOFError, ValueError, TypeError, AttributeError, ImportError, pickle.UnpicklingError)


def read_kept(path: Path, key: object) -> Any:
    """What :func:`keep` wrote at ``path`` under ``key``; ``None`` when absent, unreadable or under another key."""
    try:
        with path.open("rb") as f:
            kept_key, value = pickle.load(f)  # noqa: S301 - a file this program wrote, under build/
    except _UNREADABLE:
        return None
    return value if kept_key == key else None


def keep(path: Path, key: object, value: object) -> None:
    """Write ``value`` under ``key`` at ``path`` atomically, for :func:`read_kept` in a later run.

    What is kept only saves time: a folder that cannot be written (a read-only checkout) is not an error.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            pickle.dump((key, value), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


V = TypeVar("V")


class KeptMap(Generic[V]):
    """A mapping kept between runs in two files: a base, and what later runs added to it.

    Every key names the content its value was made from (a file's digest), so any base with any
    additions is correct; the split only saves time.  A run that used a few new entries of a large map
    (a rebuild after one file changed) writes those entries alone to ``<name>.added``; the base is
    written again, with exactly the entries this run used, once a quarter of it has gone unused or the
    additions have grown to a quarter of its size.  ``path`` None: kept in memory only.
    """

    COMPACT_AT = 4

    def __init__(self, path: Path | None, key: object) -> None:
        self.key = key
        self.entries: dict[str, V] = {}
        self.used: set[str] = set()
        """Keys this run used; only these are kept."""
        self._files = (path, path.with_name(f"{path.name}.added")) if path is not None else None
        self._base: set[str] = set()
        self._added: set[str] = set()
        if self._files is None:
            return
        base = read_kept(self._files[0], key)
        if isinstance(base, dict):
            self.entries = base
            self._base = set(base)
            added = read_kept(self._files[1], key)
            if isinstance(added, dict):
                self.entries.update(added)
                self._added = set(added)

    def save(self) -> None:
        """Keep the entries this run used: as additions to the base, or as a new base."""
        if self._files is None:
            return
        base_path, added_path = self._files
        used = {k for k in self.used if k in self.entries}
        new = used - self._base
        stale = len(self._base) - (len(used) - len(new))
        if not self._base or self.COMPACT_AT * max(stale, len(new)) > len(self._base):
            keep(base_path, self.key, {k: self.entries[k] for k in used})
            with contextlib.suppress(OSError):
                added_path.unlink()
        elif new != self._added:
            keep(added_path, self.key, {k: self.entries[k] for k in new})
