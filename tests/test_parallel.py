"""A site large enough to be built in parallel ends byte for byte where a one-process build ends.

From 200 pages the pages are rendered by forked workers and the owner's files by a second forked
process while the pages render; ``-j 1`` does everything in this process.  Both must write the same
bytes, for a clean build and for a rebuild after one buyer changed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, TEST_KEY, copy_project
from test_incremental import TREES, clean_build, run, trees

from generator.builder import _OwnerFiles
from generator.pagebuild import IN_PROCESS_BELOW

SYNTH = {"SYNTH_RINGBA_CODE": "rb-synthetic-4417"}


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from synth import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    root = copy_project(tmp_path_factory.mktemp("large"))
    shutil.rmtree(root / "offers")
    pages = generate(root / "offers", 3, 40, 30)
    assert pages >= max(IN_PROCESS_BELOW, _OwnerFiles.BACKGROUND_FROM)
    return root


def test_parallel_and_one_process_builds_write_the_same_bytes(large: Path) -> None:
    parallel = clean_build(large, SYNTH)
    for name in (*TREES, "build"):
        shutil.rmtree(large / name, ignore_errors=True)
    result = run(large, "build", "-j", "1", env=SYNTH)
    assert result.exit_code == 0, result.output
    alone = trees(large)
    for name in TREES:
        assert sorted(parallel[name]) == sorted(alone[name]), name
        assert [p for p in parallel[name] if parallel[name][p] != alone[name][p]] == [], name
    assert sorted(alone["owner"]) == ["index.html", "index.md", "links.csv", "links.json"]
    assert alone["owner"]["links.csv"].count(b"\n") == 211


def test_a_rebuild_with_the_owner_files_alongside_ends_like_a_clean_build(large: Path, tmp_path: Path) -> None:
    clean_build(large, SYNTH)
    buyer = large / "offers" / "buyers" / "buyer-00000.yml"
    buyer.write_text(buyer.read_text().replace("name: Buyer 0 ", "name: Buyer 0 renamed "))
    result = run(large, "build", env=SYNTH)
    assert result.exit_code == 0, result.output
    assert "rebuilt 3 of 210 partner pages" in result.output, result.output
    rebuilt = trees(large)
    assert b"Buyer 0 renamed" in rebuilt["owner"]["index.html"]
    assert rebuilt == clean_build(large, SYNTH)


@pytest.mark.parametrize("build", ["clean", "rebuild"])
def test_a_secret_in_the_owner_files_written_alongside_stops_the_build(
    build: str, large: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second process scans the owner's files as it writes them; what it finds stops the build."""
    from generator import build as build_module

    clean_build(large, SYNTH)
    root = tmp_path / "p"
    shutil.copytree(large, root)
    before = trees(root)
    if build == "clean":
        owner = root / "templates" / "owner.md.j2"
        owner.write_text(owner.read_text() + f"\nKey: {TEST_KEY}\n")
    else:  # the catalogue refuses a secret value, so the rebuild's owner files are made to hold one
        buyer = root / "offers" / "buyers" / "buyer-00000.yml"
        buyer.write_text(buyer.read_text().replace("name: Buyer 0 ", "name: Buyer 0 renamed "))
        real = build_module.owner_files

        def leaky(*args: Any, **kwargs: Any) -> dict[str, str | bytes]:
            files = real(*args, **kwargs)
            return {**files, "index.md": f"{files['index.md']!s}\nKey: {TEST_KEY}\n"}

        monkeypatch.setattr(build_module, "owner_files", leaky)
    result = run(root, "build", env=SYNTH)
    assert result.exit_code == 1, result.output
    assert "  owner/index.md: holds the value of the site key (POSTDOCS_SITE_KEY)" in result.stderr
    if build == "clean":
        assert "  owner/index.html: holds the value of the site key (POSTDOCS_SITE_KEY)" in result.stderr
    assert trees(root) == before
