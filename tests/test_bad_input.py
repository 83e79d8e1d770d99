"""Bad input: every problem located as file:line:col: field: message, with a hint; exit 1, no traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MINIMAL
from helpers import files_with

SOLAR = MINIMAL["offers/solar.yml"]

CASES: dict[str, tuple[dict[str, str], str]] = {
    "unknown key, did you mean": (
        {"buyers__sunbuyer_yml": "id: sunbuyer\nname: Sun\nplatform: ringba\nrevenu: 10\n"},
        "offers/buyers/sunbuyer.yml:4:1: revenu: unknown key 'revenu'\n    hint: did you mean 'revenue'?",
    ),
    "wrong type": (
        {"traffic_sources__sunsource_yml": "id: sunsource\nname: S\nplatform: generic\ntraffic_source_id: [5]\n"},
        "offers/traffic-sources/sunsource.yml:4:20: traffic_source_id: must be a TrackDrive id, not a list\n"
        "    hint: copy the numeric id from TrackDrive",
    ),
    "missing key": (
        {"solar_yml": SOLAR.replace("        name: Solar Savings\n", "")},
        "offers/solar.yml:1:1: name: is required\n    hint: add `name:`",
    ),
    "unknown reference": (
        {"solar_yml": SOLAR.replace("- buyer: sunbuyer", "- buyer: sunbuyr")},
        "offers/solar.yml:13:12: buyers[0].buyer: unknown buyer 'sunbuyr'\n    hint: did you mean 'sunbuyer'?",
    ),
    "duplicate id": (
        {"buyers__other_yml": "id: sunbuyer\nname: Other\nplatform: ringba\nrevenue: 5\n"},
        "offers/buyers/sunbuyer.yml:1:5: id: buyer id 'sunbuyer' is already used by offers/buyers/other.yml\n"
        "    hint: give every file its own id",
    ),
    "subdomain with a path": (
        {"account_yml": "subdomain: evil.com/x\ncompany: A\nsupport:\n  email: a@b.example\n"},
        "offers/account.yml:1:12: subdomain: 'evil.com/x' is not a TrackDrive subdomain\n"
        "    hint: give only the first label of https://<subdomain>.trackdrive.com: 1-63 lowercase letters, "
        "digits or '-', not starting or ending with '-'",
    ),
    "subdomain uppercase": (
        {"account_yml": "subdomain: Acme\ncompany: A\nsupport:\n  email: a@b.example\n"},
        "offers/account.yml:1:12: subdomain: 'Acme' is not a TrackDrive subdomain",
    ),
    "subdomain too long": (
        {"account_yml": f"subdomain: {'a' * 64}\ncompany: A\nsupport:\n  email: a@b.example\n"},
        f"offers/account.yml:1:12: subdomain: '{'a' * 64}' is not a TrackDrive subdomain",
    ),
    "amount that is not money": (
        {"buyers__sunbuyer_yml": "id: sunbuyer\nname: Sun\nplatform: ringba\nrevenue: $10\n"},
        "offers/buyers/sunbuyer.yml:4:10: revenue: '$10' is not an amount of money\n"
        "    hint: write a positive decimal with at most two decimals, like 35.00",
    ),
    "id escaping the output folder": (
        {"buyers__sunbuyer_yml": "id: ../sunbuyer\nname: Sun\nplatform: ringba\nrevenue: 10\n"},
        "offers/buyers/sunbuyer.yml:1:5: id: '../sunbuyer' is not a valid id\n"
        "    hint: use 1-64 lowercase ASCII letters, digits, '-' or '_', starting and ending with a letter or digit",
    ),
    "absolute id": (
        {"buyers__sunbuyer_yml": "id: /etc/passwd\nname: Sun\nplatform: ringba\nrevenue: 10\n"},
        "offers/buyers/sunbuyer.yml:1:5: id: '/etc/passwd' is not a valid id",
    ),
    "unicode look-alike id": (
        {"buyers__sunbuyer_yml": "id: sunbuyеr\nname: Sun\nplatform: ringba\nrevenue: 10\n"},  # Cyrillic e
        "offers/buyers/sunbuyer.yml:1:5: id: 'sunbuyеr' is not a valid id",
    ),
    "unknown platform": (
        {"buyers__sunbuyer_yml": "id: sunbuyer\nname: Sun\nplatform: ringbaa\nrevenue: 10\n"},
        "offers/buyers/sunbuyer.yml:3:11: platform: unknown platform 'ringbaa'\n    hint: did you mean 'ringba'?",
    ),
    "unknown intake": (
        {"solar_yml": SOLAR.replace("method: lead_post", "method: leadpost")},
        "offers/solar.yml:5:11: intake.method: 'leadpost' is not one of lead_post, capture, ping_post\n"
        "    hint: did you mean 'lead_post'?",
    ),
    "field example not matching its type": (
        {"solar_yml": SOLAR.replace('example: "60601"', 'example: "6060"')},
        "offers/solar.yml:7:5: fields[0]: example '6060' is not a US ZIP code like 60601\n"
        "    hint: give an example of type zip",
    ),
    "reserved field name": (
        {"solar_yml": SOLAR.replace("- name: zip", "- name: blocked")},
        "offers/solar.yml:7:5: fields[0]: 'blocked' is sent by every request and cannot be a contact field",
    ),
    "a list instead of a mapping": (
        {"buyers__sunbuyer_yml": "- id: sunbuyer\n"},
        "offers/buyers/sunbuyer.yml:1:1: (file): must be a mapping of keys to values",
    ),
    "unknown folder": (
        {"buyer__x_yml": "id: x\n"},
        "offers/buyer:1:1: (file): unknown folder 'buyer'\n    hint: did you mean 'buyers'?",
    ),
    "lead_token missing for a lead post": (
        {"solar_yml": SOLAR.replace("        lead_token: abcdefgh1234\n", "")},
        "offers/solar.yml:1:1: lead_token: is required when intake is lead_post",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_message(
    case: str, project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    changes, expected = CASES[case]
    root = project(files_with(**changes))
    monkeypatch.chdir(root)
    result = cli(root, "check")
    assert result.exit_code == 1, result.output
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.rstrip().endswith("nothing was published.")


def test_every_problem_is_reported_in_one_run(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(
        files_with(
            buyers__sunbuyer_yml="id: sunbuyer\nname: Sun\nplatform: ringba\nrevenu: 10\nform: jsn\n",
            account_yml="subdomain: Acme\ncompany: A\nsupport:\n  email: nope\n",
        )
    )
    monkeypatch.chdir(root)
    result = cli(root, "check")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith(" ")]
    assert lines == [
        "offers/account.yml:1:12: subdomain: 'Acme' is not a TrackDrive subdomain",
        "offers/account.yml:4:10: support.email: 'nope' is not an e-mail address",
        "offers/buyers/sunbuyer.yml:4:1: revenu: unknown key 'revenu'",
        "offers/buyers/sunbuyer.yml:5:7: form: 'jsn' is not one of json, post_url, get",
        "4 problems found; nothing was published.",
    ]


def test_no_account_file(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = files_with()
    del files["offers/account.yml"]
    root = project(files)
    monkeypatch.chdir(root)
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "offers/account.yml:1:1: (file): the catalogue has no account file" in result.stderr


def test_symlink_out_of_the_catalogue_is_refused(
    project: Callable[..., Path], cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yml"
    outside.write_text("id: x\nname: X\nplatform: ringba\nrevenue: 1\n")
    os.symlink(outside, root / "offers" / "buyers" / "x.yml")
    monkeypatch.chdir(root)
    result = cli(root, "check")
    assert result.exit_code == 1
    assert "offers/buyers/x.yml:1:1: (file): is a link to a file outside the catalogue" in result.stderr


def test_missing_catalogue_is_a_usage_error(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli(tmp_path, "check")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
