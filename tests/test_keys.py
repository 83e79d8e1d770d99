"""The site key: unguessable links, the loud warning without one, publish refusals, new and rotate."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import EXAMPLE_SECRETS, TEST_KEY
from hypothesis import given
from hypothesis import strategies as st

from generator.build import Project, check
from generator.cli import main
from generator.keys import SiteKeyError, load_key, parse_key, publishing
from generator.links import Kind, page_slug


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, ["--project", str(root), *args], catch_exceptions=False)


# --------------------------------------------------------------------------- the key and the slug


def test_slug_is_a_stable_hmac_of_the_pair() -> None:
    key = bytes.fromhex(TEST_KEY)
    # Known answer: links already sent to partners must survive every future version.
    assert page_slug("final-expense", "buyer", "lakeshore-benefits", key) == "p/4be94260d8d09ea845357c8341422a7e"
    slugs = {
        page_slug(o, k, p, key)
        for o in ("final-expense", "auto-insurance")
        for k in ("buyer", "traffic_source")
        for p in ("lakeshore-benefits", "bluewave-media")
    }
    assert len(slugs) == 8
    assert not any(part in s for s in slugs for part in ("final", "auto", "lakeshore", "bluewave"))
    other = bytes.fromhex(TEST_KEY[::-1])
    assert page_slug("final-expense", "buyer", "lakeshore-benefits", other) != page_slug(
        "final-expense", "buyer", "lakeshore-benefits", key
    )


@given(st.binary(min_size=1, max_size=200), st.text(max_size=40), st.sampled_from(["buyer", "traffic_source"]))
def test_slug_is_the_standard_hmac_for_any_key_length(key: bytes, partner: str, kind: Kind) -> None:
    """The slug's HMAC is computed from prepared key pads; it is RFC 2104's for keys of every length
    (longer than a block, 64 bytes, the key is hashed first)."""
    message = "\0".join(("postdocs-page-v1", "offer", kind, partner)).encode()
    expected = hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
    assert page_slug("offer", kind, partner, key) == f"p/{expected}"


def test_readable_slug_without_a_key() -> None:
    assert page_slug("final-expense", "buyer", "lakeshore-benefits", None) == "p/final-expense/b-lakeshore-benefits"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "POSTDOCS_SITE_KEY: the site key is empty"),
        ("  \n", "POSTDOCS_SITE_KEY: the site key is empty"),
        ("abc123", "POSTDOCS_SITE_KEY: a site key is 64 hexadecimal characters; this one has 6 characters"),
        (
            "z" + TEST_KEY[1:],
            "POSTDOCS_SITE_KEY: a site key is 64 hexadecimal characters; this one has 64 characters, "
            "not all of them hexadecimal digits",
        ),
        ("0" * 64, "POSTDOCS_SITE_KEY: the site key is not random (it repeats a few characters)"),
        ("0123" * 16, "POSTDOCS_SITE_KEY: the site key is not random (it repeats a few characters)"),
    ],
)
def test_bad_keys_are_refused_without_echoing_them(text: str, message: str) -> None:
    with pytest.raises(SiteKeyError) as info:
        parse_key(text, "POSTDOCS_SITE_KEY")
    assert str(info.value).splitlines()[0] == message
    assert "hint: generate one with `postdocs key new`" in str(info.value)
    if text.strip():
        assert text.strip() not in str(info.value)


def test_key_accepts_surrounding_whitespace_and_uppercase() -> None:
    key = parse_key(f"  {TEST_KEY.upper()}\n", ".postdocs-key")
    assert key.secret == bytes.fromhex(TEST_KEY)
    assert TEST_KEY not in repr(key)


def test_environment_wins_over_the_key_file(tmp_path: Path) -> None:
    assert load_key(tmp_path, {}) is None
    (tmp_path / ".postdocs-key").write_text(TEST_KEY + "\n")
    from_file = load_key(tmp_path, {})
    assert from_file is not None and from_file.source == str(tmp_path / ".postdocs-key")
    other = TEST_KEY[::-1]
    from_env = load_key(tmp_path, {"POSTDOCS_SITE_KEY": other})
    assert from_env is not None and from_env.source == "POSTDOCS_SITE_KEY"
    assert from_env.secret == bytes.fromhex(other)


@pytest.mark.parametrize(
    ("environ", "flag", "expected"),
    [
        ({}, None, None),
        ({}, True, "--publish"),
        ({}, False, None),
        ({"CI": "true"}, None, "the CI environment variable is set"),
        ({"CI": "1"}, None, "the CI environment variable is set"),
        ({"CI": "true"}, False, None),  # --preview: a pull request check, never published
        ({"CI": "true"}, True, "--publish"),
        ({"CI": "false"}, None, None),
        ({"CI": ""}, None, None),
        ({"CI": "0"}, None, None),
    ],
)
def test_when_a_build_publishes(environ: dict[str, str], flag: bool | None, expected: str | None) -> None:
    assert publishing(environ, flag) == expected


# --------------------------------------------------------------------------- builds


def test_build_without_a_key_warns_loudly_and_uses_readable_links(project: Callable[..., Path]) -> None:
    root = project()
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: NO SITE KEY: partner links are readable and GUESSABLE")
    assert "partner links are READABLE AND GUESSABLE" in result.stdout
    assert (root / "site" / "p" / "solar" / "b-sunbuyer" / "index.html").is_file()


def test_build_with_a_key_uses_unguessable_links(project: Callable[..., Path]) -> None:
    root = project()
    result = run(root, "build", "--publish", env={"POSTDOCS_SITE_KEY": TEST_KEY})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "partner links are unguessable (site key from POSTDOCS_SITE_KEY)" in result.stdout
    pages = sorted(p.name for p in (root / "site" / "p").iterdir() if p.is_dir())
    expected = sorted(
        page_slug("solar", kind, partner, bytes.fromhex(TEST_KEY)).removeprefix("p/")
        for kind, partner in (("buyer", "sunbuyer"), ("traffic_source", "sunsource"))
    )
    assert pages == expected
    links = json.loads((root / "owner" / "links.json").read_text())
    assert {row["path"] for row in links} == {f"p/{name}/" for name in expected}


@pytest.mark.parametrize(
    ("args", "env", "reason"),
    [
        (("build", "--publish"), {}, "--publish"),
        (("build",), {"CI": "true"}, "the CI environment variable is set"),
    ],
)
def test_a_published_build_refuses_to_run_without_a_key(
    project: Callable[..., Path], args: tuple[str, ...], env: dict[str, str], reason: str
) -> None:
    root = project()
    result = run(root, *args, env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no site key, and this build publishes ({reason}): partner links would be guessable; "
        "nothing was published\n"
        "    hint: set POSTDOCS_SITE_KEY (a secret of your CI) or create .postdocs-key with `postdocs key new`\n"
    )
    assert not (root / "site").exists() and not (root / "owner").exists()


def test_a_preview_build_in_ci_runs_without_a_key(project: Callable[..., Path]) -> None:
    root = project()
    result = run(root, "build", "--preview", env={"CI": "true"})
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: NO SITE KEY")
    assert (root / "site" / "p" / "solar" / "b-sunbuyer" / "index.html").is_file()


def test_a_malformed_key_stops_every_command(project: Callable[..., Path]) -> None:
    root = project()
    (root / ".postdocs-key").write_text("not-a-key\n")
    for args in (("check",), ("build",), ("links",)):
        result = run(root, *args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith(
            f"error: {root / '.postdocs-key'}: a site key is 64 hexadecimal characters; this one has 9 characters"
        )
    assert not (root / "site").exists()


# --------------------------------------------------------------------------- key new / key rotate


def test_key_new_writes_a_private_valid_key_once(project: Callable[..., Path]) -> None:
    root = project()
    result = run(root, "key", "new")
    assert result.exit_code == 0, result.output
    path = root / ".postdocs-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = parse_key(path.read_text(), str(path))
    assert len(key.secret) == 32
    assert key.text not in result.output  # the key is never printed
    again = run(root, "key", "new")
    assert again.exit_code == 2
    assert again.stderr.startswith(f"error: the project already has a site key (from {path})")
    assert parse_key(path.read_text(), str(path)).secret == key.secret
    path.unlink()
    env = run(root, "key", "new", env={"POSTDOCS_SITE_KEY": TEST_KEY})
    assert env.exit_code == 2 and "(from POSTDOCS_SITE_KEY)" in env.stderr


def test_two_new_keys_differ(tmp_path: Path, project: Callable[..., Path]) -> None:
    first = project()
    second = tmp_path / "second"
    shutil.copytree(first, second)
    assert run(first, "key", "new").exit_code == 0
    assert run(second, "key", "new").exit_code == 0
    assert (first / ".postdocs-key").read_text() != (second / ".postdocs-key").read_text()


def test_rotate_prints_every_old_and_new_link_and_writes_the_new_key(project: Callable[..., Path]) -> None:
    root = project(example=True)
    (root / ".postdocs-key").write_text(TEST_KEY + "\n")
    before = json.loads(run(root, "links", "--format", "json").stdout)
    result = run(root, "key", "rotate", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    after = json.loads(run(root, "links", "--format", "json").stdout)
    assert [r["old_url"] for r in rows] == [r["url"] for r in before]
    assert [r["new_url"] for r in rows] == [r["url"] for r in after]
    assert [(r["offer"], r["partner"], r["kind"]) for r in rows] == [
        (r["offer"], r["partner"], r["kind"]) for r in before
    ]
    assert len(rows) == 12 and all(r["old_url"] != r["new_url"] for r in rows)
    new = (root / ".postdocs-key").read_text().strip()
    assert new != TEST_KEY and len(new) == 64
    assert stat.S_IMODE((root / ".postdocs-key").stat().st_mode) == 0o600
    assert "wrote the new site key into" in result.stderr and "the old links stop working" in result.stderr
    assert new not in result.output


def test_rotate_from_readable_links(project: Callable[..., Path]) -> None:
    root = project()
    result = run(root, "key", "rotate", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "offer,partner,kind,old_url,new_url"
    assert lines[1].startswith(
        "solar,sunbuyer,buyer,https://partners.summitcalls.example/p/solar/b-sunbuyer/,https://partners.summitcalls.example/p/"
    )
    key = (root / ".postdocs-key").read_text().strip()
    assert lines[1].endswith(page_slug("solar", "buyer", "sunbuyer", bytes.fromhex(key)) + "/")


def test_rotate_warns_when_the_environment_overrides_the_file(project: Callable[..., Path]) -> None:
    root = project()
    result = run(root, "key", "rotate", env={"POSTDOCS_SITE_KEY": TEST_KEY})
    assert result.exit_code == 0
    assert "warning: POSTDOCS_SITE_KEY is set and wins over .postdocs-key" in result.stderr
    table = result.stdout.splitlines()
    assert table[0] == "solar  sunbuyer  buyer"
    slug = page_slug("solar", "buyer", "sunbuyer", bytes.fromhex(TEST_KEY))
    assert table[1] == f"  old: https://partners.summitcalls.example/{slug}/"


def test_rotate_of_a_broken_catalogue_writes_no_key(project: Callable[..., Path]) -> None:
    root = project()
    (root / ".postdocs-key").write_text(TEST_KEY + "\n")
    (root / "offers" / "solar.yml").write_text("id: solar\nname: [\n")
    result = run(root, "key", "rotate")
    assert result.exit_code == 1
    assert (root / ".postdocs-key").read_text() == TEST_KEY + "\n"


@pytest.mark.parametrize("ignored", [True, False])
def test_key_file_must_be_git_ignored(project: Callable[..., Path], ignored: bool) -> None:
    git = shutil.which("git")
    assert git is not None, "git is needed (CI runs on a clone)"
    root = project()
    subprocess.run([git, "init", "-q", str(root)], check=True, env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull})
    if ignored:
        (root / ".gitignore").write_text("/.postdocs-key\n")
    result = run(root, "key", "new")
    assert result.exit_code == 0
    warned = "warning: git does not ignore .postdocs-key: add /.postdocs-key to .gitignore" in result.stderr
    assert warned is not ignored


def test_published_example_needs_every_referenced_secret(project: Callable[..., Path]) -> None:
    root = project(example=True)
    env = {"POSTDOCS_SITE_KEY": TEST_KEY, "BLUEWAVE_RINGBA_CODE": EXAMPLE_SECRETS["BLUEWAVE_RINGBA_CODE"]}
    result = run(root, "build", "--publish", env=env)
    assert result.exit_code == 1
    assert "offers/traffic-sources/harbor-leads.yml:21:10: conversion.params.key: environment variable " in (
        result.stderr.replace(str(root) + "/", "")
    )
    assert not (root / "site").exists()
    assert check(Project.at(root), env).pages  # a preview only warns
