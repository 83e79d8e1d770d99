"""The command line on real project folders: exit codes, outputs, and a real MkDocs build."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import EXAMPLE_SECRETS, TEST_KEY
from helpers import files_with


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project built once with `postdocs build --strict`."""
    from click.testing import CliRunner
    from conftest import copy_project

    from generator.cli import main

    root = copy_project(tmp_path_factory.mktemp("example"))
    (root / ".postdocs-key").write_text(TEST_KEY + "\n")
    result = CliRunner(env=EXAMPLE_SECRETS).invoke(
        main, ["--project", str(root), "build", "--strict", "--publish"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == "", result.stderr  # no warning at all
    return root


def test_check_example(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    result = cli(project(example=True), "check")
    assert result.exit_code == 0
    assert result.stdout == "ok: 12 partner pages for 3 offers\n"


def test_build_writes_every_page(built_example: Path) -> None:
    from generator.build import Project, check

    plan = check(Project.at(built_example))
    site = built_example / "site"
    for page in plan.pages:
        html = (site / page.slug / "index.html").read_text()
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert "tabbed-set" in html
        for label in ("curl (bash)", "Python", "JavaScript", "PHP"):
            assert f">{label}</label>" in html
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
    assert (site / "index.html").is_file()
    assert (site / "robots.txt").read_text() == "User-agent: *\nDisallow: /p/\n"


def test_home_page_lists_no_partner(built_example: Path) -> None:
    from generator.build import Project, check

    plan = check(Project.at(built_example))
    home = (built_example / "site" / "index.html").read_text()
    for page in plan.pages:
        assert page.slug not in home
        assert page.partner_name not in home


def test_owner_index_is_written_outside_the_site(built_example: Path) -> None:
    owner = built_example / "owner"
    rows = list(csv.DictReader(io.StringIO((owner / "links.csv").read_text())))
    assert len(rows) == 12
    assert rows[0]["url"].startswith("https://partners.summitcalls.example/p/")
    index = (owner / "index.html").read_text()
    assert "Team Access" in index and "Triggers" in index
    assert not any("owner" in p.parts or p.name == "links.csv" for p in (built_example / "site").rglob("*"))


def test_no_secret_reaches_the_site(built_example: Path) -> None:
    source = built_example / "offers" / "traffic-sources" / "bluewave-media.yml"
    assert "env:BLUEWAVE_RINGBA_CODE" in source.read_text()
    for folder in ("site", "owner", "build"):
        for path in (built_example / folder).rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                for secret in (*EXAMPLE_SECRETS.values(), TEST_KEY):
                    assert secret.encode() not in data, path


def test_failed_check_leaves_the_published_site_untouched(
    built_example: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(built_example, root)
    before = tree(root / "site")
    (root / "offers" / "buyers" / "prairie-dialers.yml").write_text("id: prairie-dialers\nname: [\n")
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "offers/buyers/prairie-dialers.yml" in result.stderr
    assert tree(root / "site") == before


def test_failed_mkdocs_build_leaves_the_site_untouched(
    built_example: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(built_example, root)
    before = tree(root / "site")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("name: material", "name: no-such-theme"))
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "mkdocs.yml" in result.stderr and "Traceback" not in result.output
    assert tree(root / "site") == before
    assert not [p for p in root.iterdir() if p.name.startswith(".site.")]


def test_strict_build_fails_on_a_mkdocs_warning(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    root = project(example=True)
    (root / "templates" / "home.md.j2").write_text("# Home\n\n[broken](missing.md)\n")
    assert cli(root, "build").exit_code == 0
    result = cli(root, "build", "--strict")
    assert result.exit_code == 1
    assert "missing.md" in result.stderr


def test_show_text(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    result = cli(project(example=True), "show", "final-expense", "lakeshore-benefits")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:5] == [
        "# Final Expense Inbound: postback instructions for Lakeshore Benefits Group",
        "",
        "## Postback to TrackDrive (sent by Lakeshore Benefits Group, Ringba syntax)",
        "POST https://summitcalls.trackdrive.com/api/v1/calls/update_call/[tag:user:trackdrive_call_uuid]",
        "Content-Type: application/json",
    ]


def test_show_json_is_the_canonical_request(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    result = cli(project(example=True), "show", "auto-insurance", "crestline-calls", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["key"] for r in data["requests"]] == ["ping", "post"]
    assert data["requests"][0]["template"]["headers"][1] == ["Authorization", "Bearer YOUR_TRACKDRIVE_API_TOKEN"]
    assert data["conversion_type"] == "retreaver"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "final-expens", "x"), "error: no offer 'final-expens'; did you mean 'final-expense'?"),
        (("show", "final-expense", "lakeshore"), "error: no partner 'lakeshore' on offer 'final-expense'"),
    ],
)
def test_show_unknown_ids_is_a_usage_error(
    project: Callable[..., Path], cli: Callable[..., Result], args: tuple[str, ...], message: str
) -> None:
    result = cli(project(example=True), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_links_formats(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    root = project(example=True)
    table = cli(root, "links")
    assert table.exit_code == 0 and len(table.stdout.splitlines()) == 12
    data = json.loads(cli(root, "links", "--format", "json").stdout)
    assert {row["kind"] for row in data} == {"buyer", "traffic_source"}
    rows = list(csv.DictReader(io.StringIO(cli(root, "links", "--format", "csv").stdout)))
    assert [r["url"] for r in rows] == [r["url"] for r in data]


def test_bad_usage_exits_2(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    result = cli(project(), "show")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


def test_internal_error_is_reported_without_traceback(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.build

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(generator.build, "plan_site", boom)
    result = cli(project(), "check")
    assert result.exit_code == 2
    assert result.stderr.startswith("internal error: RuntimeError: boom")
    assert "Traceback" not in result.output


def test_a_broken_catalogue_never_prints_a_traceback(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    root = project(files_with(solar_yml="id: solar\nname: [unclosed\n", buyers__sunbuyer_yml=b"\xff\xfe"))
    result = cli(root, "build")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert not (root / "site").exists()


def test_the_installed_command_exits_with_the_command_s_code(tmp_path: Path) -> None:
    """``postdocs`` (``cli.run``) ends the process at once, with the exit code and output of the command."""
    import subprocess
    import sys

    from conftest import copy_project

    root = copy_project(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "POSTDOCS_SITE_KEY": TEST_KEY, **EXAMPLE_SECRETS}
    ok = subprocess.run(
        [sys.executable, "-m", "generator", "--project", str(root), "check"], capture_output=True, text=True, env=env
    )
    assert (ok.returncode, ok.stdout) == (0, "ok: 12 partner pages for 3 offers\n"), ok.stderr
    buyer = root / "offers" / "buyers" / "prairie-dialers.yml"
    buyer.write_text(buyer.read_text() + "surprise: 1\n")
    bad = subprocess.run(
        [sys.executable, "-m", "generator", "--project", str(root), "check"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "surprise" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
    usage = subprocess.run([sys.executable, "-m", "generator", "nosuch"], capture_output=True, text=True, env=env)
    assert usage.returncode == 2 and "No such command" in usage.stderr
