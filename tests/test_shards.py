"""Shards built on separate machines merge into exactly the site one machine builds."""

from __future__ import annotations

import io
import os
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import copy_project
from test_incremental import run, trees

from generator.errors import UsageError
from generator.progress import Progress
from generator.shards import parse_shard, shard_of


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    root = copy_project(tmp_path_factory.mktemp("single"))
    assert run(root, "build").exit_code == 0
    return trees(root)


def test_three_shards_merge_into_the_single_machine_site(single: dict[str, dict[str, bytes]], tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    root = copy_project(tmp_path / "project")
    counts = []
    for k in (1, 2, 3):
        result = run(root, "build", "--shard", f"{k}/3", "--out", str(tmp_path / f"s{k}"))
        assert result.exit_code == 0, result.output
        counts.append(int(result.stdout.split(": ")[1].split(" of ")[0]))
        assert not (root / "site").exists()  # a shard publishes nothing
    assert sum(counts) == 12
    merged = run(root, "build", *(a for k in (1, 2, 3) for a in ("--merge", str(tmp_path / f"s{k}"))))
    assert merged.exit_code == 0, merged.output
    assert merged.stdout.startswith("merged 3 shards: 12 partner pages")
    assert trees(root) == single
    assert run(root, "build").stdout.startswith(f"{root / 'site'} is up to date")


def test_a_missing_or_foreign_shard_is_refused(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    root = copy_project(tmp_path / "project")
    for k in (1, 2):
        assert run(root, "build", "--shard", f"{k}/2", "--out", str(tmp_path / f"s{k}")).exit_code == 0
    missing = run(root, "build", "--merge", str(tmp_path / "s1"))
    assert missing.exit_code == 1
    assert "cannot merge the shards; nothing was published" in missing.stderr
    assert "pages are in no shard" in missing.stderr
    other_key = "9b2e4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b"
    assert (
        run(
            root, "build", "--shard", "2/2", "--out", str(tmp_path / "s2"), env={"POSTDOCS_SITE_KEY": other_key}
        ).exit_code
        == 0
    )
    foreign = run(root, "build", "--merge", str(tmp_path / "s1"), "--merge", str(tmp_path / "s2"))
    assert foreign.exit_code == 1
    assert "shard 2/2 was built from other templates, config, options or key" in foreign.stderr
    assert not (root / "site").exists()
    not_a_shard = run(root, "build", "--merge", str(tmp_path))
    assert not_a_shard.exit_code == 2 and "not a shard folder" in not_a_shard.stderr


def test_shards_split_pages_evenly_and_stably() -> None:
    slugs = [f"p/{i:032x}" for i in range(3000)]
    counts = Counter(shard_of(s, 4) for s in slugs)
    assert set(counts) == {1, 2, 3, 4}
    assert min(counts.values()) > 600
    assert [shard_of(s, 4) for s in slugs[:50]] == [shard_of(s, 4) for s in slugs[:50]]


@pytest.mark.parametrize("text", ["3", "0/2", "3/2", "a/b", "1/0"])
def test_bad_shard_option(text: str) -> None:
    with pytest.raises(UsageError):
        parse_shard(text)


def test_progress_on_a_terminal_and_in_a_log() -> None:
    tty, log = io.StringIO(), io.StringIO()
    bar, lines = Progress(tty, tty=True), Progress(log, tty=False)
    for p in (bar, lines):
        p.total(1000)
        for _ in range(10):
            p.advance(100)
    assert tty.getvalue().count("\r") == 10 and tty.getvalue().endswith("1,000/1,000\n")
    assert log.getvalue().splitlines()[0].startswith("rendering pages: 100/1,000 (10%)")
    assert len(log.getvalue().splitlines()) == 10
    quiet = io.StringIO()
    small = Progress(quiet, tty=False)
    small.total(12)
    small.advance(12)
    assert quiet.getvalue() == ""


def test_bench_catalogue_generator_makes_a_valid_catalogue(tmp_path: Path) -> None:
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from synth import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    pages = generate(tmp_path / "project" / "offers", 3, 7, 5)
    (tmp_path / "project2").mkdir()
    root = copy_project(tmp_path / "project2")
    shutil.rmtree(root / "offers")
    shutil.copytree(tmp_path / "project" / "offers", root / "offers")
    result = run(root, "check", env={"SYNTH_RINGBA_CODE": "rb-synthetic-4417"})
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: {pages} partner pages for 3 offers\n"
    assert pages == 3 * (7 + 5)


def test_bench_memory_sampler_finds_every_descendant() -> None:
    import subprocess
    import sys
    import time

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from run import _children, _tree_memory_scanned, tree_memory
    finally:
        sys.path.remove(str(REPO / "bench"))
    script = "import os, time\nif os.fork() == 0:\n    os.fork()\ntime.sleep(30)\n"
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 10
        while len(_descendants(proc.pid, _children)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        found = _descendants(proc.pid, _children)
        assert len(found) == 2  # a child and a grandchild
        for pid in found:
            assert os.path.exists(f"/proc/{pid}")
        memory, scanned = tree_memory(proc.pid), _tree_memory_scanned(proc.pid)
        assert memory > 0 and abs(memory - scanned) < 0.2 * scanned
    finally:
        for pid in _descendants(proc.pid, _children):
            os.kill(pid, 9)
        proc.kill()
        proc.wait()


def test_bench_timed_runs_read_no_pss_and_memory_is_sampled_in_its_own_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timed run reads no PSS (the kernel walks page tables for it) and reports the command's own
    peak resident set, not this process's; a memory run samples the tree's PSS; a failing command
    stops the benchmark with its error output."""
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    try:
        import run as bench
    finally:
        sys.path.remove(str(REPO / "bench"))
    sampled: list[int] = []
    tree_memory = bench.tree_memory

    def counting(pid: int) -> int:
        sampled.append(pid)
        return tree_memory(pid)

    monkeypatch.setattr(bench, "tree_memory", counting)
    ballast = b"y" * (256 * 2**20)  # this process is large: the child's figure must not include it
    size = 64 * 2**20
    script = f"import time\nx = b'x' * {size}\ntime.sleep(0.3)\n"
    seconds, rss = bench.run([sys.executable, "-c", script], tmp_path, dict(os.environ))
    assert seconds >= 0.3
    assert size <= rss < 2 * size
    assert not sampled
    _, pss = bench.run([sys.executable, "-c", script], tmp_path, dict(os.environ), sample=True)
    assert size <= pss < 2 * size
    assert sampled
    with pytest.raises(SystemExit, match="went wrong"):
        bench.run([sys.executable, "-c", "import sys; sys.exit('went wrong')"], tmp_path, dict(os.environ))
    del ballast


def test_bench_full_builds_after_the_first_build_a_copy_of_the_inputs_only(tmp_path: Path) -> None:
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from run import inputs_copy
    finally:
        sys.path.remove(str(REPO / "bench"))
    (tmp_path / "p").mkdir()
    root = copy_project(tmp_path / "p")
    assert run(root, "build").exit_code == 0
    fresh = inputs_copy(root, tmp_path / "fresh")
    assert sorted(p.name for p in fresh.iterdir()) == ["mkdocs.yml", "offers", "templates"]
    assert run(fresh, "build").exit_code == 0
    assert trees(fresh) == trees(root)


def _descendants(pid: int, children: Callable[[int], list[int] | None]) -> list[int]:
    out: list[int] = []
    stack = [pid]
    while stack:
        found = children(stack.pop()) or []
        out += found
        stack += found
    return out


def test_bench_files_only_step_writes_the_shape_of_a_build(tmp_path: Path) -> None:
    """The benchmark's ``files-only`` row must write what a full build writes: same folders, same
    file sizes, same hard links (an export is one file in the docs and the site)."""
    import subprocess
    import sys

    from conftest import REPO

    (tmp_path / "p").mkdir()
    root = copy_project(tmp_path / "p")
    assert run(root, "build").exit_code == 0
    shape, dest = tmp_path / "shape.json", tmp_path / "floor"
    floor = [sys.executable, str(REPO / "bench" / "floor.py")]
    subprocess.run([*floor, "shape", str(root), str(shape)], check=True)
    subprocess.run([*floor, "write", str(shape), str(dest), "--jobs", "2"], check=True, capture_output=True)

    def layout(base: Path) -> tuple[list[str], dict[str, int], set[frozenset[str]]]:
        folders, sizes, inodes = [], {}, defaultdict(set)
        for tree in ("site", "build/docs"):
            for path in sorted((base / tree).rglob("*")):
                rel = path.relative_to(base).as_posix()
                if path.is_dir():
                    folders.append(rel)
                else:
                    sizes[rel] = path.stat().st_size
                    inodes[path.stat().st_ino].add(rel)
        return folders, sizes, {frozenset(paths) for paths in inodes.values()}

    built, written = layout(root), layout(dest)
    assert written == built
    assert any(len(paths) == 2 for paths in built[2])  # the exports are hard links
