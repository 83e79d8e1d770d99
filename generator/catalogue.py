"""Stages ``load`` and ``validate``: a catalogue folder becomes a typed :class:`Catalogue`.

Layout of a catalogue folder (``offers/`` by default)::

    account.yml                 the TrackDrive account
    <offer-id>.yml              one file per offer
    buyers/<buyer-id>.yml       one file per buyer
    traffic-sources/<id>.yml    one file per traffic source
    platforms/<id>.yml          one file per custom platform (optional)

Every problem found is collected and reported together, each located at its
file, line and column.  Cross-file rules (references, unique ids) are checked
here; what a platform can send is checked by :mod:`plan`.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import DataError, Problem, UsageError
from .models import Account, Buyer, Offer, PlatformFile, TrafficSource
from .platforms import BUILTIN, Platform
from .secrets import credential_problems
from .state import code_digest
from .steps import FACTS, source_of
from .writer import KeptMap
from .yamlsource import Document, Loc, dotted, parse_document

ACCOUNT_FILE = "account.yml"
FOLDERS = {"buyers": Buyer, "traffic-sources": TrafficSource, "platforms": PlatformFile}
SUFFIXES = (".yml", ".yaml")
MAX_FILES = 100_000
"""Most files one catalogue may hold."""

M = TypeVar("M", bound=BaseModel)
_Cached = tuple[Document | Problem, tuple[Problem, ...], BaseModel | None]
"""A file's parse, its credential problems and, once validated, its model."""


@dataclass(frozen=True)
class Entry(Generic[M]):
    """A validated entity and the document it came from (for located problems later)."""

    model: M
    doc: Document


@dataclass(frozen=True)
class Catalogue:
    """Everything the catalogue says, validated and cross-checked."""

    root: Path
    account: Entry[Account]
    platforms: Mapping[str, Platform]
    offers: Mapping[str, Entry[Offer]]
    buyers: Mapping[str, Entry[Buyer]]
    sources: Mapping[str, Entry[TrafficSource]]
    digests: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """SHA-256 of each entity's file: ``account``, ``offer:<id>``, ``buyer:<id>``, ``traffic_source:<id>``,
    ``platform:<id>`` (custom platforms)."""


def display_path(path: Path) -> str:
    """The path as the user typed it relative to the working directory, when possible."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class DocumentCache:
    """Parsed catalogue files by content, kept between runs (``build/cache``).

    A large catalogue with one changed file is then read in a fraction of the time.  Only what a file's
    bytes determine is cached: the parsed document, its credential problems and, once validated, its
    model.  The cache is keyed by the code that made it (postdocs' files and pydantic's version).
    """

    VERSION = 2

    def __init__(self, path: Path | None = None) -> None:
        from pydantic import VERSION as PYDANTIC

        self.kept: KeptMap[_Cached] = KeptMap(path, (self.VERSION, code_digest(), PYDANTIC) if path else None)
        self.entries = self.kept.entries
        self.used = self.kept.used
        self.changed = False
        """An entry was parsed, or validated, in this run."""

    def read(self, path: Path, display: str, kind: str) -> tuple[Document | Problem, tuple[Problem, ...]]:
        """The parsed file and its credential problems, from the cache when its bytes are unchanged."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problem = Problem(
                display, 1, 1, "(file)", f"cannot be read: {exc.strerror}", "check the file's permissions"
            )
            return problem, ()
        key = self._key(kind, display, hashlib.sha256(raw).hexdigest())
        self.used.add(key)
        if key not in self.entries:
            doc = parse_document(raw, display)
            found = () if isinstance(doc, Problem) else tuple(credential_problems(doc, kind))
            self.entries[key] = (doc, found, None)
            self.changed = True
        doc, found, _ = self.entries[key]
        return doc, found

    def validated(self, kind: str, doc: Document, model: type[M]) -> M:
        """``doc`` validated as ``model``, from the cache when it was before; raises pydantic's ValidationError."""
        key = self._key(kind, doc.path, doc.digest)
        entry = self.entries.get(key)
        if entry is not None and isinstance(entry[2], model):
            return entry[2]
        value = model.model_validate(doc.data)
        if entry is not None and entry[0] is doc:
            self.entries[key] = (doc, entry[1], value)
            self.changed = True
        return value

    @staticmethod
    def _key(kind: str, display: str, digest: str) -> str:
        """A file's entry: its kind and path as shown, and the SHA-256 of its bytes."""
        return f"{kind}\0{display}\0{digest}"

    def save(self) -> None:
        """Keep the entries used in this run (atomically); nothing is written when nothing changed.

        The cache only saves time: a cache that cannot be written (a read-only checkout) is not an error.
        """
        if self.changed or len(self.used) != len(self.entries):
            self.kept.save()


def load_catalogue(root: Path, cache: DocumentCache | None = None) -> Catalogue:
    """Read and validate the catalogue under ``root``; raise :class:`DataError` listing every problem."""
    if not root.is_dir():
        raise UsageError(f"catalogue folder {display_path(root)!r} does not exist (run postdocs init to create one)")
    problems: list[Problem] = []
    files = _discover(root, problems)
    docs: dict[str, list[Document]] = {"account": [], "offers": [], **{k: [] for k in FOLDERS}}
    unreadable: dict[str, set[str]] = {k: set() for k in FOLDERS}
    reader = cache or DocumentCache()
    for kind, path in files:
        doc, credentials = reader.read(path, display_path(path), kind)
        if isinstance(doc, Problem):
            problems.append(doc)
            unreadable.get(kind, set()).add(path.stem)
        else:
            docs[kind].append(doc)
            problems.extend(credentials)

    account = _validate_all(reader, "account", docs, Account, problems)
    platforms = _validate_all(reader, "platforms", docs, PlatformFile, problems)
    offers = _validate_all(reader, "offers", docs, Offer, problems)
    buyers = _validate_all(reader, "buyers", docs, Buyer, problems)
    sources = _validate_all(reader, "traffic-sources", docs, TrafficSource, problems)

    if not (root / ACCOUNT_FILE).exists():
        problems.append(
            Problem(
                display_path(root / ACCOUNT_FILE),
                1,
                1,
                "(file)",
                "the catalogue has no account file",
                "create it with your TrackDrive subdomain, company name and support e-mail (see README)",
            )
        )
    platform_map = _platforms(platforms, problems)
    offer_map = _unique(offers, "offer", problems)
    buyer_map = _unique(buyers, "buyer", problems)
    source_map = _unique(sources, "traffic source", problems)
    for buyer in buyer_map.values():
        _check_platform_ref(buyer, platform_map, problems)
    for source in source_map.values():
        _check_platform_ref(source, platform_map, problems)
    # References to a file that exists but has problems of its own are not reported again.
    # A file that could not be read at all is known by its name (one entity per file, named after its id).
    known_buyers = set(buyer_map) | _ids(docs["buyers"]) | _broken(docs["buyers"], buyer_map) | unreadable["buyers"]
    known_sources = (
        set(source_map)
        | _ids(docs["traffic-sources"])
        | _broken(docs["traffic-sources"], source_map)
        | unreadable["traffic-sources"]
    )
    for entry in offer_map.values():
        _check_offer_refs(entry, known_buyers, known_sources, problems)
    if problems or not account:
        raise DataError(problems)
    digests = {"account": account[0].doc.digest}
    digests.update({f"platform:{e.model.id}": e.doc.digest for e in platforms})
    for kind, entries in (("offer", offer_map), ("buyer", buyer_map), ("traffic_source", source_map)):
        digests.update({f"{kind}:{k}": e.doc.digest for k, e in entries.items()})
    return Catalogue(root, account[0], platform_map, offer_map, buyer_map, source_map, digests)


# --------------------------------------------------------------------------- discovery


def _discover(root: Path, problems: list[Problem]) -> list[tuple[str, Path]]:
    """Every catalogue file with its kind, refusing symlinks that leave the catalogue."""
    real_root = root.resolve()
    found: list[tuple[str, Path]] = []

    def inside(entry: os.DirEntry[str]) -> bool:
        """True unless a link leads out of the catalogue (what is not a link is where its folder is)."""
        if not entry.is_symlink():
            return True
        path = Path(entry.path)
        try:
            path.resolve().relative_to(real_root)
        except (ValueError, OSError):
            problems.append(
                Problem(
                    display_path(path),
                    1,
                    1,
                    "(file)",
                    "is a link to a file outside the catalogue",
                    "copy the file into the catalogue instead of linking to it",
                )
            )
            return False
        return True

    # os.scandir: a folder's entries know whether they are links without a system call each.
    for entry in _entries(root):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if entry.name in FOLDERS:
                if not inside(entry):
                    continue
                for child in _entries(Path(entry.path)):
                    if _yaml(child.name) and child.is_file() and inside(child):
                        found.append((entry.name, Path(child.path)))
                    elif child.is_dir() and not child.name.startswith("."):
                        problems.append(
                            Problem(
                                display_path(Path(child.path)),
                                1,
                                1,
                                "(file)",
                                "folders inside folders are not read",
                                f"move its files into {entry.name}/",
                            )
                        )
            elif any(p.suffix in SUFFIXES for p in Path(entry.path).rglob("*")):
                close = difflib.get_close_matches(entry.name, FOLDERS, n=1)
                problems.append(
                    Problem(
                        display_path(Path(entry.path)),
                        1,
                        1,
                        "(file)",
                        f"unknown folder {entry.name!r}",
                        f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(FOLDERS)}",
                    )
                )
        elif _yaml(entry.name) and entry.is_file() and inside(entry):
            found.append(("account" if entry.name == ACCOUNT_FILE else "offers", Path(entry.path)))
        if len(found) > MAX_FILES:
            raise UsageError(f"the catalogue holds more than {MAX_FILES:,} files")
    return found


def _yaml(name: str) -> bool:
    """True for a YAML file's name (as ``Path.suffix`` sees it: ``.yml`` alone is a name, not a suffix)."""
    return os.path.splitext(name)[1] in SUFFIXES


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """A folder's entries, sorted by name."""
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


# --------------------------------------------------------------------------- per-file validation


def _validate_all(
    cache: DocumentCache, kind: str, docs: Mapping[str, list[Document]], model: type[M], problems: list[Problem]
) -> list[Entry[M]]:
    out: list[Entry[M]] = []
    for doc in docs[kind]:
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), "must be a mapping of keys to values", "start the file with `id: ...`"))
            continue
        try:
            out.append(Entry(cache.validated(kind, doc, model), doc))
        except ValidationError as exc:
            problems.extend(_translate(doc, exc, model))
    return out


def _translate(doc: Document, exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Turn pydantic's errors into located problems with hints."""
    out = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        loc = _data_loc(doc.data, tuple(err["loc"]), keep_last=kind == "missing")
        field = dotted(loc)
        hint = ""
        if kind == "postdocs":
            message, hint = err["ctx"]["message"], err["ctx"].get("hint", "")
        elif kind == "missing":
            message = "is required"
            hint = f"add `{loc[-1]}:`" if loc and isinstance(loc[-1], str) else "add the missing value"
            if loc and isinstance(loc[-1], str):
                doc_loc = loc[:-1]
                pos = doc.locate(doc_loc)
                out.append(Problem(doc.path, pos.line, pos.col, field, message, hint))
                continue
        elif kind == "extra_forbidden":
            name = str(loc[-1])
            known = _field_names(model, loc[:-1], doc.data)
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            message = f"unknown key {name!r}"
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else (f"known keys here: {', '.join(known)}" if known else "remove it")
            )
            out.append(doc.problem(loc, message, hint, key=True))
            continue
        elif kind in ("literal_error", "union_tag_invalid"):
            expected = _expected(err)
            value = err.get("input") if kind == "literal_error" else err["ctx"].get("tag")
            if kind == "union_tag_invalid":
                loc = (*loc, err["ctx"]["discriminator"].strip("'"))
                field = dotted(loc)
            close = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.6)
            message = f"{value!r} is not one of {', '.join(expected)}"
            hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(expected)}"
        elif kind == "union_tag_not_found":
            tag = err["ctx"]["discriminator"].strip("'")
            message = f"needs a `{tag}` key"
            hint = f"add `{tag}:`"
        elif kind in _TYPE_NAMES:
            message = f"must be {_TYPE_NAMES[kind]}, not {_kind(err.get('input'))}"
            hint = _TYPE_HINTS.get(kind, "")
        elif kind == "too_short":
            message = "must not be empty"
            hint = "give at least one value, or remove the key"
        else:  # pragma: no cover - a pydantic error type not mapped above
            message = err["msg"]
        out.append(doc.problem(loc, message, hint))
    return out


_TYPE_NAMES = {
    "string_type": "text",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "int_type": "a whole number",
}
_TYPE_HINTS = {
    "string_type": "quote the value",
    "bool_type": "write true or false",
    "dict_type": "indent `key: value` lines under it",
    "model_type": "indent `key: value` lines under it",
    "list_type": "write one `- item` per line under it",
}


def _kind(value: Any) -> str:
    from .models import _kind as kind

    return kind(value)


def _expected(err: Any) -> list[str]:
    ctx = err.get("ctx", {})
    raw = ctx.get("expected_tags") or ctx.get("expected") or ""
    return [part.strip().strip("'") for part in str(raw).replace(" or ", ", ").split(",") if part.strip()]


_MISSING = object()


def _child(node: Any, part: str | int) -> Any:
    """``node[part]`` when the document has it, else ``_MISSING``."""
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def _data_loc(data: Any, loc: Loc, *, keep_last: bool) -> Loc:
    """Map pydantic's location onto the document, dropping union tags that are not in the data.

    A tagged union puts its tag in the location (``conversion.url.params`` for ``type: url``); when the
    tag is also a key of the data (``url:``), the path that reaches the most of the location, its last
    part above all, is the one that was written.
    """
    _, path, last = _resolve(data, loc)
    if keep_last and loc and not last:
        path = (*path, loc[-1])
    return path


def _resolve(node: Any, loc: Loc) -> tuple[int, Loc, bool]:
    """(score, path in the data, whether the last part was found) of the best reading of ``loc``."""
    if not loc:
        return 0, (), False
    part, rest = loc[0], loc[1:]
    child = _child(node, part)
    # Only a text part can be a union tag; reading it as one is tried while the location is short.
    may_be_tag = isinstance(part, str) and len(loc) <= 12
    best = _resolve(node, rest) if child is _MISSING or may_be_tag else (-1, (), False)
    if child is not _MISSING:
        score, path, last = _resolve(child, rest)
        last = last or not rest
        score += 1 + (1 if not rest else 0)
        if score >= best[0]:
            best = (score, (part, *path), last)
    return best


def _field_names(model: type[BaseModel], loc: Loc, data: Any) -> list[str]:
    """Names of the keys the model accepts at ``loc`` (for "did you mean")."""
    current: Any = model
    node = data
    for part in loc:
        node = _child(node, part)
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return []
        current = _model_in(current.model_fields[part].annotation, node)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _model_in(annotation: Any, node: Any) -> Any:
    """The BaseModel inside an annotation (through Optional, list, Annotated and tagged unions)."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0], node)
    if origin in (list, tuple):
        return _model_in(typing.get_args(annotation)[0], node)
    if origin in (typing.Union, types.UnionType):
        candidates = [_model_in(arg, node) for arg in typing.get_args(annotation)]
        models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        for candidate in models:
            for name in ("type", "method"):
                if isinstance(node, dict) and name in candidate.model_fields:
                    literal = typing.get_args(candidate.model_fields[name].annotation)
                    if node.get(name) in literal:
                        return candidate
        return models[0] if len(models) == 1 else None
    return None


# --------------------------------------------------------------------------- cross-file rules


E = TypeVar("E", bound=Entry[Any])


def _unique(entries: list[E], what: str, problems: list[Problem]) -> dict[str, E]:
    out: dict[str, E] = {}
    for entry in sorted(entries, key=lambda e: e.doc.path):
        key = entry.model.id
        if key in out:
            problems.append(
                entry.doc.problem(
                    ("id",),
                    f"{what} id {key!r} is already used by {out[key].doc.path}",
                    "give every file its own id",
                )
            )
        else:
            out[key] = entry
    return dict(sorted(out.items()))


def _platforms(entries: list[Entry[PlatformFile]], problems: list[Problem]) -> dict[str, Platform]:
    out: dict[str, Platform] = dict(BUILTIN)
    for key, entry in _unique(entries, "platform", problems).items():
        if key in BUILTIN:
            problems.append(
                entry.doc.problem(
                    ("id",),
                    f"{key!r} is a built-in platform",
                    "give the custom platform another id",
                )
            )
            continue
        spec = entry.model
        if spec.json_body and not spec.headers:
            problems.append(
                entry.doc.problem(
                    ("json_body",),
                    "a platform that cannot send headers cannot send a JSON body (it needs a Content-Type header)",
                    "set headers: true, or json_body: false",
                )
            )
        for action, steps in spec.steps.items():
            for i, step in enumerate(steps):
                if step.source and source_of(step.source) is None:
                    problems.append(
                        entry.doc.problem(
                            ("steps", action, i, "source"),
                            f"{step.source!r} is not a fact postdocs knows",
                            f"give the https address of the documentation page, or one of {', '.join(FACTS)}",
                        )
                    )
        prefix, suffix = spec.token.parts()
        out[key] = Platform(
            id=key,
            name=spec.name,
            prefix=prefix,
            suffix=suffix,
            name_pattern=spec.name_pattern,
            host_tokens=spec.host_tokens,
            headers=spec.headers,
            json_body=spec.headers and spec.json_body is not False,
            methods=tuple(m for m in ("GET", "POST") if m in spec.methods),
            known=types.MappingProxyType(dict(spec.known)),
            builtin=False,
            docs=spec.docs,
            every_outcome=spec.every_outcome,
            steps=types.MappingProxyType({k: tuple(v) for k, v in spec.steps.items()}),
        )
    return out


def _check_platform_ref(
    entry: Entry[Buyer] | Entry[TrafficSource], platforms: Mapping[str, Platform], problems: list[Problem]
) -> None:
    ref = entry.model.platform
    if ref not in platforms:
        close = difflib.get_close_matches(ref, platforms, n=1)
        problems.append(
            entry.doc.problem(
                ("platform",),
                f"unknown platform {ref!r}",
                f"did you mean {close[0]!r}?"
                if close
                else f"use one of {', '.join(sorted(platforms))}, or describe it in platforms/{ref}.yml",
            )
        )


def _broken(docs: Iterable[Document], valid: Mapping[str, Entry[Any]]) -> set[str]:
    """Names of files that were read but did not validate."""
    good = {entry.doc.path for entry in valid.values()}
    return {Path(d.path).stem for d in docs if d.path not in good}


def _ids(docs: Iterable[Document]) -> set[str]:
    """Ids written in documents, valid or not."""
    return {d.data["id"] for d in docs if isinstance(d.data, dict) and isinstance(d.data.get("id"), str)}


def _check_offer_refs(entry: Entry[Offer], buyers: set[str], sources: set[str], problems: list[Problem]) -> None:
    offer, doc = entry.model, entry.doc
    for list_key, ref_key, known, folder in (
        ("buyers", "buyer", buyers, "buyers"),
        ("traffic_sources", "traffic_source", sources, "traffic-sources"),
    ):
        seen: set[str] = set()
        for i, pair in enumerate(getattr(offer, list_key)):
            ref = getattr(pair, ref_key)
            loc: Loc = (list_key, i, ref_key)
            if ref in seen:
                problems.append(doc.problem(loc, f"{ref!r} is listed twice", "keep one entry per partner"))
            seen.add(ref)
            if ref not in known:
                close = difflib.get_close_matches(ref, known, n=1)
                problems.append(
                    doc.problem(
                        loc,
                        f"unknown {ref_key.replace('_', ' ')} {ref!r}",
                        f"did you mean {close[0]!r}?" if close else f"create {folder}/{ref}.yml",
                    )
                )
    names: dict[str, int] = {}
    for i, field in enumerate(offer.fields):
        if field.name in names:
            problems.append(
                doc.problem(
                    ("fields", i, "name"),
                    f"field {field.name!r} is defined twice (first as fields[{names[field.name]}])",
                    "keep one definition",
                )
            )
        names.setdefault(field.name, i)
    if offer.intake.method in ("lead_post", "capture") and offer.lead_token is None:
        problems.append(
            doc.problem(
                ("lead_token",),
                f"is required when intake is {offer.intake.method}",
                "copy the offer's lead token from TrackDrive (Offers > edit > Posting Instructions)",
            )
        )
