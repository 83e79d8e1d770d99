"""When each page's instructions changed, from the git history of the catalogue.

The catalogue is planned as it was at every commit of the current branch that
touched it (first parents only: the commits that landed on the branch), and the
digest of each page (:mod:`changes`) is compared with the previous state.  A
page's history is the list of those changes, dated by the commit that made
them.  Dates come from commits only, never from the clock, so the same
repository builds the same pages; changes not committed yet are dated by
``SOURCE_DATE_EPOCH`` when it is set, and undated otherwise.

Every state is planned with the code running now, so what the history tracks is
a change of the catalogue.  A commit whose catalogue has problems was never
published and is skipped.

Planning every commit again on every build would cost a build of the whole
catalogue per commit, so the replay is kept (``build/cache/history.pickle``,
for the code that computed it) and resumed: a build after new commits plans
only those.  A history that was rewritten (the kept commits are no longer the
first of the branch's) is replayed from the start.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from .catalogue import display_path, load_catalogue
from .changes import Contents, PageChange, PageKey, PageState, compare, snapshot, summary
from .errors import DataError, GeneratorError
from .gitrepo import Commit, Repo
from .plan import Plan, plan_site
from .state import code_digest
from .writer import keep, read_kept

MAX_LISTED = 4
"""Most things one history entry names before it says "and N more"."""


@dataclass(frozen=True)
class Change:
    """One change of a page's instructions."""

    date: str | None
    """``YYYY-MM-DD`` (UTC) of the commit that made it; ``None`` for a change not committed yet."""
    status: Literal["added", "changed"]
    what: tuple[str, ...] = ()
    """What changed, in a few words each (``header Authorization``, ``field revenue``)."""


History = Mapping[PageKey, tuple[Change, ...]]
"""Each page's changes, oldest first."""


def day(timestamp: int) -> str:
    """The UTC date of a POSIX timestamp."""
    return datetime.fromtimestamp(timestamp, tz=UTC).date().isoformat()


@contextmanager
def catalogue_at(repo: Repo, sha: str, rel: str) -> Iterator[Path | None]:
    """The catalogue folder as it was at commit ``sha``, in a temporary folder (``None`` if absent then)."""
    with tempfile.TemporaryDirectory(prefix="postdocs-rev-") as tmp:
        dest = Path(tmp) / "catalogue"
        dest.mkdir()
        yield dest if repo.export(sha, rel, dest) else None


def plan_revision(repo: Repo, label: str, sha: str, rel: str, planner: Callable[[Path], Plan]) -> Plan | None:
    """Plan the catalogue at a commit; problems are located as ``LABEL:path/file.yml:line:col``."""
    with catalogue_at(repo, sha, rel) as folder:
        if folder is None:
            return None
        try:
            return planner(folder)
        except DataError as exc:
            prefixes = {str(folder), display_path(folder)}

            def where(file: str) -> str:
                for prefix in prefixes:
                    if file.startswith(prefix):
                        return f"{label}:{rel}{file[len(prefix) :]}"
                return file

            raise DataError([dataclasses.replace(p, file=where(p.file)) for p in exc.problems]) from None


def _plan(folder: Path) -> Plan:
    return plan_site(load_catalogue(folder))


def _entry(change: PageChange, date: str | None) -> Change:
    if change.status == "added":
        return Change(date, "added")
    what = list(summary(change))
    if len(what) > MAX_LISTED:
        what[MAX_LISTED - 1 :] = [f"{len(what) - MAX_LISTED + 1} more"]
    return Change(date, "changed", tuple(what))


@dataclass
class Replay:
    """The branch's commits replayed in order, up to the last one in ``commits``."""

    baseline: bool
    """The next state planned is the baseline (the oldest commit of a shallow clone): no changes recorded."""
    commits: list[str] = field(default_factory=list)
    last_tree: str | None = None
    states: dict[PageKey, PageState] = field(default_factory=dict)
    found: dict[PageKey, list[Change]] = field(default_factory=dict)
    contents: Contents = field(default_factory=dict)
    """The last state's page contents, by page and catalogue files (a page unchanged is not built again)."""


def replay(repo: Repo, rel: str, commits: Sequence[Commit], done: Replay) -> Replay:
    """Continue ``done`` with ``commits`` (the branch's next commits touching ``rel``, oldest first)."""
    for commit in commits:
        done.commits.append(commit.sha)
        tree = repo.tree(commit.sha, rel)
        if tree == done.last_tree and tree is not None:
            continue
        done.last_tree = tree
        try:
            plan = plan_revision(repo, commit.sha[:12], commit.sha, rel, _plan)
        except GeneratorError:
            continue  # a catalogue with problems was never published
        new = snapshot(plan, done.contents) if plan is not None else {}
        if not done.baseline:
            for change in compare(done.states, new):
                if change.status != "removed":
                    done.found.setdefault(change.state.key, []).append(_entry(change, day(commit.time)))
        done.baseline = False
        done.states = new
    return done


@functools.lru_cache(maxsize=8)
def _committed(
    repo: Repo, rel: str, head: str, cache: Path | None = None
) -> tuple[dict[PageKey, tuple[Change, ...]], dict[PageKey, PageState], Contents]:
    """Every page's committed changes up to ``head``, each page's last committed state and its contents."""
    commits = repo.log(rel)
    shas = [c.sha for c in commits]
    key = ("history 2", code_digest(), rel)  # the replay depends on the code that planned the commits
    kept = read_kept(cache, key) if cache is not None else None
    if not isinstance(kept, Replay) or kept.commits != shas[: len(kept.commits)]:
        kept = Replay(baseline=repo.shallow())  # the oldest commit of a shallow clone stands for all before it
    new = commits[len(kept.commits) :]
    done = replay(repo, rel, new, kept)
    if cache is not None and new:
        keep(cache, key, done)
    return {k: tuple(v) for k, v in done.found.items()}, done.states, done.contents


def page_history(catalogue: Path, plan: Plan, cache: Path | None = None) -> History | None:
    """The history of every page of ``plan`` (the catalogue as it is now); ``None`` outside git.

    ``cache``: where the replay of the committed history is kept between builds.
    """
    repo = Repo.find(catalogue)
    if repo is None:
        return None
    rel = repo.relative(catalogue)
    head = repo.resolve("HEAD")
    committed, last, contents = _committed(repo, rel, head, cache) if head else ({}, {}, {})
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    pending_date = day(int(epoch)) if epoch.isdigit() else None
    out: dict[PageKey, tuple[Change, ...]] = {}
    current = snapshot(plan, dict(contents))  # a catalogue as committed builds no page content again
    for change in compare(last, current):
        if change.status != "removed":
            out[change.state.key] = (*committed.get(change.state.key, ()), _entry(change, pending_date))
    for key in current:
        out.setdefault(key, committed.get(key, ()))
    return out
