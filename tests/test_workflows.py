"""The GitHub Actions workflows: valid for GitHub, and doing the steps publishing relies on.

The repository's own workflows (which also run the tests) and the ones ``postdocs init`` writes are checked
alike: against SchemaStore's workflow schema (vendored by check-jsonschema, no network), then step by step.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO

SKELETON = REPO / "generator" / "skeleton" / "workflows"
PUBLISH = [REPO / ".github/workflows/publish.yml", SKELETON / "publish.yml"]
PULL_REQUEST = [REPO / ".github/workflows/pull-request.yml", SKELETON / "pull-request.yml"]
SHARDED = REPO / ".github/workflows/sharded-build.yml"
ALL = [*PUBLISH, *PULL_REQUEST, SHARDED]


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def uses(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = [s for s in steps(job) if str(s.get("uses", "")).split("@")[0] == action]
    assert len(found) == 1, f"{action} used {len(found)} times"
    return found[0]


def runs(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in steps(job))


def assert_forgets_artifacts(job: dict[str, Any], needs: list[str]) -> None:
    """A run's artifacts (the site: every partner link) are downloadable by anyone who can read the
    repository until they expire; the last job deletes them, whether the jobs before it passed or not."""
    assert job["needs"] == needs
    assert job["if"].startswith("${{ always()")
    assert job["permissions"] == {"actions": "write"}
    (step,) = steps(job)
    assert step["env"] == {"GH_TOKEN": "${{ github.token }}"}
    assert "actions/runs/${GITHUB_RUN_ID}/artifacts\" --jq '.artifacts[].id'" in step["run"]
    assert 'gh api -X DELETE "repos/${GITHUB_REPOSITORY}/actions/artifacts/${id}"' in step["run"]


def test_workflows_are_valid_for_github() -> None:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert exe, "check-jsonschema is in the test extra"
    result = subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", *map(str, ALL)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", PUBLISH, ids=lambda p: str(p.relative_to(REPO)))
def test_publish_workflow(path: Path) -> None:
    wf = load(path)
    push = wf["on"]["push"]
    assert push["branches"] == ["main"]
    assert {"offers/**", "templates/**", "mkdocs.yml"} <= set(push["paths"])
    assert wf["permissions"] == {"contents": "read"}
    build, deploy, mark = wf["jobs"]["build"], wf["jobs"]["deploy"], wf["jobs"]["mark-published"]
    assert uses(build, "actions/checkout")["with"]["fetch-depth"] == 0  # history dates need every commit
    commands = runs(build)
    assert "postdocs check" in commands
    strict = next(s for s in steps(build) if "postdocs build --strict" in str(s.get("run", "")))
    assert strict["env"]["POSTDOCS_SITE_KEY"] == "${{ secrets.POSTDOCS_SITE_KEY }}"
    assert '[ -z "$POSTDOCS_SITE_KEY" ]' in strict["run"]  # never publish guessable links
    assert "postdocs build --strict --publish" in strict["run"]  # refused without the key and the secrets
    order = [i for i, s in enumerate(steps(build)) if "postdocs check" in str(s.get("run", ""))]
    assert order[0] < steps(build).index(strict) < steps(build).index(uses(build, "actions/upload-pages-artifact"))
    assert uses(build, "actions/upload-pages-artifact")["with"]["path"] == "site"
    cache = uses(build, "actions/cache")  # each build replays only the commits since the last one
    assert cache["with"]["path"] == "build/cache" and "github.sha" in cache["with"]["key"]
    assert steps(build).index(cache) < steps(build).index(strict)
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert uses(deploy, "actions/deploy-pages")["id"] == "deployment"
    assert mark["needs"] == "deploy" and mark["permissions"] == {"contents": "write"}
    assert 'git push --force origin "${GITHUB_SHA}:refs/tags/postdocs-published"' in runs(mark)
    assert_forgets_artifacts(wf["jobs"]["forget-artifacts"], ["build", "deploy"])
    assert wf["jobs"]["forget-artifacts"]["if"] == "${{ always() && needs.build.result == 'success' }}"
    if path.is_relative_to(REPO / ".github"):
        assert "pytest" in commands and "npm ci" in commands
    else:
        assert "pip install -r requirements.txt" in commands


@pytest.mark.parametrize("path", PULL_REQUEST, ids=lambda p: str(p.relative_to(REPO)))
def test_pull_request_workflow(path: Path) -> None:
    wf = load(path)
    assert {"offers/**", "templates/**", "mkdocs.yml"} <= set(wf["on"]["pull_request"]["paths"])
    assert wf["permissions"] == {"contents": "read", "pull-requests": "write"}
    [job] = wf["jobs"].values()
    assert uses(job, "actions/checkout")["with"]["fetch-depth"] == 0
    commands = runs(job)
    assert "postdocs check" in commands and "postdocs build --strict --preview" in commands  # CI, but no key
    assert 'postdocs diff "origin/$BASE_REF" HEAD --format markdown --no-links > partner-changes.md' in commands
    assert "secrets." not in path.read_text()  # a pull request never gets the site key
    cache = uses(job, "actions/cache")
    assert cache["with"]["path"] == "build/cache" and "github.base_ref" in cache["with"]["restore-keys"]
    comment = uses(job, "actions/github-script")
    assert "partner-changes.md" in comment["with"]["script"] and "updateComment" in comment["with"]["script"]
    assert comment["if"] == "github.event.pull_request.head.repo.full_name == github.repository"


def test_sharded_workflow() -> None:
    """Four shards built in a matrix, merged and checked by one more job, published only when asked."""
    data = load(SHARDED)
    assert set(data["on"]) == {"workflow_dispatch"}
    shard, merge, deploy = data["jobs"]["shard"], data["jobs"]["merge"], data["jobs"]["deploy"]
    count = len(shard["strategy"]["matrix"]["shard"])
    assert shard["strategy"]["matrix"]["shard"] == list(range(1, count + 1))
    build = next(s for s in steps(shard) if "--shard" in str(s.get("run", "")))
    assert f"--shard ${{{{ matrix.shard }}}}/{count}" in build["run"] and "--publish" in build["run"]
    assert build["env"]["POSTDOCS_SITE_KEY"] == "${{ secrets.POSTDOCS_SITE_KEY }}"
    assert uses(shard, "actions/upload-artifact")["with"]["name"] == "shard-${{ matrix.shard }}"
    merged = next(s for s in steps(merge) if "--merge" in str(s.get("run", "")))
    assert all(f"--merge shard-{k}" in merged["run"] for k in range(1, count + 1))
    assert merge["needs"] == "shard" and deploy["needs"] == "merge"
    for job in (shard, merge):  # every job dates the build alike, or the merge refuses the shards
        assert any("SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" in str(s.get("run", "")) for s in steps(job))
    assert uses(deploy, "actions/deploy-pages")
    # Every shard would replay the whole git history: they restore what the merge job keeps.
    assert uses(shard, "actions/cache/restore")["with"]["path"] == "build/cache"
    assert uses(merge, "actions/cache")["with"]["path"] == "build/cache"
    assert_forgets_artifacts(data["jobs"]["forget-artifacts"], ["shard", "merge", "deploy"])


@pytest.mark.parametrize("path", [*PUBLISH, SHARDED], ids=lambda p: str(p.relative_to(REPO)))
def test_the_last_job_deletes_every_artifact_of_the_run(path: Path, tmp_path: Path) -> None:
    """The step's script, run by bash as GitHub runs it, against a stand-in for the GitHub CLI."""
    (step,) = steps(load(path)["jobs"]["forget-artifacts"])
    calls = tmp_path / "calls"
    gh = tmp_path / "gh"
    gh.write_text(f'#!/bin/sh\necho "$*" >> {calls}\ncase "$*" in *DELETE*) ;; *) printf "101\\n102\\n" ;; esac\n')
    gh.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "GITHUB_REPOSITORY": "acme/partners", "GITHUB_RUN_ID": "77"}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert calls.read_text().splitlines() == [
        "api --paginate repos/acme/partners/actions/runs/77/artifacts --jq .artifacts[].id",
        "api -X DELETE repos/acme/partners/actions/artifacts/101",
        "api -X DELETE repos/acme/partners/actions/artifacts/102",
    ]


def test_every_step_that_runs_the_tests_requires_every_tool() -> None:
    """In CI a missing interpreter, browser or checker must fail its test, never skip it."""
    found = 0
    for path in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        for job in load(path)["jobs"].values():
            for step in steps(job):
                if "pytest" in str(step.get("run", "")):
                    found += 1
                    assert step.get("env", {}).get("POSTDOCS_REQUIRE_TOOLS") == "1", (path.name, step.get("name"))
    assert found >= 2
    ci_run = (REPO / ".ci" / "run").read_text()
    assert "export POSTDOCS_REQUIRE_TOOLS=1" in ci_run.split("\npytest", 1)[0]
