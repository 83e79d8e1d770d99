"""The few git operations postdocs needs: resolve a revision, export a folder at it, list its history.

Everything goes through the ``git`` command (plumbing only, no configuration of
the user's read or written), so any repository git can read works, including
worktrees.  A folder that is not in a repository gives ``None`` from
:meth:`Repo.find`: callers decide whether that is an error (``diff``) or simply
means "no history" (``build``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import UsageError

_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


@dataclass(frozen=True)
class Commit:
    """One commit of the history of a folder."""

    sha: str
    time: int
    """Committer time, seconds since the epoch (the date the change landed on the branch)."""


class GitError(UsageError):
    """A git command failed (unknown revision, broken repository)."""


def _git(cwd: Path, *args: str) -> bytes:
    exe = shutil.which("git")
    if exe is None:
        raise UsageError("git is not installed; postdocs needs it to compare revisions")
    result = subprocess.run(
        [exe, *args], cwd=cwd, capture_output=True, check=False, env={**os.environ, **_ENV}, timeout=300
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return result.stdout


@dataclass(frozen=True)
class Repo:
    """A git work tree and the path of one folder inside it."""

    top: Path

    @classmethod
    def find(cls, path: Path) -> Repo | None:
        """The repository holding ``path``, or ``None`` when it is not in one (or git is missing)."""
        if shutil.which("git") is None:
            return None
        probe = path if path.is_dir() else path.parent
        while not probe.is_dir():
            probe = probe.parent
        try:
            top = _git(probe, "rev-parse", "--show-toplevel").decode().strip()
        except GitError:
            return None
        return cls(Path(top).resolve())

    def relative(self, path: Path) -> str:
        """``path`` relative to the top of the work tree, in git's spelling."""
        try:
            rel = path.resolve().relative_to(self.top)
        except ValueError:
            raise UsageError(f"{path} is not inside the git repository at {self.top}") from None
        return PurePosixPath(*rel.parts).as_posix() or "."

    def resolve(self, rev: str) -> str | None:
        """The commit a revision names, or ``None`` when the repository has no such revision."""
        if rev.startswith("-"):
            raise UsageError(f"{rev!r} is not a revision")
        try:
            out = _git(self.top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
            return out.decode().strip()
        except GitError:
            return None

    def commit(self, rev: str) -> str:
        """The commit a revision names; an unknown revision is a usage error."""
        sha = self.resolve(rev)
        if sha is None:
            raise UsageError(f"unknown revision {rev!r}")
        return sha

    def tree(self, sha: str, rel: str) -> str | None:
        """The id of folder ``rel`` at commit ``sha`` (equal ids mean equal contents), ``None`` if absent."""
        try:
            return _git(self.top, "rev-parse", "--verify", "--quiet", f"{sha}:{rel}").decode().strip() or None
        except GitError:
            return None

    def export(self, sha: str, rel: str, dest: Path) -> bool:
        """Write folder ``rel`` as it was at ``sha`` into ``dest``; ``False`` when it did not exist then."""
        if self.tree(sha, rel) is None:
            return False
        data = _git(self.top, "archive", "--format=tar", sha, "--", rel)
        prefix = "" if rel == "." else rel + "/"
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            members = []
            for member in tar.getmembers():
                if not member.name.startswith(prefix) or not (member.isfile() or member.isdir()):
                    continue  # symlinks and the like are not catalogue files
                member.name = member.name[len(prefix) :] or "."
                members.append(member)
            tar.extractall(dest, members=members, filter="data")
        return True

    def log(self, rel: str) -> list[Commit]:
        """Commits of the current branch that changed folder ``rel``, oldest first (first parents only)."""
        if self.resolve("HEAD") is None:
            return []
        out = _git(self.top, "log", "--first-parent", "--reverse", "--format=%H %ct", "HEAD", "--", rel).decode()
        commits = []
        for line in out.splitlines():
            sha, _, time = line.partition(" ")
            commits.append(Commit(sha, int(time)))
        return commits

    def shallow(self) -> bool:
        """True in a shallow clone (its oldest commits stand for history that is not there)."""
        return _git(self.top, "rev-parse", "--is-shallow-repository").decode().strip() == "true"
