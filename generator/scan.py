"""The secret scan: no secret value known to the build may appear in anything it wrote.

After every build, and before anything is swapped in, every file of the staged
site, docs and owner folders is searched for every secret the build knows (the
site key, and the value of every environment variable the catalogue references
as a secret).  A value is looked for as written and in every encoding the build
itself applies to text: HTML, Markdown, URL (percent and form encoding), JSON
and shell quoting; gzip files (``sitemap.xml.gz``) are searched decompressed.
A single hit fails the build, and the message names the secret and the files,
never the value.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

from .errors import BuildError
from .markup import text as markdown_text

MAX_DECOMPRESSED = 64 * 1024 * 1024
"""Largest decompressed size of a ``.gz`` output searched (larger is itself an error)."""


@dataclass(frozen=True, order=True)
class Leak:
    """A secret found in an output file."""

    label: str
    """What the secret is (``the site key``, ``environment variable NAME``), never its value."""
    path: str
    """The file, as it would be published (``site/...``)."""


class SecretLeakError(BuildError):
    """The output holds a secret value; nothing was published."""

    def __init__(self, leaks: list[Leak]) -> None:
        self.leaks = tuple(sorted(set(leaks)))
        lines = [f"  {leak.path}: holds the value of {leak.label}" for leak in self.leaks]
        super().__init__(
            "secret scan: the build's output holds a secret value; nothing was published\n"
            + "\n".join(lines)
            + "\n    hint: find where the value was written (catalogue text, templates, mkdocs.yml) and remove it"
        )


def variants(value: str) -> set[bytes]:
    """``value`` as written and in every encoding the build applies to text."""
    forms = {
        value,
        value.lower() if value.isascii() else value,
        value.upper() if value.isascii() else value,
        html.escape(value, quote=True),
        html.escape(value, quote=False),
        html.escape(value, quote=True).replace("&#x27;", "&#39;"),
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        str(markdown_text(value)),
        value.replace("'", "'\\''"),
    }
    return {form.encode("utf-8") for form in forms if form}


def _pattern(secrets: Mapping[str, str]) -> tuple[re.Pattern[bytes], dict[bytes, str]]:
    owner: dict[bytes, str] = {}
    for label, value in sorted(secrets.items()):
        for form in variants(value):
            owner.setdefault(form, label)
    # Longest first, so a form that contains another is reported under its own label.
    alternatives = sorted(owner, key=lambda b: (-len(b), b))
    return re.compile(b"|".join(re.escape(a) for a in alternatives)), owner


def _contents(path: Path) -> list[bytes]:
    data = path.read_bytes()
    out = [data]
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as f:
                inflated = f.read(MAX_DECOMPRESSED + 1)
        except (OSError, EOFError, zlib.error):
            raise BuildError(f"{path.name}: not a readable gzip file, so it cannot be scanned for secrets") from None
        if len(inflated) > MAX_DECOMPRESSED:
            raise BuildError(f"{path.name}: decompresses to more than {MAX_DECOMPRESSED:,} bytes")
        out.append(inflated)
    return out


def compile_scanner(secrets: Mapping[str, str]) -> Callable[[bytes, str], list[Leak]]:
    """A function that returns every secret hit in some bytes, shown under a path."""
    if not secrets:
        return lambda data, shown: []
    pattern, owner = _pattern(secrets)
    anchors = tuple(_anchor(value) for value in secrets.values())

    def scan(data: bytes, shown: str) -> list[Leak]:
        # Every encoding the build applies keeps a value's letters and digits, up to case: a file
        # without any secret's longest letter-and-digit run (a fast C search on the lowercased bytes)
        # holds no secret, and only the rare file that has one is searched with the full pattern.
        if all(anchors):
            lowered = data.lower()
            if not any(anchor in lowered for anchor in anchors):
                return []
        return [Leak(owner[m.group(0)], shown) for m in pattern.finditer(data)]

    return scan


def _anchor(value: str) -> bytes:
    """The value's longest run of ASCII letters and digits, lowercased (empty when shorter than 4)."""
    runs = re.findall(r"[A-Za-z0-9]+", value)
    longest = max(runs, key=len, default="")
    return longest.lower().encode() if len(longest) >= 4 else b""


def scan_trees(
    trees: Mapping[str, Path], secrets: Mapping[str, str], skip: Collection[str] = frozenset()
) -> list[Leak]:
    """Every (secret, file) hit in ``trees`` (display prefix -> folder), but for files shown in ``skip``."""
    if not secrets:
        return []
    scan = compile_scanner(secrets)
    leaks: list[Leak] = []
    for display, root in sorted(trees.items()):
        for path, shown in _files(root, display):
            if shown in skip:
                continue
            for content in _contents(Path(path)):
                leaks.extend(scan(content, shown))
    return sorted(set(leaks))


def _files(root: Path, display: str) -> list[tuple[str, str]]:
    """Every regular file under ``root`` (symbolic links not followed), with its shown path, in path order.

    A plain ``os.scandir`` walk with string paths: a site of 10,000 pages has over 100,000 entries, and
    ``Path.rglob`` with ``relative_to`` costs seconds on it.
    """
    found: list[tuple[str, str]] = []
    stack = [(str(root), f"{display}/")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file(follow_symlinks=False):
                    found.append((entry.path, prefix + entry.name))
    found.sort(key=lambda item: item[1])
    return found


def check_no_secrets(trees: Mapping[str, Path], secrets: Mapping[str, str]) -> None:
    """Raise :class:`SecretLeakError` if any secret appears in ``trees``."""
    leaks = scan_trees(trees, secrets)
    if leaks:
        raise SecretLeakError(leaks)
