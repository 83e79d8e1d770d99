"""Write a built project's output tree again, with no rendering at all: what the disk alone costs.

    python bench/floor.py shape PROJECT SHAPE.json     # what to write (not timed)
    python bench/floor.py write SHAPE.json DEST [--jobs N]

Copies the shape of ``PROJECT/site`` and ``PROJECT/build/docs`` into ``DEST``: the same folders, the
same files with as many bytes each (zeros), and every file that is a hard link of another in the
build (an export is written once into the docs and linked into the site) linked the same way.  It
runs in as many processes as the build renders in, each taking whole inodes, so it creates files the
way a full build does.  ``bench/run.py`` times it beside the full build: a 10,000-page build creates
about 100,000 files and hard links in 20,000 folders, and this row shows how much of a full build's
time that is on the machine at hand (into a new folder: ``bench/run.py`` says why nothing is deleted
first).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
from collections import defaultdict
from pathlib import Path

TREES = ("site", "build/docs")

Inode = tuple[int, list[str]]
"""(size, paths relative to the project that hold the same file)."""


def shape(project: Path) -> tuple[list[str], list[Inode]]:
    """Folders and files (grouped by inode) of the build's output trees."""
    folders: list[str] = []
    inodes: dict[tuple[int, int], Inode] = {}
    for tree in TREES:
        for folder, _dirs, files in os.walk(project / tree):
            rel = os.path.relpath(folder, project)
            folders.append(rel)
            for name in files:
                st = os.lstat(os.path.join(folder, name))
                inodes.setdefault((st.st_dev, st.st_ino), (st.st_size, []))[1].append(os.path.join(rel, name))
    return folders, list(inodes.values())


def _write(job: tuple[str, list[str], list[Inode]]) -> None:
    dest, folders, inodes = job
    for rel in folders:
        os.makedirs(os.path.join(dest, rel), exist_ok=True)
    for size, paths in inodes:
        first = os.path.join(dest, paths[0])
        os.makedirs(os.path.dirname(first), exist_ok=True)
        fd = os.open(first, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            os.write(fd, bytes(size))
        finally:
            os.close(fd)
        for other in paths[1:]:
            target = os.path.join(dest, other)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.link(first, target)


def write_floor(folders: list[str], inodes: list[Inode], dest: Path, jobs: int) -> int:
    """Recreate a shape in ``dest`` (which must not exist) in ``jobs`` processes; returns files written."""
    by_group: dict[int, tuple[list[str], list[Inode]]] = defaultdict(lambda: ([], []))
    for i, rel in enumerate(folders):
        by_group[i % jobs][0].append(rel)
    for i, inode in enumerate(inodes):
        by_group[i % jobs][1].append(inode)
    dest.mkdir(parents=True)
    work = [(str(dest), f, n) for f, n in by_group.values()]
    if jobs == 1:
        for job in work:
            _write(job)
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            pool.map(_write, work)
    return sum(len(paths) for _, paths in inodes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    take = sub.add_parser("shape", help="record the folders and files of a built project")
    take.add_argument("project", type=Path)
    take.add_argument("shape", type=Path)
    write = sub.add_parser("write", help="write a recorded shape into a new folder")
    write.add_argument("shape", type=Path)
    write.add_argument("dest", type=Path)
    write.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.command == "shape":
        args.shape.write_text(json.dumps(shape(args.project)))
    else:
        folders, inodes = json.loads(args.shape.read_text())
        written = write_floor(folders, [(size, paths) for size, paths in inodes], args.dest, max(1, args.jobs))
        print(f"{written} files written into {args.dest}")


if __name__ == "__main__":
    main()
