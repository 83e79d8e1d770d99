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
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Generic, TypeVar

from .errors import BuildError, naming


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
        with naming(target):
            target.write_bytes(content)


def staging_dir(dest: Path) -> Path:
    """A new empty folder beside ``dest`` (same file system, so the swap is a rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))


class Trash:
    """Trees a build replaced, removed after the build by a process of their own.

    Removing a large tree can take long: on a 2-core machine with an ext4 disk, removing the site and
    the Markdown of a 10,000-page build took 26 s, after a build of 42 s.  Nothing needs to wait for
    it: an old tree is renamed into ``folder`` (on the same file system, so a rename) and one detached
    process removes the folder.  What an interrupted removal leaves there, the next one takes too.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def place(self, name: str) -> Path | None:
        """A new path in the trash for a tree called ``name``; None when there can be no trash."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=self.folder))
            os.rmdir(path)
        except OSError:
            return None
        return path

    def empty(self) -> None:
        """Remove the trash in a detached process (the command does not wait for it), else here.

        The classic double fork: the build waits only for a child that starts a grandchild in a
        session of its own, with no terminal and no output (a CI log waiting for the build's output to
        close does not wait for the removal), which then becomes a small new interpreter.
        """
        if not self.folder.is_dir():
            return
        try:
            child = os.fork()
        except (AttributeError, OSError):  # no fork on this system, or no process left
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        if child == 0:  # pragma: no cover - runs in the detached processes, measured by the tests' polling
            try:
                os.setsid()
                if os.fork() == 0:
                    devnull = os.open(os.devnull, os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(devnull, fd)
                    os.execv(sys.executable, [sys.executable, "-I", "-c", _REMOVE, str(self.folder)])  # noqa: S606
            finally:
                os._exit(0)
        os.waitpid(child, 0)


_REMOVE = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"


def swap_in(staged: Path, dest: Path, trash: Trash | None = None) -> None:
    """Replace ``dest`` by ``staged`` with two renames; the old tree is removed afterwards.

    With ``trash``, the old tree is moved into it and removed when the trash is emptied.
    """
    old = None
    if dest.exists() or dest.is_symlink():
        old = _aside(dest, trash)
    try:
        os.replace(staged, dest)
    except OSError:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None and (trash is None or old.parent != trash.folder):
        shutil.rmtree(old, ignore_errors=True)


def _aside(dest: Path, trash: Trash | None) -> Path:
    """Rename ``dest`` out of the way: into the trash if it can go there, else beside itself."""
    place = trash.place(dest.name) if trash is not None else None
    if place is not None:
        try:
            os.replace(dest, place)
            return place
        except OSError:
            pass  # another file system: set it aside beside itself
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
    os.rmdir(old)
    os.replace(dest, old)
    return old


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
        with naming(tmp):
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
