"""The exports of every pair: validated by their own validators and run for real against the receiver.

* Postman Collection v2.1: the vendored JSON Schema, then newman sends every request;
* OpenAPI 3.1: openapi-spec-validator, and its examples are the example view;
* ``.http``: httpyac (the JetBrains / VS Code REST Client format) sends every request;
* canonical JSON: the same data as ``postdocs show --format json``.

No export holds a value the catalogue says is never published.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from click.testing import Result
from conftest import EXAMPLE, GOLDENS
from openapi_spec_validator import validate
from receiver import Receiver, assert_arrived
from test_goldens import _check, _name
from tools import NODE_BIN, REPO, need, run

from generator import exports
from generator.canonical import JSON_TYPE, Field, Group, Placeholder, Request, Tok, Value
from generator.catalogue import load_catalogue
from generator.exports import httpfile, postman
from generator.plan import Page, Plan, plan_site
from generator.platforms import GENERIC

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "postman-collection-v2.1.0.draft-07.json").read_text())
PLAN = plan_site(load_catalogue(EXAMPLE))
NEWMAN_RUNNER = """
const newman = require(process.argv[2]);
(async () => {
  for (const file of process.argv.slice(3)) {
    await new Promise((resolve, reject) =>
      newman.run({ collection: require(file), reporters: [] }, (err, summary) => {
        if (err) return reject(err);
        const failures = summary.run.failures.map((f) => f.error.message);
        return failures.length ? reject(new Error(`${file}: ${failures.join("; ")}`)) : resolve();
      }),
    );
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


def _write(plan: Plan, folder: Path) -> None:
    for name, text in exports.site_files(plan).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _all_requests(plan: Plan) -> tuple[list, list[str]]:
    named = [(f"{p.slug} {r.key}", r) for p in plan.pages for r in p.requests]
    return [r for _, r in named], [n for n, _ in named]


# --------------------------------------------------------------------------- Postman


@pytest.mark.parametrize("page", PLAN.pages, ids=_name)
def test_postman_collection_is_valid_v2_1(page: Page) -> None:
    collection = json.loads(exports.page_files(page)[f"{page.slug}/postman_collection.json"])
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(collection)
    ]
    assert not errors, errors
    assert len(collection["item"]) == len(page.requests)
    secrets = {p.name: p.text for r in page.requests for p in r.placeholders() if p.secret}
    assert {v["key"]: v["value"] for v in collection.get("variable", [])} == secrets


def test_postman_schema_refuses_a_broken_collection() -> None:
    """The validator above can fail: a request without a method is not v2.1."""
    page = PLAN.pages[0]
    collection = json.loads(exports.page_files(page)[f"{page.slug}/postman_collection.json"])
    collection["item"][0]["request"]["method"] = 42
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(collection))


def test_newman_sends_every_collection_as_the_canonical_request(
    served_plan: Plan, receiver: Receiver, tmp_path: Path
) -> None:
    need("newman")
    _write(served_plan, tmp_path)
    runner = tmp_path / "newman-runner.cjs"
    runner.write_text(NEWMAN_RUNNER, encoding="utf-8")
    files = [tmp_path / p.slug / "postman_collection.json" for p in served_plan.pages]
    receiver.take()
    run(["node", runner, REPO / "node_modules" / "newman", *files])
    requests, names = _all_requests(served_plan)
    assert_arrived(requests, receiver.take(), names)


# --------------------------------------------------------------------------- OpenAPI


@pytest.mark.parametrize("page", PLAN.pages, ids=_name)
def test_openapi_document_is_valid_3_1(page: Page) -> None:
    doc = json.loads(exports.page_files(page)[f"{page.slug}/openapi.json"])
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    operations = [op for item in doc["paths"].values() for m, op in item.items() if m in ("get", "post")]
    assert [op["operationId"] for op in operations] == [r.key for r in page.requests]
    for request, op in zip(page.requests, operations, strict=True):
        if request.body is not None:
            example = op["requestBody"]["content"]["application/json"]["example"]
            assert example == request.body_object("example")
        query = {p["name"]: p["example"] for p in op.get("parameters", []) if p["in"] == "query"}
        assert list(query.items()) == request.query_example()
    if page.conversion is None:
        assert "webhooks" not in doc
    else:
        (webhook,) = doc["webhooks"].values()
        (operation,) = webhook.values()
        assert webhook == {page.conversion.method.lower(): operation}
        assert page.conversion.url_template() in operation["description"]


def test_openapi_servers_and_paths_give_the_example_url(served_plan: Plan) -> None:
    """Server URL + path template with each parameter's example = the example URL's path."""
    for page in served_plan.pages:
        doc = json.loads(exports.page_files(page)[f"{page.slug}/openapi.json"])
        for path, item in doc["paths"].items():
            for method, op in ((m, o) for m, o in item.items() if m in ("get", "post")):
                request = next(r for r in page.requests if r.key == op["operationId"])
                assert method == request.method.lower()
                examples = {p["name"]: p["example"] for p in op.get("parameters", []) if p["in"] == "path"}
                filled = re.sub(r"\{([^}]+)\}", lambda m, ex=examples: ex[m.group(1)], path)
                server = item.get("servers", doc["servers"])[0]["url"]
                assert server + filled == request.origin_example() + request.path_example()


def test_openapi_security_schemes_name_the_placeholder() -> None:
    docs = [json.loads(exports.page_files(p)[f"{p.slug}/openapi.json"]) for p in PLAN.pages]
    schemes = {name: s for d in docs for name, s in d.get("components", {}).get("securitySchemes", {}).items()}
    assert {s["type"] for s in schemes.values()} >= {"http"}
    assert {s.get("scheme") for s in schemes.values()} >= {"basic", "bearer"}


def test_openapi_validator_refuses_a_broken_document() -> None:
    page = PLAN.pages[0]
    doc = json.loads(exports.page_files(page)[f"{page.slug}/openapi.json"])
    del doc["info"]
    with pytest.raises(Exception, match="info"):
        validate(doc)


# --------------------------------------------------------------------------- .http


def test_httpyac_sends_every_http_file_as_the_canonical_request(
    served_plan: Plan, receiver: Receiver, tmp_path: Path
) -> None:
    need("httpyac")
    _write(served_plan, tmp_path)
    files = [f"{p.slug}/requests.http" for p in served_plan.pages]
    receiver.take()
    out = run([NODE_BIN / "httpyac", "send", "--all", "--output", "none", *files], cwd=tmp_path)
    requests, names = _all_requests(served_plan)
    assert f"{len(requests)} requests processed ({len(requests)} succeeded)" in out
    assert_arrived(requests, receiver.take(), names)


# --------------------------------------------------------------------------- canonical JSON, goldens, secrets


def test_canonical_json_is_what_show_prints(project: Callable[..., Path], cli: Callable[..., Result]) -> None:
    root = project(example=True)
    for page in PLAN.pages:
        shown: Result = cli(root, "show", page.offer.id, page.partner_id, "--format", "json")
        data = json.loads(shown.output)
        data = data if isinstance(data, list) else [data]
        assert json.loads(exports.canonical(page)) in data


@pytest.mark.parametrize("page", PLAN.pages, ids=_name)
def test_export_goldens(page: Page, update_goldens: bool) -> None:
    files = exports.page_files(page)
    for export in exports.EXPORTS:
        text = files[f"{page.slug}/{export.filename}"]
        if export.filename == "canonical.json":  # the same bytes as the canonical request golden
            assert text == (GOLDENS / "requests" / f"{_name(page)}.json").read_text(encoding="utf-8")
        else:
            _check(GOLDENS / "exports" / _name(page) / export.filename, text, update_goldens)


def test_no_stale_export_goldens() -> None:
    present = {p.name for p in (GOLDENS / "exports").iterdir()}
    assert present == {_name(p) for p in PLAN.pages}


def test_no_export_holds_a_value_that_is_never_published() -> None:
    catalogue = load_catalogue(EXAMPLE)
    hidden = set()
    for entry in (*catalogue.buyers.values(), *catalogue.sources.values()):
        contact = getattr(entry.model, "contact", None)
        if contact is not None and contact.email:
            hidden.add(contact.email)
        code = getattr(getattr(entry.model, "conversion", None), "code", None)
        if code:
            hidden.add(code)
    assert len(hidden) >= 4  # the example has contacts and a Ringba webhook code
    for name, text in exports.site_files(PLAN).items():
        leaked = [h for h in hidden if h in text]
        assert not leaked, f"{name} publishes {leaked}"


# --------------------------------------------------------------------------- hostile values through the exports

HOSTILE = [
    "{{nope}}",
    "a'b",
    "x&y=z",
    "%41%",
    "+plus+",
    "#hash",
    "é日😀",
    "[1-3]",
    "a b",
    "$(id)`id`",
    "back\\slash",
    "new\nline",
    "-lead",
    "@file",
    "q?x",
    "/slash",
    "\u2028",
]


def _hostile_page(origin: str) -> SimpleNamespace:
    secret = Placeholder("api_token", "YOUR_TRACKDRIVE_API_TOKEN", "from the owner")
    auth = Field("Authorization", Value.of("Bearer ", secret))
    fields = tuple(Field(f"f{i}", Value.of(Tok("t", "{{t}}", v))) for i, v in enumerate(HOSTILE))
    segment = Value.of(Tok("u", "{{u}}", "a'b(c)!*:@,;=x y/é{{u}}"))
    requests = [
        Request(
            f"r-{form}",
            "Hostile",
            "partner",
            GENERIC,
            "GET" if form == "get" else "POST",
            "https",
            Value.of("acme.trackdrive.com"),
            (Value.of("api"), segment),
            query=() if form == "json" else (*fields, Field("post_call_tokens[x]", Value.of("1"))),
            headers=(Field("Content-Type", Value.of(JSON_TYPE)), auth) if form == "json" else (auth,),
            body=(*fields, Group("post_call_tokens", fields)) if form == "json" else None,
            example_origin=origin,
        )
        for form in ("json", "post_url", "get")
    ]
    return SimpleNamespace(title="Hostile values", requests=requests)


def test_hostile_values_survive_postman_and_http_files(receiver: Receiver, tmp_path: Path) -> None:
    """Quotes, &, %, +, #, brackets, {{...}}, unicode, newlines: newman and httpyac send what was meant."""
    need("newman", "httpyac")
    page = _hostile_page(receiver.origin)
    (tmp_path / "c.json").write_text(postman.collection(page), encoding="utf-8")
    (tmp_path / "r.http").write_text(httpfile.document(page), encoding="utf-8")
    runner = tmp_path / "newman-runner.cjs"
    runner.write_text(NEWMAN_RUNNER, encoding="utf-8")
    names = [r.key for r in page.requests]
    receiver.take()
    run(["node", runner, REPO / "node_modules" / "newman", tmp_path / "c.json"])
    assert_arrived(page.requests, receiver.take(), [f"newman {n}" for n in names])
    run([NODE_BIN / "httpyac", "send", "--all", "--output", "none", "r.http"], cwd=tmp_path)
    # the .http body writes {{ as {\u007b (these clients read {{...}} as a variable): the same JSON value
    assert_arrived(page.requests, receiver.take(), [f"httpyac {n}" for n in names], json_body=True)
