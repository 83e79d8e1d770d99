"""Patterns written in the catalogue run in linear time and mean what they mean in a browser.

* Adversarial patterns (nested quantifiers, overlapping alternatives) on values that do not match would
  take a backtracking engine longer than the age of the universe; ``check`` answers at once, because the
  engine is RE2 (asserted by structure, and end to end by a run that would never finish otherwise).
* Patterns outside the dialect (back-references, lookaround, named groups, inline flags...) are refused at
  ``check``, located, with a hint.
* The dialect means the same in JavaScript: thousands of generated (pattern, value) pairs are matched by
  postdocs and by Node's ``RegExp`` with the ``u`` flag, and must agree.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import re2
from click.testing import Result
from conftest import MINIMAL, copy_project
from helpers import files_with
from test_bad_input import expect_only
from tools import need

from generator.patterns import MAX_PATTERN_CHARS, Pattern, PatternError, compile_pattern, fullmatch

SOLAR = MINIMAL["offers/solar.yml"]

ADVERSARIAL = ["(a+)+$", "(a|aa)*$", "(a*)*b", "((a+)+)+c", "(a|a?)+$", "(.*a){12}", "(\\w+\\s?)*$", "(a{1,30}){1,30}$"]
"""Patterns on which a backtracking engine takes time exponential (or a high power) in the value's length."""


def solar_with_field(pattern: str, example: str) -> dict[str, str]:
    """The minimal catalogue whose offer has one more contact field, with this pattern and example."""
    extra = f"  - name: code\n    label: Code\n    pattern: {json.dumps(pattern)}\n    example: {json.dumps(example)}\n"
    lines = SOLAR.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == "buyers:")
    indent = " " * (len(lines[at]) - len(lines[at].lstrip()))
    lines[at:at] = [indent + line for line in extra.splitlines(keepends=True)]
    return files_with(solar_yml="".join(lines))


@pytest.mark.parametrize("pattern", ADVERSARIAL)
def test_adversarial_patterns_run_on_the_linear_engine(pattern: str) -> None:
    compiled = compile_pattern(pattern)
    assert isinstance(compiled, Pattern)
    assert isinstance(compiled._compiled, re2._Regexp)  # RE2: time linear in the text, whatever the pattern
    value = "a" * 100_000 + "!"  # backtracking: 2**100000 paths, or (100000**12) for (.*a){12}
    assert compiled.fullmatch(value) is False


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "--project", str(root), "check"],
        capture_output=True,
        text=True,
        timeout=120,  # a backtracking engine would run for longer than a lifetime
        check=False,
        cwd=root,
    )


def test_check_finishes_on_an_adversarial_field_pattern(tmp_path: Path) -> None:
    """End to end, in a process of its own: ``(a+)+$`` on 5,000 a's and a '!' is 2**5000 paths to backtrack."""
    done = _check(copy_project(tmp_path, solar_with_field("(a+)+$", "a" * 5_000 + "!")))
    assert done.returncode == 1, done.stderr
    assert "offers/solar.yml:12:5: fields[1]: example 'aaaa" in done.stderr
    assert "...' (5,001 characters) does not match pattern '(a+)+$'" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_finishes_on_an_adversarial_name_pattern(tmp_path: Path) -> None:
    """A custom platform's ``(a|aa)*$`` against a token name of 120 a's and a '!': Fibonacci(120) paths."""
    files = dict(MINIMAL)
    files["offers/platforms/leadsmith.yml"] = (
        "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\nname_pattern: '(a|aa)*$'\n"
    )
    files["offers/buyers/sunbuyer.yml"] = (
        f"id: sunbuyer\nname: Sun\nplatform: leadsmith\nrevenue: 10\nstores:\n  trackdrive_call_uuid: {'a' * 120}!\n"
    )
    done = _check(copy_project(tmp_path, files))
    assert done.returncode == 1, done.stderr
    assert "offers/buyers/sunbuyer.yml:6:25: stores.trackdrive_call_uuid: '%%aaaa" in done.stderr
    assert "is not a token L can carry" in done.stderr
    assert "Traceback" not in done.stderr


REFUSED: dict[str, tuple[str, str]] = {
    "(a)\\1": ("has a back-reference (\\1), which cannot run in linear time at character 4", "write the repeated"),
    "(?<n>a)\\k<n>": ("has a named group at character 1", "use a plain group"),
    "a(?=b)": ("has a lookaround ((?=...), which cannot run in linear time at character 2", "match the text"),
    "(?<!x)a": ("has a lookaround ((?<!...), which cannot run in linear time at character 1", "match the text"),
    "(?i)abc": ("has the inline flag (?i), which JavaScript does not read at character 1", "[Aa]"),
    "(?s).*": ("has the inline flag (?s), which JavaScript does not read at character 1", "[^] instead of (?s)"),
    "\\p{L}+": ("has a Unicode property class (\\p{...}), which RE2 and browsers read differently", "list the"),
    "a{2,1}": ("has {2,1} with its numbers out of order at character 2", "write {1,2}"),
    "a{1001}": ("repeats more than 1,000 times at character 2", "use * or +"),
    "a**": ("repeats a repetition at character 3", "(?:a+)*"),
    "[]": ("has an empty class [] at character 1", "[^] for any character"),
    "[z-a]": ("has the range 'z-a' with its ends out of order at character 4", "smaller character first"),
    "\\-": ("has the escape \\-, which JavaScript's u flag rejects at character 1", "without the backslash"),
    "a{": ("has a '{' that starts no repetition at character 2", "escape it as \\{"),
    "a]": ("has a lone ']' at character 2", "escape it as \\]"),
    "(a": ("has a '(' that is never closed at character 1", "add the missing ')'"),
    "a)": ("has a ')' that closes no group at character 2", "escape it as \\)"),
    "[a": ("has a '[' that is never closed at character 1", "add the missing ']'"),
    "^*": ("repeats ^, which matches no character at character 2", "remove the repetition"),
    "+a": ("has '+' with nothing before it to repeat at character 1", "escape it as \\+"),
    "(a{100}){100}": ("is too large to run", "nested counts multiply"),
    "x" * (MAX_PATTERN_CHARS + 1): ("is 1,001 characters long, over the 1,000-character limit", "shorter"),
}


@pytest.mark.parametrize("pattern", sorted(REFUSED), ids=lambda p: p[:20])
def test_a_pattern_outside_the_dialect_is_refused(pattern: str) -> None:
    message, hint = REFUSED[pattern]
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert message in caught.value.message
    assert hint in caught.value.hint


def test_a_refused_pattern_is_located_at_check(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(solar_with_field("(a)\\1", "aa"))
    monkeypatch.chdir(root)
    expect_only(
        cli(root, "check"),
        "offers/solar.yml:14:14: fields[1].pattern: '(a)\\\\1' has a back-reference (\\1), which cannot run in "
        "linear time at character 4\n"
        "    hint: write the repeated text out; postdocs runs patterns in linear time and as a browser would: "
        "write them in the JavaScript syntax RE2 also runs, without back-references, lookaround, named groups "
        "or inline flags (README: Patterns)",
    )


def test_a_refused_name_pattern_is_located_at_check(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\nname_pattern: '(?=[a-z])\\w+'\n"
    buyer = "id: sunbuyer\nname: Sun\nplatform: leadsmith\nrevenue: 10\n"
    root = project(files_with(platforms__leadsmith_yml=platform, buyers__sunbuyer_yml=buyer))
    monkeypatch.chdir(root)
    expect_only(
        cli(root, "check"),
        "offers/platforms/leadsmith.yml:5:15: name_pattern: '(?=[a-z])\\\\w+' has a lookaround ((?=...), which "
        "cannot run in linear time at character 1\n    hint: match the text itself instead of looking around it",
    )


def test_the_engine_reads_dot_space_and_anchors_as_javascript_does() -> None:
    assert not fullmatch(".", "\n") and not fullmatch(".", "\r") and not fullmatch(".", "\u2028")
    assert fullmatch(".", "\x85") and fullmatch(".", "\U0001f600")  # one code point (the u flag)
    assert fullmatch("\\s", "\u00a0") and fullmatch("\\s", "\ufeff") and not fullmatch("\\S", "\u3000")
    assert fullmatch("[^]", "\n") and fullmatch("[\\s\\S]+", "a\nb")
    assert not fullmatch("[A-Z]{2}", "IL\n")  # Python's re.fullmatch would not care; $ is the end, as in JS
    assert not fullmatch("a$", "a\n")
    assert fullmatch("\\bab\\b", "ab") and fullmatch("[\\b]", "\b")
    assert fullmatch("\\u{1F600}|\\u00e9|\\x41|\\cJ|\\0", "\n")


# --------------------------------------------------------------------------- the same meaning in JavaScript

_PIECES = [
    "a",
    "b",
    "-",
    " ",
    ".",
    "\\.",
    "\\d",
    "\\D",
    "\\w",
    "\\W",
    "\\s",
    "\\S",
    "\\b",
    "\\B",
    "^",
    "$",
    "[a-c]",
    "[^a]",
    "[\\s\\S]",
    "[^]",
    "[\\w-]",
    "[.-]",
    "\\n",
    "\\u00e9",
    "\\u{1F600}",
    "é",
    "\\x41",
    "[\\b]",
    "\\/",
]
_TEXT = [
    "a",
    "b",
    "c",
    "A",
    "-",
    " ",
    ".",
    "1",
    "_",
    "\n",
    "\r",
    "\t",
    "\u2028",
    "\u00a0",
    "\x85",
    "é",
    "\U0001f600",
    "\b",
    "\ufeff",
    "\u3000",
]


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.2 and depth < 3:
            inner = "|".join(_random_pattern(rng, depth + 1) for _ in range(rng.randint(1, 3)))
            atom = f"({rng.choice(['', '?:'])}{inner})"
        else:
            atom = rng.choice(_PIECES)
        if atom not in ("^", "$", "\\b", "\\B") and rng.random() < 0.4:
            atom += rng.choice(["*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "+?"])
        out.append(atom)
    return "".join(out)


def test_patterns_mean_the_same_in_javascript(tmp_path: Path) -> None:
    need("node")
    rng = random.Random(20250611)  # noqa: S311 - reproducible test data, not a secret
    cases: list[tuple[str, str]] = []
    while len(cases) < 4000:
        pattern = _random_pattern(rng)
        try:
            compile_pattern(pattern)
        except PatternError:
            continue
        for _ in range(3):
            cases.append((pattern, "".join(rng.choice(_TEXT) for _ in range(rng.randint(0, 6)))))
    ours = [fullmatch(p, t) for p, t in cases]
    script = tmp_path / "match.mjs"
    script.write_text(
        'import { readFileSync } from "node:fs";\n'
        "const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));\n"
        "console.log(JSON.stringify(cases.map(([p, t]) => new RegExp(`^(?:${p})$`, 'u').test(t))));\n",
        encoding="utf-8",
    )
    data = tmp_path / "cases.json"
    data.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(["node", str(script), str(data)], capture_output=True, text=True, check=True, timeout=120)
    theirs = json.loads(done.stdout)
    differ = [(p, t, o) for (p, t), o, j in zip(cases, ours, theirs, strict=True) if o != j]
    assert differ == [], f"{len(differ)} of {len(cases)} differ, like {differ[:5]}"
    assert 0.05 < sum(ours) / len(ours) < 0.95  # both outcomes are exercised
