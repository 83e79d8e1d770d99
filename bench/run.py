"""Benchmark postdocs at 1,000 and 10,000 partner pages, against a plain MkDocs build.

For each size, on a synthetic catalogue (``bench/synth.py``) in a fresh project folder, this measures
wall time and peak memory of:

* ``check``                 postdocs check
* ``full``                  postdocs build from nothing (no build/ cache, no site/)
* ``no-change``             postdocs build again, nothing changed
* ``one-buyer``             postdocs build after one buyer's YAML changed (its pages change)
* ``files-only``            no postdocs at all: the full build's output tree written again, the same
                            folders, files and hard links with as many bytes (``bench/floor.py``), in
                            as many processes: what the disk alone costs of ``full`` on this machine
* ``mkdocs``                plain ``mkdocs build`` of the same generated Markdown (partner pages out
                            of the navigation and the search index), into a separate folder

Each is repeated (``--repeat``, default 3; the MkDocs baseline at 10,000 pages ``--baseline-repeat``,
default 1, it takes minutes) and the median is reported with the ratio to the MkDocs baseline.

Time and memory are measured in separate runs.  A timed run reads no PSS (below).  Memory is the
peak summed proportional set size (PSS) of the whole process tree, sampled every 20 ms in one more
round of the postdocs steps (memory a forked worker shares with its parent is counted once, not once
per process as summed RSS would).  Sampling costs: the kernel walks a process's page tables to
answer, 4.5 ms for an 84 MB process, and sampling a 10,000-page build's processes took a large part
of one of the two cores the build runs on (full builds sampled: 49 to 58 s; not: about 40 s).
MkDocs runs in one process; its row shows that process's peak resident set (``VmHWM``), read
cheaply during its timed run.

Nothing is deleted until the whole run is over: every full build after the first builds a fresh copy
of the catalogue, and every ``files-only`` and MkDocs run writes into a new folder.  On ext4 without
a journal (as on the machine the README's table comes from), the kernel will not reuse an inode
freed in the last minute, or in the last five while its inode-table block is not yet written back,
and it looks up each such inode in the buffer cache every time it allocates one
(``recently_deleted`` in fs/ext4/ialloc.c).  Right after 100,000 files were deleted, creating a file
there cost up to 600 us of system time instead of 25: a full build that follows the deletion of the
previous one measured that deletion, 10 to 22 s at 10,000 pages, not the build.  A CI machine's fresh
checkout has deleted nothing.

    python bench/run.py                       # 1,000 and 10,000 pages
    python bench/run.py --sizes 1000 --repeat 5          # every run is printed to stderr too
    python bench/run.py --sizes 10000 --steps one-buyer check   # some steps (a full build still runs first)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402

SHAPES = {1000: (10, 50, 50), 10000: (20, 250, 250)}
KEY = "5f1c0a7d9e3b2468ace13579bdf02468" * 2
"""A fixed, random-looking site key, so slugs are the same in every run."""


def tree_memory(pid: int) -> int:
    """Memory, in bytes, of a process and all its descendants: summed PSS (RSS where PSS is unreadable).

    Descendants are found through ``/proc/<pid>/task/<tid>/children``, reading a few files per sample
    (about 0.6 ms of CPU, against 4.7 ms for reading the parent of every process on the machine, which a
    2-core machine then takes from the build it measures); without that file, every process is read.
    """
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        total += _memory(p)
        found = _children(p)
        if found is None:
            return _tree_memory_scanned(pid)
        stack.extend(found)
    return total


def _children(pid: int) -> list[int] | None:
    """The child processes of ``pid`` (of all its threads); None when the kernel does not list them."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out  # the process has ended
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(child) for child in f.read().split()]
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                continue  # the thread has ended
            return None
        except OSError:
            continue
    return out


def _tree_memory_scanned(pid: int) -> int:
    """:func:`tree_memory` by reading the parent of every process."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
    stack = [pid]
    while stack:
        p = stack.pop()
        total += _memory(p)
        stack.extend(children.get(p, []))
    return total


def _memory(pid: int) -> int:
    pss = _kib(f"/proc/{pid}/smaps_rollup", "Pss:")
    if pss is not None:
        return pss
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _kib(path: str, field: str) -> int | None:
    """The ``field: N kB`` line of a /proc file, in bytes; None if the file or the line is missing."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def run(cmd: list[str], cwd: Path, env: dict[str, str], *, sample: bool = False) -> tuple[float, int]:
    """Run a command; return (seconds, peak memory in bytes). Fails loudly on a non-zero exit.

    The disk is settled first (``sync``): a step must not pay for the writing back of the files the
    previous step wrote or deleted (half a gigabyte at 10,000 pages).

    With ``sample``, the peak is the summed PSS of the process tree, read every 20 ms, and the time
    is not worth reporting: reading a process's PSS walks its page tables (``smaps_rollup`` took
    4.5 ms for an 84 MB process here), so a sampler reading a 10,000-page build's processes takes a
    large part of a core from the two the build runs on.  Without, the peak is the command's own
    process's peak resident set, the kernel's ``VmHWM``, read from ``/proc/PID/status`` every 50 ms
    (about 50 microseconds a read).  Not ``wait4``'s ``ru_maxrss``: that also holds the resident set
    the process had before it ran the command, a copy of this one's.
    """
    os.sync()
    with tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak = 0
        done = threading.Event()

        def sampler() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_memory(proc.pid) if sample else _high_water(proc.pid))
                done.wait(0.02 if sample else 0.05)

        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
        proc.wait()
        elapsed = time.perf_counter() - start
        done.set()
        thread.join()
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read()}")
    return elapsed, peak


def _high_water(pid: int) -> int:
    """A process's peak resident set so far (``VmHWM``), in bytes; 0 once it has ended."""
    return _kib(f"/proc/{pid}/status", "VmHWM:") or 0


def project(root: Path, pages: int) -> Path:
    offers, buyers, sources = SHAPES[pages]
    root.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    generate(root / "offers", offers, buyers, sources)
    return root


STEPS = ("check", "full", "files-only", "no-change", "one-buyer", "mkdocs")


@dataclass
class Measured:
    """Every timed run of one step, and its peak memory."""

    times: list[float] = field(default_factory=list)
    pss: int | None = None
    """Peak summed PSS of the process tree, from the step's memory run (sampled)."""
    rss: int = 0
    """The command's own process's peak resident set, over the timed runs (shown without a memory run)."""

    def memory(self) -> str:
        if self.pss is not None:
            return f"{self.pss / 2**20:.0f}"
        return f"{self.rss / 2**20:.0f} (RSS)"


def measure(
    workdir: Path, pages: int, repeat: int, baseline_repeat: int, steps: tuple[str, ...] = STEPS
) -> dict[str, Measured]:
    """Run the steps on a ``pages``-page catalogue in a new folder of ``workdir``.

    ``repeat`` timed rounds, then one round of the postdocs steps again, sampled for memory only.
    """
    bindir = Path(sys.executable).parent
    postdocs = [str(bindir / "postdocs")]
    mkdocs = [str(bindir / "mkdocs")]
    env = {
        **os.environ,
        "POSTDOCS_SITE_KEY": KEY,
        "SOURCE_DATE_EPOCH": "1700000000",
        "SYNTH_RINGBA_CODE": "rb-synthetic-4417",
    }
    results = {k: Measured() for k in steps}

    def step(name: str, cmd: list[str], cwd: Path | None = None, *, memory: bool = False) -> None:
        seconds, peak = run(cmd, cwd or root, env, sample=memory)
        if name not in results:
            return
        if memory:
            results[name].pss = peak
            print(f"    {pages} {name}: {peak / 2**20:.0f} MB (memory run)", file=sys.stderr)
        else:
            results[name].times.append(seconds)
            results[name].rss = max(results[name].rss, peak)
            print(f"    {pages} {name}: {seconds:.2f} s", file=sys.stderr)

    def one_round(i: int, memory: bool) -> None:
        step("check", [*postdocs, "check"], memory=memory)
        if i == 0 or "full" in results:
            # The first full build is the project's own; later ones build a fresh copy of its inputs,
            # from nothing, rather than delete the last build first (see the module's docstring).
            fresh = root if i == 0 else inputs_copy(root, tmp / f"full-{i}")
            step("full", [*postdocs, "build"], fresh, memory=memory)
            if "files-only" in results and not memory:
                plan = tmp / f"files-only-{i}.json"
                subprocess.run([sys.executable, str(HERE / "floor.py"), "shape", str(fresh), str(plan)], check=True)
                floor = tmp / f"files-only-{i}"
                step("files-only", [sys.executable, str(HERE / "floor.py"), "write", str(plan), str(floor)])
        step("no-change", [*postdocs, "build"], memory=memory)
        buyer.write_text(original.replace("name: Buyer 0 ", f"name: Buyer 0 renamed {i} "))
        step("one-buyer", [*postdocs, "build"], memory=memory)
        buyer.write_text(original)
        run([*postdocs, "build"], root, env)
        print(f"  {pages} pages, {'memory round' if memory else f'round {i + 1}/{repeat}'} done", file=sys.stderr)

    tmp = workdir / f"{pages}"
    root = project(tmp / "project", pages)
    buyer = root / "offers" / "buyers" / "buyer-00000.yml"
    original = buyer.read_text()
    for i in range(repeat):
        one_round(i, memory=False)
    one_round(repeat, memory=True)
    for k in range(baseline_repeat if "mkdocs" in results else 0):
        # One process: its peak resident set, read during the timed run, is its memory.
        step("mkdocs", [*mkdocs, "build", "--quiet", "-d", str(tmp / f"mkdocs-site-{k}")])
    return results


def inputs_copy(project: Path, dest: Path) -> Path:
    """A new project folder with ``project``'s inputs (catalogue, templates, site config) and no output."""
    dest.mkdir(parents=True)
    shutil.copy(project / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(project / "templates", dest / "templates")
    shutil.copytree(project / "offers", dest / "offers")
    return dest


def byte_compile() -> None:
    """Byte-compile postdocs' modules before measuring, as an installed package is.

    pip compiles a package when it installs it, and Python keeps the compiled modules of an editable
    install on first import, unless ``PYTHONDONTWRITEBYTECODE`` is set (as on some CI machines, and
    on the one the README's table comes from): then every command would compile every module of
    postdocs again (about 0.15 s of CPU), which is not the tool's time. ``compileall`` writes the
    cache whatever that variable says; MkDocs, installed by pip, is compiled already.
    """
    setting = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    print(f"postdocs' modules byte-compiled first (PYTHONDONTWRITEBYTECODE={setting!r})")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "generator")], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], choices=sorted(SHAPES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=None)
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS, help="what to measure")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    byte_compile()
    rows = []
    results: dict[int, dict[str, Measured]] = {}
    workdir = Path(tempfile.mkdtemp(prefix="postdocs-bench-"))
    try:
        for pages in args.sizes:
            base_repeat = args.baseline_repeat or (1 if pages >= 10000 else args.repeat)
            results[pages] = measure(workdir, pages, args.repeat, base_repeat, tuple(args.steps))
    finally:
        shutil.rmtree(workdir)  # only now: see the module's docstring
    for pages, res in results.items():
        baseline = statistics.median(res["mkdocs"].times) if "mkdocs" in res else None
        for name, measured in res.items():
            secs = statistics.median(measured.times)
            ratio = "-" if baseline is None else f"{baseline / secs:.1f}x" if name != "mkdocs" else "1.0x"
            rows.append((f"{pages:,}", name, f"{secs:.2f}", measured.memory(), ratio, str(len(measured.times))))
    header = ("pages", "step", "median s", "peak MB", "vs mkdocs", "runs")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
