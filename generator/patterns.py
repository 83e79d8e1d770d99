r"""Regular expressions written in the catalogue: one dialect, run in linear time.

A catalogue holds regular expressions of its own: a contact field's ``pattern`` (the example must match it,
and partners read it on their page) and a custom platform's ``name_pattern`` (every token name must match
it).  A backtracking engine (Python's ``re``, a browser's) can take exponential time on a pattern such as
``(a+)+$``, so a catalogue could stall ``check`` and ``build`` without limit.  Patterns are therefore run by
RE2 (Google's ``google-re2`` binding), whose running time is linear in the text, and written in one dialect:

**the regular expressions of JavaScript (with the ``u`` flag) that RE2 runs with the same meaning.**
A page may show a pattern to a partner and a browser may evaluate it (``new RegExp(`^(?:${p})$`, "u")``),
so a pattern must mean the same there as here.  Accepted: literal characters, ``.``, classes (``[a-z]``,
``[^,]``), ``\d \D \w \W \s \S``, ``\b \B``, ``^ $``, groups ``( )`` and ``(?: )``, ``|``,
quantifiers ``* + ? {n} {n,} {n,m}`` (``m`` at most 1,000) and their lazy forms, and the escapes
``\t \n \v \f \r \0 \cX \xHH \uHHHH \u{H...}`` and of every syntax character.
Refused, with the reason: back-references (``\1``, ``\k<n>``), lookahead and lookbehind, named groups,
inline flags (``(?i)``), Unicode property classes (``\p{L}``) and anything JavaScript's ``u`` flag
rejects (a lone ``{`` or ``]``, an unknown escape).

The pattern is parsed here and RE2 is given an equivalent in which every character and class is spelt
out as code points: ``.`` and ``\s`` carry JavaScript's meaning (``.`` stops at ``\n``, ``\r``, U+2028
and U+2029; ``\s`` is JavaScript's white space, which is not RE2's), ``^`` and ``$`` are the ends of the
text.  A pattern must match the *whole* value, as a browser's ``^(?:...)$`` does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import re2

MAX_PATTERN_CHARS = 1000
"""Longest pattern accepted, in characters."""

MAX_REPEAT = 1000
"""Largest count in ``{n,m}`` (RE2's own limit)."""

MAX_CODE_POINT = 0x10FFFF

DIALECT_HINT = (
    "postdocs runs patterns in linear time and as a browser would: write them in the JavaScript syntax RE2 "
    "also runs, without back-references, lookaround, named groups or inline flags (README: Patterns)"
)

Ranges = tuple[tuple[int, int], ...]

_DIGIT: Ranges = ((0x30, 0x39),)
_WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SPACE: Ranges = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
"""JavaScript's ``\\s``: WhiteSpace and LineTerminator of ECMA-262 (RE2's ``\\s`` is ASCII only)."""
_LINE_TERMINATORS: Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")
_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_CLASS_ESCAPES: dict[str, Ranges] = {"d": _DIGIT, "w": _WORD, "s": _SPACE}


class PatternError(ValueError):
    """A pattern outside the dialect; ``message`` says what and where, ``hint`` how to write it instead."""

    def __init__(self, message: str, hint: str = DIALECT_HINT) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _normalise(ranges: list[tuple[int, int]]) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def _complement(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    start = 0
    for lo, hi in _normalise(list(ranges)):
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= MAX_CODE_POINT:
        out.append((start, MAX_CODE_POINT))
    return tuple(out)


def _re2_class(ranges: Ranges) -> str:
    parts = "".join(f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges)
    return f"[{parts}]"


_DOT = _re2_class(_complement(_LINE_TERMINATORS))


class _Parser:
    """A recursive-descent parser of the dialect that writes the equivalent RE2 pattern."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    # ------------------------------------------------------------------ helpers

    def _peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.text[j] if j < len(self.text) else ""

    def _fail(self, what: str, hint: str = DIALECT_HINT, at: int | None = None) -> PatternError:
        where = (self.i if at is None else at) + 1
        return PatternError(f"{what} at character {where}", hint)

    # ------------------------------------------------------------------ grammar

    def parse(self) -> str:
        out = self._disjunction()
        if self.i < len(self.text):
            ch = self.text[self.i]
            if ch == ")":
                raise self._fail("has a ')' that closes no group", "remove it, or escape it as \\)")
            raise self._fail(f"has an unexpected {ch!r}")  # pragma: no cover - every other stop is handled
        return out

    def _disjunction(self) -> str:
        parts = [self._alternative()]
        while self._peek() == "|":
            self.i += 1
            parts.append(self._alternative())
        return "|".join(parts)

    def _alternative(self) -> str:
        out = []
        while self.i < len(self.text) and self._peek() not in "|)":
            out.append(self._term())
        return "".join(out)

    def _term(self) -> str:
        ch = self._peek()
        if ch == "^":
            self.i += 1
            return self._no_quantifier("\\A", "^")
        if ch == "$":
            self.i += 1
            return self._no_quantifier("\\z", "$")
        if ch == "\\" and self._peek(1) in ("b", "B"):
            self.i += 2
            return self._no_quantifier(f"\\{self.text[self.i - 1]}", f"\\{self.text[self.i - 1]}")
        atom = self._atom()
        return atom + self._quantifier()

    def _no_quantifier(self, out: str, written: str) -> str:
        if self._peek() and self._peek() in "*+?{":
            raise self._fail(f"repeats {written}, which matches no character", "remove the repetition")
        return out

    def _atom(self) -> str:
        ch = self._peek()
        if ch == ".":
            self.i += 1
            return _DOT
        if ch == "(":
            return self._group()
        if ch == "[":
            return self._class()
        if ch == "\\":
            return self._atom_escape()
        if ch in "*+?":
            raise self._fail(f"has {ch!r} with nothing before it to repeat", f"escape it as \\{ch}")
        if ch == "{":
            raise self._fail("has a '{' that starts no repetition", "escape it as \\{, or write {n}, {n,} or {n,m}")
        if ch in "]}":
            raise self._fail(f"has a lone {ch!r}", f"escape it as \\{ch}")
        self.i += 1
        return _re2_class(((ord(ch), ord(ch)),))

    def _group(self) -> str:
        start = self.i
        self.i += 1
        if self._peek() == "?":
            kind = self.text[self.i : self.i + 3]
            if kind.startswith("?:"):
                self.i += 2
            elif kind[:2] in ("?=", "?!") or kind in ("?<=", "?<!"):
                marker = kind if kind.startswith("?<") else kind[:2]
                raise self._fail(
                    f"has a lookaround (({marker}...), which cannot run in linear time",
                    "match the text itself instead of looking around it; " + DIALECT_HINT,
                    at=start,
                )
            elif kind.startswith("?<") or kind.startswith("?P"):
                raise self._fail("has a named group", "use a plain group, (...) or (?:...)", at=start)
            else:
                end = min((j for j in (self.text.find(")", start), self.text.find(":", start)) if j != -1), default=-1)
                written = self.text[start : end + 1] if 0 < end - start <= 12 else "(?"
                raise self._fail(
                    f"has the inline flag {written}, which JavaScript does not read",
                    "write both cases instead of (?i), like [Aa], and [^] instead of (?s) for any character",
                    at=start,
                )
        inner = self._disjunction()
        if self._peek() != ")":
            raise self._fail("has a '(' that is never closed", "add the missing ')'", at=start)
        self.i += 1
        return f"(?:{inner})"

    def _quantifier(self) -> str:
        ch = self._peek()
        if ch in ("*", "+", "?"):
            self.i += 1
            out = ch
        elif ch == "{":
            out = self._braces()
        else:
            return ""
        if self._peek() == "?":  # lazy: the same language, which is all a full match asks
            self.i += 1
            out += "?"
        if self._peek() and self._peek() in "*+?{":
            raise self._fail("repeats a repetition", "put the repeated part in a group: (?:a+)*")
        return out

    def _braces(self) -> str:
        at = self.i
        close = self.text.find("}", self.i)
        body = self.text[self.i + 1 : close] if close != -1 else ""
        low, comma, high = body.partition(",")
        if close == -1 or not low.isdigit() or not low.isascii() or (high and not (high.isdigit() and high.isascii())):
            raise self._fail("has a '{' that starts no repetition", "escape it as \\{, or write {n}, {n,} or {n,m}")
        n = int(low)
        m = int(high) if high else None
        if n > MAX_REPEAT or (m is not None and m > MAX_REPEAT):
            raise self._fail(f"repeats more than {MAX_REPEAT:,} times", "use * or + for an open count", at=at)
        if m is not None and m < n:
            raise self._fail(f"has {{{low},{high}}} with its numbers out of order", f"write {{{high},{low}}}", at=at)
        self.i = close + 1
        return f"{{{n}{comma}{'' if m is None else m}}}"

    # ------------------------------------------------------------------ escapes and classes

    def _atom_escape(self) -> str:
        at = self.i
        ch = self._peek(1)
        if ch.lower() in _CLASS_ESCAPES:
            self.i += 2
            ranges = _CLASS_ESCAPES[ch.lower()]
            return _re2_class(_complement(ranges) if ch.isupper() else ranges)
        point = self._char_escape(in_class=False)
        if point is None:
            raise self._unknown_escape(at)
        return _re2_class(((point, point),))

    def _char_escape(self, *, in_class: bool) -> int | None:
        """The code point of the escape at ``self.i`` (a backslash), or None when it is not one."""
        at = self.i
        ch = self._peek(1)
        if ch == "":
            raise self._fail("ends with a lone backslash", "escape it as \\\\", at=at)
        if ch in _CONTROL_ESCAPES:
            self.i += 2
            return _CONTROL_ESCAPES[ch]
        if ch in _SYNTAX or (in_class and ch == "-"):
            self.i += 2
            return ord(ch)
        if in_class and ch == "b":
            self.i += 2
            return 0x08
        if ch == "0" and not self._peek(2).isdigit():
            self.i += 2
            return 0
        if ch.isdigit() or ch == "k":
            raise self._fail(
                f"has a back-reference (\\{ch}), which cannot run in linear time",
                "write the repeated text out; " + DIALECT_HINT,
                at=at,
            )
        if ch in ("p", "P"):
            raise self._fail(
                f"has a Unicode property class (\\{ch}{{...}}), which RE2 and browsers read differently",
                "list the characters or ranges in a class instead, like [A-Za-zÀ-ÿ]",
                at=at,
            )
        if ch == "c" and self._peek(2).isascii() and self._peek(2).isalpha():
            self.i += 3
            return ord(self.text[self.i - 1]) % 32
        if ch == "x":
            digits = self.text[self.i + 2 : self.i + 4]
            if len(digits) == 2 and _is_hex(digits):
                self.i += 4
                return int(digits, 16)
            raise self._fail("has \\x without two hexadecimal digits", "write \\xHH, like \\x41", at=at)
        if ch == "u":
            return self._unicode_escape(at)
        return None

    def _unicode_escape(self, at: int) -> int:
        if self._peek(2) == "{":
            close = self.text.find("}", self.i + 3)
            digits = self.text[self.i + 3 : close] if close != -1 else ""
            if not digits or len(digits) > 6 or not _is_hex(digits) or int(digits, 16) > MAX_CODE_POINT:
                raise self._fail("has a \\u{...} that is not a code point", "write \\u{1F600}-style hex", at=at)
            self.i = close + 1
            point = int(digits, 16)
        else:
            digits = self.text[self.i + 2 : self.i + 6]
            if len(digits) != 4 or not _is_hex(digits):
                raise self._fail("has \\u without four hexadecimal digits", "write \\uHHHH, like \\u00e9", at=at)
            self.i += 6
            point = int(digits, 16)
        if 0xD800 <= point <= 0xDFFF:
            raise self._fail(
                "has a surrogate code unit (\\uD800-\\uDFFF)", "write the character as \\u{...}, like \\u{1F600}", at=at
            )
        return point

    def _unknown_escape(self, at: int) -> PatternError:
        ch = self.text[at + 1]
        return self._fail(
            f"has the escape \\{ch}, which JavaScript's u flag rejects",
            f"write {ch} without the backslash" if not ch.isalnum() and ch not in _SYNTAX else DIALECT_HINT,
            at=at,
        )

    def _class(self) -> str:
        start = self.i
        self.i += 1
        negate = self._peek() == "^"
        if negate:
            self.i += 1
        ranges: list[tuple[int, int]] = []
        while True:
            if self.i >= len(self.text):
                raise self._fail("has a '[' that is never closed", "add the missing ']', or escape it as \\[", at=start)
            if self._peek() == "]":
                self.i += 1
                break
            lo_at = self.i
            lo = self._class_atom()
            if self._peek() == "-" and self._peek(1) not in ("]", ""):
                self.i += 1
                hi_at = self.i
                hi = self._class_atom()
                if isinstance(lo, tuple) or isinstance(hi, tuple):
                    raise self._fail(
                        "has a range with a class (like \\d) at one end", "escape the '-' as \\-", at=lo_at
                    )
                if hi < lo:
                    raise self._fail(
                        f"has the range {self.text[lo_at : self.i]!r} with its ends out of order",
                        "write the smaller character first",
                        at=hi_at,
                    )
                ranges.append((lo, hi))
            elif isinstance(lo, tuple):
                ranges.extend(lo)
            else:
                ranges.append((lo, lo))
        result = _normalise(ranges)
        if negate:
            result = _complement(result)
        if not result:
            raise self._fail(
                "has an empty class []" if not ranges and not negate else "has a class that matches no character",
                "list at least one character, or write [^] for any character",
                at=start,
            )
        return _re2_class(result)

    def _class_atom(self) -> int | Ranges:
        ch = self._peek()
        if ch != "\\":
            self.i += 1
            return ord(ch)
        at = self.i
        letter = self._peek(1)
        if letter.lower() in _CLASS_ESCAPES:
            self.i += 2
            ranges = _CLASS_ESCAPES[letter.lower()]
            return _complement(ranges) if letter.isupper() else ranges
        point = self._char_escape(in_class=True)
        if point is None:
            raise self._unknown_escape(at)
        return point


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a pattern RE2 refuses is reported by postdocs, not logged on stderr
_OPTIONS.never_capture = True


@dataclass(frozen=True)
class Pattern:
    """A pattern of the catalogue, compiled for RE2."""

    text: str
    """As written."""
    engine: str
    """What RE2 runs: the same language, every character spelt out."""
    _compiled: re2._Regexp

    def fullmatch(self, value: str) -> bool:
        """True when ``value`` matches the whole pattern, in time linear in ``len(value)``."""
        try:
            return self._compiled.fullmatch(value) is not None
        except UnicodeEncodeError:  # a lone surrogate: no UTF-8 text, so nothing a partner can send
            return False


@functools.lru_cache(maxsize=4096)
def compile_pattern(text: str) -> Pattern:
    """Parse ``text`` in the dialect and compile it; raise :class:`PatternError` when it is outside it."""
    if len(text) > MAX_PATTERN_CHARS:
        raise PatternError(
            f"is {len(text):,} characters long, over the {MAX_PATTERN_CHARS:,}-character limit",
            "a pattern checks the shape of a value; write a shorter one",
        )
    for i, ch in enumerate(text):
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise PatternError(
                f"holds a lone surrogate (U+{ord(ch):04X}) at character {i + 1}", "write the character as \\u{...}"
            )
    engine = _Parser(text).parse()
    try:
        compiled = re2.compile(f"(?:{engine})", _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(
            f"is too large to run ({reason})", "repeat less: nested counts multiply, like (a{100}){100}"
        ) from None
    return Pattern(text, engine, compiled)


def fullmatch(pattern: str, value: str) -> bool:
    """True when ``value`` matches ``pattern`` in full; :class:`PatternError` when the pattern is not accepted."""
    return compile_pattern(pattern).fullmatch(value)
