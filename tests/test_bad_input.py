"""Bad input: every problem located as file:line:col: field: message, with a hint; exit 1, no traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MINIMAL
from helpers import files_with

from generator.yamlsource import MAX_FILE_BYTES

SOLAR = MINIMAL["offers/solar.yml"]
SUNBUYER = "id: sunbuyer\nname: Sun\nplatform: ringba\nrevenue: 10\n"
CONVERSION_URL = (
    "id: sunsource\nname: S\nplatform: generic\ntraffic_source_id: 5\nconversion:\n  type: url\n  url: {}\n"
)

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
    # ----------------------------------------------------------------- malformed YAML
    "malformed YAML": (
        {"buyers__sunbuyer_yml": "id: sunbuyer\nname: [Sun\nplatform: ringba\n"},
        "offers/buyers/sunbuyer.yml:3:9: (file): invalid YAML: while parsing a flow sequence: did not find expected "
        "',' or ']'\n    hint: check indentation and quoting",
    ),
    "a tab for indentation": (
        {"buyers__sunbuyer_yml": "id: sunbuyer\n\tname: Sun\n"},
        "offers/buyers/sunbuyer.yml:2:1: (file): invalid YAML: while scanning a plain scalar: found a tab character "
        "that violates indentation\n    hint: check indentation and quoting",
    ),
    "duplicate key": (
        {"buyers__sunbuyer_yml": SUNBUYER + "name: Other\n"},
        "offers/buyers/sunbuyer.yml:5:1: name: duplicate key 'name' (first written at line 2)\n"
        "    hint: remove one of the two; YAML would silently keep only the last",
    ),
    "a YAML tag": (
        {"buyers__sunbuyer_yml": "id: !!python/object:os.system sunbuyer\n"},
        "offers/buyers/sunbuyer.yml:1:5: id: unsupported tag '!!python/object:os.system'\n"
        "    hint: remove the tag; plain YAML values are enough",
    ),
    "a merge key": (
        {"buyers__sunbuyer_yml": "base: &b {name: Sun}\n<<: *b\n"},
        "offers/buyers/sunbuyer.yml:2:1: (file): merge keys (<<) are not supported\n    hint: write the keys out",
    ),
    "nesting too deep": (
        {"buyers__sunbuyer_yml": "id: " + "[" * 40 + "]" * 40 + "\n"},
        "offers/buyers/sunbuyer.yml:1:37: id" + "[0]" * 32 + ": is nested more than 32 levels deep\n"
        "    hint: flatten the structure",
    ),
    # ----------------------------------------------------------------- wrong types and unknown keys
    "text where true or false is expected": (
        {"solar_yml": SOLAR.replace("required: true", 'required: "yes"')},
        "offers/solar.yml:10:15: fields[0].required: must be true or false, not text\n    hint: write true or false",
    ),
    "a nested unknown key": (
        {"solar_yml": SOLAR.replace("required: true", "requird: true")},
        "offers/solar.yml:10:5: fields[0].requird: unknown key 'requird'\n    hint: did you mean 'required'?",
    ),
    # ----------------------------------------------------------------- references and ids
    "unknown traffic source": (
        {"solar_yml": SOLAR.replace("traffic_source: sunsource", "traffic_source: sunsorce")},
        "offers/solar.yml:15:21: traffic_sources[0].traffic_source: unknown traffic source 'sunsorce'\n"
        "    hint: did you mean 'sunsource'?",
    ),
    "unknown platform without a close match": (
        {"traffic_sources__sunsource_yml": "id: sunsource\nname: S\nplatform: leadsmyth\ntraffic_source_id: 5\n"},
        "offers/traffic-sources/sunsource.yml:3:11: platform: unknown platform 'leadsmyth'\n"
        "    hint: use one of generic, retreaver, ringba, trackdrive, vicidial, or describe it in "
        "platforms/leadsmyth.yml",
    ),
    "duplicate offer id": (
        {"other_yml": SOLAR},
        "offers/solar.yml:1:5: id: offer id 'solar' is already used by offers/other.yml\n"
        "    hint: give every file its own id",
    ),
    "a partner listed twice": (
        {"solar_yml": SOLAR.replace("- buyer: sunbuyer\n", "- buyer: sunbuyer\n          - buyer: sunbuyer\n")},
        "offers/solar.yml:14:12: buyers[1].buyer: 'sunbuyer' is listed twice\n    hint: keep one entry per partner",
    ),
    "id with a backslash": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("id: sunbuyer", "id: '..\\sunbuyer'")},
        "offers/buyers/sunbuyer.yml:1:5: id: '..\\\\sunbuyer' is not a valid id",
    ),
    "id that is ..": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("id: sunbuyer", "id: '..'")},
        "offers/buyers/sunbuyer.yml:1:5: id: '..' is not a valid id",
    ),
    "offer id with a path": (
        {"solar_yml": SOLAR.replace("id: solar", "id: solar/../../etc")},
        "offers/solar.yml:1:5: id: 'solar/../../etc' is not a valid id",
    ),
    "full-width look-alike id": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("id: sunbuyer", "id: ｓｕｎbuyer")},
        "offers/buyers/sunbuyer.yml:1:5: id: 'ｓｕｎbuyer' is not a valid id",
    ),
    "id with a zero-width space": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("id: sunbuyer", 'id: "sun\\u200bbuyer"')},
        "offers/buyers/sunbuyer.yml:1:5: id: 'sun\\u200bbuyer' is not a valid id",
    ),
    "uppercase id": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("id: sunbuyer", "id: SunBuyer")},
        "offers/buyers/sunbuyer.yml:1:5: id: 'SunBuyer' is not a valid id",
    ),
    # ----------------------------------------------------------------- money
    "money with three decimals": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("revenue: 10", "revenue: 10.999")},
        "offers/buyers/sunbuyer.yml:4:10: revenue: '10.999' is not an amount of money",
    ),
    "negative money": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("revenue: 10", "revenue: -5")},
        "offers/buyers/sunbuyer.yml:4:10: revenue: '-5' is not an amount of money",
    ),
    "money in exponent notation": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("revenue: 10", "revenue: 1e3")},
        "offers/buyers/sunbuyer.yml:4:10: revenue: '1E+3' is not an amount of money",
    ),
    "money that is true": (
        {"solar_yml": SOLAR.replace("payout: 20.00", "payout: true")},
        "offers/solar.yml:16:13: traffic_sources[0].payout: must be an amount of money, not true/false\n"
        "    hint: write it like 35.00",
    ),
    "a revenue example that is not money": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("revenue: 10", "revenue:\n  token: payout\n  example: lots")},
        "offers/buyers/sunbuyer.yml:6:12: revenue.example: 'lots' is not an amount of money",
    ),
    # ----------------------------------------------------------------- tokens the platform cannot carry
    "a ViciDial token with a dash": (
        {
            "buyers__sunbuyer_yml": "id: sunbuyer\nname: Sun\nplatform: vicidial\nrevenue: 10\npost_call_tokens:\n"
            "  - name: policy\n    token: policy-id\n    example: x\nsale_statuses: [SALE]\n"
        },
        "offers/buyers/sunbuyer.yml:7:12: post_call_tokens[0].token: '--A--policy-id--B--' is not a token ViciDial "
        "can carry\n    hint: ViciDial token names must match [a-z0-9_]+",
    ),
    "a Ringba field with punctuation": (
        {"buyers__sunbuyer_yml": SUNBUYER + "stores:\n  trackdrive_call_uuid: call uuid!\n"},
        "offers/buyers/sunbuyer.yml:6:25: stores.trackdrive_call_uuid: '[tag:user:call uuid!]' is not a token "
        "Ringba can carry",
    ),
    "a TrackDrive field token in capitals": (
        {
            "traffic_sources__sunsource_yml": "id: sunsource\nname: S\nplatform: trackdrive\ntraffic_source_id: 5\n"
            "field_tokens:\n  zip: Zip-Code\n"
        },
        "offers/traffic-sources/sunsource.yml:6:8: field_tokens.zip: '[Zip-Code]' is not a token TrackDrive can "
        "carry\n    hint: TrackDrive token names must match [a-z0-9_]+",
    ),
    "a custom platform with a JSON body but no headers": (
        {
            "platforms__leadsmith_yml": "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\nheaders: false\n"
            "json_body: true\n",
            "traffic_sources__sunsource_yml": "id: sunsource\nname: S\nplatform: leadsmith\ntraffic_source_id: 5\n",
        },
        "offers/platforms/leadsmith.yml:6:12: json_body: a platform that cannot send headers cannot send a JSON body "
        "(it needs a Content-Type header)\n    hint: set headers: true, or json_body: false",
    ),
    # ----------------------------------------------------------------- files
    "empty file": (
        {"buyers__sunbuyer_yml": ""},
        "offers/buyers/sunbuyer.yml:1:1: (file): file is empty\n"
        "    hint: describe one entity in it, or delete the file",
    ),
    "a file of comments only": (
        {"buyers__sunbuyer_yml": "# nothing yet\n"},
        "offers/buyers/sunbuyer.yml:1:1: (file): file is empty",
    ),
    "a file over the size limit": (
        {"buyers__sunbuyer_yml": SUNBUYER + "# " + "x" * MAX_FILE_BYTES + "\n"},
        f"offers/buyers/sunbuyer.yml:1:1: (file): file is {len(SUNBUYER) + MAX_FILE_BYTES + 3:,} bytes, "
        f"over the {MAX_FILE_BYTES:,}-byte limit\n"
        "    hint: one entity per file keeps files small; split it or remove generated content",
    ),
    # ----------------------------------------------------------------- values shown safely
    "a value of 5,000 characters": (
        {"buyers__sunbuyer_yml": SUNBUYER.replace("revenue: 10", "revenue: " + "a" * 5000)},
        "offers/buyers/sunbuyer.yml:4:10: revenue: '" + "a" * 80 + "...' (5,000 characters) is not an amount of money",
    ),
    "a key with a terminal escape": (
        {"buyers__sunbuyer_yml": SUNBUYER + '"bad\\u001b[31mkey": 1\n'},
        "offers/buyers/sunbuyer.yml:5:1: bad\\x1b[31mkey: unknown key 'bad\\x1b[31mkey'",
    ),
    # ----------------------------------------------------------------- URLs
    "a postback URL with port 99999": (
        {"traffic_sources__sunsource_yml": CONVERSION_URL.format("https://t.example:99999/pb")},
        "offers/traffic-sources/sunsource.yml:7:8: conversion.url: 'https://t.example:99999/pb' has the port 99999, "
        "outside 1 to 65535\n    hint: write the port the server listens on",
    ),
    "a postback URL with a port that is not a number": (
        {"traffic_sources__sunsource_yml": CONVERSION_URL.format("https://t.example:8o8o/pb")},
        "offers/traffic-sources/sunsource.yml:7:8: conversion.url: 'https://t.example:8o8o/pb' has the port '8o8o', "
        "which is not a number\n    hint: write 1 to 65535",
    ),
    "a postback URL with a space": (
        {"traffic_sources__sunsource_yml": CONVERSION_URL.format("'https://t.example/p b'")},
        "offers/traffic-sources/sunsource.yml:7:8: conversion.url: 'https://t.example/p b' holds a space\n"
        "    hint: remove it, or write it percent-encoded as %20",
    ),
    "a postback URL with a quote": (
        {"traffic_sources__sunsource_yml": CONVERSION_URL.format("'https://t.example/p\"b'")},
        "offers/traffic-sources/sunsource.yml:7:8: conversion.url: 'https://t.example/p\"b' holds '\"', which a URL "
        "cannot carry as it is\n    hint: remove it, or write it percent-encoded as %22",
    ),
    "a postback URL with a broken IPv6 host": (
        {"traffic_sources__sunsource_yml": CONVERSION_URL.format("'http://[::1/x'")},
        "offers/traffic-sources/sunsource.yml:7:8: conversion.url: 'http://[::1/x' has a '[' with no ']' after it\n"
        "    hint: write an IPv6 host in brackets, like [::1]",
    ),
    "a postback URL with a token in its host": (
        {"traffic_sources__sunsource_yml": CONVERSION_URL.format("'https://[sub].example.com/pb'")},
        "offers/traffic-sources/sunsource.yml:7:8: conversion.url: 'https://[sub].example.com/pb' has a TrackDrive "
        "token in its host name\n    hint: write the host as it is: tokens go in the path or in conversion.params",
    ),
    "a base URL with port 99999": (
        {
            "account_yml": "subdomain: acme\ncompany: A\nsupport:\n  email: a@b.example\nbase_url: http://127.0.0.1:99999\n"
        },
        "offers/account.yml:5:11: base_url: 'http://127.0.0.1:99999' has the port 99999, outside 1 to 65535",
    ),
    "a platform's docs that are not a URL": (
        {"platforms__leadsmith_yml": "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\ndocs: javascript:x()\n"},
        "offers/platforms/leadsmith.yml:5:7: docs: 'javascript:x()' is not an http(s) URL\n"
        "    hint: write it like https://docs.example.com/tokens",
    ),
    "a platform file with a problem of its own, used by a partner": (
        {
            "platforms__leadsmith_yml": "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\nheaders: nope\n",
            "buyers__sunbuyer_yml": SUNBUYER.replace("ringba", "leadsmith"),
        },
        "offers/platforms/leadsmith.yml:5:10: headers: must be true or false, not text",
    ),
}

BYTE_CASES: dict[str, tuple[bytes, str]] = {
    "a Latin-1 file": (
        b"id: sunbuyer\nname: Caf\xe9\n",
        "offers/buyers/sunbuyer.yml:2:10: (file): is not valid UTF-8 (byte 0xe9)\n    hint: save the file as UTF-8",
    ),
    "a NUL byte": (
        b"id: sunbuyer\nname: Sun\x00\n",
        "offers/buyers/sunbuyer.yml:2:10: (file): holds the non-printable character U+0000, which YAML does not "
        "allow\n    hint: remove it (it is usually left by copying text from another program)",
    ),
    "a UTF-16 file": (
        "id: sunbuyer\n".encode("utf-16"),
        "offers/buyers/sunbuyer.yml:1:1: (file): is not valid UTF-8 (byte 0xff)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_message(
    case: str, project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    changes, expected = CASES[case]
    root = project(files_with(**changes))
    monkeypatch.chdir(root)
    expect_only(cli(root, "check"), expected)


def expect_only(result: Result, expected: str) -> None:
    """Exit 1, the expected problem and no other, no traceback, nothing published."""
    assert result.exit_code == 1, result.output
    assert expected in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("1 problem found; nothing was published."), result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", sorted(BYTE_CASES))
def test_bad_bytes(
    case: str, project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    content, expected = BYTE_CASES[case]
    root = project()
    (root / "offers" / "buyers" / "sunbuyer.yml").write_bytes(content)
    monkeypatch.chdir(root)
    expect_only(cli(root, "check"), expected)


@pytest.mark.parametrize(
    "content", ["id: sunbuyer\nname: [\n", "id: ..\nname: Sun\nplatform: ringba\nrevenue: 10\n"], ids=["yaml", "id"]
)
def test_a_broken_file_is_not_also_reported_as_an_unknown_reference(
    content: str, project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An offer naming a buyer whose file is broken gets no second, misleading problem."""
    root = project(files_with(buyers__sunbuyer_yml=content))
    monkeypatch.chdir(root)
    result = cli(root, "check")
    assert "unknown buyer" not in result.stderr
    assert result.stderr.rstrip().endswith("1 problem found; nothing was published.")


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
"""The billion laughs: nine levels of nine aliases, 387,420,489 strings once expanded."""


def test_an_alias_bomb_is_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    import subprocess
    import sys
    import tracemalloc

    from conftest import copy_project

    from generator.yamlsource import parse_document

    tracemalloc.start()
    try:
        result = parse_document(BOMB.encode(), "bomb.yml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(result).startswith("bomb.yml:")
    assert "expands to more than 50,000 values" in str(result)
    assert peak < 64 * 1024 * 1024, f"reading the bomb took {peak:,} bytes"  # unbounded would take gigabytes

    root = copy_project(tmp_path, files_with(buyers__sunbuyer_yml=BOMB))
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--project", str(root), "check"],
        capture_output=True,
        text=True,
        timeout=120,  # unbounded expansion would run for hours
        check=False,
        cwd=root,
    )
    assert done.returncode == 1
    assert "offers/buyers/sunbuyer.yml:" in done.stderr and "expands to more than 50,000 values" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_folder_linked_from_outside_the_catalogue_is_refused(
    project: Callable[..., Path], cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project()
    outside = tmp_path.parent / f"{tmp_path.name}-platforms"
    outside.mkdir()
    (outside / "leadsmith.yml").write_text("id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\n")
    os.symlink(outside, root / "offers" / "platforms")
    monkeypatch.chdir(root)
    expect_only(
        cli(root, "check"),
        "offers/platforms:1:1: (file): is a link to a file outside the catalogue\n"
        "    hint: copy the file into the catalogue instead of linking to it",
    )


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


# --------------------------------------------------------------------------- what a catalogue folder holds


def _check(root: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(root)
    return cli(root, "check")


def test_a_symbolic_link_loop_is_a_located_problem(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project()
    os.symlink("loop.yml", root / "offers" / "buyers" / "loop.yml")
    expect_only(
        _check(root, cli, monkeypatch),
        "offers/buyers/loop.yml:1:1: (file): is a symbolic link that leads back to itself\n"
        "    hint: point it at a real file, or delete it",
    )


def test_a_broken_symbolic_link_is_not_a_missing_file(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The buyer an offer names is behind a link to nothing: one problem, at the link, not 'create buyers/...'."""
    root = project()
    buyer = root / "offers" / "buyers" / "sunbuyer.yml"
    buyer.unlink()
    os.symlink("../moved/sunbuyer.yml", buyer)
    expect_only(
        _check(root, cli, monkeypatch),
        "offers/buyers/sunbuyer.yml:1:1: (file): is a symbolic link to '../moved/sunbuyer.yml', which does not exist\n"
        "    hint: point the link at an existing file in the catalogue, or delete the link",
    )


def test_a_named_pipe_is_refused_not_skipped_nor_opened(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a FIFO would block for ever; it was skipped without a word."""
    root = project()
    os.mkfifo(root / "offers" / "buyers" / "pipe.yml")
    expect_only(
        _check(root, cli, monkeypatch),
        "offers/buyers/pipe.yml:1:1: (file): is a named pipe (FIFO), not a regular file\n"
        "    hint: catalogue files are plain YAML files: remove it, or replace it with a file",
    )


def test_a_device_is_refused(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    root = project()
    try:
        os.mknod(root / "offers" / "buyers" / "null.yml", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD)")
    expect_only(
        _check(root, cli, monkeypatch), "offers/buyers/null.yml:1:1: (file): is a character device, not a regular file"
    )


@pytest.mark.parametrize("name", ["account.yml", "buyers/other.yml"])
def test_a_folder_where_a_file_belongs(
    name: str, project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """account.yml as a folder printed only '0 problems found; nothing was published.'"""
    files = dict(files_with())
    if name == "account.yml":
        del files["offers/account.yml"]
    root = project(files)
    (root / "offers" / name).mkdir()
    expect_only(
        _check(root, cli, monkeypatch),
        f"offers/{name}:1:1: (file): is a folder, not a file\n"
        "    hint: a catalogue file is a YAML file describing one entity: replace the folder with the file, "
        "or rename it",
    )


def test_a_newline_in_a_file_name_cannot_forge_a_line_of_output(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project()
    forged = "a\nb.yml:9:9: id: forged problem\n.yml"
    (root / "offers" / "buyers" / forged).write_text("id: x\nname: [\n")
    result = _check(root, cli, monkeypatch)
    expect_only(result, "'offers/buyers/a\\nb.yml:9:9: id: forged problem\\n.yml':3:1: (file): invalid YAML")
    assert len(result.stderr.splitlines()) == 3, result.stderr  # the problem, its hint, the count


def test_a_site_url_that_is_not_a_url_is_located_in_mkdocs_yml(
    project: Callable[..., Path], cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project()
    config = root / "mkdocs.yml"
    text = config.read_text()
    assert "\nsite_url: " in text
    config.write_text(
        "\n".join(
            "site_url: https://partners.example.com:99999/" if line.startswith("site_url:") else line
            for line in text.splitlines()
        )
    )
    line = next(i for i, ln in enumerate(config.read_text().splitlines(), 1) if ln.startswith("site_url:"))
    for command in ("check", "build"):
        expect_only(
            _check(root, cli, monkeypatch) if command == "check" else cli(root, "build"),
            f"mkdocs.yml:{line}:11: site_url: 'https://partners.example.com:99999/' has the port 99999, outside 1 "
            "to 65535\n    hint: write the port the server listens on",
        )
    assert not (root / "site").exists()


def test_init_refuses_a_site_url_that_is_not_a_url(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli(tmp_path, "init", str(tmp_path / "new"), "--site-url", "https://partners example.com/")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --site-url: 'https://partners example.com/' holds a space; remove it, or write it percent-encoded "
        "as %20\n"
    )
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("option", "config", "warned"),
    [
        ("0.0.0.0:8000", "", True),
        ("[::]:8000", "", True),
        ("192.168.1.20:8000", "", True),
        ("127.0.0.1:8000", "", False),
        ("localhost:8000", "", False),
        (None, "dev_addr: 0.0.0.0:8000\n", True),
        (None, "dev_addr: 127.0.0.1:9000\n", False),
        (None, "", False),
    ],
)
def test_serve_warns_when_other_machines_can_reach_it(
    option: str | None,
    config: str,
    warned: bool,
    project: Callable[..., Path],
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from generator import site

    root = project()
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text() + config)
    served: list[str | None] = []
    monkeypatch.setattr(site, "serve", lambda config, docs, watch, addr: served.append(addr))
    monkeypatch.chdir(root)
    result = cli(root, "serve", *(("--dev-addr", option) if option else ()))
    assert result.exit_code == 0, result.output
    assert served == [option]
    warning = "which other machines can reach: anyone on your network can read every partner page"
    assert (warning in result.stderr) is warned, result.stderr
