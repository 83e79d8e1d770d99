"""``postdocs init`` and ``postdocs new``: a working project, and valid catalogue files to start from.

Every catalogue file written starts with a ``yaml-language-server`` line naming
its JSON Schema by a relative path, so editors validate and complete it as it is
typed; the schemas are written into the project's ``schema/`` folder.  Files are
plain text with comments explaining each key, and each one passes
``postdocs check`` as written.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePath

from pydantic import TypeAdapter, ValidationError

from . import __version__, patterns
from .build import Project
from .catalogue import SUFFIXES, display_path
from .errors import UsageError, quoted
from .models import Id, Subdomain
from .patterns import PatternError
from .platforms import BUILTIN, Platform
from .project import default_templates
from .schema import schema_files
from .urls import UrlError, parse_url
from .writer import sync_tree, write_files
from .yamlsource import Document, read_document

KINDS = {"offer": "", "buyer": "buyers", "traffic-source": "traffic-sources"}
"""What ``postdocs new`` creates, and the catalogue folder each kind lives in."""


def skeleton(name: str) -> str:
    """A file of the project skeleton shipped with the package."""
    return (resources.files("generator") / "skeleton" / name).read_text(encoding="utf-8")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace every ``@@name@@`` (values are inserted as given)."""
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:  # pragma: no cover - a skeleton file names a value nobody gives
        raise ValueError(f"unfilled placeholder in {text[text.index('@@') :][:40]!r}")
    return text


def schema_line(kind: str, file: Path, schema_dir: Path) -> str:
    """``# yaml-language-server: $schema=<relative path>`` for a catalogue file of ``kind``."""
    rel = os.path.relpath(schema_dir / f"{kind}.schema.json", file.parent)
    return f"# yaml-language-server: $schema={PurePath(rel).as_posix()}\n"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _title(ident: str) -> str:
    return " ".join(part.capitalize() for part in re.split(r"[-_]+", ident) if part)


# --------------------------------------------------------------------------- file texts


@dataclass(frozen=True)
class PlatformInfo:
    """What a new file needs to know of a platform."""

    id: str
    name: str
    carries_payout: bool
    """Can its revenue be the token ``payout`` (a well-known name, or a name it can carry)?"""
    every_outcome: bool = False
    """Does its postback fire on every call outcome (a buyer on it names its sale statuses)?"""

    @classmethod
    def of(cls, platform: Platform) -> PlatformInfo:
        """The facts of a built-in platform."""
        return cls(platform.id, platform.name, platform.valid_name("payout"), platform.every_outcome)


def account_text(subdomain: str, company: str, email: str) -> str:
    """An ``account.yml``."""
    return (
        f"# Your TrackDrive account: https://{subdomain}.trackdrive.com\n"
        f"subdomain: {subdomain}\n"
        "base_domain: trackdrive.com     # or trackdrive.net\n"
        f"company: {_quoted(company)}\n"
        "support:                        # shown at the bottom of every partner page\n"
        f"  email: {email}\n"
        "# base_url: http://127.0.0.1:8080  # optional: filled examples and code samples go here\n"
    )


def offer_text(ident: str, name: str, buyers: tuple[str, ...] = (), sources: tuple[str, ...] = ()) -> str:
    """An offer file, with the given buyers and traffic sources listed."""
    lines = [
        "# An offer: traffic sources send calls into it; buyers receive them and post conversions back.",
        f"id: {ident}",
        f"name: {_quoted(name)}",
        'description: ""                # one or two sentences every partner page starts with',
        "lead_token: REPLACE_WITH_THE_LEAD_TOKEN  # TrackDrive: Offers > edit > Posting Instructions",
        "intake:",
        "  method: lead_post             # lead_post | capture | ping_post (with vanity_uri: and auth:)",
        "fields:                         # contact fields traffic sources send, besides caller_id",
        "  - name: zip",
        "    label: ZIP code",
        "    type: zip                   # text phone email integer decimal boolean date zip state",
        "    required: true",
        '    example: "60601"',
    ]
    lines.append("buyers:" if buyers else "buyers: []                      # - buyer: <buyer id>")
    lines += [f"  - buyer: {b}" for b in buyers]
    if sources:
        lines.append("traffic_sources:")
        for s in sources:
            lines += [f"  - traffic_source: {s}", "    payout: 30.00             # shown to the source"]
    else:
        lines.append("traffic_sources: []             # - traffic_source: <id>, with payout: 30.00")
    return "\n".join(lines) + "\n"


def buyer_text(ident: str, name: str, platform: PlatformInfo) -> str:
    """A buyer file on ``platform``."""
    revenue = (
        ["revenue:                        # an amount (35.00), a token of its platform, or none", "  token: payout"]
        if platform.carries_payout
        else ["revenue: 35.00                  # an amount, a token of its platform ({token: name}), or none"]
    )
    return (
        "\n".join(
            [
                f"# A buyer on {platform.name}: receives the offer's calls, posts each conversion back to TrackDrive.",
                "# List it under `buyers:` in an offer to give it a page.",
                f"id: {ident}",
                f"name: {_quoted(name)}",
                f"platform: {platform.id}",
                f"# form: json                    # json | post_url | get; default: the best {platform.name} can send",
                "# auth: header                  # header | payload; default: header where the platform can send one",
                "# subdomain: fixed              # fixed | token (one global postback; needs host tokens)",
                *revenue,
                *(
                    [
                        f"sale_statuses: [SALE]            # {platform.name} fires its postback on every call outcome: "
                        "the statuses that mean a sale"
                    ]
                    if platform.every_outcome
                    else []
                ),
                "# post_call_tokens:             # extra data sent back inside post_call_tokens",
                "#   - name: policy_status",
                "#     token: policy_status",
                "#     example: submitted",
                "# contact:",
                "#   email: ops@buyer.example     # used in your setup steps only, never published",
            ]
        )
        + "\n"
    )


def source_text(ident: str, name: str, platform: PlatformInfo) -> str:
    """A traffic source file on ``platform``."""
    conversion = (
        ["conversion:                     # how it wants conversions back", "  type: retreaver"]
        if platform.id == "retreaver"
        else [
            "conversion:                     # ringba (with code: its webhook code) | retreaver | url | none",
            "  type: none",
        ]
    )
    return (
        "\n".join(
            [
                f"# A traffic source on {platform.name}: sends calls and caller data into an offer.",
                "# List it under `traffic_sources:` in an offer to give it a page.",
                f"id: {ident}",
                f"name: {_quoted(name)}",
                f"platform: {platform.id}",
                "traffic_source_id: 0            # replace with its traffic source id in TrackDrive",
                "# form: json                    # json | post_url (| get for ping_post)",
                "# field_tokens:                 # contact field -> its field on the platform, where names differ",
                "#   zip: postal_code",
                *conversion,
            ]
        )
        + "\n"
    )


# --------------------------------------------------------------------------- postdocs new


def _check_id(ident: str) -> str:
    try:
        return str(TypeAdapter(Id).validate_python(ident))
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        ctx = err.get("ctx", {})
        raise UsageError(f"{ctx.get('message', err['msg'])}; {ctx.get('hint', '')}".rstrip("; ")) from None


def _documents(folder: Path) -> list[Document]:
    docs = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else ():
        if path.suffix in SUFFIXES and path.is_file():
            doc = read_document(path, display_path(path))
            if isinstance(doc, Document):
                docs.append(doc)
    return docs


def _platforms(catalogue: Path) -> dict[str, PlatformInfo]:
    out = {p.id: PlatformInfo.of(p) for p in BUILTIN.values()}
    for doc in _documents(catalogue / "platforms"):
        data = doc.data if isinstance(doc.data, dict) else {}
        ident, known = data.get("id"), data.get("known")
        if isinstance(ident, str) and ident not in out:
            pattern = str(data.get("name_pattern", "[A-Za-z0-9_]+"))
            try:
                payout = (isinstance(known, dict) and "payout" in known) or patterns.fullmatch(pattern, "payout")
            except PatternError:
                payout = False
            out[ident] = PlatformInfo(ident, str(data.get("name", ident)), payout, data.get("every_outcome") is True)
    return out


def new_file(project: Project, kind: str, ident: str, platform: str | None, name: str | None = None) -> Path:
    """Write a new catalogue file of ``kind``; refuse an id in use or a platform that does not exist."""
    ident = _check_id(ident)
    folder = project.catalogue / KINDS[kind] if KINDS[kind] else project.catalogue
    what = kind.replace("-", " ")
    if kind == "offer" and platform is not None:
        raise UsageError("an offer has no platform; --platform is for a buyer or a traffic source")
    if kind != "offer" and platform is None:
        raise UsageError(f"a {what} needs --platform (one of {', '.join(sorted(_platforms(project.catalogue)))})")
    for doc in _documents(folder):
        if Path(doc.path).name == "account.yml":
            continue
        if Path(doc.path).stem == ident or (isinstance(doc.data, dict) and doc.data.get("id") == ident):
            raise UsageError(f"{what} {quoted(ident)} already exists in {doc.path}")
    target = folder / f"{ident}.yml"
    if target.exists():
        raise UsageError(f"{display_path(target)} already exists")
    name = name or _title(ident)
    if kind == "offer":
        body = offer_text(ident, name)
    else:
        platforms = _platforms(project.catalogue)
        if platform not in platforms:
            close = difflib.get_close_matches(str(platform), platforms, n=1)
            hint = f"did you mean {quoted(close[0])}?" if close else f"use one of {', '.join(sorted(platforms))}"
            raise UsageError(f"unknown platform {quoted(platform)}; {hint}")
        info = platforms[str(platform)]
        body = (buyer_text if kind == "buyer" else source_text)(ident, name, info)
    schema_dir = project.root / "schema"
    if not all((schema_dir / n).is_file() for n in schema_files()):
        sync_tree(schema_files(), schema_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_line(kind, target, schema_dir) + body, encoding="utf-8")
    return target


# --------------------------------------------------------------------------- postdocs init


def init_files(subdomain: str, company: str, site_url: str) -> dict[str, str]:
    """Every file of a new project except the page templates, by path relative to the project."""
    email = f"partners@{subdomain}.example"
    root = Path("/project")  # only for relative schema paths
    schema_dir = root / "schema"
    ringba, generic = PlatformInfo.of(BUILTIN["ringba"]), PlatformInfo.of(BUILTIN["generic"])
    catalogue = {
        "offers/account.yml": ("account", account_text(subdomain, company, email)),
        "offers/home-insurance.yml": (
            "offer",
            offer_text("home-insurance", "Home Insurance", ("example-buyer",), ("example-source",)),
        ),
        "offers/buyers/example-buyer.yml": ("buyer", buyer_text("example-buyer", "Example Buyer", ringba)),
        "offers/traffic-sources/example-source.yml": (
            "traffic-source",
            source_text("example-source", "Example Source", generic),
        ),
    }
    files = {path: schema_line(kind, root / path, schema_dir) + text for path, (kind, text) in catalogue.items()}
    files |= {f"schema/{name}": text for name, text in schema_files().items()}
    files["mkdocs.yml"] = fill(
        skeleton("mkdocs.yml"),
        {
            "company": _quoted(company),
            "description": _quoted(f"Posting and postback instructions for {company}'s traffic sources and buyers."),
            "site_url": _quoted(site_url),
        },
    )
    files[".github/workflows/publish.yml"] = skeleton("workflows/publish.yml")
    files[".github/workflows/pull-request.yml"] = skeleton("workflows/pull-request.yml")
    files[".gitignore"] = skeleton("gitignore")
    files["requirements.txt"] = fill(skeleton("requirements.txt.in"), {"version": __version__})
    return files


def init_project(dest: Path, subdomain: str, company: str, site_url: str) -> list[str]:
    """Create a working project in ``dest`` (new or empty); return the files written."""
    if dest.exists() and (not dest.is_dir() or any(p.name != ".git" for p in dest.iterdir())):
        raise UsageError(f"{display_path(dest)} is not empty; postdocs init creates a new project in a new folder")
    try:
        TypeAdapter(Subdomain).validate_python(subdomain)
    except ValidationError:
        raise UsageError(
            f"{quoted(subdomain)} is not a TrackDrive subdomain; give the first label of its URL"
        ) from None
    try:
        parse_url(site_url, example="https://partners.example.com/")
    except UrlError as exc:
        raise UsageError(f"--site-url: {exc.message}; {exc.hint}") from None
    files = init_files(subdomain, company, site_url)
    dest.mkdir(parents=True, exist_ok=True)
    write_files(files, dest)
    shutil.copytree(default_templates(), dest / "templates", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    written = sorted(files) + sorted(
        p.relative_to(dest).as_posix() for p in (dest / "templates").rglob("*") if p.is_file()
    )
    return written
