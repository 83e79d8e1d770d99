"""The README's table of bad input says what the tests prove postdocs prints.

Each row's message (its first code span) must be a message a test checks against the real output: for a
class of ``tests/test_bad_input.py``'s cases, part of that case's expected output; for any other class,
part of a string the tests of bad input, patterns, OS failures or secrets compare with the output.  Every
case of ``tests/test_bad_input.py`` has its row.  The commands are not run again here: those tests run them.
"""

from __future__ import annotations

import ast
import re

import pytest
import test_bad_input
from conftest import REPO

TESTED_BY = ("test_bad_input.py", "test_patterns.py", "test_os_failures.py", "test_secrets.py")


def table() -> list[tuple[str, str, str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Bad input\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith(("| class ", "|---")):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        assert len(cells) == 4, line
        rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


def first_code(cell: str) -> str:
    match = re.search(r"`([^`]+)`", cell)
    assert match, cell
    return match.group(1)


def checked_strings() -> list[str]:
    """Every string constant of the tests that check messages (adjacent literals joined, as Python does)."""
    found = []
    for name in TESTED_BY:
        tree = ast.parse((REPO / "tests" / name).read_text(encoding="utf-8"))
        found += [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return found


ROWS = table()
CASES = {**test_bad_input.CASES, **test_bad_input.BYTE_CASES}


def test_every_case_of_the_bad_input_tests_has_a_row() -> None:
    assert ROWS, "no table under '## Bad input'"
    missing = sorted(set(CASES) - {row[0] for row in ROWS})
    assert missing == [], f"README's Bad input table has no row for: {missing}"
    assert len({row[0] for row in ROWS}) == len(ROWS), "a class is listed twice"


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r[0])
def test_the_message_of_each_row_is_what_a_test_checks(row: tuple[str, str, str, str]) -> None:
    name, _, message, code = row
    shown = first_code(message)
    if name in CASES:
        assert shown in CASES[name][1], f"{name}: {shown!r} is not in the output its test expects"
        assert code == "1"
    else:
        assert any(shown in s for s in checked_strings()), f"{name}: no test checks {shown!r}"
        assert code in ("0", "1", "2")
