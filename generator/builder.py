"""``postdocs build``: check, render, build, scan and publish the site, redoing only what changed.

Three outcomes:

* **up to date**: the fingerprint (:mod:`state`), every catalogue file, the referenced secrets and the
  git commit are what the last build recorded: nothing else is read, and nothing is written;
* **rebuilt**: the fingerprint and the public part are unchanged: only the pages whose digest changed
  are rendered (:mod:`incremental`), checked, and renamed into place;
* **built**: everything is rendered into staging folders that replace ``site/``, ``build/docs`` and
  ``owner/`` with renames.

Either way nothing reaches ``site/`` before every check passed (the secret scan, the crawl from the
public entry points, every partner page's ``noindex``), and a rebuild's result is byte for byte the
result of a clean build of the same input.
"""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import site
from .errors import BuildError
from .gitrepo import Repo
from .keys import NO_KEY_WARNING, load_key, publishing, require_key
from .project import Project
from .state import State, fingerprint, inputs, same_inputs, secrets_digest

if TYPE_CHECKING:  # pragma: no cover
    from . import owner
    from .build import BuildReport, Checked
    from .catalogue import DocumentCache
    from .fastbuild import FastResult
    from .history import History
    from .pagebuild import PageResult
    from .plan import Plan
    from .scan import Leak

REBUILD_AT_MOST = 0.5
"""A change touching more than this share of the pages is built clean (in parallel, from scratch)."""

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Options:
    """How to build."""

    strict: bool = False
    history: bool = True
    engine: str = "fast"
    jobs: int | None = None
    progress: Progress | None = None
    total: Callable[[int], None] | None = None
    """Called once with the number of pages about to be rendered (for a progress bar)."""


def build(
    project: Project,
    *,
    strict: bool = False,
    history: bool = True,
    publish: bool | None = None,
    environ: Mapping[str, str] | None = None,
    engine: str = "fast",
    jobs: int | None = None,
    progress: Progress | None = None,
    total: Callable[[int], None] | None = None,
    shard: tuple[int, int] | None = None,
    out: Path | None = None,
    merge: Sequence[Path] = (),
) -> BuildReport:
    """Check, render, build the site and scan it; nothing is published unless every step succeeded.

    ``history``: each page shows when its instructions changed (git history of the catalogue).
    ``publish``: True for a build to publish, False for a preview, None to decide from ``CI``.
    ``engine``: ``fast`` (MkDocs builds the public pages and one shell per page depth, partner pages
    are built from the shells in ``jobs`` processes, proven equal to MkDocs' output, and a later
    build redoes only what changed) or ``mkdocs`` (MkDocs builds every page, every time).
    ``shard`` (K, N) with ``out``: render only the K-th of N shares of the pages into ``out``;
    ``merge``: publish the site from shard folders (see :mod:`shards`).
    """
    opts = Options(strict, history, engine, jobs, progress, total)
    try:
        return _build(project, opts, publish, environ, shard, out, merge)
    finally:
        gc.unfreeze()  # what _long_lived set aside can be collected again


def _build(
    project: Project,
    opts: Options,
    publish: bool | None,
    environ: Mapping[str, str] | None,
    shard: tuple[int, int] | None,
    out: Path | None,
    merge: Sequence[Path],
) -> BuildReport:
    environ = os.environ if environ is None else environ
    engine = opts.engine
    reason = publishing(environ, publish)
    key = load_key(project.root, environ)
    require_key(key, reason)
    site.check_source_date_epoch(environ)
    fp = fingerprint(
        config=project.config,
        templates=project.templates,
        key_text=key.text if key else None,
        environ=environ,
        options={"strict": opts.strict, "history": opts.history, "engine": engine, "publish": bool(reason)},
    )
    if (shard or merge) and engine != "fast":
        raise BuildError("sharded builds use the fast engine")
    if shard or merge:
        return _sharded(project, opts, environ, reason, fp, shard, out, merge)
    state = State.load(project.state_dir) if engine == "fast" else None
    head = _head(project.catalogue) if opts.history else None
    current = inputs(project.catalogue, state.inputs if state else {})
    source = key.source if key else None

    # Up to date: nothing read beyond the file list, nothing written, nothing heavy even imported.
    if state is not None and state.fingerprint == fp and state.head == head and _published(project):
        env_now = secrets_digest({name: environ.get(name, "") for name in state.secret_env})
        if same_inputs(current, state.inputs) and env_now == state.secret_env_digest:
            from .build import BuildReport

            notes = ([] if key else [NO_KEY_WARNING]) + state.notes
            return BuildReport(None, len(state.pages), (), tuple(notes), source, "up to date", 0)

    with _long_lived():
        from .build import BuildReport, load
        from .catalogue import DocumentCache
        from .history import page_history
        from .incremental import page_digests, public_digest

        cache = DocumentCache(project.cache_file)
        # Files the last build planned without a problem, with this same code and key: their pages are
        # planned only if a step needs them (a rebuild renders the changed pages only).
        known = {f[2] for f in state.inputs.values()} if state is not None and state.fingerprint == fp else set()
        checked = load(project, environ, publish=reason, cache=cache, known=known)
    plan = checked.plan
    changes = page_history(project.catalogue, plan, project.history_cache) if opts.history else None
    digests = page_digests(fp, plan, changes)
    public = public_digest(fp, plan, checked.account_digest)
    scanned_for = secrets_digest(dict(checked.secrets))
    notes = list(checked.notes)

    def record(pages: Mapping[str, str], shells: dict[str, object], toc: dict[str, str], trusted: list[str]) -> None:
        # The parsed files and the owner's rows were kept by the job that wrote the owner's files.
        _state(fp, checked, environ, current, head, public, pages, notes, shells, toc, trusted).save(project.state_dir)

    if (
        state is not None
        and state.fingerprint == fp
        and state.public == public
        and state.secrets == scanned_for
        and state.shells
        and _published(project)
    ):
        dirty = [i for i, s in enumerate(plan.slots) if state.pages.get(s.slug) != digests[s.slug]]
        removed = [slug for slug in state.pages if slug not in digests]
        if len(dirty) <= REBUILD_AT_MOST * max(1, len(plan.pages)):
            if opts.total:
                opts.total(len(dirty))
            warnings, pages = _rebuild(project, opts, plan, changes, checked, state, dirty, removed, digests, cache)
            record(pages, state.shells, state.toc, state.trusted)
            outcome = "rebuilt" if dirty or removed else "up to date"
            return BuildReport(
                plan, len(plan.pages), warnings, tuple(notes), source, outcome, len(dirty) + len(removed)
            )

    if opts.total:
        opts.total(len(plan.pages))
    warnings, fast, engine_notes = _clean(project, opts, plan, changes, checked, digests, cache)
    notes += engine_notes
    if fast is not None:
        pages = {slug: digests[slug] for slug in fast.files}
        shells = fast.shells.saved() if fast.shells else {}
        toc = dict(fast.shells.toc_cache) if fast.shells else {}
        record(pages, shells, toc, sorted(fast.trusted))
    else:
        shutil.rmtree(project.state_dir, ignore_errors=True)
    return BuildReport(plan, len(plan.pages), warnings, tuple(notes), source, "built", len(plan.pages))


# --------------------------------------------------------------------------- shards


def _sharded(
    project: Project,
    opts: Options,
    environ: Mapping[str, str],
    reason: str | None,
    fp: str,
    shard: tuple[int, int] | None,
    out: Path | None,
    merge: Sequence[Path],
) -> BuildReport:
    """Build one shard into ``out``, or publish the site merged from shard folders."""
    with _long_lived():
        from .build import BuildReport, load
        from .catalogue import DocumentCache
        from .exposure import exposure_problems
        from .history import page_history
        from .incremental import page_digests, public_digest
        from .scan import scan_trees
        from .shards import ShardManifest, check_shards, link_in, shard_indices, write_shard
        from .writer import staging_dir

        documents = DocumentCache(project.cache_file)
        checked = load(project, environ, publish=reason, cache=documents)
    plan = checked.plan
    changes = page_history(project.catalogue, plan, project.history_cache) if opts.history else None
    digests = page_digests(fp, plan, changes)
    source = checked.key.source if checked.key else None
    if shard is not None:
        if out is None:
            raise BuildError("--shard needs --out DIR, the folder the shard is written to")
        indices = shard_indices(plan, shard)
        if opts.total:
            opts.total(len(indices))
        out = out.resolve()
        work = {
            "docs": staging_dir(out.parent / f".{out.name}-docs"),
            "site": staging_dir(out.parent / f".{out.name}-site"),
        }
        try:
            fast = _build_fast(project, opts, checked, changes, work, only=indices)
            _raise_leaks([lk for r in fast.pages for lk in r.leaks])
            exposure = [line for r in fast.pages for line in r.exposure]
            pages = {plan.pages[i].slug: digests[plan.pages[i].slug] for i in indices}
            write_shard(out, work, plan, indices, ShardManifest(fp, shard, pages, exposure))
        finally:
            for folder in work.values():
                shutil.rmtree(folder, ignore_errors=True)
        return BuildReport(plan, len(plan.pages), fast.warnings, checked.notes, source, "shard", len(indices))

    manifests = [ShardManifest.load(folder) for folder in merge]
    check_shards(manifests, fp, digests)
    base = site.site_url(project.config)
    with (
        _staging(project) as staged,
        _OwnerFiles(project, opts, plan, digests, documents, staged["owner"], checked.secrets) as owner_job,
    ):
        fast = _build_fast(project, opts, checked, changes, staged, only=[])
        owner_leaks = owner_job.wait()
        for folder in merge:
            link_in(folder, staged)
        trees = {_shown(project, getattr(project, f"{k}_dir")): staged[k] for k in ("docs", "site")}
        _raise_leaks(owner_leaks + scan_trees(trees, checked.secrets))
        slugs = [s.slug for s in plan.slots]
        _raise_exposed(exposure_problems(staged["site"], base, slugs, site.PUBLIC_ENTRY_POINTS, slugs))
        _swap_all(project, staged)
        owner_job.finish()
    head = _head(project.catalogue) if opts.history else None
    public = public_digest(fp, plan, checked.account_digest)
    shells = fast.shells.saved() if fast.shells else {}
    toc = dict(fast.shells.toc_cache) if fast.shells else {}
    current = inputs(project.catalogue, {})
    state = _state(
        fp, checked, environ, current, head, public, digests, checked.notes, shells, toc, sorted(fast.trusted)
    )
    state.save(project.state_dir)
    return BuildReport(plan, len(plan.pages), fast.warnings, checked.notes, source, "merged", 0)


# --------------------------------------------------------------------------- clean build


def _clean(
    project: Project,
    opts: Options,
    plan: Plan,
    changes: History | None,
    checked: Checked,
    digests: Mapping[str, str],
    documents: DocumentCache,
) -> tuple[tuple[str, ...], FastResult | None, list[str]]:
    """Build everything into staging folders and swap them in."""
    from .build import docs_files
    from .exposure import exposure_problems
    from .fastbuild import Unfaithful
    from .scan import scan_trees
    from .writer import write_files

    base = site.site_url(project.config)
    notes: list[str] = []
    with (
        _staging(project) as staged,
        _OwnerFiles(project, opts, plan, digests, documents, staged["owner"], checked.secrets) as owner_job,
    ):
        fast = None
        if opts.engine == "fast":
            try:
                fast = _build_fast(project, opts, checked, changes, staged)
            except Unfaithful as exc:
                notes.append(
                    f"note: the fast engine does not reproduce this theme's page {exc.args[0]}/ exactly; "
                    "MkDocs built every page (use --engine mkdocs to skip the attempt)"
                )
                for folder in ("docs", "site"):
                    shutil.rmtree(staged[folder])
                    staged[folder].mkdir()
        owner_leaks = owner_job.wait()
        trees = {_shown(project, getattr(project, f"{k}_dir")): staged[k] for k in ("docs", "site")}
        checked_pages: list[str] = []
        if fast is None:
            write_files(docs_files(project, plan, changes), staged["docs"])
            warnings = tuple(site.build_site(project.config, staged["docs"], staged["site"], strict=opts.strict))
            _raise_leaks(owner_leaks + scan_trees(trees, checked.secrets))
        else:
            warnings = fast.warnings
            written = _written(project, fast.pages)
            page_leaks = [lk for r in fast.pages for lk in r.leaks]
            _raise_leaks(page_leaks + owner_leaks + scan_trees(trees, checked.secrets, written))
            _raise_exposed([line for r in fast.pages for line in r.exposure])
            checked_pages = _fast_pages(fast.pages)
        _raise_exposed(
            exposure_problems(
                staged["site"], base, [s.slug for s in plan.slots], site.PUBLIC_ENTRY_POINTS, checked_pages
            )
        )
        _swap_all(project, staged)
        owner_job.finish()
    return warnings, fast, notes


# --------------------------------------------------------------------------- rebuild


def _rebuild(
    project: Project,
    opts: Options,
    plan: Plan,
    changes: History | None,
    checked: Checked,
    state: State,
    dirty: Sequence[int],
    removed: Sequence[str],
    digests: Mapping[str, str],
    documents: DocumentCache,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """Render the dirty pages, check them, and rename them into place; the public part stays as it is."""
    from .incremental import Rebuilt, commit, rebuild
    from .scan import scan_trees
    from .writer import staging_dir, swap_in

    owner_dir = staging_dir(project.owner_dir)
    rebuilt: Rebuilt | None = None
    owner_job: _OwnerFiles | None = None
    try:
        owner_job = _OwnerFiles(project, opts, plan, digests, documents, owner_dir, checked.secrets)
        rebuilt = rebuild(
            config=project.config,
            templates=project.templates,
            plan=plan,
            history=changes,
            state=state,
            shells_saved=state.shells,
            dirty=dirty,
            txn_parent=project.root / "build" / "txn",
            secrets=checked.secrets,
            strict=opts.strict,
            jobs=opts.jobs,
            progress=opts.progress,
            previous=(project.docs_dir, project.site_dir),
        )
        owner_leaks = owner_job.wait()
        written = _written(project, rebuilt.pages)
        txn_trees = {
            _shown(project, project.site_dir): rebuilt.txn / "site",
            _shown(project, project.docs_dir): rebuilt.txn / "docs",
        }
        leaks = [lk for r in rebuilt.pages for lk in r.leaks]
        leaks += scan_trees(txn_trees, checked.secrets, written)
        leaks += owner_leaks
        _raise_leaks(leaks)
        _raise_exposed([line for r in rebuilt.pages for line in r.exposure])
        fallback_pages = [r.slug for r in rebuilt.pages if r.fallback]
        if fallback_pages:
            from .exposure import exposure_problems

            _raise_exposed(exposure_problems(rebuilt.txn / "site", "/", fallback_pages, (), []))
        roots = {"site": project.site_dir, "docs": project.docs_dir}
        State.invalidate(project.state_dir)
        commit(rebuilt, roots, removed)
        swap_in(owner_dir, project.owner_dir)
        owner_job.finish()
    finally:
        if owner_job is not None:
            owner_job.close()
        if owner_dir.exists():
            shutil.rmtree(owner_dir, ignore_errors=True)
        if rebuilt is not None and rebuilt.txn.exists():
            shutil.rmtree(rebuilt.txn, ignore_errors=True)
    if rebuilt is None:  # pragma: no cover - rebuild() returned or raised
        raise BuildError("the rebuild produced nothing")
    pages = dict(digests)
    return rebuilt.warnings, pages


# --------------------------------------------------------------------------- helpers


class _OwnerFiles:
    """The owner's files written into ``folder``, and the caches kept, while this process renders the pages.

    On a large site this runs in a forked process: the pages' rendering leaves a core free at first
    (MkDocs builds the public part, or a rebuild renders a few pages in this process), and the owner's
    index of 10,000 rows, with the caches of parsed files and owner rows, costs seconds.  The files are
    written first (:meth:`wait`); the caches are kept after them, while this process checks and
    publishes, and :meth:`finish` waits for that at the end.  Both caches are keyed by content, so
    keeping them does not wait for the build to succeed.
    """

    BACKGROUND_FROM = 200
    """Pages from which this runs in a second process."""

    def __init__(
        self,
        project: Project,
        opts: Options,
        plan: Plan,
        digests: Mapping[str, str],
        documents: DocumentCache,
        folder: Path,
        secrets: Mapping[str, str],
    ) -> None:
        args = (project, plan, digests, folder, secrets)
        self._pool: Any = None
        self._files: Any = None
        self._kept: Any = None
        self._leaks: list[Leak] = []
        if opts.jobs == 1 or len(plan.pages) < self.BACKGROUND_FROM:
            parts, self._leaks = _write_owner_files(*args)
            _keep_owner_caches(parts, documents)
            return
        import multiprocessing

        global _OWNER_ARGS
        _OWNER_ARGS = (args, documents)  # inherited by the forked process: the plan is not pickled
        try:
            self._pool = multiprocessing.get_context("fork").Pool(processes=1)
        finally:
            _OWNER_ARGS = None
        # One process runs both, in this order; the second finds what the first kept for it.
        self._files = self._pool.apply_async(_owner_files_forked)
        self._kept = self._pool.apply_async(_owner_caches_forked)

    def wait(self) -> list[Leak]:
        """Until the files are written; a failure there is raised here.  Returns the secrets found in them."""
        if self._files is not None:
            self._leaks = self._files.get()
            self._files = None
        return self._leaks

    def finish(self) -> None:
        """Until the files are written and the caches kept; then the second process ends."""
        self.wait()
        if self._kept is not None:
            self._kept.get()
            self._kept = None
        self.close()

    def close(self) -> None:
        """Stop the second process (if it still runs, the build failed elsewhere)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> _OwnerFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_owner_files(
    project: Project, plan: Plan, digests: Mapping[str, str], folder: Path, secrets: Mapping[str, str]
) -> tuple[owner.PartStore, list[Leak]]:
    """Write the owner's files, and scan them for secrets as they are written; also the owner-row cache."""
    from . import owner
    from .build import owner_files
    from .scan import compile_scanner
    from .writer import write_files

    parts = owner.PartStore(project.state_dir / "owner.pickle")
    written = owner_files(project, plan, digests, parts)
    files = {name: c.encode() if isinstance(c, str) else c for name, c in written.items()}
    write_files(files, folder)
    scan, shown = compile_scanner(secrets), _shown(project, project.owner_dir)
    leaks = [leak for name, data in sorted(files.items()) for leak in scan(data, f"{shown}/{name}")]
    return parts, leaks


def _keep_owner_caches(parts: owner.PartStore, documents: DocumentCache) -> None:
    parts.save()
    documents.save()


_OWNER_ARGS: tuple[tuple[Project, Plan, Mapping[str, str], Path, Mapping[str, str]], DocumentCache] | None = None
_OWNER_KEPT: tuple[owner.PartStore, DocumentCache] | None = None


def _owner_files_forked() -> list[Leak]:
    global _OWNER_KEPT
    if _OWNER_ARGS is None:  # pragma: no cover - set before the process is forked
        raise RuntimeError("no owner files to write")
    args, documents = _OWNER_ARGS
    parts, leaks = _write_owner_files(*args)
    _OWNER_KEPT = (parts, documents)
    return leaks


def _owner_caches_forked() -> None:
    if _OWNER_KEPT is not None:  # None: writing the files failed, and wait() raises that
        _keep_owner_caches(*_OWNER_KEPT)


@contextmanager
def _long_lived() -> Iterator[None]:
    """Build what lives until the build ends (the catalogue, the plan) without the cyclic collector.

    It is then set aside (``gc.freeze``) until :func:`build` returns.  Creating 10,000 pages would
    otherwise run full collections that walk every object made so far, over and over; frozen, they are
    not walked again, in this process or in the forked workers (whose collections would also copy
    every page of memory they walk).  Objects that are not cyclic are freed as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def _staging(project: Project) -> Iterator[dict[str, Path]]:
    """Empty staging folders beside ``docs``, ``site`` and ``owner``; what was not swapped in is removed."""
    from .writer import staging_dir

    staged = {k: staging_dir(getattr(project, f"{k}_dir")) for k in ("docs", "site", "owner")}
    try:
        yield staged
    finally:
        for folder in staged.values():
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)


def _swap_all(project: Project, staged: Mapping[str, Path]) -> None:
    """Publish the staged folders (the site first: partners see it), the last build's state forgotten first.

    The replaced trees are removed by a process of their own; the build does not wait for it.
    """
    from .writer import Trash, swap_in

    State.invalidate(project.state_dir)
    trash = Trash(project.trash_dir)
    for k in ("site", "docs", "owner"):
        swap_in(staged[k], getattr(project, f"{k}_dir"), trash)
    trash.empty()


def _build_fast(
    project: Project,
    opts: Options,
    checked: Checked,
    changes: History | None,
    roots: Mapping[str, Path],
    *,
    only: Sequence[int] | None = None,
) -> FastResult:
    """The fast engine into ``roots["docs"]`` and ``roots["site"]``; ``only``: just these pages (a shard)."""
    from .fastbuild import build_fast

    return build_fast(
        config=project.config,
        templates=project.templates,
        plan=checked.plan,
        history=changes,
        docs_root=roots["docs"],
        site_root=roots["site"],
        strict=opts.strict,
        secrets=checked.secrets,
        jobs=opts.jobs,
        progress=opts.progress if only != [] else None,
        only=only,
    )


def _state(
    fp: str,
    checked: Checked,
    environ: Mapping[str, str],
    current: dict[str, list[Any]],
    head: str | None,
    public: str,
    pages: Mapping[str, str],
    notes: Sequence[str],
    shells: dict[str, Any],
    toc: dict[str, str],
    trusted: list[str],
) -> State:
    """The record of a successful build (see :class:`state.State`)."""
    return State(
        fingerprint=fp,
        inputs=current,
        secrets=secrets_digest(dict(checked.secrets)),
        secret_env=list(checked.secret_env),
        secret_env_digest=secrets_digest({name: environ.get(name, "") for name in checked.secret_env}),
        head=head,
        public=public,
        pages=dict(pages),
        shells=shells,
        trusted=trusted,
        toc=toc,
        notes=[n for n in notes if n != NO_KEY_WARNING],
    )


def _fast_pages(results: Sequence[PageResult]) -> list[str]:
    """Partner pages the workers checked as they wrote them (not built by MkDocs)."""
    return [r.slug for r in results if not r.fallback and any(p.startswith("site/") for p, _ in r.files)]


def _raise_leaks(leaks: list[Leak]) -> None:
    from .scan import SecretLeakError

    if leaks:
        raise SecretLeakError(leaks)


def _raise_exposed(lines: list[str]) -> None:
    if lines:
        raise BuildError(
            "the built site exposes partner pages; nothing was published\n"
            + "\n".join(f"  {line}" for line in lines)
            + "\n    hint: keep the partner pages' front matter and templates/theme (sitemap.xml, main.html) "
            "and the search plugin's exclusions"
        )


def _published(project: Project) -> bool:
    return project.site_dir.is_dir() and project.docs_dir.is_dir() and project.owner_dir.is_dir()


def _head(catalogue: Path) -> str | None:
    repo = Repo.find(catalogue)
    return repo.resolve("HEAD") if repo else None


def _shown(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return str(path)


def _written(project: Project, results: Sequence[PageResult]) -> set[str]:
    """Every file the workers wrote (and scanned), as the scan shows it (``site/x``, ``build/docs/x``)."""
    shown = {"site": f"{_shown(project, project.site_dir)}/", "docs": f"{_shown(project, project.docs_dir)}/"}
    written: set[str] = set()
    for result in results:
        for path, _ in result.files:
            tree, _, rel = path.partition("/")
            written.add(shown["site" if tree == "site" else "docs"] + rel)
    return written
