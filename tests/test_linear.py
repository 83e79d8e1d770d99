"""postdocs' own regular expressions take time linear in the catalogue text they read.

Every regular expression of postdocs that runs on catalogue text (``grep -rn "re\\.\\(compile\\|match\\|
search\\|fullmatch\\|sub\\|finditer\\)" generator/``) was read for nested or overlapping repetition and for
searches that read the rest of the text from each of many starting points.  The credential scan runs on
RE2 (``tests/test_secrets.py`` bounds it by structure); the patterns a catalogue writes run on RE2
(``tests/test_patterns.py``).  The others run on Python's ``re`` and are exercised here on adversarial
input of half a million to two million characters, each in a process of its own: linear, each takes well under a
few seconds; quadratic, it takes from minutes to hours, and the process is stopped at the guard below.  The
guard is a bound on a runaway, two orders of magnitude above the linear time, not a measurement (the
bench, ``bench/adversarial.py``, times ``check``).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

GUARD_SECONDS = 120
"""A linear run takes a few seconds here at most; the quickest quadratic one of these, minutes."""

CASES: dict[str, str] = {
    # '[a]{' with no closing brace: each token's default was searched to the end of the text (quadratic).
    "TrackDrive tokens in a postback value": (
        "from generator.postings import parse_trackdrive\nparse_trackdrive('[a]{' * 500_000, {})"
    ),
    "stray brackets check of a postback URL": (
        "from generator.postings import TD_TOKEN\nassert '[' not in TD_TOKEN.sub('', '[a]{' * 500_000)"
    ),
    "TrackDrive tokens without names": (
        "from generator.postings import parse_trackdrive\nparse_trackdrive('[[a' * 700_000, {})"
    ),
    "e-mail addresses": (
        "from generator.models import _EMAIL\n"
        "for v in ('a@' + 'b.' * 1_000_000 + '1', 'a' * 2_000_000 + '@', 'a@b' + '.b1' * 600_000):\n"
        "    _EMAIL.fullmatch(v)"
    ),
    "field types": (
        "from generator.models import _TYPE_CHECKS\n"
        "for check, _ in _TYPE_CHECKS.values():\n"
        "    for v in ('1' * 2_000_000 + 'x', '-' + '1' * 2_000_000 + '.', '1.' * 1_000_000):\n"
        "        check.fullmatch(v)"
    ),
    "YAML scalars": (
        "from generator import yamlsource\n"
        "for tag, regexp in ((t, r) for rs in yamlsource._CoreResolver.yaml_implicit_resolvers.values()"
        " for t, r in rs):\n"
        "    for v in ('1' * 2_000_000 + 'x', '+.' + '1' * 2_000_000 + 'e', '0x' + 'f' * 2_000_000 + 'g'):\n"
        "        regexp.match(v)"
    ),
    "Markdown of escaped text, tables and code spans": (
        "from generator.fastmd import convert\n"
        "from generator.markup import cell, code, text\n"
        "for unit in ('``a`', '[x](y) ', '&#', '=== '):\n"
        "    v = unit * (500_000 // len(unit))\n"
        "    convert(f'Para {text(v)}\\n\\nA {code(v)} span.\\n\\n| a | b |\\n|---|---|\\n| {cell(v)} | x |\\n',"
        " lambda c, lang: c)"
    ),
    "code sample segments": (
        "from generator.highlight import _PHP_COMPLETE, _SHELL_COMPLETE\n"
        "for v in (\"'\" + 'a' * 2_000_000, '\\\\' * 2_000_001, \"'\\\\\" * 1_000_000, '/' * 2_000_000 + '*'):\n"
        "    _SHELL_COMPLETE.fullmatch(v)\n"
        "    _PHP_COMPLETE.fullmatch(v)"
    ),
    "credential scan": (
        "from generator.secrets import credential_in\n"
        "for unit in ('a', '-eyJ', 'password=a1 ', 'Bearer aaaaaaaaaa ', 'a://b:', ' '):\n"
        "    credential_in(unit * (2_000_000 // len(unit)))"
    ),
    "a catalogue pattern": (
        "from generator.patterns import fullmatch\n"
        "for p in ('(a+)+$', '(a|aa)*$', '((a+)+)+c', '(.*a){12}', '(\\\\w+\\\\s?)*$'):\n"
        "    assert not fullmatch(p, 'a' * 2_000_000 + '!')"
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_own_regular_expressions_are_linear_on_adversarial_text(name: str) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CASES[name]],
            capture_output=True,
            text=True,
            timeout=GUARD_SECONDS,
            check=False,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: still running after {GUARD_SECONDS} s on two million characters (super-linear)")
    assert done.returncode == 0, done.stderr
