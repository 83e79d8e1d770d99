"""Secrets in the catalogue: references, never values.

A secret (a traffic source's Ringba webhook code, a key its postback URL needs)
is written as a reference to an environment variable, ``env:NAME``.  The build
reads the variable only to make sure its value never reaches the output (see
:mod:`scan`); pages show a placeholder where a secret goes.

Any other text in the catalogue that *looks like a credential* is refused,
located, with a hint.  What counts as a credential (README, "Secrets"):

* a private key block, or a token in a well-known vendor format (AWS, GitHub,
  GitLab, Slack, Stripe, Google, a JSON Web Token);
* an HTTP authorization value: ``Basic``/``Bearer`` followed by a token, or
  ``Authorization: <anything>`` with a token;
* a URL carrying a password (``https://user:password@host``);
* ``password``, ``secret``, ``api_key``, ``access_token``, ``auth_token``,
  ``client_secret``, ``private_key`` followed by ``:`` or ``=`` and a value;
* a literal value of a postback query parameter whose name says it is a
  credential (``key``, ``token``, ``password``, ``*_key``, ``*_token``...).

Identifiers that partner pages must show are not credentials: the offer's
``lead_token`` and the ``traffic_source_id`` values are never flagged.  A value
made only of capital letters and ``_`` (``YOUR_API_TOKEN``) or of tokens
(``[auth_token]``) is a placeholder, not a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import re2

from .errors import Problem, quoted
from .yamlsource import Document, Loc, string_values

if TYPE_CHECKING:  # pragma: no cover
    from .catalogue import Catalogue

ENV_REF = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]{0,127})")
"""A reference to a secret: ``env:NAME``."""

MIN_SECRET_CHARS = 8
"""Shortest secret value accepted: anything shorter cannot be told apart from ordinary text in the output."""

REF_HINT = (
    "put the value in an environment variable (in CI: a secret) and write env:NAME; "
    "the build reads it only to check that it never reaches the site"
)


def ref_name(text: str) -> str | None:
    """The variable name of ``env:NAME``, or None when ``text`` is not a reference."""
    match = ENV_REF.fullmatch(text)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- credentials written as literals

# Every pattern that scans catalogue text runs on RE2, whose time is linear in the text: Python's
# backtracking ``re`` took quadratic time on some values (a 250,000-character run of letters: a minute,
# each position trying a URL scheme), and a catalogue must never be able to stall a check.  RE2 reads
# ``\b`` and ``\w`` as ASCII (a token right after an accented letter is found too) and ``\s`` as ASCII
# white space, so white space is spelt out as Python's ``str.isspace`` has it.
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_WS = r"\t-\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
"""The characters for which ``str.isspace()`` is true, as the body of an RE2 class."""


def _linear(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (a ``re2._Regexp``)."""
    return re2.compile(pattern, _OPTIONS)


_TOKEN_CHARS = r"[A-Za-z0-9+/=._~-]"  # noqa: S105 - a character class, not a password
_VENDOR_FORMATS: tuple[tuple[str, str], ...] = (
    ("a private key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"),
    ("an AWS access key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ("a Stripe key", r"\b[rs]k_live_[A-Za-z0-9]{16,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("a JSON Web Token", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
)
_VENDOR = _linear("|".join(f"({pattern})" for _, pattern in _VENDOR_FORMATS))
"""Every vendor format in one pass; the group that matched names it."""
_AUTH_VALUE = _linear(rf"(?:\b(?:Basic|Bearer)|Authorization[{_WS}]*:[{_WS}]*[A-Za-z]+)[{_WS}]+({_TOKEN_CHARS}{{16,}})")
_URL_PASSWORD = _linear(rf"[A-Za-z][A-Za-z0-9+.-]*://[^/{_WS}:@]+:([^/{_WS}@]+)@")
_ASSIGNMENT = _linear(
    r"(?i)\b(password|passwd|secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret"
    rf"|private[_-]?key)\b[{_WS}]*[:=][{_WS}]*[\"']?([^{_WS}\"'<>,;]+)"
)
_CREDENTIAL_PARAM = _linear(
    r"(?i)(?:key|apikey|token|secret|password|passwd|pwd|pass|signature|sig|auth"
    r"|.+[_-](?:key|token|secret|password))"
)
_PLACEHOLDER = _linear(r"[A-Z_]+|YOUR_[A-Z0-9_]+|[\[{<%].*|-+A-+.*")
_TRACKDRIVE_TOKENS = _linear(r"(?:\[[a-z0-9_]+\](?:\{[^}]*\})?)+")
_SCANS = (_VENDOR, _AUTH_VALUE, _URL_PASSWORD, _ASSIGNMENT)
_ANY = _linear("|".join(f"(?:{p.pattern})" for p in _SCANS))
"""Whether any scan can find anything in a text: one pass over a whole file's strings."""
SCANNERS = (*_SCANS, _CREDENTIAL_PARAM, _PLACEHOLDER, _TRACKDRIVE_TOKENS, _ANY)
"""Every pattern run on catalogue text here (all RE2)."""


def _looks_random(value: str) -> bool:
    """A credential mixes letters and digits; prose and placeholders do not."""
    return not _PLACEHOLDER.fullmatch(value) and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def credential_in(text: str) -> str | None:
    """What kind of credential ``text`` holds, or None; time linear in ``len(text)``.

    Each scan reads the text once (``finditer`` carries on after each match, so each match is a piece of
    the text that no other match overlaps).
    """
    vendor = _VENDOR.search(text)
    if vendor is not None:
        return next(what for (what, _), group in zip(_VENDOR_FORMATS, vendor.groups(), strict=True) if group)
    for match in _AUTH_VALUE.finditer(text):
        if _looks_random(match.group(1)):
            return "an HTTP Authorization value"
    for match in _URL_PASSWORD.finditer(text):
        if not _PLACEHOLDER.fullmatch(match.group(1)):
            return "a URL with a password"
    for match in _ASSIGNMENT.finditer(text):
        value = match.group(2)
        if len(value) >= MIN_SECRET_CHARS and _looks_random(value):
            return f"a {match.group(1).lower()} value"
    return None


# Where identifiers live that partner pages must show: never credentials.
_IDENTIFIERS: dict[str, tuple[tuple[str | None, ...], ...]] = {
    "offers": (("lead_token",), ("traffic_sources", None, "traffic_source_id")),
    "traffic-sources": (("traffic_source_id",),),
}
# Where secrets belong: checked by the models (a reference is required, or allowed).
_SECRET_FIELDS: dict[str, tuple[tuple[str | None, ...], ...]] = {
    "traffic-sources": (("conversion", "code"),),
}


def _matches(loc: Loc, patterns: tuple[tuple[str | None, ...], ...]) -> bool:
    return any(
        len(loc) == len(p) and all(want is None or want == got for want, got in zip(p, loc, strict=True))
        for p in patterns
    )


def credential_problems(doc: Document, kind: str) -> list[Problem]:
    """Every string of ``doc`` (a file of ``kind``: offers, buyers, traffic-sources...) that looks like a secret."""
    problems: list[Problem] = []
    hint = (
        "secrets are never written in the catalogue: reference an environment variable as env:NAME where a "
        "secret belongs (conversion.code, conversion.params), and remove it from any text that is published"
    )
    maybe = _ANY.search(doc.strings) is not None  # the usual file: no candidate at all, one pass
    for loc, text in string_values(doc.data):
        if _matches(loc, _IDENTIFIERS.get(kind, ())) or _matches(loc, _SECRET_FIELDS.get(kind, ())):
            continue
        in_params = kind == "traffic-sources" and len(loc) == 3 and loc[:2] == ("conversion", "params")
        if ref_name(text) is not None or (in_params and text.startswith("env:")):
            continue  # a reference (the models refuse a malformed one where references belong)
        if in_params:
            name = str(loc[2])
            if _CREDENTIAL_PARAM.fullmatch(name) and not _TRACKDRIVE_TOKENS.fullmatch(text):
                problems.append(
                    doc.problem(
                        loc,
                        f"query parameter {quoted(name)} looks like a credential and holds a literal value",
                        "write it as env:NAME, NAME being an environment variable that holds the value "
                        "(in CI: a secret); pages then show a placeholder",
                    )
                )
                continue
        what = credential_in(text) if maybe else None
        if what is not None:
            problems.append(doc.problem(loc, f"looks like a credential ({what})", hint))
    return problems


# --------------------------------------------------------------------------- references resolved from the environment


@dataclass(frozen=True)
class SecretRef:
    """Where the catalogue references a secret."""

    name: str
    doc: Document
    loc: Loc


def references(catalogue: Catalogue) -> list[SecretRef]:
    """Every ``env:NAME`` the catalogue uses where a secret belongs, in file order."""
    refs: list[SecretRef] = []
    for entry in catalogue.sources.values():
        conv = entry.model.conversion
        if conv.type == "ringba":
            name = ref_name(conv.code)
            if name:
                refs.append(SecretRef(name, entry.doc, ("conversion", "code")))
        elif conv.type == "url":
            for key, value in conv.params.items():
                name = ref_name(value)
                if name:
                    refs.append(SecretRef(name, entry.doc, ("conversion", "params", key)))
    return refs


@dataclass(frozen=True)
class Resolved:
    """The secret values the build knows, and what stopped it from knowing the others."""

    values: Mapping[str, str]
    """Label (``environment variable NAME``) -> value."""
    problems: tuple[Problem, ...]
    """Always errors: empty or too short values, secret values copied into the catalogue."""
    unset: tuple[Problem, ...]
    """Referenced variables that are not set: warnings for a preview, errors for a published build."""


def resolve(catalogue: Catalogue, environ: Mapping[str, str], known: Mapping[str, str]) -> Resolved:
    """Read every referenced variable; ``known`` holds secrets from elsewhere (the site key) by label."""
    values: dict[str, str] = {}
    problems: list[Problem] = []
    unset: list[Problem] = []
    for ref in references(catalogue):
        label = f"environment variable {ref.name}"
        if ref.name not in environ:
            unset.append(ref.doc.problem(ref.loc, f"environment variable {ref.name} is not set"))
            continue
        value = environ[ref.name]
        if len(value.strip()) < MIN_SECRET_CHARS:
            what = "is empty" if not value.strip() else f"holds fewer than {MIN_SECRET_CHARS} characters"
            problems.append(
                ref.doc.problem(
                    ref.loc,
                    f"environment variable {ref.name} {what}",
                    "a secret this short cannot be told apart from ordinary text; check the variable's value",
                )
            )
            continue
        values[label] = value
    every = {**values, **known}
    for doc in _documents(catalogue):
        if not any(value in doc.strings for value in every.values()):
            continue  # the usual case, one search per value (kept with the parsed file)
        for loc, text in string_values(doc.data):
            for label, value in every.items():
                if value in text:
                    where = label.removeprefix("environment variable ")
                    problems.append(
                        doc.problem(
                            loc,
                            f"holds the value of {label}",
                            f"write env:{where} where a secret belongs, and never the value itself"
                            if label.startswith("environment variable")
                            else "remove it: the site key must never be written in the catalogue",
                        )
                    )
    return Resolved(values, tuple(problems), tuple(unset))


def _documents(catalogue: Catalogue) -> Iterator[Document]:
    yield catalogue.account.doc
    for group in (catalogue.offers, catalogue.buyers, catalogue.sources):
        for entry in group.values():
            yield entry.doc
