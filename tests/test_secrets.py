"""Secrets: references (env:NAME) instead of values, credentials refused, the output scan."""

from __future__ import annotations

import gzip
import html
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner, Result
from conftest import MINIMAL, TEST_KEY
from helpers import files_with, source

from generator.build import Project, load
from generator.cli import main
from generator.markup import text as markdown_text
from generator.scan import Leak, scan_trees, variants
from generator.secrets import credential_in

SOLAR = MINIMAL["offers/solar.yml"]
# Vendor token shapes, assembled at run time so no scanner mistakes this file for a leak.
GITHUB = "ghp" + "_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
STRIPE = "sk" + "_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
JWT = "eyJ" + "hbGciOiJIUzI1NiJ9." + "eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----"


def with_description(text: str) -> str:
    """The minimal offer with a description (line 3)."""
    return SOLAR.replace("name: Solar Savings\n", f"name: Solar Savings\n        description: '{text}'\n")


def with_field(extra: str) -> str:
    """The minimal offer with lines added under its first contact field (12 spaces of indentation)."""
    return SOLAR.replace('example: "60601"\n', 'example: "60601"\n' + extra)


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, ["--project", str(root), *args], catch_exceptions=False)


def checked(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, **changes: str) -> Result:
    root = project(files_with(**changes))
    monkeypatch.chdir(root)
    return run(root, "check")


def ringba(code: str) -> str:
    return source("ringba", f"conversion:\n  type: ringba\n  code: {code}\n")


def url_source(params: str) -> str:
    return source(
        "generic",
        "conversion:\n  type: url\n  url: https://track.example/pb\n  params:\n" + params,
    )


# --------------------------------------------------------------------------- references and literals


SECRET_CASES: dict[str, tuple[dict[str, str], str]] = {
    "a literal Ringba webhook code": (
        {"traffic_sources__sunsource_yml": ringba("rb-9931f0ab")},
        "offers/traffic-sources/sunsource.yml:7:9: conversion.code: is a secret: write a reference to an "
        "environment variable, like env:RINGBA_CODE, never the value itself\n"
        "    hint: put the value in an environment variable (in CI: a secret) and write env:NAME; "
        "the build reads it only to check that it never reaches the site",
    ),
    "a credential-named postback parameter with a literal value": (
        {"traffic_sources__sunsource_yml": url_source("    api_key: 9f8e7d6c5b4a\n")},
        "offers/traffic-sources/sunsource.yml:9:14: conversion.params.api_key: query parameter 'api_key' "
        "looks like a credential and holds a literal value\n"
        "    hint: write it as env:NAME, NAME being an environment variable that holds the value (in CI: a secret); "
        "pages then show a placeholder",
    ),
    "a malformed reference": (
        {"traffic_sources__sunsource_yml": url_source("    key: env:9-bad\n")},
        "offers/traffic-sources/sunsource.yml:9:10: conversion.params.key: is not a reference to an "
        "environment variable\n"
        "    hint: write env: and a variable name of letters, digits and '_', like env:POSTBACK_KEY",
    ),
    "a URL with a password": (
        {
            "traffic_sources__sunsource_yml": source(
                "generic", "conversion:\n  type: url\n  url: https://ops:Pa55w0rdX@track.example/pb\n"
            )
        },
        "offers/traffic-sources/sunsource.yml:7:8: conversion.url: looks like a credential (a URL with a password)\n"
        "    hint: secrets are never written in the catalogue",
    ),
    "a Bearer token in a description": (
        {"solar_yml": with_description("Send Authorization: Bearer 8f14e45fceea167a5a36dedd4bea2543")},
        "offers/solar.yml:3:14: description: looks like a credential (an HTTP Authorization value)",
    ),
    "a password in a field description": (
        {"solar_yml": with_field('            description: "password=hunter2x9Z"\n')},
        "offers/solar.yml:12:18: fields[0].description: looks like a credential (a password value)",
    ),
    "a GitHub token in a buyer name": (
        {"buyers__sunbuyer_yml": f"id: sunbuyer\nname: Sun {GITHUB}\nplatform: ringba\nrevenue: 1\n"},
        "offers/buyers/sunbuyer.yml:2:7: name: looks like a credential (a GitHub token)",
    ),
    "a Stripe key in a field example": (
        {"solar_yml": with_field(f"          - name: ref\n            label: R\n            example: {STRIPE}\n")},
        "offers/solar.yml:14:14: fields[1].example: looks like a credential (a Stripe key)",
    ),
    "a JSON Web Token in a post-call token example": (
        {
            "buyers__sunbuyer_yml": "id: sunbuyer\nname: Sun\nplatform: ringba\nrevenue: 1\npost_call_tokens:\n"
            f"  - name: jwt\n    token: jwt\n    example: {JWT}\n"
        },
        "offers/buyers/sunbuyer.yml:8:14: post_call_tokens[0].example: looks like a credential (a JSON Web Token)",
    ),
    "a private key in an account field": (
        {"account_yml": f"subdomain: acme\ncompany: '{PEM}'\nsupport:\n  email: a@b.example\n"},
        "offers/account.yml:2:10: company: looks like a credential (a private key)",
    ),
    "an AWS key in a custom platform": (
        {
            "platforms__leadsmith_yml": "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\n"
            "docs: https://x.example/?k=AKIAIOSFODNN7EXAMPLE\n"
        },
        "offers/platforms/leadsmith.yml:5:7: docs: looks like a credential (an AWS access key)",
    ),
}


@pytest.mark.parametrize("case", sorted(SECRET_CASES))
def test_secret_literals_are_refused(
    case: str, project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    changes, expected = SECRET_CASES[case]
    result = checked(project, monkeypatch, **changes)
    assert result.exit_code == 1, result.output
    assert expected in result.stderr, result.stderr
    for secret in ("rb-9931f0ab", "9f8e7d6c5b4a", "Pa55w0rdX", "hunter2x9Z", GITHUB, STRIPE, JWT):
        assert secret not in result.stderr  # a message never repeats the secret


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer <token>",
        "Authorization: Bearer YOUR_TRACKDRIVE_API_TOKEN",
        "Send auth_token=[auth_token] on every postback.",
        "Your lead token is fe7c2a91d04b4e6f9a3b5c8d.",
        "Our API key: see the e-mail we sent you.",
        "Basic authentication is the more secure way.",
        "https://user@track.example/ and https://track.example/a:b@c",
        "password: PASSWORD",
    ],
)
def test_text_that_only_talks_about_credentials_is_fine(text: str) -> None:
    assert credential_in(text) is None


def test_identifiers_partner_pages_must_show_are_not_credentials(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "ghp" + "_" + "x" * 36  # a lead token may have any shape TrackDrive gives it
    result = checked(
        project,
        monkeypatch,
        solar_yml=SOLAR.replace("lead_token: abcdefgh1234", f"lead_token: {token}").replace(
            "payout: 20.00", "payout: 20.00\n            traffic_source_id: 123456"
        ),
        traffic_sources__sunsource_yml=url_source('    token: "[payout]"\n    clickid: "[traffic_source_lead_id]"\n'),
    )
    assert result.exit_code == 0, result.output


def test_a_referenced_postback_secret_becomes_a_placeholder(project: Callable[..., Path]) -> None:
    root = project(files_with(traffic_sources__sunsource_yml=url_source("    key: env:SUN_POSTBACK_KEY\n")))
    env = {"SUN_POSTBACK_KEY": "sk-5f2b9e7d1c"}
    plan = load(Project.at(root), env).plan
    page = plan.find("solar", "sunsource")[0]
    assert page.conversion is not None
    assert page.conversion.url_template() == "https://track.example/pb?key=YOUR_KEY"
    assert "replace YOUR_KEY with the value of the environment variable SUN_POSTBACK_KEY" in " ".join(page.setup)
    result = run(root, "build", "--publish", env={**env, "POSTDOCS_SITE_KEY": TEST_KEY})
    assert result.exit_code == 0, result.output
    for folder in ("site", "owner", "build"):
        for path in (root / folder).rglob("*"):
            assert not path.is_file() or b"sk-5f2b9e7d1c" not in path.read_bytes()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "environment variable SUN_RINGBA_CODE is empty"),
        ("short", "environment variable SUN_RINGBA_CODE holds fewer than 8 characters"),
    ],
)
def test_a_referenced_variable_must_hold_a_real_secret(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    root = project(files_with(traffic_sources__sunsource_yml=ringba("env:SUN_RINGBA_CODE")))
    monkeypatch.chdir(root)
    result = run(root, "build", env={"SUN_RINGBA_CODE": value})
    assert result.exit_code == 1
    assert f"offers/traffic-sources/sunsource.yml:7:9: conversion.code: {message}\n" in result.stderr
    assert not (root / "site").exists()


def test_an_unset_variable_is_a_warning_for_a_preview(project: Callable[..., Path]) -> None:
    root = project(files_with(traffic_sources__sunsource_yml=ringba("env:SUN_RINGBA_CODE")))
    result = run(root, "check")
    assert result.exit_code == 0
    assert (
        "conversion.code: environment variable SUN_RINGBA_CODE is not set; "
        "the secret scan cannot look for its value" in result.stderr
    )


def test_a_secret_value_copied_into_the_catalogue_is_refused(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(
        files_with(
            traffic_sources__sunsource_yml=ringba("env:SUN_RINGBA_CODE"),
            solar_yml=with_description(f"Ringba code rb-77f3e9c2, site key {TEST_KEY}"),
        )
    )
    monkeypatch.chdir(root)
    result = run(root, "check", env={"SUN_RINGBA_CODE": "rb-77f3e9c2", "POSTDOCS_SITE_KEY": TEST_KEY})
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:4] == [
        "offers/solar.yml:3:14: description: holds the value of environment variable SUN_RINGBA_CODE",
        "    hint: write env:SUN_RINGBA_CODE where a secret belongs, and never the value itself",
        "offers/solar.yml:3:14: description: holds the value of the site key (POSTDOCS_SITE_KEY)",
        "    hint: remove it: the site key must never be written in the catalogue",
    ]
    assert "rb-77f3e9c2" not in result.stderr and TEST_KEY not in result.stderr


# --------------------------------------------------------------------------- the output scan


def test_variants_cover_every_encoding_the_build_applies() -> None:
    value = "a&b<c>\"d' e/f+g"
    forms = {v.decode() for v in variants(value)}
    expected = {
        value,
        html.escape(value),
        html.escape(value, quote=False),
        quote(value, safe=""),
        quote_plus(value),
        json.dumps(value)[1:-1],
        str(markdown_text(value)),
        value.replace("'", "'\\''"),
    }
    assert expected <= forms


def test_scan_finds_every_form_in_every_file(tmp_path: Path) -> None:
    secret = "s3cr3t&value/x"
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text(f"<p>{html.escape(secret)}</p>")
    (site / "clean.html").write_text("<p>nothing here</p>")
    with gzip.open(site / "sitemap.xml.gz", "wb") as f:
        f.write(quote(secret, safe="").encode())
    owner = tmp_path / "owner"
    owner.mkdir()
    (owner / "links.json").write_text(json.dumps({"x": secret}))
    leaks = scan_trees({"site": site, "owner": owner}, {"environment variable X": secret})
    assert leaks == [
        Leak("environment variable X", "owner/links.json"),
        Leak("environment variable X", "site/a/index.html"),
        Leak("environment variable X", "site/sitemap.xml.gz"),
    ]
    assert scan_trees({"site": site}, {"environment variable Y": "absent-value-123"}) == []


def test_a_secret_with_capitals_is_found_as_written_and_in_every_case(tmp_path: Path) -> None:
    """The scan's quick filter lowercases the file; a secret with capitals, written verbatim, is still found."""
    secret = "Hk-5D1E0C7A92Qz"
    site = tmp_path / "site"
    site.mkdir()
    (site / "verbatim.html").write_text(f"<p>key={secret}</p>")
    (site / "upper.html").write_text(f"<p>key={secret.upper()}</p>")
    (site / "lower.html").write_text(f"<p>key={secret.lower()}</p>")
    (site / "clean.html").write_text("<p>key=hk-5d1e0c7a93qz</p>")
    assert scan_trees({"site": site}, {"environment variable X": secret}) == [
        Leak("environment variable X", "site/lower.html"),
        Leak("environment variable X", "site/upper.html"),
        Leak("environment variable X", "site/verbatim.html"),
    ]


# --------------------------------------------------------------------------- the credential scan is linear

ONE_MB = 1_000_000
ADVERSARIAL_VALUES = {
    "letters": "a" * ONE_MB,  # every position starts a URL scheme: quadratic for a backtracking engine
    "JWT starts": "-eyJ" * (ONE_MB // 4),  # every '-eyJ' starts a JSON Web Token that never ends
    "assignments": "password=a1 " * (ONE_MB // 12),
    "bearers": ("Bearer " + "a" * 10 + " ") * (ONE_MB // 18),
    "white space": "Authorization:" + " " * ONE_MB,
    "URL users": "a://b:" * (ONE_MB // 6),
    "mixed": ("x-eyJ" + "a" * 20 + " https://u:" + "b" * 30 + " ") * (ONE_MB // 64),
}


class _Counting:
    """A scan pattern that counts the characters handed to it."""

    def __init__(self, inner: object, counts: list[int]) -> None:
        self.inner = inner
        self.counts = counts

    def __getattr__(self, name: str) -> object:
        method = getattr(self.inner, name)

        def call(text: str, *args: object) -> object:
            self.counts.append(len(text))
            return method(text, *args)

        return call


def test_every_scan_of_catalogue_text_runs_on_the_linear_engine() -> None:
    import re2

    from generator import secrets

    assert secrets.SCANNERS and all(isinstance(p, re2._Regexp) for p in secrets.SCANNERS)
    for name in ("_VENDOR", "_AUTH_VALUE", "_URL_PASSWORD", "_ASSIGNMENT", "_PLACEHOLDER", "_ANY"):
        assert getattr(secrets, name) in secrets.SCANNERS, name


@pytest.mark.parametrize("name", sorted(ADVERSARIAL_VALUES))
def test_the_credential_scan_reads_a_value_a_bounded_number_of_times(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each engine call is linear (RE2); the scan hands the engine at most 8 times the value's length in all.

    Together: time linear in the value, whatever it holds.  (A timing is in bench/adversarial.py.)
    """
    from generator import secrets

    value = ADVERSARIAL_VALUES[name]
    counts: list[int] = []
    for attr in ("_VENDOR", "_AUTH_VALUE", "_URL_PASSWORD", "_ASSIGNMENT", "_PLACEHOLDER"):
        monkeypatch.setattr(secrets, attr, _Counting(getattr(secrets, attr), counts))
    assert secrets.credential_in(value) is None
    assert sum(counts) <= 8 * len(value), f"{len(counts)} calls read {sum(counts):,} characters"


def test_a_credential_after_a_megabyte_of_adversarial_text_is_still_found() -> None:
    for value in ADVERSARIAL_VALUES.values():
        assert credential_in(value + " " + GITHUB) == "a GitHub token"
        assert credential_in(value + " https://user:hunter2x@host/") == "a URL with a password"
