"""Each page's change history, from the git history of the catalogue (real repositories, fixed dates)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from gitutil import commit_all, edit, git, init_repo

from generator import history as history_module
from generator.build import Project, check, docs_files
from generator.history import Change, page_history

BUYER = ("solar", "buyer", "sunbuyer")
SOURCE = ("solar", "traffic_source", "sunsource")


@pytest.fixture
def repo(project: Callable[..., Path]) -> Path:
    """The minimal catalogue over five commits: created, a wording edit, a revenue change, a typo, its fix."""
    root = init_repo(project())
    commit_all(root, "minimal catalogue", "2025-01-15")
    edit(root / "offers/solar.yml", "name: Solar Savings", "name: Solar Savings\ndescription: Homeowners.")
    commit_all(root, "describe the offer (not an instruction)", "2025-02-01")
    buyer = root / "offers/buyers/sunbuyer.yml"
    edit(buyer, "revenue:\n  token: payout\n", "revenue: 30.00\n")
    commit_all(root, "fixed revenue", "2025-03-04")
    edit(buyer, "platform: ringba", "platform: ringbaa")
    commit_all(root, "typo: never published", "2025-03-10")
    edit(buyer, "platform: ringbaa", "platform: ringba")
    commit_all(root, "fix the typo", "2025-03-20")
    return root


def history_of(root: Path) -> dict[tuple[str, str, str], tuple[Change, ...]]:
    project = Project.at(root)
    found = page_history(project.catalogue, check(project))
    assert found is not None
    return dict(found)


def test_history_from_commits(repo: Path) -> None:
    assert history_of(repo) == {
        BUYER: (Change("2025-01-15", "added"), Change("2025-03-04", "changed", ("field revenue changed",))),
        SOURCE: (Change("2025-01-15", "added"),),
    }


def test_uncommitted_changes_are_dated_by_source_date_epoch(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = repo / "offers/traffic-sources/sunsource.yml"
    edit(source, "platform: generic", "platform: trackdrive")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert history_of(repo)[SOURCE][-1] == Change(
        None, "changed", ("field caller_id changed", "field traffic_source_lead_id changed", "field zip changed")
    )
    edit(source, "traffic_source_id: 501", "traffic_source_id: 502")
    edit(repo / "offers/solar.yml", "fields:\n", "fields:\n  - {name: city, label: City, example: Chicago}\n")
    assert history_of(repo)[SOURCE][-1].what == (
        "field traffic_source_id changed",
        "field caller_id changed",
        "field traffic_source_lead_id changed",
        "2 more",
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert history_of(repo)[SOURCE][-1].date == "2026-01-01"
    assert history_of(repo)[BUYER][-1].date == "2025-03-04"


def test_outside_git_there_is_no_history(project: Callable[..., Path]) -> None:
    p = Project.at(project())
    assert page_history(p.catalogue, check(p)) is None


def test_a_shallow_clone_starts_its_history_at_its_first_commit(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo}", str(clone))
    assert history_of(clone) == {BUYER: (), SOURCE: ()}  # the two commits left change no instruction
    deeper = tmp_path / "deeper"
    git(tmp_path, "clone", "-q", "--depth", "4", f"file://{repo}", str(deeper))
    assert history_of(deeper)[BUYER] == (Change("2025-03-04", "changed", ("field revenue changed",)),)


def test_pages_show_their_history(repo: Path) -> None:
    project = Project.at(repo)
    plan = check(project)
    page = next(p for p in plan.pages if p.kind == "buyer")
    md = str(docs_files(project, plan, page_history(project.catalogue, plan))[f"{page.slug}.md"])
    assert "- **Last changed:** 2025\\-03\\-04\n" in md
    assert (
        "## Changes to these instructions\n\n| Date | Change |\n|---|---|\n"
        "| 2025\\-03\\-04 | Changed: field revenue changed |\n"
        "| 2025\\-01\\-15 | First version of these instructions |\n"
    ) in md
    without = str(docs_files(project, plan)[f"{page.slug}.md"])
    assert "Last changed" not in without and "Changes to these instructions" not in without


def test_the_build_shows_history_and_is_reproducible(repo: Path, cli: Callable[..., Result]) -> None:
    assert cli(repo, "build", "--strict").exit_code == 0
    page = repo / "site/p/solar/b-sunbuyer/index.html"
    html = page.read_text()
    assert "Last changed" in html and "2025-03-04" in html
    assert 'id="changes-to-these-instructions"' in html
    docs = {p: p.read_bytes() for p in sorted((repo / "build/docs").rglob("*")) if p.is_file()}
    assert cli(repo, "build", "--strict").exit_code == 0
    assert {p: p.read_bytes() for p in sorted((repo / "build/docs").rglob("*")) if p.is_file()} == docs
    assert cli(repo, "build", "--no-history").exit_code == 0
    assert "Last changed" not in page.read_text()


def _kept_and_cold(root: Path, cache: Path) -> tuple[dict[tuple[str, str, str], tuple[Change, ...]], ...]:
    """The history computed with the kept replay, then from nothing (no cache, no in-process memo)."""
    project = Project.at(root)
    plan = check(project)
    history_module._committed.cache_clear()
    kept = page_history(project.catalogue, plan, cache)
    history_module._committed.cache_clear()
    cold = page_history(project.catalogue, plan)
    assert kept is not None and cold is not None
    return dict(kept), dict(cold)


def test_the_kept_replay_resumes_with_new_commits_only(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    real = history_module.plan_revision

    def counting(*args: Any) -> Any:
        planned.append(args[1])
        return real(*args)

    monkeypatch.setattr(history_module, "plan_revision", counting)
    cache = tmp_path / "cache" / "history.pickle"
    kept, cold = _kept_and_cold(repo, cache)
    assert kept == cold and cache.is_file()
    assert len(planned) == 2 * 5  # five commits, planned by each replay

    edit(repo / "offers/buyers/sunbuyer.yml", "revenue: 30.00\n", "revenue: 35.00\n")
    commit_all(repo, "more revenue", "2025-04-02")
    planned.clear()
    kept, cold = _kept_and_cold(repo, cache)
    assert kept == cold
    assert kept[BUYER][-1] == Change("2025-04-02", "changed", ("field revenue changed",))
    assert len(planned) == 1 + 6  # the kept replay plans the new commit only; the cold one all six


def test_a_rewritten_history_is_replayed_from_the_start(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "history.pickle"
    _kept_and_cold(repo, cache)
    edit(repo / "offers/buyers/sunbuyer.yml", "revenue: 30.00\n", "revenue: 40.00\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--amend", "-m", "fix the typo, with more revenue", date="2025-03-21")
    kept, cold = _kept_and_cold(repo, cache)
    assert kept == cold
    assert kept[BUYER][-1] == Change("2025-03-21", "changed", ("field revenue changed",))


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", pickle.dumps(("history 0", "old", "offers"))])
def test_an_unreadable_or_foreign_kept_replay_is_ignored(repo: Path, tmp_path: Path, garbage: bytes) -> None:
    cache = tmp_path / "history.pickle"
    cache.write_bytes(garbage)
    kept, cold = _kept_and_cold(repo, cache)
    assert kept == cold
    assert cache.read_bytes() != garbage


def test_pages_whose_files_did_not_change_are_not_built_again(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resuming after a commit that changed one buyer builds that buyer's page only, and the
    working tree (the same as the commit) builds none."""
    from generator import changes

    cache = tmp_path / "history.pickle"
    _kept_and_cold(repo, cache)
    built: list[tuple[str, str, str]] = []
    real = changes.page_content

    def counting(page: Any) -> Any:
        built.append((page.offer.id, page.kind, page.partner_id))
        return real(page)

    monkeypatch.setattr(changes, "page_content", counting)
    edit(repo / "offers/buyers/sunbuyer.yml", "revenue: 30.00\n", "revenue: 45.00\n")
    commit_all(repo, "more revenue", "2025-04-02")
    project = Project.at(repo)
    plan = check(project)
    history_module._committed.cache_clear()
    found = page_history(project.catalogue, plan, cache)
    assert found is not None and found[BUYER][-1] == Change("2025-04-02", "changed", ("field revenue changed",))
    assert built == [BUYER]
