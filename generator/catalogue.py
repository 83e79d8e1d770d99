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
import errno
import hashlib
import os
import stat
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import DataError, Problem, UsageError, os_failure, quoted
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

ANY_ID = "*"
"""Stands for every id in a folder that could not be read (not a valid id, so never a real one)."""

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
            what, hint = os_failure(exc)
            return Problem(display, 1, 1, "(file)", f"cannot be read: {what}", hint), ()
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
        if os.path.lexists(root):
            raise UsageError(f"the catalogue {quoted(display_path(root))} is not a folder (--catalogue names a folder)")
        raise UsageError(
            f"catalogue folder {quoted(display_path(root))} does not exist (run postdocs init to create one)"
        )
    problems: list[Problem] = []
    unreadable: dict[str, set[str]] = {k: set() for k in (*FOLDERS, "account", "offers")}
    files = _discover(root, problems, unreadable)
    docs: dict[str, list[Document]] = {"account": [], "offers": [], **{k: [] for k in FOLDERS}}
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

    if not docs["account"] and not unreadable["account"] and not any(kind == "account" for kind, _ in files):
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
    # A partner on a custom platform whose file has problems of its own gets no second, misleading problem.
    broken_platforms = (
        _ids(docs["platforms"])
        | _broken(docs["platforms"], {e.model.id: e for e in platforms})
        | unreadable["platforms"]
    )
    for buyer in buyer_map.values():
        _check_platform_ref(buyer, platform_map, broken_platforms, problems)
    for source in source_map.values():
        _check_platform_ref(source, platform_map, broken_platforms, problems)
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


def _discover(root: Path, problems: list[Problem], unreadable: dict[str, set[str]]) -> list[tuple[str, Path]]:
    """Every catalogue file with its kind.

    What cannot be one (a link out of the catalogue, a broken link or a loop, a folder or a named pipe
    where a file belongs, a folder that cannot be read) is a located problem, and its name goes into
    ``unreadable`` (so references to it are not reported again).
    """
    real_root = os.path.realpath(root)
    found: list[tuple[str, Path]] = []

    def refuse(kind: str, entry: os.DirEntry[str], problem: Problem) -> None:
        problems.append(problem)
        unreadable.setdefault(kind, set()).add(os.path.splitext(entry.name)[0])

    # os.scandir: a folder's entries know their type without a system call each (links and odd files aside).
    for entry in _entries(root, problems):
        if entry.name.startswith("."):
            continue
        kind = "account" if entry.name == ACCOUNT_FILE else "offers"
        what = _entry_kind(entry, real_root)
        if entry.name in FOLDERS:
            if isinstance(what, Problem):
                problems.append(what)
                unreadable.setdefault(entry.name, set()).add(ANY_ID)
            elif what == "dir":
                found.extend(_folder_files(entry, real_root, problems, unreadable))
            else:
                problems.append(_problem(entry.path, "is a file where the folder of that name belongs", "move it away"))
        elif _yaml(entry.name):
            if isinstance(what, Problem):
                refuse(kind, entry, what)
            elif what == "file":
                found.append((kind, Path(entry.path)))
            else:
                refuse(kind, entry, _folder_not_file(entry.path))
        elif what == "dir" and _holds_yaml(entry.path):
            close = difflib.get_close_matches(entry.name, FOLDERS, n=1)
            problems.append(
                _problem(
                    entry.path,
                    f"unknown folder {quoted(entry.name)}",
                    f"did you mean {quoted(close[0])}?" if close else f"use one of {', '.join(FOLDERS)}",
                )
            )
        if len(found) > MAX_FILES:
            raise UsageError(f"the catalogue holds more than {MAX_FILES:,} files")
    return found


def _folder_files(
    folder: os.DirEntry[str], real_root: str, problems: list[Problem], unreadable: dict[str, set[str]]
) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    before = len(problems)
    children = _entries(Path(folder.path), problems)
    if len(problems) > before:  # the folder could not be read: any id may be in it
        unreadable.setdefault(folder.name, set()).add(ANY_ID)
    for child in children:
        if child.name.startswith("."):
            continue
        what = _entry_kind(child, real_root)
        if _yaml(child.name):
            if what == "file":
                found.append((folder.name, Path(child.path)))
                continue
            problem = what if isinstance(what, Problem) else _folder_not_file(child.path)
            problems.append(problem)
            unreadable.setdefault(folder.name, set()).add(os.path.splitext(child.name)[0])
        elif what == "dir":
            problems.append(
                _problem(child.path, "folders inside folders are not read", f"move its files into {folder.name}/")
            )
    return found


def _problem(path: str | Path, message: str, hint: str) -> Problem:
    return Problem(display_path(Path(path)), 1, 1, "(file)", message, hint)


def _folder_not_file(path: str) -> Problem:
    return _problem(
        path,
        "is a folder, not a file",
        "a catalogue file is a YAML file describing one entity: replace the folder with the file, or rename it",
    )


_SPECIAL_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _entry_kind(entry: os.DirEntry[str], real_root: str) -> str | Problem:
    """``"dir"``, ``"file"``, ``"other"``, or the problem that makes the entry unusable.

    Plain files and folders are known from the folder listing; a link is followed (it must stay in the
    catalogue and lead somewhere), and anything else is looked at once.
    """
    try:
        if not entry.is_symlink():
            if entry.is_file(follow_symlinks=False):
                return "file"
            if entry.is_dir(follow_symlinks=False):
                return "dir"
        info = os.lstat(entry.path)
        if stat.S_ISLNK(info.st_mode):
            info = _follow(entry.path, real_root)
    except _Refused as refused:
        return refused.problem
    except OSError as exc:
        what, hint = os_failure(exc)
        return _problem(entry.path, f"cannot be read: {what}", hint)
    if stat.S_ISDIR(info.st_mode):
        return "dir"
    if stat.S_ISREG(info.st_mode):
        return "file"
    if not _yaml(entry.name) and entry.name not in FOLDERS:
        return "other"  # not a catalogue file's name: never opened, so harmless
    special = next((name for test, name in _SPECIAL_FILES if test(info.st_mode)), "a special file")
    return _problem(
        entry.path,
        f"is {special}, not a regular file",
        "catalogue files are plain YAML files: remove it, or replace it with a file (reading it could block forever)",
    )


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _follow(path: str, real_root: str) -> os.stat_result:
    """The status of what the link at ``path`` leads to, which must be inside the catalogue."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Refused(
                _problem(path, "is a symbolic link that leads back to itself", "point it at a real file, or delete it")
            ) from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            try:
                target = quoted(os.readlink(path))
            except OSError:
                target = "a path"
            raise _Refused(
                _problem(
                    path,
                    f"is a symbolic link to {target}, which does not exist",
                    "point the link at an existing file in the catalogue, or delete the link",
                )
            ) from None
        raise
    real = os.path.realpath(path)
    if os.path.commonpath([real, real_root]) != real_root:
        raise _Refused(
            _problem(
                path,
                "is a link to a file outside the catalogue",
                "copy the file into the catalogue instead of linking to it",
            )
        )
    return info


def _holds_yaml(folder: str) -> bool:
    """True when a YAML file is anywhere below ``folder`` (links not followed, unreadable folders skipped)."""
    return any(any(_yaml(name) for name in files) for _, _, files in os.walk(folder))


def _yaml(name: str) -> bool:
    """True for a YAML file's name (as ``Path.suffix`` sees it: ``.yml`` alone is a name, not a suffix)."""
    return os.path.splitext(name)[1] in SUFFIXES


def _entries(folder: Path, problems: list[Problem]) -> list[os.DirEntry[str]]:
    """A folder's entries, sorted by name; a folder that cannot be read is a problem (and has none)."""
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as exc:
        what, hint = os_failure(exc)
        problems.append(_problem(folder, f"cannot be read: {what}", hint))
        return []


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
            message = f"unknown key {quoted(name)}"
            hint = (
                f"did you mean {quoted(close[0])}?"
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
            message = f"{quoted(value)} is not one of {', '.join(expected)}"
            hint = f"did you mean {quoted(close[0])}?" if close else f"use one of {', '.join(expected)}"
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
                    f"{what} id {quoted(key)} is already used by {out[key].doc.path}",
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
                    f"{quoted(key)} is a built-in platform",
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
    entry: Entry[Buyer] | Entry[TrafficSource],
    platforms: Mapping[str, Platform],
    broken: set[str],
    problems: list[Problem],
) -> None:
    ref = entry.model.platform
    if ref not in platforms and ref not in broken and ANY_ID not in broken:
        close = difflib.get_close_matches(ref, platforms, n=1)
        problems.append(
            entry.doc.problem(
                ("platform",),
                f"unknown platform {quoted(ref)}",
                f"did you mean {quoted(close[0])}?"
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
                problems.append(doc.problem(loc, f"{quoted(ref)} is listed twice", "keep one entry per partner"))
            seen.add(ref)
            if ref not in known and ANY_ID not in known:
                close = difflib.get_close_matches(ref, known, n=1)
                problems.append(
                    doc.problem(
                        loc,
                        f"unknown {ref_key.replace('_', ' ')} {quoted(ref)}",
                        f"did you mean {quoted(close[0])}?" if close else f"create {folder}/{ref}.yml",
                    )
                )
    names: dict[str, int] = {}
    for i, field in enumerate(offer.fields):
        if field.name in names:
            problems.append(
                doc.problem(
                    ("fields", i, "name"),
                    f"field {quoted(field.name)} is defined twice (first as fields[{names[field.name]}])",
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
