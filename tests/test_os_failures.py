"""Every operating-system failure is a located, actionable error: never "internal error", never a traceback.

Two kinds of test, said for each:

* **real**: the failure is made for real where this machine allows it.  A full disk is a small tmpfs,
  a read-only output a read-only bind mount, a busy ``site/`` a mount point (each in a mount namespace of
  its own, ``unshare -m``, so nothing outlives the test); missing permission is a build run as ``nobody``
  (``setpriv``).  These need root (or the right to mount); elsewhere they are skipped, saying why.
* **injected**: an ``OSError`` with the right errno is raised at the real call site (the page writer's
  ``os.write``, the publishing rename), in-process, so the code path runs on any machine.

Each checks the message (the path quoted, the reason with its errno name, a hint), the exit code (2: the
system failed, not the input), and that nothing published is lost: ``site/`` is byte-identical to the
last good build and no staging folder is left behind.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import REPO

CAN_MOUNT = os.geteuid() == 0 and shutil.which("unshare") is not None and shutil.which("mount") is not None
CAN_DROP = os.geteuid() == 0 and shutil.which("setpriv") is not None


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` and the SHA-256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def leftovers(root: Path) -> list[str]:
    """Staging and probe folders of a build (hidden folders beside the outputs)."""
    return sorted(
        str(p.relative_to(root))
        for folder in (root, root / "build")
        if folder.is_dir()
        for p in folder.iterdir()
        if p.name.startswith(".") and p.name not in (".postdocs-key", ".git")
    )


def assert_system_error(result: Result | subprocess.CompletedProcess[str], *needles: str) -> None:
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert code == 2, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "internal error" not in result.stderr and "This is a bug" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "\n    hint: " in result.stderr, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


# --------------------------------------------------------------------------- real failures

NAMESPACE_RUN = r"""
import hashlib, json, os, subprocess, sys
from pathlib import Path

mode, mnt, project = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
def sh(*args):
    subprocess.run(args, check=True, capture_output=True)
def build():
    return subprocess.run([sys.executable, "-m", "generator", "--project", str(work), "build"],
                          capture_output=True, text=True)
def tree(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}
def hidden(root):
    return sorted(str(p.relative_to(root)) for f in (root, root / "build") if f.is_dir()
                  for p in f.iterdir() if p.name.startswith("."))

sh("mount", "--make-rprivate", "/")
if mode == "full":
    sh("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt))
work = mnt / "p" if mode == "full" else project
if mode == "full":
    subprocess.run(["cp", "-r", str(project), str(work)], check=True)
first = build()
assert first.returncode == 0, first.stderr
before = tree(work / "site")
if mode == "busy-rebuild":  # one buyer renamed: its pages are renamed into site/
    changed = work / "offers" / "buyers" / "sunbuyer.yml"
    changed.write_text(changed.read_text().replace("Sun Buyer", "Sun Buyer Renamed"))
else:  # the account changed: a clean build, published by renaming site/ itself
    changed = work / "offers" / "account.yml"
    changed.write_text(changed.read_text().replace("Acme Calls", "Acme Calls Renamed"))
if mode == "full":
    filler = mnt / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - 400_000))
elif mode == "readonly":
    sh("mount", "--bind", str(work), str(work))
    sh("mount", "-o", "remount,ro,bind", str(work))
elif mode.startswith("busy"):
    sh("mount", "--bind", str(work / "site"), str(work / "site"))
second = build()
print(json.dumps({"code": second.returncode, "stderr": second.stderr, "same": tree(work / "site") == before,
                  "hidden": hidden(work)}))
"""


def in_namespace(mode: str, project: Path, tmp_path: Path) -> dict[str, Any]:
    if not CAN_MOUNT:
        pytest.skip("needs root and unshare/mount to make a real full disk, read-only or busy folder")
    mnt = tmp_path.parent / f"{tmp_path.name}-mnt"
    mnt.mkdir()
    done = subprocess.run(
        ["unshare", "-m", sys.executable, "-c", NAMESPACE_RUN, mode, str(mnt), str(project)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0 and ("Operation not permitted" in done.stderr or "permission denied" in done.stderr):
        pytest.skip(f"mounting is not permitted here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def minimal(project: Callable[..., Path]) -> Path:
    return project()


def test_real_full_disk(minimal: Path, tmp_path: Path) -> None:
    """Real: a 24 MB tmpfs filled up between two builds."""
    out = in_namespace("full", minimal, tmp_path)
    assert out["code"] == 2, out["stderr"]
    assert out["stderr"].startswith("error: '"), out["stderr"]
    assert ": No space left on device (ENOSPC)\n    hint: the disk is full: free some space on it" in out["stderr"]
    assert "internal error" not in out["stderr"] and "Traceback" not in out["stderr"]
    assert out["same"], "site/ changed"
    assert out["hidden"] == [], out["hidden"]


def test_real_read_only_project(minimal: Path, tmp_path: Path) -> None:
    """Real: the project folder bind-mounted read-only after a first build."""
    out = in_namespace("readonly", minimal, tmp_path)
    assert out["code"] == 2, out["stderr"]
    assert ": Read-only file system (EROFS)\n    hint: the file system is read-only" in out["stderr"], out["stderr"]
    assert "internal error" not in out["stderr"] and "Traceback" not in out["stderr"]
    assert out["same"] and out["hidden"] == []


def test_real_busy_site_folder(minimal: Path, tmp_path: Path) -> None:
    """Real: site/ is a mount point, so a clean build cannot rename it away (EBUSY)."""
    out = in_namespace("busy", minimal, tmp_path)
    assert out["code"] == 2, out["stderr"]
    assert "site" in out["stderr"] and ": Device or resource busy (EBUSY)\n    hint: it is in use" in out["stderr"]
    assert "none of them may be a mount point" in out["stderr"]
    assert "internal error" not in out["stderr"] and "Traceback" not in out["stderr"]
    assert out["same"] and out["hidden"] == []


def test_real_site_folder_on_another_file_system(minimal: Path, tmp_path: Path) -> None:
    """Real: site/ is a mount point and one buyer changed: its pages cannot be renamed into it (EXDEV)."""
    out = in_namespace("busy-rebuild", minimal, tmp_path)
    assert out["code"] == 2, out["stderr"]
    assert ": Invalid cross-device link (EXDEV)\n    hint: the path moves across file systems" in out["stderr"]
    assert "internal error" not in out["stderr"] and "Traceback" not in out["stderr"]
    assert out["same"] and out["hidden"] == []


def as_nobody(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not CAN_DROP:
        pytest.skip("needs root and setpriv to run postdocs as another user")
    return subprocess.run(
        [
            *("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"),
            *(sys.executable, "-m", "generator", "--project", str(project), *args),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd="/",
        env={**os.environ, "PYTHONPATH": str(REPO), "HOME": "/nonexistent"},
        check=False,
    )


@pytest.fixture
def world_readable() -> Iterator[Path]:
    """The minimal project in a folder every user can read, owned by root (so ``nobody`` cannot write in it)."""
    import tempfile

    from conftest import MINIMAL, copy_project

    base = Path(tempfile.mkdtemp(prefix="postdocs-nobody-"))
    try:
        for folder in (base.parent, *base.parent.parents):
            if not os.stat(folder).st_mode & 0o001:
                pytest.skip(f"{folder} cannot be entered by other users")
        root = copy_project(base, MINIMAL)
        for path in (root, *root.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield root
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_real_unreadable_buyers_folder_as_another_user(world_readable: Path) -> None:
    """Real: buyers/ is mode 000 and postdocs runs as nobody: a located problem, no 'unknown buyer' after it."""
    (world_readable / "offers" / "buyers").chmod(0)
    try:
        done = as_nobody(world_readable, "check")
    finally:
        (world_readable / "offers" / "buyers").chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert done.stderr.endswith(
        "offers/buyers:1:1: (file): cannot be read: Permission denied (EACCES)\n"
        "    hint: run postdocs as a user allowed to read (and write) it, or change its owner or mode (chown, chmod)\n"
        "1 problem found; nothing was published.\n"
    ), done.stderr


def test_real_unreadable_file_as_another_user(world_readable: Path) -> None:
    """Real: a buyer file of mode 000, read as nobody."""
    (world_readable / "offers" / "buyers" / "sunbuyer.yml").chmod(0)
    done = as_nobody(world_readable, "check")
    assert done.returncode == 1, done.stderr
    assert "offers/buyers/sunbuyer.yml:1:1: (file): cannot be read: Permission denied (EACCES)\n" in done.stderr
    assert done.stderr.endswith("1 problem found; nothing was published.\n"), done.stderr


def test_real_output_folder_not_writable_by_this_user(world_readable: Path) -> None:
    """Real: the project belongs to root; a build as nobody cannot create its output."""
    done = as_nobody(world_readable, "build")
    assert_system_error(done, "Permission denied (EACCES)", "hint: run postdocs as a user allowed to")
    assert f"error: '{str(world_readable).lstrip('/')}/build': Permission denied" in done.stderr  # run from /


# --------------------------------------------------------------------------- injected failures


@pytest.fixture
def built(minimal: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The minimal project, built once, then its account changed (so the next build is a clean one)."""
    monkeypatch.chdir(minimal)
    assert cli(minimal, "build").exit_code == 0
    account = minimal / "offers" / "account.yml"
    account.write_text(account.read_text().replace("Acme Calls", "Acme Calls Renamed"))
    return minimal


def test_injected_full_disk_while_writing_a_page(
    built: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Injected: the page writer's os.write fails with ENOSPC (which names no file)."""
    from generator import pagebuild

    before = tree(built / "site")
    real_write = os.write

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pagebuild.os, "write", full)
    result = cli(built, "build")
    monkeypatch.setattr(pagebuild.os, "write", real_write)
    assert_system_error(result, "': No space left on device (ENOSPC)", "hint: the disk is full")
    assert tree(built / "site") == before
    assert leftovers(built) == []


def test_injected_busy_rename_while_publishing(
    built: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Injected: the rename that publishes site/ fails with EBUSY."""
    from generator import writer

    before = tree(built / "site")
    real_replace = os.replace

    def busy(src: Any, dst: Any) -> None:
        if Path(dst).name == "site" or Path(src).name == "site":
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), os.fspath(src), None, os.fspath(dst))
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", busy)
    result = cli(built, "build")
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert_system_error(result, "Device or resource busy (EBUSY)", "none of them may be a mount point")
    assert tree(built / "site") == before
    assert leftovers(built) == []


def test_injected_read_only_while_staging(
    built: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Injected: creating the staging folder fails with EROFS."""
    from generator import writer

    before = tree(built / "site")

    def read_only(*args: Any, **kwargs: Any) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(built / ".site.x.tmp"))

    monkeypatch.setattr(writer.tempfile, "mkdtemp", read_only)
    result = cli(built, "build")
    assert_system_error(result, ".site.x.tmp': Read-only file system (EROFS)", "hint: the file system is read-only")
    assert tree(built / "site") == before


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EDQUOT, "quota"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "chmod"),
        (errno.EPERM, "does not allow"),
        (errno.EBUSY, "mount point"),
        (errno.ELOOP, "leads back to itself"),
        (errno.EISDIR, "a folder is where a file is expected"),
        (errno.ENOTDIR, "a file is where a folder is expected"),
        (errno.EMFILE, "ulimit -n"),
        (errno.EIO, "input/output error"),
        (errno.ENAMETOOLONG, "shorter path"),
    ],
)
def test_every_common_errno_has_its_own_hint(code: int, hint: str) -> None:
    from generator.errors import os_error_text

    text = os_error_text(OSError(code, os.strerror(code), "/x/y\nz"))
    assert text.startswith("'/x/y\\nz': ")  # quoted, the newline escaped
    assert f"({errno.errorcode[code]})\n    hint: " in text
    assert hint in text
