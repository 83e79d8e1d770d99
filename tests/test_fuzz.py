"""Fuzzing the check/render path: every input ends in a site or in located problems, never a traceback.

Two sources of input, both driven by hypothesis:

* **generated catalogues**: a consistent catalogue of every file kind (random platforms, forms,
  revenue, intake, conversions, hostile and random text), then a few values replaced by junk (wrong
  types, path-like ids, bad money, malformed references), removed, or unknown keys added;
* **mutated example files**: one file of the shipped example, changed at the byte or line level
  (deletions, insertions, duplicated and swapped lines, replaced values, random bytes).

Each input goes through ``load`` (read, validate, resolve secrets, plan) and, when it is valid, through
the renderer (every page, the owner's index); a sample of valid inputs also goes through the MkDocs
build.  Anything but a plan or a :class:`DataError` of located problems fails the test.

The runs are derandomised, so CI sees the same inputs every time; ``POSTDOCS_FUZZ_EXAMPLES=N`` runs N
random examples per test instead (``pytest tests/test_fuzz.py --hypothesis-show-statistics``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from conftest import EXAMPLE, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import Project, docs_files, load, owner_files
from generator.builder import build
from generator.errors import DataError

LONG = int(os.environ.get("POSTDOCS_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=LONG or 120,
    derandomize=not LONG,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BUILDS = settings(FUZZ, max_examples=LONG // 20 or 6)

HOSTILE = ["<script>alert(1)</script>", "|", "`", "{{ x }}", "{% if %}", "[x](y)", "---", "\u202e", "'\"\\", "é"]
PLATFORMS = ["trackdrive", "ringba", "retreaver", "vicidial", "generic", "custom"]


def text(max_size: int = 30) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=max_size),
        st.sampled_from(HOSTILE),
        st.text(alphabet="abcdefghij_-.:[]{}%<>|`'\" \n", max_size=max_size),
    )


def line(max_size: int = 30) -> st.SearchStrategy[str]:
    """One line of text for a name: never empty."""
    return st.one_of(
        st.sampled_from([*HOSTILE[:-2], "Acme Calls", "Ünïcödé", "a" * 200]),
        st.text(min_size=1, max_size=max_size).filter(lambda t: t.strip() and not any(c in t for c in "\r\n")),
    )


def junk() -> st.SearchStrategy[Any]:
    """A value of the wrong kind or shape."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.sampled_from(["x", "y"]), st.integers(), max_size=2),
        text(),
        st.sampled_from(["../x", "/etc", "Alpha", "sun\u200bx", "a" * 70, "10.999", "$10", "env:bad name"]),
    )


PLATFORM_TOKENS = {
    "trackdrive": "trackdrive_call_uuid",
    "ringba": "tag:user:uuid",
    "retreaver": "td_uuid",
    "vicidial": "vendor_lead_code",
    "generic": "lead.uuid",
    "custom": "uuid",
}
FIELD_EXAMPLES = {
    "text": "x",
    "zip": "60601",
    "state": "IL",
    "phone": "+13125550123",
    "integer": "7",
    "date": "2024-01-01",
}


@st.composite
def good_catalogue(draw: st.DrawFn) -> dict[str, Any]:
    """A consistent catalogue: every reference resolves; platform choices may still be impossible."""
    fields = []
    for name in draw(st.lists(st.sampled_from(["zip", "state", "first_name", "age", "phone_alt"]), unique=True)):
        kind = draw(st.sampled_from(sorted(FIELD_EXAMPLES)))
        fields.append(
            {
                "name": name,
                "label": draw(line()),
                "type": kind,
                "required": draw(st.booleans()),
                "example": FIELD_EXAMPLES[kind],
                "description": draw(text(60)),
                "show": draw(st.booleans()),
            }
        )
    method = draw(st.sampled_from(["lead_post", "capture", "ping_post"]))
    intake: dict[str, Any] = {"method": method}
    if method == "ping_post":
        intake.update(vanity_uri="auto-quotes", auth=draw(st.sampled_from(["bearer", "token"])))
    offer: dict[str, Any] = {
        "id": "alpha-offer",
        "name": draw(line()),
        "description": draw(text(80)),
        "lead_token": "abcdefgh1234",
        "intake": intake,
        "fields": fields,
        "agreed_revenue": "40.00",
        "buyers": [{"buyer": "alpha"}],
        "traffic_sources": [{"traffic_source": "alpha", "payout": draw(st.sampled_from(["20", "20.50", 3]))}],
    }
    buyer_platform = draw(st.sampled_from(PLATFORMS))
    buyer: dict[str, Any] = {
        "id": "alpha",
        "name": draw(line()),
        "platform": buyer_platform,
        "stores": {"trackdrive_call_uuid": PLATFORM_TOKENS[buyer_platform]},
        "revenue": draw(st.sampled_from(["35.00", "none", {"token": "payout", "example": "45.00"}])),
        "post_call_tokens": [{"name": "note", "token": PLATFORM_TOKENS[buyer_platform], "example": draw(text(20))}],
    }
    if buyer_platform == "vicidial":
        buyer["sale_statuses"] = ["SALE"]
    for key, options in (("form", ["json", "post_url", "get"]), ("auth", ["header", "payload"])):
        choice = draw(st.sampled_from([None, *options]))
        if choice:
            buyer[key] = choice
    source_platform = draw(st.sampled_from(PLATFORMS))
    conversion = draw(
        st.sampled_from(
            [
                {"type": "none"},
                {"type": "retreaver"},
                {"type": "ringba", "code": "env:RINGBA_CODE"},
                {
                    "type": "url",
                    "url": "https://t.example/pb/[traffic_source_lead_id]",
                    "params": {"payout": "[payout]", "key": "env:POSTBACK_KEY", "note": "a|b<c>"},
                },
            ]
        )
    )
    source: dict[str, Any] = {
        "id": "alpha",
        "name": draw(line()),
        "platform": source_platform,
        "traffic_source_id": draw(st.integers(1, 10**9)),
        "conversion": conversion,
    }
    platform = {
        "id": "custom",
        "name": draw(line()),
        "token": draw(
            st.sampled_from([{"pattern": "%%{name}%%"}, {"prefix": "<<", "suffix": ">>"}, {"pattern": "`{name}|"}])
        ),
        "name_pattern": "[a-z_.]+",
        "host_tokens": draw(st.booleans()),
        "headers": draw(st.booleans()),
        "json_body": draw(st.booleans()),
        "methods": draw(st.sampled_from([["GET", "POST"], ["GET"], ["POST"]])),
    }
    return {
        "account.yml": {"subdomain": "acme", "company": draw(line()), "support": {"email": "help@acme.example"}},
        "alpha-offer.yml": offer,
        "buyers/alpha.yml": buyer,
        "traffic-sources/alpha.yml": source,
        "platforms/custom.yml": platform,
    }


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def catalogues(draw: st.DrawFn) -> dict[str, str]:
    """A consistent catalogue, then (most of the time) a few values replaced, removed or added."""
    files = draw(good_catalogue())
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        name = draw(st.sampled_from(sorted(files)))
        path = draw(st.sampled_from(_paths(files[name]) or [()]))
        if not path:
            continue
        *parents, last = path
        node = files[name]
        for part in parents:
            node = node[part]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            node[last] = draw(junk())
        elif action == "remove" and isinstance(node, dict):
            del node[last]
        elif isinstance(node, dict):
            node[draw(st.sampled_from(["revenu", "nmae", "extra", str(last) + "s"]))] = draw(junk())
    return {name: yaml.safe_dump(data, allow_unicode=True, sort_keys=False) for name, data in files.items()}


def example_files() -> dict[str, bytes]:
    return {p.relative_to(EXAMPLE).as_posix(): p.read_bytes() for p in sorted(EXAMPLE.rglob("*.yml"))}


EXAMPLE_FILES = example_files()


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, bytes]:
    """The example catalogue with one or two files mutated."""
    files = dict(EXAMPLE_FILES)
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(sorted(files)))
        data = files[name]
        lines = data.split(b"\n")
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "value", "bytes", "truncate"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        j = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "delete":
            del lines[i]
        elif kind == "insert":
            lines.insert(i, draw(text(40)).encode("utf-8", "surrogatepass"))
        elif kind == "duplicate":
            lines.insert(i, lines[j])
        elif kind == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "value":
            key, sep, _ = lines[i].partition(b":")
            value = draw(st.one_of(text(20), st.sampled_from(["[", "{", "*x", "&a", "!!str", "- ", "'"])))
            lines[i] = key + (sep or b":") + b" " + value.encode("utf-8", "surrogatepass")
        elif kind == "bytes":
            at = draw(st.integers(0, len(data)))
            blob = b"\n".join(lines)
            lines = (blob[:at] + draw(st.binary(min_size=1, max_size=8)) + blob[at:]).split(b"\n")
        else:
            lines = b"\n".join(lines)[: draw(st.integers(0, len(data)))].split(b"\n")
        files[name] = b"\n".join(lines)
    return files


def project_with(root: Path, files: dict[str, str] | dict[str, bytes]) -> Project:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")
    for name, content in files.items():
        path = root / "offers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
    return Project.at(root)


def check_and_render(project: Project) -> bool:
    """True when the input is valid and rendered; False when it ended in located problems."""
    environ = {"RINGBA_CODE": "rb-secret-0001", "POSTBACK_KEY": "pk-secret-0001"}
    try:
        checked = load(project, environ)
    except DataError as exc:
        problems = exc.problems
        assert problems
        for problem in problems:
            assert Path(problem.file).resolve().is_relative_to(project.catalogue), problem
            assert problem.line >= 1 and problem.col >= 1, problem
            assert problem.field and problem.message, problem
        return False
    docs = docs_files(project, checked.plan)
    owner = owner_files(project, checked.plan)
    assert all(f"{page.slug}.md" in docs for page in checked.plan.pages)
    assert owner["index.md"]
    return True


def run_fuzz(strategy: st.SearchStrategy[Any], what: str) -> None:
    """Run ``check_and_render`` on every input; report how many were tried and how many were valid."""
    tried = valid = 0

    @FUZZ
    @given(files=strategy)
    def one(files: dict[str, Any]) -> None:
        nonlocal tried, valid
        tried += 1
        with tempfile.TemporaryDirectory() as tmp:
            valid += check_and_render(project_with(Path(tmp), files))

    one()
    print(f"\n{what}: {tried} inputs tried, {valid} valid, {tried - valid} ended in located problems")
    assert tried >= FUZZ.max_examples
    assert valid > 0, "no input was valid: the strategies would only test refusals"
    assert tried - valid > 0, "no input was refused: the strategies would only test valid catalogues"


def test_generated_catalogues_end_in_a_site_or_located_problems() -> None:
    run_fuzz(catalogues(), "generated catalogues")


def test_mutated_example_files_end_in_a_site_or_located_problems() -> None:
    run_fuzz(mutated_examples(), "mutated example files")


def test_a_sample_of_inputs_through_the_mkdocs_build() -> None:
    built = 0

    @BUILDS
    @given(files=st.one_of(catalogues(), mutated_examples()))
    def one(files: dict[str, Any]) -> None:
        nonlocal built
        with tempfile.TemporaryDirectory() as tmp:
            project = project_with(Path(tmp), files)
            environ = {
                "BLUEWAVE_RINGBA_CODE": "bw-secret-001",
                "HARBOR_POSTBACK_KEY": "hk-secret-001",
                "RINGBA_CODE": "rb-secret-0001",
                "POSTBACK_KEY": "pk-secret-0001",
            }
            try:
                report = build(project, strict=True, environ=environ)
            except DataError:
                assert not project.site_dir.exists()
                return
            built += 1
            assert (project.site_dir / "index.html").is_file()
            for page in report.plan.pages:
                assert (project.site_dir / page.slug / "index.html").is_file()

    one()
    print(f"\nMkDocs builds of fuzzed inputs: {built} sites built")
    assert built > 0
