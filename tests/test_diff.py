"""`postdocs diff`: which partner pages two catalogue states change, on real git repositories."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from gitutil import commit_all, edit, git, init_repo

from generator.changes import Detail, compare, content_details, snapshot
from generator.diff import MARKER


@pytest.fixture
def published(project: Callable[..., Path]) -> Path:
    """The example project, committed and tagged as published, then edited in the working tree.

    Edits: Lakeshore switches from the Basic header to auth_token in the payload (two pages change),
    Prairie Dialers leaves Final Expense (removed), Meridian joins it (added).
    """
    root = init_repo(project(example=True))
    commit_all(root, "example catalogue", "2025-01-15")
    git(root, "tag", "postdocs-published")
    edit(root / "offers/buyers/lakeshore-benefits.yml", "auth: header", "auth: payload")
    offer = root / "offers/final-expense.yml"
    edit(offer, "  - buyer: prairie-dialers\n", "")
    edit(
        offer,
        "  - traffic_source: harbor-leads\n",
        "  - traffic_source: meridian-td\n    payout: 20.00\n  - traffic_source: harbor-leads\n",
    )
    return root


def test_diff_against_the_published_tag(published: Path, cli: Callable[..., Result]) -> None:
    result = cli(published, "diff", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["from"].startswith("postdocs-published (") and data["to"] == "working tree"
    assert data["counts"] == {"added": 1, "removed": 1, "changed": 2, "unchanged": 9}
    pages = {(p["status"], p["offer"], p["partner"]): p for p in data["pages"]}
    assert set(pages) == {
        ("changed", "auto-insurance", "lakeshore-benefits"),
        ("changed", "final-expense", "lakeshore-benefits"),
        ("removed", "final-expense", "prairie-dialers"),
        ("added", "final-expense", "meridian-td"),
    }
    changed = pages["changed", "final-expense", "lakeshore-benefits"]
    assert changed["changes"] == [
        {
            "request": "postback",
            "what": "header",
            "name": "Authorization",
            "before": "Basic YOUR_TRACKDRIVE_BASIC_AUTH_TOKEN",
            "after": None,
            "change": "removed",
        },
        {
            "request": "postback",
            "what": "field",
            "name": "auth_token",
            "before": None,
            "after": "YOUR_TRACKDRIVE_AUTH_TOKEN",
            "change": "added",
        },
    ]
    assert pages["added", "final-expense", "meridian-td"]["changes"] == []


def test_each_page_carries_the_link_its_partner_received(published: Path, cli: Callable[..., Result]) -> None:
    links = {
        (r["offer"], r["partner"], r["kind"]): r["url"]
        for r in json.loads(cli(published, "links", "--format", "json").stdout)
    }
    rows = list(csv.DictReader(io.StringIO(cli(published, "diff", "--format", "csv").stdout)))
    assert rows[0].keys() == {
        "status", "offer", "partner", "kind", "platform", "request", "what", "name", "change", "before", "after", "url"
    }  # fmt: skip
    for row in rows:
        if row["status"] != "removed":
            assert row["url"] == links[row["offer"], row["partner"], row["kind"]]
    removed = [r for r in rows if r["status"] == "removed"]
    assert [(r["what"], r["url"]) for r in removed] == [
        ("page", "https://partners.summitcalls.example/p/final-expense/b-prairie-dialers/")
    ]
    assert len(rows) == 2 + 2 + 1 + 1


def test_table_is_readable(published: Path, cli: Callable[..., Result]) -> None:
    lines = cli(published, "diff").stdout.splitlines()
    assert lines[0].endswith("-> working tree: 1 added, 1 removed, 2 changed, 9 unchanged")
    assert lines[2].split() == [
        "changed",
        "auto-insurance",
        "lakeshore-benefits",
        "buyer",
        "https://partners.summitcalls.example/p/auto-insurance/b-lakeshore-benefits/",
    ]
    assert lines[3].strip() == "postback: header Authorization removed (was Basic YOUR_TRACKDRIVE_BASIC_AUTH_TOKEN)"
    assert lines[4].strip() == "postback: field auth_token added: YOUR_TRACKDRIVE_AUTH_TOKEN"


def test_markdown_for_a_pull_request_without_links(published: Path, cli: Callable[..., Result]) -> None:
    out = cli(published, "diff", "--format", "markdown", "--no-links").stdout
    assert out.splitlines()[0] == MARKER
    assert "https://" not in out
    assert (
        "| changed | `final-expense` | Lakeshore Benefits Group (`lakeshore-benefits`) | buyer postback | "
        "header Authorization removed, field auth_token added |"
    ) in out
    assert "| added | `final-expense` | Meridian Call Network (`meridian-td`) | traffic source posting | - |" in out


def test_two_revisions(published: Path, cli: Callable[..., Result]) -> None:
    commit_all(published, "Lakeshore posts auth_token", "2025-02-01")
    assert json.loads(cli(published, "diff", "HEAD", "--format", "json").stdout)["counts"]["changed"] == 0
    data = json.loads(cli(published, "diff", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert data["to"].startswith("HEAD (")
    assert data["counts"] == {"added": 1, "removed": 1, "changed": 2, "unchanged": 9}
    same = cli(published, "diff", "HEAD", "HEAD")
    assert same.exit_code == 0 and same.stdout.endswith("No partner page changes.\n")


def test_nothing_published_yet_counts_every_page_as_added(
    project: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = init_repo(project())
    commit_all(root, "minimal", "2025-01-15")
    result = cli(root, "diff", "--format", "json")
    assert result.exit_code == 0
    assert "no tag 'postdocs-published' yet" in result.stderr
    assert json.loads(result.stdout)["counts"] == {"added": 2, "removed": 0, "changed": 0, "unchanged": 0}


def test_a_revision_without_the_catalogue_is_empty(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    root = init_repo(project())
    (root / "README").write_text("first\n")
    git(root, "add", "README")
    git(root, "commit", "-q", "-m", "readme only", date="2025-01-01")
    commit_all(root, "catalogue", "2025-01-15")
    data = json.loads(cli(root, "diff", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert data["counts"]["added"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("diff", "no-such-rev"), "error: unknown revision 'no-such-rev'\n"),
        (("diff", "HEAD", "main~5"), "error: unknown revision 'main~5'\n"),
        (("diff", "postdocs-published", "HEAD:offers"), "error: unknown revision 'HEAD:offers'\n"),
    ],
)
def test_bad_revisions_are_usage_errors(
    published: Path, cli: Callable[..., Result], args: tuple[str, ...], message: str
) -> None:
    result = cli(published, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_outside_git_is_a_usage_error(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    root = project()
    result = cli(root, "diff")
    assert result.exit_code == 2
    assert result.stderr == f"error: {root} is not in a git repository; postdocs diff compares git revisions\n"


def test_a_revision_with_problems_is_reported_where_it_is(
    project: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = init_repo(project())
    edit(root / "offers/buyers/sunbuyer.yml", "platform: ringba", "platform: ringbaa")
    commit_all(root, "typo", "2025-01-15")
    result = cli(root, "diff", "HEAD")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "HEAD:offers/buyers/sunbuyer.yml:3:11: platform: unknown platform 'ringbaa'"


def test_example_values_alone_are_reported(tmp_path: Path) -> None:
    from helpers import plan_from

    before = snapshot(plan_from(tmp_path / "a"))
    after = snapshot(
        plan_from(tmp_path / "b", solar_yml=(tmp_path / "a/offers/solar.yml").read_text().replace('"60601"', '"60602"'))
    )
    [change] = compare(before, after)
    assert change.state.partner == "sunsource"
    assert change.details == (Detail("lead", "example", "", change.details[0].before, change.details[0].after),)
    assert "60601" in str(change.details[0].before) and "60602" in str(change.details[0].after)


def test_request_added_and_removed_are_named() -> None:
    def request(key: str, title: str) -> dict[str, object]:
        return {"key": key, "title": title, "method": "POST", "form": "json", "notes": [], "template": {}}

    old = {"requests": [request("lead", "Lead post")], "conversion": None, "conversion_type": "none"}
    new = {"requests": [request("ping", "Ping")], "conversion": None, "conversion_type": "url"}
    assert list(content_details(old, new)) == [
        Detail("lead", "request", "lead", "Lead post", None),
        Detail("ping", "request", "ping", None, "Ping"),
        Detail("", "conversion", "", "none", "url"),
    ]
