"""What the build keeps between runs (parsed files, owner rows, the replayed history) under build/cache."""

from __future__ import annotations

from pathlib import Path

from generator.writer import keep, read_kept


def test_kept_values_come_back_under_their_key_only(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "kept.pickle"
    assert read_kept(path, "k") is None
    keep(path, ("k", 1), {"a": (1, 2)})
    assert read_kept(path, ("k", 1)) == {"a": (1, 2)}
    assert read_kept(path, ("k", 2)) is None
    assert [p.name for p in path.parent.iterdir()] == ["kept.pickle"]
    path.write_bytes(b"garbage")
    assert read_kept(path, ("k", 1)) is None


def test_a_folder_that_cannot_be_written_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "build"
    blocker.write_text("a file where the cache folder would be")
    keep(blocker / "cache" / "kept.pickle", "k", 1)
    assert blocker.read_text() == "a file where the cache folder would be"
    assert read_kept(blocker / "cache" / "kept.pickle", "k") is None
