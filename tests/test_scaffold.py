"""`postdocs init` and `postdocs new` write projects and files that work as written."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import Result
from conftest import EXAMPLE, REPO

from generator.platforms import BUILTIN
from generator.scaffold import init_files, skeleton
from generator.yamlsource import Document, parse_document

SCHEMA_LINE = "# yaml-language-server: $schema="


def kind_of(catalogue: Path, path: Path) -> str:
    rel = path.relative_to(catalogue)
    if rel.parts == ("account.yml",):
        return "account"
    return {"buyers": "buyer", "traffic-sources": "traffic-source", "platforms": "platform"}.get(rel.parts[0], "offer")


def assert_names_its_schema(catalogue: Path, path: Path) -> None:
    """The file's first line names the schema of its kind by a relative path that exists, and it validates."""
    first = path.read_text().splitlines()[0]
    assert first.startswith(SCHEMA_LINE), path
    schema_path = (path.parent / first.removeprefix(SCHEMA_LINE)).resolve()
    assert schema_path.name == f"{kind_of(catalogue, path)}.schema.json", path
    doc = parse_document(path.read_bytes(), str(path))
    assert isinstance(doc, Document)
    jsonschema.Draft202012Validator(json.loads(schema_path.read_text())).validate(doc.data)


@pytest.mark.parametrize("path", sorted(EXAMPLE.rglob("*.yml")), ids=lambda p: str(p.relative_to(EXAMPLE)))
def test_every_example_file_names_its_schema(path: Path) -> None:
    assert_names_its_schema(EXAMPLE, path)


def test_init_builds_strictly_out_of_the_box(tmp_path: Path, cli: Callable[..., Result]) -> None:
    root = tmp_path / "partners"
    result = cli(tmp_path, "init", str(root), "--subdomain", "acme", "--company", 'Acme: "Calls" & Co')
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("created ")
    for path in (root / "offers").rglob("*.yml"):
        assert_names_its_schema(root / "offers", path)
    for name in ("publish.yml", "pull-request.yml"):
        assert (root / ".github/workflows" / name).read_text() == skeleton(f"workflows/{name}")
    assert "/site/" in (root / ".gitignore").read_text().splitlines()
    built = cli(root, "build", "--strict")
    assert built.exit_code == 0, built.output
    assert built.stderr.startswith("warning: NO SITE KEY")  # a new project has no site key yet
    assert built.stdout.startswith("built 2 partner pages")
    pages = sorted(
        p.relative_to(root / "site").as_posix()
        for p in (root / "site/p").rglob("index.html")
        if p.parent.name.startswith(("b-", "t-"))
    )
    assert pages == ["p/home-insurance/b-example-buyer/index.html", "p/home-insurance/t-example-source/index.html"]
    html = (root / "site" / pages[0]).read_text()
    assert '<title>Home Insurance: postback instructions for Example Buyer - Acme: "Calls" & Co</title>' in html


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        ({"mkdocs.yml": ""}, "is not empty; postdocs init creates a new project in a new folder"),
        ({"notes.txt": "x"}, "is not empty"),
    ],
)
def test_init_refuses_a_folder_in_use(
    tmp_path: Path, cli: Callable[..., Result], existing: dict[str, str], message: str
) -> None:
    root = tmp_path / "p"
    root.mkdir()
    for name, text in existing.items():
        (root / name).write_text(text)
    result = cli(tmp_path, "init", str(root))
    assert result.exit_code == 2
    assert message in result.stderr
    assert sorted(p.name for p in root.iterdir()) == sorted(existing)


def test_init_takes_a_folder_with_only_git(tmp_path: Path, cli: Callable[..., Result]) -> None:
    root = tmp_path / "p"
    (root / ".git").mkdir(parents=True)
    assert cli(tmp_path, "init", str(root)).exit_code == 0
    assert (root / "mkdocs.yml").is_file()


def test_init_refuses_a_bad_subdomain(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli(tmp_path, "init", str(tmp_path / "p"), "--subdomain", "Acme.com")
    assert result.exit_code == 2
    assert result.stderr == "error: 'Acme.com' is not a TrackDrive subdomain; give the first label of its URL\n"
    assert not (tmp_path / "p").exists()


def test_skeleton_mkdocs_config_follows_the_repository_one() -> None:
    """Only the site's identity differs between the example's mkdocs.yml and the one init writes."""
    ours = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    written = yaml.safe_load(init_files("acme", "Acme Calls", "https://partners.acme.example/")["mkdocs.yml"])
    identity = ("site_name", "site_description", "site_url")
    assert {k: v for k, v in written.items() if k not in identity} == {
        k: v for k, v in ours.items() if k not in identity
    }
    assert [written[k] for k in identity] == [
        "Acme Calls",
        "Posting and postback instructions for Acme Calls's traffic sources and buyers.",
        "https://partners.acme.example/",
    ]


PLATFORMS = [*sorted(BUILTIN), "leadsmith"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_new_partner_files_pass_check_once_listed(
    project: Callable[..., Path], cli: Callable[..., Result], platform: str
) -> None:
    root = project(example=True)
    shutil.copytree(REPO / "schema", root / "schema")
    for kind, ident in (("buyer", f"b-{platform}"), ("traffic-source", f"s-{platform}")):
        result = cli(root, "new", kind, ident, "--platform", platform)
        assert result.exit_code == 0, result.output
    assert cli(root, "new", "offer", "solar").exit_code == 0
    catalogue = root / "offers"
    for path in (catalogue / "buyers" / f"b-{platform}.yml", catalogue / "traffic-sources" / f"s-{platform}.yml"):
        assert_names_its_schema(catalogue, path)
    assert_names_its_schema(catalogue, catalogue / "solar.yml")
    assert cli(root, "check").stdout == "ok: 12 partner pages for 3 offers\n"  # unlisted files give no page
    offer = catalogue / "solar.yml"
    text = offer.read_text()
    text = text.replace("buyers: []", f"buyers:\n  - buyer: b-{platform}")
    if platform != "vicidial":  # ViciDial sends GET only, with no headers: no intake takes it (DOMAIN.md)
        text = text.replace("traffic_sources: []", f"traffic_sources:\n  - traffic_source: s-{platform}")
    offer.write_text(text)
    result = cli(root, "check")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"ok: {13 if platform == 'vicidial' else 14} partner pages for 4 offers\n"


def test_new_writes_the_schemas_it_names(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    root = project()
    assert not (root / "schema").exists()
    assert cli(root, "new", "buyer", "acme", "--platform", "ringba").exit_code == 0
    assert_names_its_schema(root / "offers", root / "offers/buyers/acme.yml")
    assert (root / "schema/offer.schema.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("buyer", "sunbuyer", "--platform", "ringba"), "error: buyer 'sunbuyer' already exists in "),
        (("traffic-source", "sunsource", "--platform", "generic"), "error: traffic source 'sunsource' already exists"),
        (("offer", "solar"), "error: offer 'solar' already exists in "),
        (("buyer", "acme", "--platform", "ringbaa"), "error: unknown platform 'ringbaa'; did you mean 'ringba'?\n"),
        (
            ("buyer", "acme", "--platform", "zzz"),
            "error: unknown platform 'zzz'; use one of generic, retreaver, ringba",
        ),
        (
            ("buyer", "acme"),
            "error: a buyer needs --platform (one of generic, retreaver, ringba, trackdrive, vicidial)",
        ),
        (("offer", "solar2", "--platform", "ringba"), "error: an offer has no platform; --platform is for a buyer"),
        (("buyer", "Acme Inc", "--platform", "ringba"), "error: 'Acme Inc' is not a valid id; use 1-64 lowercase"),
    ],
)
def test_new_refuses_clearly(
    project: Callable[..., Path], cli: Callable[..., Result], args: tuple[str, ...], message: str
) -> None:
    root = project()
    before = sorted(p for p in root.rglob("*") if p.is_file())
    result = cli(root, "new", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert sorted(p for p in root.rglob("*") if p.is_file()) == before


def test_new_refuses_an_id_used_under_another_file_name(
    project: Callable[..., Path], cli: Callable[..., Result]
) -> None:
    root = project()
    (root / "offers/buyers/sunbuyer.yml").rename(root / "offers/buyers/the-sun.yml")
    result = cli(root, "new", "buyer", "sunbuyer", "--platform", "ringba")
    assert result.exit_code == 2
    assert "already exists in" in result.stderr and "the-sun.yml" in result.stderr
