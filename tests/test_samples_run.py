"""Every code sample of every pair of the example catalogue runs, and sends exactly the canonical request.

The catalogue's ``base_url`` points the filled examples at a receiver on
127.0.0.1; each language's samples run in one real interpreter process (bash
and curl, Python with requests, Node, PHP with its curl extension) and what
arrived is compared with the request: method, path, decoded query, Content-Type
and Authorization, and the body byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from receiver import Receiver, assert_arrived
from tools import LANGUAGES, need, run

from generator.canonical import Field, Group, Lit, Member, Placeholder, Request, Value
from generator.plan import Plan
from generator.samples import SAMPLERS, Sample, http_message, samples_for


def _partner_requests(plan: Plan) -> list[tuple[str, Request]]:
    return [(f"{page.slug} {r.key}", r) for page in plan.pages for r in page.requests]


def test_every_sample_label_has_a_runner() -> None:
    assert [label for label, _, _ in SAMPLERS] == list(LANGUAGES)


def test_example_covers_placeholders(served_plan: Plan) -> None:
    """The proof below meets a secret in a header, a secret in the payload and a non-secret placeholder."""
    requests = [r for _, r in _partner_requests(served_plan)]
    where = set()
    for r in requests:
        for p in r.placeholders():
            in_header = any(p in h.value.placeholders for h in r.headers)
            where.add(("secret" if p.secret else "value", "header" if in_header else r.form))
    assert {("secret", "header"), ("secret", "get"), ("secret", "json"), ("value", "json")} <= where


@pytest.mark.parametrize("label", list(LANGUAGES))
def test_samples_send_the_canonical_request(label: str, served_plan: Plan, receiver: Receiver, tmp_path: Path) -> None:
    named = _partner_requests(served_plan)
    codes = [_sample(r, label).code for _, r in named]
    receiver.take()
    LANGUAGES[label].run_batch(tmp_path, codes)
    assert_arrived([r for _, r in named], receiver.take(), [n for n, _ in named])


@pytest.mark.parametrize("label", list(LANGUAGES))
def test_samples_still_run_with_the_placeholders_replaced(
    label: str, served_plan: Plan, receiver: Receiver, tmp_path: Path
) -> None:
    """Replace each secret placeholder with a real-looking token, as the page says: the token arrives."""
    named = [(n, r) for n, r in _partner_requests(served_plan) if any(p.secret for p in r.placeholders())]
    assert named
    token = "Zm9vOmJhcg/x9Q=="  # base64 (no '+': in a query string a '+' would need encoding)
    codes, expected = [], []
    for _, request in named:
        code = _sample(request, label).code
        for p in request.placeholders():
            if p.secret:
                assert p.text in code
                code = code.replace(p.text, token)
        codes.append(code)
        expected.append(_filled(request, token))
    receiver.take()
    LANGUAGES[label].run_batch(tmp_path, codes)
    assert_arrived(expected, receiver.take(), [n for n, _ in named])


def test_raw_http_messages_are_valid_http(served_plan: Plan, receiver: Receiver) -> None:
    """The filled example (the raw HTTP/1.1 message) sent over a socket is the request."""
    named = _partner_requests(served_plan)
    receiver.take()
    for _, request in named:
        shown = http_message(request)
        head, sep, body = shown.partition("\n\n")
        assert sep, shown
        answer = receiver.send_raw(head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body.encode())
        assert answer.startswith(b"HTTP/1.1 200 "), answer
    assert_arrived([r for _, r in named], receiver.take(), [n for n, _ in named])


# --------------------------------------------------------------------------- syntax, with the real tools


def test_shell_samples_pass_shellcheck(served_plan: Plan, tmp_path: Path) -> None:
    need("shellcheck")
    files = LANGUAGES["curl (bash)"].write(
        tmp_path, [_sample(r, "curl (bash)").code for _, r in _partner_requests(served_plan)]
    )
    run(["shellcheck", "--shell=bash", "--severity=style", *files])


def test_javascript_samples_parse_as_modules(served_plan: Plan, tmp_path: Path) -> None:
    need("node")
    for path in LANGUAGES["JavaScript"].write(
        tmp_path, [_sample(r, "JavaScript").code for _, r in _partner_requests(served_plan)]
    ):
        run(["node", "--check", path])


def test_php_samples_lint(served_plan: Plan, tmp_path: Path) -> None:
    need("php")
    for path in LANGUAGES["PHP"].write(tmp_path, [_sample(r, "PHP").code for _, r in _partner_requests(served_plan)]):
        assert "No syntax errors detected" in run(["php", "-l", path])


def test_python_samples_compile(served_plan: Plan) -> None:
    for name, request in _partner_requests(served_plan):
        compile(_sample(request, "Python").code, name, "exec")


def test_python_and_javascript_payloads_are_the_shown_json(served_plan: Plan) -> None:
    """The payload objects in the code are the page's JSON (the run above proves the bytes)."""
    for _, request in _partner_requests(served_plan):
        body = request.body_example()
        if body is None:
            continue
        assert json.loads(body) == request.body_object("example")
        php = _sample(request, "PHP").code
        assert f"<<<'JSON'\n{body}\nJSON;\n" in php


# --------------------------------------------------------------------------- helpers


def _sample(request: Request, label: str) -> Sample:
    return next(s for s in samples_for(request) if s.label == label)


def _filled(request: Request, token: str) -> Request:
    """The request with every secret placeholder replaced by ``token``."""

    def value(v: Value) -> Value:
        return Value(tuple(Lit(token) if isinstance(p, Placeholder) and p.secret else p for p in v.parts))

    def field(f: Field) -> Field:
        return dataclasses.replace(f, value=value(f.value))

    def member(m: Member) -> Member:
        return dataclasses.replace(m, fields=tuple(map(field, m.fields))) if isinstance(m, Group) else field(m)

    return dataclasses.replace(
        request,
        path=tuple(map(value, request.path)),
        query=tuple(map(field, request.query)),
        headers=tuple(map(field, request.headers)),
        body=None if request.body is None else tuple(map(member, request.body)),
    )
