"""A site large enough to be built in parallel ends byte for byte where a one-process build ends.

From 200 pages the pages are rendered by forked workers and the owner's files by a second forked
process while the pages render; ``-j 1`` does everything in this process.  Both must write the same
bytes, for a clean build and for a rebuild after one buyer changed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO, copy_project
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
