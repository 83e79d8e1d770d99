"""MkDocs hook used by ``postdocs serve`` only: re-render the docs from the catalogue before each build.

A catalogue with problems keeps the last good pages and prints the problems.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from generator.build import Project, render_into
from generator.errors import GeneratorError


def on_pre_build(config: Any) -> None:
    """Render the catalogue into the docs folder MkDocs is about to build."""
    project = Project.at(Path(os.environ["POSTDOCS_PROJECT"]), Path(os.environ["POSTDOCS_CATALOGUE"]))
    try:
        render_into(project, Path(config.docs_dir))
    except GeneratorError as exc:
        print(f"postdocs: the catalogue has problems; showing the last good pages\n{exc}", file=sys.stderr)
