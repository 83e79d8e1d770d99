"""Shared fixtures: catalogue trees built from dicts, project copies, golden files."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from receiver import Receiver

from generator.catalogue import load_catalogue
from generator.cli import main
from generator.plan import Plan, plan_site

REPO = Path(__file__).resolve().parent.parent

if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off"):
    # CI is removed from every test's environment below; before it is, it makes every proof required: in CI a
    # missing interpreter, browser or checker fails its test instead of skipping it (tools.py, tests/browser).
    os.environ["POSTDOCS_REQUIRE_TOOLS"] = "1"
EXAMPLE = REPO / "offers"
GOLDENS = Path(__file__).resolve().parent / "goldens"


TEST_KEY = "3f1c9a7e5b2d8f604e1a9c3b7d5f2e80a6c4e2f0b8d6a4c2e0f8b6d4a2c0e8f6"
"""A fixed site key, so keyed builds are deterministic in tests."""

EXAMPLE_SECRETS = {"BLUEWAVE_RINGBA_CODE": "bw-7f3e9c21", "HARBOR_POSTBACK_KEY": "hk-5d1e0c7a92"}
"""Values of the environment variables the example catalogue references as secrets."""


@pytest.fixture(autouse=True, scope="session")
def _clean_environment() -> Iterator[None]:
    """Tests never see the CI's own CI flag, site key or secrets: each test sets what it needs.

    Session-scoped, so it applies before the module-scoped builds too.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in ("CI", "POSTDOCS_SITE_KEY", "SOURCE_DATE_EPOCH", *EXAMPLE_SECRETS):
            patch.delenv(name, raising=False)
        yield


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files from the current output")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create files under root from {relative path: content}; str content is dedented."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


MINIMAL: dict[str, str] = {
    "offers/account.yml": """
        subdomain: acme
        company: Acme Calls
        support:
          email: help@acme.example
    """,
    "offers/solar.yml": """
        id: solar
        name: Solar Savings
        lead_token: abcdefgh1234
        intake:
          method: lead_post
        fields:
          - name: zip
            label: ZIP code
            type: zip
            required: true
            example: "60601"
        buyers:
          - buyer: sunbuyer
        traffic_sources:
          - traffic_source: sunsource
            payout: 20.00
    """,
    "offers/buyers/sunbuyer.yml": """
        id: sunbuyer
        name: Sun Buyer
        platform: ringba
        revenue:
          token: payout
    """,
    "offers/traffic-sources/sunsource.yml": """
        id: sunsource
        name: Sun Source
        platform: generic
        traffic_source_id: 501
    """,
}


def copy_project(dest: Path, catalogue: Mapping[str, str | bytes] | None = None) -> Path:
    """A project folder with the repository's mkdocs.yml and templates, and a catalogue."""
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "templates", dest / "templates")
    if catalogue is None:
        shutil.copytree(EXAMPLE, dest / "offers")
    else:
        write_tree(dest, catalogue)
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Factory: a project in tmp_path with the given catalogue files (default: the minimal catalogue)."""

    def make(files: Mapping[str, str | bytes] | None = None, *, example: bool = False, **overrides: str) -> Path:
        if example:
            return copy_project(tmp_path)
        merged = dict(MINIMAL if files is None else files)
        merged.update({k.replace("__", "/"): v for k, v in overrides.items()})
        return copy_project(tmp_path, merged)

    return make


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run postdocs in-process on a project folder."""
    runner = CliRunner()

    def run(project_dir: Path, *args: str) -> Result:
        return runner.invoke(main, ["--project", str(project_dir), *args], catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    """One recording HTTP server on 127.0.0.1 for the whole run (samples and exports are sent to it)."""
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(scope="session")
def served_plan(receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """The example catalogue, its filled examples pointed at the receiver (``base_url`` in account.yml)."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(EXAMPLE, root / "offers")
    account = root / "offers" / "account.yml"
    account.write_text(account.read_text(encoding="utf-8") + f"base_url: {receiver.origin}\n", encoding="utf-8")
    return plan_site(load_catalogue(root / "offers"))
