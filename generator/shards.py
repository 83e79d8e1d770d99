"""Sharded builds for CI fleets: ``build --shard K/N`` renders a fixed share of the pages, ``merge`` joins them.

Pages are assigned to shards by a hash of their path, so every machine agrees on the split without
talking to the others.  A shard writes its pages' HTML, Markdown and exports into its own folder with
a manifest (the build's fingerprint and each page's digest).  The merge step checks that the shards
were built from this very input, that together they hold every page exactly once, builds the public
part, scans and crawls the result like any build, and publishes it: the site is byte for byte the
site one machine would have built.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, UsageError, naming
from .incremental import page_paths
from .plan import Plan

MANIFEST = "shard.json"


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` -> (K, N), with 1 <= K <= N."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise UsageError(f"--shard {text!r}: write it as K/N, like 2/4") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def shard_of(slug: str, count: int) -> int:
    """The shard (1-based) a page belongs to among ``count``."""
    return int(hashlib.sha256(slug.encode()).hexdigest()[:12], 16) % count + 1


def shard_indices(plan: Plan, shard: tuple[int, int]) -> list[int]:
    """The pages of one shard."""
    k, n = shard
    return [i for i, s in enumerate(plan.slots) if shard_of(s.slug, n) == k]


@dataclass(frozen=True)
class ShardManifest:
    """What a shard built."""

    fingerprint: str
    shard: tuple[int, int]
    pages: dict[str, str]
    """Slug -> digest."""
    exposure: list[str]
    """Problems the shard's workers found (empty when it published)."""

    def save(self, folder: Path) -> None:
        """Write the manifest into the shard's folder."""
        data = {
            "fingerprint": self.fingerprint,
            "shard": list(self.shard),
            "pages": self.pages,
            "exposure": self.exposure,
        }
        with naming(folder / MANIFEST):
            (folder / MANIFEST).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ShardManifest:
        """The manifest of a shard folder; a clear error when it is not one."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            return cls(
                data["fingerprint"],
                (int(data["shard"][0]), int(data["shard"][1])),
                dict(data["pages"]),
                list(data["exposure"]),
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            raise UsageError(
                f"{folder}: not a shard folder (build one with postdocs build --shard K/N --out {folder})"
            ) from None


def write_shard(
    folder: Path, staged: Mapping[str, Path], plan: Plan, indices: Sequence[int], manifest: ShardManifest
) -> None:
    """Move the shard's pages from the staging folders into ``folder`` (replaced)."""
    if folder.exists():
        shutil.rmtree(folder)
    for i in indices:
        for rel in page_paths(plan.pages[i].slug):
            tree, _, path = rel.partition("/")
            source = staged[tree] / path
            if source.is_file():
                target = folder / tree / path
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
    folder.mkdir(parents=True, exist_ok=True)
    manifest.save(folder)


def check_shards(manifests: Sequence[ShardManifest], fingerprint: str, digests: Mapping[str, str]) -> None:
    """The shards were built from this input and hold every page exactly once."""
    problems: list[str] = []
    counts = {m.shard[1] for m in manifests}
    if len(counts) != 1:
        problems.append(
            f"the shards were split differently ({', '.join(f'{m.shard[0]}/{m.shard[1]}' for m in manifests)})"
        )
    seen: dict[str, tuple[int, int]] = {}
    for m in manifests:
        if m.fingerprint != fingerprint:
            problems.append(f"shard {m.shard[0]}/{m.shard[1]} was built from other templates, config, options or key")
        for slug, digest in m.pages.items():
            if slug in seen:
                problems.append(f"page {slug}/ is in shards {seen[slug][0]} and {m.shard[0]}")
            seen[slug] = m.shard
            if digests.get(slug) not in (None, digest):
                problems.append(f"page {slug}/ was built from another catalogue than this one")
        problems.extend(m.exposure)
    missing = sorted(set(digests) - set(seen))
    extra = sorted(set(seen) - set(digests))
    if missing:
        problems.append(f"{len(missing)} pages are in no shard (first: {missing[0]}/)")
    if extra:
        problems.append(f"{len(extra)} pages of the shards are not in the catalogue (first: {extra[0]}/)")
    if problems:
        raise BuildError("cannot merge the shards; nothing was published\n" + "\n".join(f"  {p}" for p in problems))


def link_in(shard: Path, staged: Mapping[str, Path]) -> None:
    """Hard-link (or copy) every page file of a shard into the staged folders."""
    for tree in ("site", "docs"):
        root = shard / tree
        if not root.is_dir():
            continue
        for source in root.rglob("*"):
            if not source.is_file():
                continue
            target = staged[tree] / source.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.unlink()
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
