"""What the build keeps between runs (parsed files, owner rows, the replayed history) under build/cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator import __version__
from generator.owner import Part, PartStore
from generator.writer import KeptMap, keep, read_kept


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


def _kept_map(path: Path, entries: dict[str, int], used: set[str] | None = None) -> KeptMap[int]:
    kept: KeptMap[int] = KeptMap(path, "k")
    kept.entries.update(entries)
    kept.used.update(entries if used is None else used)
    kept.save()
    return KeptMap(path, "k")


def test_a_kept_map_writes_a_few_new_entries_beside_its_base(tmp_path: Path) -> None:
    path = tmp_path / "map.pickle"
    base = {f"k{i}": i for i in range(100)}
    assert _kept_map(path, base).entries == base
    written = path.read_bytes()
    # A run that used every entry and made two new ones writes those two alone.
    again = _kept_map(path, {**base, "new1": -1, "new2": -2})
    assert again.entries == {**base, "new1": -1, "new2": -2}
    assert path.read_bytes() == written
    assert read_kept(path.with_name("map.pickle.added"), "k") == {"new1": -1, "new2": -2}
    # Entries no run uses any more are dropped when the base is written again: here, a quarter of it.
    kept = set(list(base)[:70]) | {"new1"}
    compacted = _kept_map(path, again.entries, used=kept)
    assert set(compacted.entries) == kept
    assert not path.with_name("map.pickle.added").exists()


def test_kept_additions_from_another_version_or_unreadable_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "map.pickle"
    base = {f"k{i}": i for i in range(100)}
    _kept_map(path, base)
    _kept_map(path, {**base, "new": 0})
    assert KeptMap(path, "k").entries == {**base, "new": 0}
    path.with_name("map.pickle.added").write_bytes(b"garbage")
    assert KeptMap(path, "k").entries == base
    keep(path.with_name("map.pickle.added"), "other", {"new": 0})
    assert KeptMap(path, "k").entries == base
    path.unlink()  # additions without their base are not read
    keep(path.with_name("map.pickle.added"), "k", {"new": 0})
    assert KeptMap(path, "k").entries == {}


def test_validated_models_are_kept_with_their_files_under_the_code_that_made_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import copy_project
    from pydantic import BaseModel

    import generator.catalogue as catalogue_module
    from generator.catalogue import DocumentCache, load_catalogue

    root = copy_project(tmp_path) / "offers"
    path = tmp_path / "documents.pickle"
    first = DocumentCache(path)
    built = load_catalogue(root, first)
    first.save()
    validated: list[str] = []
    original = BaseModel.model_validate.__func__  # type: ignore[attr-defined]

    def counting(cls: type[BaseModel], obj: object, *args: object, **kwargs: object) -> BaseModel:
        validated.append(cls.__name__)
        return original(cls, obj, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(BaseModel, "model_validate", classmethod(counting))
    again = load_catalogue(root, DocumentCache(path))
    assert validated == []
    assert again.offers == built.offers and again.buyers == built.buyers and again.sources == built.sources
    buyer = root / "buyers" / "prairie-dialers.yml"
    buyer.write_text(buyer.read_text().replace("name: Prairie Dialers", "name: Prairie Dialers Inc"))
    changed = DocumentCache(path)
    assert load_catalogue(root, changed).buyers["prairie-dialers"].model.name == "Prairie Dialers Inc"
    assert validated == ["Buyer"]
    changed.save()
    validated.clear()
    monkeypatch.setattr(catalogue_module, "code_digest", lambda: "other code")
    load_catalogue(root, DocumentCache(path))
    assert len(validated) == 1 + 1 + 3 + 5 + 5  # account, platform, offers, buyers, sources


def _part(key: str) -> Part:
    html = "" if key.endswith("9") else f"<p>{key}</p>"  # some parts the fast converter could not render
    return Part(f"| {key} |\n", f"## {key}\n", f"<tr>{key}</tr>", html, f"{key},x\n", f'{{"k": "{key}"}}')


@settings(max_examples=150, deadline=None)
@given(builds=st.lists(st.lists(st.integers(0, 12).map(str), unique=True, max_size=10), min_size=2, max_size=4))
@example(builds=[["a", "b"], ["b"], ["b"]])  # a run that starts inside the store, kept again
def test_the_owner_part_store_joins_what_rendering_every_part_joins(builds: list[list[str]]) -> None:
    """Build after build, each from the store the previous one left: always what rendering every part gives."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "owner.pickle"
        previous: list[str] = []
        for keys in builds:
            made: list[str] = []

            def make(i: int, keys: list[str] = keys, made: list[str] = made) -> Part:
                made.append(keys[i])
                return _part(keys[i])

            store = PartStore(path)
            joined = store.join(keys, make)
            store.save()
            assert joined == PartStore(None).join(keys, lambda i, keys=keys: _part(keys[i]))  # type: ignore[misc]
            assert made == [k for k in keys if k not in previous]
            assert joined.columns.row_md == "".join(_part(k).row_md for k in keys)
            assert joined.columns.row_html == "".join(_part(k).row_html + "\n" for k in keys)
            assert joined.complete == (not any(k.endswith("9") for k in keys))
            previous = keys


def test_a_damaged_owner_part_store_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "owner.pickle"
    store = PartStore(path)
    store.join(["a", "b"], lambda i: _part("ab"[i]))
    store.save()
    digests, columns, ends, incomplete = read_kept(path, (PartStore.VERSION, __version__))
    keep(path, (PartStore.VERSION, __version__), (digests, (columns[0] + "x", *columns[1:]), ends, incomplete))
    assert PartStore(path).digests == []
    path.write_bytes(b"garbage")
    assert PartStore(path).digests == []
