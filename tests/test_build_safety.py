"""Builds never half-publish, and the same input always gives the same bytes.

Each step of a build is failed in turn (check, render, MkDocs, secret scan, the crawl of the built
site); every time, the published site, the docs folder and the owner's folder stay byte-identical and
no staging folder is left behind.  Two builds of the same input, in different folders and processes,
are byte-identical, with every date taken from ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLE_SECRETS, TEST_KEY, copy_project

from generator import writer
from generator.cli import main

OUTPUTS = ("site", "build/docs", "owner")
ENV = {"POSTDOCS_SITE_KEY": TEST_KEY, **EXAMPLE_SECRETS}
EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def outputs(root: Path) -> dict[str, dict[str, bytes]]:
    return {name: tree(root / name) for name in OUTPUTS}


def leftovers(root: Path) -> list[str]:
    """Staging or old folders a build left beside its outputs."""
    return sorted(
        str(p.relative_to(root))
        for folder in (root, root / "build")
        for p in folder.iterdir()
        if p.name.startswith(".") and p.name.endswith((".tmp", ".old"))
    )


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={**ENV, **(env or {})}).invoke(main, ["--project", str(root), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("published"))
    result = run(root, "build", "--publish", "--strict")
    assert result.exit_code == 0, result.output
    return root


def _break_yaml(root: Path) -> None:
    (root / "offers" / "buyers" / "prairie-dialers.yml").write_text("id: prairie-dialers\nname: [\n")


def _break_template(root: Path) -> None:
    page = root / "templates" / "buyer.md.j2"
    page.write_text(page.read_text() + "\n{{ no_such_value }}\n")


def _break_mkdocs(root: Path) -> None:
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("name: material", "name: no-such-theme"))


def _leak_into_site(root: Path) -> None:
    home = root / "templates" / "home.md.j2"
    home.write_text(home.read_text() + f"\nCode: {EXAMPLE_SECRETS['BLUEWAVE_RINGBA_CODE']}\n")


def _leak_into_owner(root: Path) -> None:
    owner = root / "templates" / "owner.md.j2"
    owner.write_text(owner.read_text() + f"\nKey: {TEST_KEY}\n")


def _list_partner_pages(root: Path) -> None:
    (root / "templates" / "theme" / "sitemap.xml").unlink()


FAILURES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "check": (_break_yaml, ["offers/buyers/prairie-dialers.yml:3:1: (file): invalid YAML"]),
    "render": (_break_template, ["error: templates/buyer.md.j2: 'no_such_value' is undefined"]),
    "mkdocs": (_break_mkdocs, ["mkdocs.yml", "Unrecognised theme name: 'no-such-theme'"]),
    "secret scan (site)": (
        _leak_into_site,
        [
            "error: secret scan: the build's output holds a secret value; nothing was published",
            "  build/docs/index.md: holds the value of environment variable BLUEWAVE_RINGBA_CODE",
            "  site/index.html: holds the value of environment variable BLUEWAVE_RINGBA_CODE",
            "  site/search/search_index.json: holds the value of environment variable BLUEWAVE_RINGBA_CODE",
        ],
    ),
    "secret scan (owner)": (
        _leak_into_owner,
        [
            "  owner/index.html: holds the value of the site key (POSTDOCS_SITE_KEY)",
            "  owner/index.md: holds the value of the site key (POSTDOCS_SITE_KEY)",
        ],
    ),
    "crawl of the built site": (
        _list_partner_pages,
        [
            "error: the built site exposes partner pages; nothing was published",
            "can be reached without its link (from sitemap.xml)",
        ],
    ),
}


@pytest.mark.parametrize("step", list(FAILURES))
def test_a_failed_step_leaves_every_output_untouched(
    step: str, published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(published, root)
    before = outputs(root)
    assert all(before.values())
    breaker, messages = FAILURES[step]
    breaker(root)
    monkeypatch.chdir(root)
    result = run(root, "build", "--publish")
    assert result.exit_code == 1, result.output
    for message in messages:
        assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    for secret in (*EXAMPLE_SECRETS.values(), TEST_KEY):
        assert secret not in result.output
    assert outputs(root) == before
    assert leftovers(root) == []


def test_a_successful_build_replaces_every_output_and_leaves_nothing_behind(published: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(published, root)
    (root / "site" / "stale.html").write_text("old")
    (root / "owner" / "stale.csv").write_text("old")
    result = run(root, "build", "--publish")
    assert result.exit_code == 0, result.output
    assert not (root / "site" / "stale.html").exists() and not (root / "owner" / "stale.csv").exists()
    assert leftovers(root) == []


def test_replaced_trees_are_removed_after_the_build_by_a_process_of_their_own(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "p"
    shutil.copytree(published, root)
    (root / "site" / "stale.html").write_text("old")
    trashed: list[list[str]] = []
    empty = writer.Trash.empty

    def recording_empty(self: writer.Trash) -> None:
        trashed.append(sorted(p.name.split(".")[0] for p in self.folder.iterdir()))
        empty(self)

    monkeypatch.setattr(writer.Trash, "empty", recording_empty)
    result = run(root, "build", "--publish")
    assert result.exit_code == 0, result.output
    # The three replaced trees went to the trash by rename, the new ones are in place, and nothing is
    # left beside them; the trash itself disappears without the build waiting for it.
    assert trashed == [["docs", "owner", "site"]]
    assert (root / "site" / "index.html").is_file() and not (root / "site" / "stale.html").exists()
    assert leftovers(root) == []
    deadline = time.monotonic() + 60
    while (root / "build" / "trash").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (root / "build" / "trash").exists()


def test_a_swap_that_fails_puts_the_old_tree_back_from_the_trash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest, staged = tmp_path / "site", tmp_path / "staged"
    dest.mkdir()
    (dest / "page.html").write_text("published")
    staged.mkdir()
    trash = writer.Trash(tmp_path / "build" / "trash")
    real_replace = os.replace

    def failing_replace(src: Path, dst: Path) -> None:
        if Path(src) == staged:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        writer.swap_in(staged, dest, trash)
    assert (dest / "page.html").read_text() == "published"
    assert list(trash.folder.iterdir()) == []
    monkeypatch.setattr(writer.os, "replace", real_replace)
    writer.swap_in(staged, dest, trash)
    assert list(dest.iterdir()) == [] and [p.name.split(".")[0] for p in trash.folder.iterdir()] == ["site"]


# --------------------------------------------------------------------------- deterministic output


def build_in_subprocess(root: Path, hash_seed: str, epoch: str = EPOCH) -> None:
    env = {**os.environ, **ENV, "PYTHONHASHSEED": hash_seed, "SOURCE_DATE_EPOCH": epoch}
    env.pop("CI", None)
    subprocess.run(
        [sys.executable, "-m", "generator", "--project", str(root), "build", "--publish", "--strict"],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "elsewhere" / "second"
    for folder in (first, second):
        folder.mkdir(parents=True)
        copy_project(folder)
    build_in_subprocess(first, "1")
    build_in_subprocess(second, "2")
    a, b = outputs(first), outputs(second)
    assert sorted(a["site"]) == sorted(b["site"])
    for name in OUTPUTS:
        differing = sorted(k for k in a[name].keys() | b[name].keys() if a[name].get(k) != b[name].get(k))
        assert differing == [], (name, differing)
    assert len(a["site"]) > 20


def test_source_date_epoch_dates_the_sitemap(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    build_in_subprocess(root, "0", EPOCH)
    first = tree(root / "site")
    day = datetime.fromtimestamp(int(EPOCH), UTC).strftime("%Y-%m-%d")
    sitemap = first["sitemap.xml"].decode()
    assert f"<lastmod>{day}</lastmod>" in sitemap
    compressed = first["sitemap.xml.gz"]
    midnight = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())
    assert struct.unpack("<I", compressed[4:8])[0] == midnight  # the gzip header's MTIME
    assert gzip.decompress(compressed).decode() == sitemap
    build_in_subprocess(root, "0", str(int(EPOCH) + 86_400 * 400))
    second = tree(root / "site")
    assert sorted(k for k in first if first[k] != second[k]) == ["sitemap.xml", "sitemap.xml.gz"]


def test_a_malformed_source_date_epoch_is_refused(published: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(published, root)
    before = outputs(root)
    result = run(root, "build", env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert result.exit_code == 1
    assert result.stderr == (
        "error: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, like 1700000000\n"
    )
    assert outputs(root) == before and leftovers(root) == []
