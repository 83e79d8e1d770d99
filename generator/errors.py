"""One error tree and the exit codes the command line maps it to.

Every problem a user can fix is a :class:`Problem` located in a file
(``file:line:col: field: message`` plus a hint).  Loading and validation
collect all problems of a run before raising one :class:`DataError`, so a user
sees every mistake at once.  The command line is the single place that turns
these exceptions into messages and exit codes.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum

MAX_SHOWN = 80
"""Most characters of a value a message shows; a longer one is cut, with its full length."""

MAX_FIELD = 200
"""Most characters of a field path (``fields[2].name``) a message shows."""


def quoted(value: object, limit: int = MAX_SHOWN) -> str:
    r"""``value`` as every message shows it: quoted, control characters escaped, cut to ``limit`` characters.

    The quoting is Python's ``repr`` of the text (``'x'``, ``"it's"``): a newline is ``\n``, a zero-width
    space ``\u200b``, so no value can forge a line of output or hide a character.  A value longer than
    ``limit`` is cut and followed by its length: ``'aaaa...' (5,000 characters)``.
    """
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    shown = repr(text[:limit])
    return f"{shown[:-1]}...{shown[-1]} ({len(text):,} characters)"


def printable(text: str, limit: int | None = None) -> str:
    r"""``text`` with every character that is not printable escaped (``\n``, ``\x1b``, ``\u2028``).

    For text that is shown as it is (a path in ``file:line:col``, a field): printable text is unchanged.
    """
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}... ({len(text):,} characters)"
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def printable_lines(text: str) -> str:
    """``text`` with its own line breaks kept and every other character that is not printable escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))


def shown_path(path: object) -> str:
    """A path where a message names it: as it is when every character is printable, else quoted (as git does)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


class ExitCode(IntEnum):
    """Process exit codes of every ``postdocs`` command."""

    OK = 0
    PROBLEMS = 1
    USAGE = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One located, fixable problem in the user's input."""

    file: str
    line: int
    col: int
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        # Every part is made printable: no text from the catalogue (a file name, a key) can start a line.
        where = f"{shown_path(self.file)}:{self.line}:{self.col}: {printable(self.field, MAX_FIELD)}"
        text = f"{where}: {printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
        return text


class GeneratorError(Exception):
    """Base of every error postdocs reports without a traceback."""

    exit_code: ExitCode = ExitCode.USAGE


class DataError(GeneratorError):
    """The catalogue (or another input file) has problems the user must fix."""

    exit_code = ExitCode.PROBLEMS

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(GeneratorError):
    """The command was called in a way that cannot work (missing folder, bad option)."""

    exit_code = ExitCode.USAGE


class BuildError(GeneratorError):
    """A build step failed on input the user controls (for example ``mkdocs.yml``)."""

    exit_code = ExitCode.PROBLEMS


_OS_HINTS: dict[int, str] = {
    errno.ENOSPC: "the disk is full: free some space on it, then run the command again",
    errno.EDQUOT: "your disk quota is used up: free some space, then run the command again",
    errno.EROFS: "the file system is read-only: work in a writable copy of the project, or remount it read-write",
    errno.EACCES: "run postdocs as a user allowed to read (and write) it, or change its owner or mode (chown, chmod)",
    errno.EPERM: "the system does not allow it (an immutable file, a folder you do not own): change that, run again",
    errno.EBUSY: "it is in use (a mount point, or held open by another program): unmount it or close the program; "
    "site/, build/ and owner/ are replaced by renames, so none of them may be a mount point",
    errno.ETXTBSY: "it is in use by another program: close it, then run the command again",
    errno.ELOOP: "a symbolic link leads back to itself: point it at a real file, or delete it",
    errno.ENOENT: "it does not exist (or was removed while postdocs ran): check the path, then run again",
    errno.ENOTDIR: "a file is where a folder is expected: rename or remove it",
    errno.EISDIR: "a folder is where a file is expected: rename or remove it",
    errno.EMFILE: "too many files are open: raise the limit (ulimit -n), or build with fewer processes (-j)",
    errno.ENFILE: "the system has too many files open: close some programs, or build with fewer processes (-j)",
    errno.EIO: "the disk reported an input/output error: check the disk and its connection",
    errno.ENAMETOOLONG: "a path is too long for the file system: move the project to a shorter path",
    errno.EXDEV: "the path moves across file systems: keep the project's folders on one file system",
}


def os_failure(exc: OSError) -> tuple[str, str]:
    """``(what failed, what to do)`` for an operating-system error: ``'No space left on device (ENOSPC)'``."""
    code = exc.errno if isinstance(exc.errno, int) else 0
    name = errno.errorcode.get(code, "")
    reason = exc.strerror or (os.strerror(code) if code else str(exc)) or type(exc).__name__
    what = f"{reason} ({name})" if name else reason
    return what, _OS_HINTS.get(code, "check the path and the disk, then run the command again")


def os_error_text(exc: OSError, fallback: str = "the disk") -> str:
    """An operating-system error as the command line prints it: the path (quoted), what failed, what to do.

    ``fallback`` names what was being worked on when the error names no path.
    """
    what, hint = os_failure(exc)
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    where = " -> ".join(quoted(relative_path(os.fsdecode(p)), 200) for p in paths) if paths else fallback
    return f"{where}: {what}\n    hint: {hint}"


def relative_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the working folder when it is under it, else as it is."""
    path = os.fspath(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


@contextmanager
def naming(path: str | os.PathLike[str]) -> Iterator[None]:
    """Give an ``OSError`` raised inside (a write that hit a full disk has none) the path it was about."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = os.fspath(path)
        raise
