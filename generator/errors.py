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
        text = f"{self.file}:{self.line}:{self.col}: {self.field}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
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
