"""One error tree and the exit codes the command line maps it to.

Every problem a user can fix is a :class:`Problem` located in a file
(``file:line:col: field: message`` plus a hint).  Loading and validation
collect all problems of a run before raising one :class:`DataError`, so a user
sees every mistake at once.  The command line is the single place that turns
these exceptions into messages and exit codes.
"""

from __future__ import annotations

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
