"""A missing interpreter fails the proof in CI and skips it, naming what to install, elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tools import REPO


def _run_without_shellcheck(tmp_path: Path, required: str, ci: str = "") -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"  # a PATH with python and nothing else
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in ("POSTDOCS_REQUIRE_TOOLS", "CI")}
    env.update(PATH=str(bin_dir), POSTDOCS_REQUIRE_TOOLS=required, CI=ci)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/test_samples_run.py::test_shell_samples_pass_shellcheck",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("required", "ci", "exit_code", "outcome"),
    [
        ("1", "", 1, "1 failed"),
        ("", "", 0, "1 skipped"),
        ("", "true", 1, "1 failed"),  # CI set: the tests remove it from their environment, but a proof is required
        ("", "false", 0, "1 skipped"),
    ],
)
def test_a_missing_tool(tmp_path: Path, required: str, ci: str, exit_code: int, outcome: str) -> None:
    proc = _run_without_shellcheck(tmp_path, required, ci)
    assert proc.returncode == exit_code, proc.stdout + proc.stderr
    assert outcome in proc.stdout
    assert "shellcheck is needed to run this proof: not on PATH; install it: apt-get install shellcheck" in proc.stdout
