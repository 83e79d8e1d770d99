"""The fast engine builds exactly what MkDocs builds: every file of the site, the docs and the owner's folder.

Each catalogue is built twice, with ``--engine fast`` (the default: MkDocs builds the public part and
one shell per page depth, partner pages are filled in from the shells) and ``--engine mkdocs`` (MkDocs
builds every page), and the trees are compared byte for byte.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLE_SECRETS, REPO, TEST_KEY, copy_project
from test_hostile import HOSTILE, catalogue

from generator.build import Project, check
from generator.cli import main
from generator.fastmd import Unsupported, convert

ENV = {"POSTDOCS_SITE_KEY": TEST_KEY, "SOURCE_DATE_EPOCH": "1700000000", **EXAMPLE_SECRETS}
TREES = ("site", "build/docs", "owner")


def run(root: Path, *args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner(env={**ENV, **(env or {})}).invoke(main, ["--project", str(root), *args], catch_exceptions=False)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def both_engines(root: Path, *args: str) -> tuple[dict[str, dict[str, bytes]], dict[str, dict[str, bytes]], Result]:
    """Build with each engine; the trees of each, and the fast build's result."""
    out = []
    fast_result = None
    for engine in ("fast", "mkdocs"):
        for name in (*TREES, "build/state"):
            shutil.rmtree(root / name, ignore_errors=True)
        result = run(root, "build", "--engine", engine, *args)
        assert result.exit_code == 0, result.output
        fast_result = fast_result or result
        out.append({name: tree(root / name) for name in TREES})
    assert fast_result is not None
    return out[0], out[1], fast_result


def assert_same(fast: dict[str, dict[str, bytes]], slow: dict[str, dict[str, bytes]]) -> None:
    for name in TREES:
        assert sorted(fast[name]) == sorted(slow[name]), name
        different = [path for path in fast[name] if fast[name][path] != slow[name][path]]
        assert not different, f"{name}: {different[:5]}"


def test_example_catalogue_same_bytes_both_ways(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    fast, slow, _ = both_engines(root, "--strict")
    assert_same(fast, slow)
    assert len([p for p in fast["site"] if p.startswith("p/") and p.endswith("/index.html")]) >= 12


def test_readable_links_same_bytes_both_ways(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    results = []
    for engine in ("fast", "mkdocs"):
        for name in (*TREES, "build/state"):
            shutil.rmtree(root / name, ignore_errors=True)
        result = CliRunner(env={**ENV, "POSTDOCS_SITE_KEY": None}).invoke(
            main, ["--project", str(root), "build", "--engine", engine], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        results.append({name: tree(root / name) for name in TREES})
    assert any("/b-" in p for p in results[0]["site"])  # readable links: pages one folder deeper
    assert_same(results[0], results[1])


def test_hostile_catalogue_same_bytes_both_ways(tmp_path: Path) -> None:
    root = copy_project(tmp_path, catalogue(HOSTILE))
    fast, slow, _ = both_engines(root)
    assert_same(fast, slow)


def test_a_page_outside_the_fast_subset_is_built_by_mkdocs(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    template = root / "templates" / "buyer.md.j2"
    text = template.read_text() + "\n\n> A quoted reminder, in Markdown the fast converter leaves to MkDocs.\n"
    template.write_text(text)
    plan = check(Project.at(root), ENV)
    page = next(p for p in plan.pages if p.kind == "buyer")
    fast, slow, _ = both_engines(root)
    markdown = fast["build/docs"][f"{page.slug}.md"].decode().split("---\n", 2)[2]
    with pytest.raises(Unsupported):
        convert(markdown, lambda code, lang: "")
    assert_same(fast, slow)
    assert b"<blockquote>" in fast["site"][f"{page.slug}/index.html"]


def test_a_theme_setting_the_fast_path_cannot_reproduce_falls_back_to_mkdocs(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("permalink: true", 'permalink: "#"'))
    fast, slow, result = both_engines(root)
    assert "the fast engine does not reproduce this theme's page" in result.stderr
    assert_same(fast, slow)
    page = next(v for k, v in fast["site"].items() if k.startswith("p/") and k.endswith("/index.html"))
    assert b'title="Permanent link">#</a>' in page


def test_a_page_forgets_its_requests_and_builds_the_same_again() -> None:
    """Workers drop each page's requests once it is written (their memory stays flat); built again, they are equal."""
    plan = check(Project.at(REPO))
    for page in plan.pages:
        before = (page.requests, page.setup, page.stored)
        page.forget()
        assert not {"built", "setup", "stored"} & set(vars(page))
        assert (page.requests, page.setup, page.stored) == before
        assert page.requests is not before[0]
