"""Rebuilds redo only what changed, publish nothing on failure, and end byte for byte where a clean build ends."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLE_SECRETS, TEST_KEY, copy_project

from generator.cli import main

ENV: dict[str, str | None] = {"POSTDOCS_SITE_KEY": TEST_KEY, "SOURCE_DATE_EPOCH": "1700000000", **EXAMPLE_SECRETS}
TREES = ("site", "build/docs", "owner")
OTHER_KEY = "9b2e4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b"


def run(root: Path, *args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner(env={**ENV, **(env or {})}).invoke(main, ["--project", str(root), *args], catch_exceptions=False)


def trees(root: Path) -> dict[str, dict[str, bytes]]:
    return {
        name: {
            p.relative_to(root / name).as_posix(): p.read_bytes()
            for p in sorted((root / name).rglob("*"))
            if p.is_file()
        }
        for name in TREES
    }


def clean_build(root: Path, env: dict[str, str | None] | None = None) -> dict[str, dict[str, bytes]]:
    for name in (*TREES, "build"):
        shutil.rmtree(root / name, ignore_errors=True)
    result = run(root, "build", env=env)
    assert result.exit_code == 0, result.output
    return trees(root)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def rename_buyer(root: Path) -> None:
    _edit(
        root / "offers/buyers/lakeshore-benefits.yml", "name: Lakeshore Benefits Group", "name: Lakeshore Benefits Co"
    )


def change_offer_field(root: Path) -> None:
    _edit(root / "offers/final-expense.yml", "example: Dorothy", "example: Margaret")


def remove_pair(root: Path) -> None:
    _edit(root / "offers/auto-insurance.yml", "  - buyer: redline-auto\n", "")


def add_pair(root: Path) -> None:
    (root / "offers/buyers/harbor-insurance.yml").write_text(
        "id: harbor-insurance\nname: Harbor Insurance\nplatform: trackdrive\nrevenue: 30.00\n"
    )
    _edit(
        root / "offers/auto-insurance.yml",
        "  - buyer: redline-auto\n",
        "  - buyer: redline-auto\n  - buyer: harbor-insurance\n",
    )


def change_template(root: Path) -> None:
    _edit(
        root / "templates/buyer.md.j2", "## 1. Store what TrackDrive sends you", "## 1. Keep what TrackDrive sends you"
    )


def change_theme_config(root: Path) -> None:
    _edit(root / "mkdocs.yml", "primary: indigo", "primary: teal")


CHANGES: dict[str, tuple[Callable[[Path], None], str, dict[str, str | None]]] = {
    "a buyer": (rename_buyer, "rebuilt", {}),
    "an offer's field": (change_offer_field, "rebuilt", {}),
    "a removed pair": (remove_pair, "rebuilt", {}),
    "an added pair": (add_pair, "rebuilt", {}),
    "a template": (change_template, "built", {}),
    "the theme config": (change_theme_config, "built", {}),
    "the site key": (lambda root: None, "built", {"POSTDOCS_SITE_KEY": OTHER_KEY}),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("built"))
    clean_build(root)
    return root


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_rebuild_ends_where_a_clean_build_ends(change: str, built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    apply, outcome, env = CHANGES[change]
    apply(root)
    result = run(root, "build", env=env)
    assert result.exit_code == 0, result.output
    expected = {"rebuilt": "rebuilt ", "built": "built "}[outcome]
    assert result.stdout.startswith(expected), result.stdout
    after = trees(root)
    assert after == clean_build(root, env)
    assert not (root / "build" / "txn").exists() and not list((root / "build").glob(".txn*"))


def test_a_rebuild_renders_only_the_changed_pages(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    before = trees(root)
    rename_buyer(root)
    result = run(root, "build")
    assert result.stdout.startswith("rebuilt 2 of 12 partner pages"), result.stdout
    after = trees(root)
    changed = {name: sorted(p for p in after[name] if after[name][p] != before[name].get(p)) for name in TREES}
    pages = {p.split("/")[1] for p in changed["site"] if p.startswith("p/")}
    assert len(pages) == 2  # the buyer's pages on its two offers, nothing else of the site
    assert all(p.startswith("p/") for p in changed["site"])


def test_a_rebuild_plans_only_the_changed_pages(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other pages' files are as the last build read them: they are not planned, or even checked, again."""
    import generator.plan as plan_module

    planned: list[str] = []
    for name in ("_plan_buyer", "_plan_source"):
        original = getattr(plan_module, name)

        def counting(*args: object, _original: Callable[..., object] = original) -> object:
            planned.append(args[-2 if _original.__name__ == "_plan_buyer" else -3].slug)  # type: ignore[attr-defined]
            return _original(*args)

        monkeypatch.setattr(plan_module, name, counting)
    root = tmp_path / "p"
    shutil.copytree(built, root)
    rename_buyer(root)
    result = run(root, "build")
    assert result.stdout.startswith("rebuilt 2 of 12"), result.stdout
    assert len(planned) == 2, planned
    assert trees(root) == clean_build(root)
    assert len(planned) == 2 + 12  # the clean build planned every page


def test_pages_of_files_a_build_planned_before_are_planned_on_first_use(tmp_path: Path) -> None:
    from generator.catalogue import load_catalogue
    from generator.plan import plan_site

    root = copy_project(tmp_path)
    catalogue = load_catalogue(root / "offers")
    key = bytes.fromhex(TEST_KEY)
    eager = plan_site(catalogue, key)
    lazy = plan_site(catalogue, key, known=set(catalogue.digests.values()))
    assert eager.pages.planned() == len(eager.pages) == 12
    assert lazy.pages.planned() == 0
    assert lazy.slots == eager.slots
    assert lazy.pages[3] == eager.pages[3] and lazy.pages.planned() == 1
    assert list(lazy.pages) == list(eager.pages)


def test_a_changed_file_is_checked_when_the_plan_is_made(tmp_path: Path) -> None:
    """Only files the last build planned are trusted; a changed one's problems stop the plan itself."""
    from generator.catalogue import load_catalogue
    from generator.errors import DataError
    from generator.plan import plan_site

    root = copy_project(tmp_path)
    before = set(load_catalogue(root / "offers").digests.values())
    _edit(root / "offers/platforms/leadsmith.yml", "headers: true", "headers: false")
    catalogue = load_catalogue(root / "offers")
    with pytest.raises(DataError, match="cannot send the Authorization header"):
        plan_site(catalogue, None, known=before)
    # Told (wrongly) that the changed file was planned before, the plan defers the page, and planning it
    # on first use still refuses it.
    lazy = plan_site(catalogue, None, known=set(catalogue.digests.values()))
    with pytest.raises(DataError, match="cannot send the Authorization header"):
        list(lazy.pages)


BREAKING = {
    "a buyer": ("offers/buyers/prairie-dialers.yml", "platform: vicidial\n", "platform: vicidial\nform: json\n"),
    "a custom platform": ("offers/platforms/leadsmith.yml", "headers: true", "headers: false"),
}


@pytest.mark.parametrize("what", list(BREAKING))
def test_a_rebuild_finds_the_problems_a_check_finds(what: str, built: Path, tmp_path: Path) -> None:
    """A changed file's pages are planned and checked again: its new problem stops the rebuild as it stops a check."""
    root = tmp_path / "p"
    shutil.copytree(built, root)
    before = trees(root)
    path, old, new = BREAKING[what]
    _edit(root / path, old, new)
    checked = run(root, "check")
    assert checked.exit_code == 1
    assert "cannot send" in checked.stderr, checked.stderr
    result = run(root, "build")
    assert result.exit_code == 1
    assert result.stderr == checked.stderr
    assert trees(root) == before


def test_a_rebuild_takes_unchanged_code_blocks_from_the_published_pages(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renamed buyer changes its pages' prose, not their code: nothing is highlighted again, and the
    result is still a clean build's."""
    from generator.highlight import Highlighter

    root = tmp_path / "p"
    shutil.copytree(built, root)
    rename_buyer(root)
    with monkeypatch.context() as patched:
        patched.setattr(Highlighter, "_lexer", lambda self, lang: pytest.fail(f"{lang} was highlighted again"))
        result = run(root, "build")
    assert result.stdout.startswith("rebuilt 2 of 12"), result.stdout
    assert trees(root) == clean_build(root)


def test_an_interrupted_publish_leaves_no_state_to_trust(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages renamed into place, then the build stops before it records them: the next build is clean,
    even when the catalogue went back to what the old state describes."""
    from generator import incremental

    root = tmp_path / "p"
    shutil.copytree(built, root)
    before = trees(root)
    rename_buyer(root)
    original_commit = incremental.commit

    def commit_then_stop(*args: object, **kwargs: object) -> None:
        original_commit(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(incremental, "commit", commit_then_stop)
        stopped = run(root, "build")
    assert stopped.exit_code == 2 and "interrupted" in stopped.stderr, stopped.output
    assert trees(root)["site"] != before["site"]
    buyer = root / "offers/buyers/lakeshore-benefits.yml"
    _edit(buyer, "name: Lakeshore Benefits Co", "name: Lakeshore Benefits Group")
    result = run(root, "build")
    assert result.stdout.startswith("built 12 partner pages"), result.stdout
    assert trees(root) == before


def test_nothing_changed_touches_nothing(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root, copy_function=shutil.copy2)
    stamps = {p: p.stat().st_mtime_ns for name in (*TREES, "build/state") for p in (root / name).rglob("*")}
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.stdout and "nothing was written" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert not [p for name in (*TREES, "build/state") for p in (root / name).rglob("*") if p not in stamps]


def test_a_changed_secret_value_is_a_clean_build(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    result = run(root, "build", env={"BLUEWAVE_RINGBA_CODE": "bw-another-code-1"})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("built 12 partner pages")


def test_a_failed_rebuild_publishes_nothing(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    before = trees(root)
    state = (root / "build/state/manifest.json").read_bytes()
    _edit(
        root / "offers/buyers/lakeshore-benefits.yml",
        "name: Lakeshore Benefits Group",
        f"name: Lakeshore {EXAMPLE_SECRETS['HARBOR_POSTBACK_KEY']}",
    )
    result = run(root, "build")
    assert result.exit_code == 1
    assert "holds the value of environment variable HARBOR_POSTBACK_KEY" in result.stderr
    assert trees(root) == before
    assert (root / "build/state/manifest.json").read_bytes() == state
    assert not (root / "build" / "txn").exists() and not list((root / "build").glob(".txn*"))
    _edit(  # fixed: the next build rebuilds from the state it had
        root / "offers/buyers/lakeshore-benefits.yml",
        f"name: Lakeshore {EXAMPLE_SECRETS['HARBOR_POSTBACK_KEY']}",
        "name: Lakeshore Benefits Co",
    )
    assert run(root, "build").stdout.startswith("rebuilt 2 of 12")


def test_a_broken_state_means_a_clean_build(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    (root / "build/state/manifest.json").write_text("{not json")
    (root / "build/cache/documents.pickle").write_bytes(b"garbage")
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("built 12 partner pages")


def test_a_manually_deleted_site_means_a_clean_build(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(built, root)
    shutil.rmtree(root / "site")
    result = run(root, "build")
    assert result.stdout.startswith("built 12 partner pages")
    assert os.path.isfile(root / "site" / "index.html")


def test_the_fingerprint_knows_the_installed_library_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read from the installed packages' folder names, they are what importlib.metadata says; where no
    folder can be read, importlib.metadata answers."""
    from importlib import metadata

    from generator import state

    installed = {name: metadata.version(name) for name in state.LIBRARIES}
    assert state.library_versions() == installed

    def unreadable(path: str) -> list[str]:
        raise PermissionError(path)

    monkeypatch.setattr(state.os, "listdir", unreadable)
    assert state.library_versions() == installed


@pytest.mark.parametrize("key", [None, bytes.fromhex(TEST_KEY)])
def test_page_folders_are_every_folder_above_a_page(key: bytes | None, tmp_path: Path) -> None:
    from generator.catalogue import load_catalogue
    from generator.plan import plan_site
    from generator.render import page_folders

    plan = plan_site(load_catalogue(copy_project(tmp_path) / "offers"), key)
    slugs = [s.slug for s in plan.slots]
    expected = sorted({"/".join(s.split("/")[:i]) for s in slugs for i in range(1, s.count("/") + 1)})
    assert page_folders(plan) == expected
    assert expected == (["p"] if key else ["p", "p/auto-insurance", "p/final-expense", "p/medicare-advantage"])
