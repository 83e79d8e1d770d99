"""The real interpreters and validators the proof runs, and batch runners for them.

A missing tool is a failure when ``POSTDOCS_REQUIRE_TOOLS=1`` (CI sets it: the
proof must run there, never be skipped) and a skip naming what to install elsewhere.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NODE_BIN = REPO / "node_modules" / ".bin"
REQUIRED = os.environ.get("POSTDOCS_REQUIRE_TOOLS") == "1"

INSTALL = {
    "bash": "apt-get install bash",
    "curl": "apt-get install curl",
    "node": "Node.js 18 or later (apt-get install nodejs)",
    "php": "apt-get install php-cli php-curl",
    "shellcheck": "apt-get install shellcheck",
    "requests": "pip install -e '.[test]'",
    "newman": "npm ci (in the repository root)",
    "httpyac": "npm ci (in the repository root)",
}


def missing(tool: str, why: str = "") -> None:
    """Fail (CI) or skip (elsewhere) because ``tool`` is not usable."""
    message = f"{tool} is needed to run this proof{': ' + why if why else ''}; install it: {INSTALL[tool]}"
    if REQUIRED:
        pytest.fail(message + " (POSTDOCS_REQUIRE_TOOLS=1: a missing tool is a failure)")
    pytest.skip(message)


@functools.cache
def _probe(tool: str) -> str | None:
    """Why ``tool`` cannot be used here, or None when it can."""
    if tool in ("newman", "httpyac"):
        return None if (NODE_BIN / tool).exists() and shutil.which("node") else "not in node_modules/.bin"
    if tool == "requests":
        return None if _ok([sys.executable, "-c", "import requests"]) else "the requests package is missing"
    path = shutil.which(tool)
    if path is None:
        return "not on PATH"
    if tool == "node":
        out = subprocess.run([path, "-p", "process.versions.node"], capture_output=True, text=True, check=False)
        major = int((out.stdout.strip() or "0").split(".")[0])
        return None if major >= 18 else f"version {out.stdout.strip()} has no fetch (18 or later is needed)"
    if tool == "php" and not _ok([path, "-r", "exit(function_exists('curl_init') ? 0 : 1);"]):
        return "the curl extension (php-curl) is missing"
    return None


def _ok(args: Sequence[str]) -> bool:
    return subprocess.run(list(args), capture_output=True, check=False).returncode == 0


def need(*tools: str) -> None:
    """Make sure every tool is usable (fail or skip otherwise)."""
    for tool in tools:
        why = _probe(tool)
        if why is not None:
            missing(tool, why)


def run(args: Sequence[str | Path], *, cwd: Path | None = None, timeout: float = 300) -> str:
    """Run a command; its output, or a failure showing it."""
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@dataclass(frozen=True)
class Language:
    """How to run a batch of samples of one language in one interpreter process, in order."""

    label: str
    suffix: str
    tools: tuple[str, ...]

    def write(self, folder: Path, codes: Sequence[str]) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for i, code in enumerate(codes):
            path = folder / f"sample{i:04d}{self.suffix}"
            path.write_text(code, encoding="utf-8")
            paths.append(path)
        return paths

    def command(self, folder: Path, files: Sequence[Path]) -> list[str | Path]:
        if self.suffix == ".sh":
            return ["bash", "-c", 'for f; do bash "$f" || exit; done', "runner", *files]
        if self.suffix == ".py":
            runner = "import runpy, sys\nfor f in sys.argv[1:]:\n    runpy.run_path(f, run_name='__main__')\n"
            return [sys.executable, "-c", runner, *files]
        if self.suffix == ".mjs":
            runner = folder / "runner.mjs"
            runner.write_text(
                'import { pathToFileURL } from "node:url";\n'
                "for (const f of process.argv.slice(2)) { await import(pathToFileURL(f).href); }\n",
                encoding="utf-8",
            )
            return ["node", runner, *files]
        runner = folder / "runner.php"
        runner.write_text(
            "<?php\nfunction run_sample($f) { include $f; }\nforeach (array_slice($argv, 1) as $f) run_sample($f);\n",
            encoding="utf-8",
        )
        return ["php", runner, *files]

    def run_batch(self, folder: Path, codes: Sequence[str]) -> str:
        """Write the samples and run them all, one after the other, in one process."""
        need(*self.tools)
        files = self.write(folder, codes)
        return run(self.command(folder, files), cwd=folder)


LANGUAGES: dict[str, Language] = {
    "curl (bash)": Language("curl (bash)", ".sh", ("bash", "curl")),
    "Python": Language("Python", ".py", ("requests",)),
    "JavaScript": Language("JavaScript", ".mjs", ("node",)),
    "PHP": Language("PHP", ".php", ("php",)),
}
"""Every sample label of :data:`generator.samples.SAMPLERS`, and how to run it."""
