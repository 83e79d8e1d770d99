"""Property: hostile values pass through every sample generator and arrive as they were meant.

Requests are built directly with sample values and fixed values full of what
breaks hand-written samples: quotes, ``&``, ``[ ]``, ``@``, ``$``, backticks,
backslashes, ``%``, ``+``, ``#``, a leading ``-``, newlines, unicode (including
U+2028 and emoji).  Each example's samples run in the real interpreters against
the receiver; what arrived is compared with the canonical request.

Not generated: a path segment that is empty, ``.`` or ``..`` (every HTTP client
normalises dot segments, as RFC 3986 says; no catalogue value can produce one),
and surrogate code points (not text: they cannot be encoded as UTF-8).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from receiver import Receiver, assert_arrived
from tools import LANGUAGES

from generator.canonical import JSON_TYPE, Field, Group, Lit, Member, Placeholder, Request, Tok, Value
from generator.platforms import GENERIC
from generator.samples import http_message, samples_for

NASTY = "'\"&[]{}@$`\\%+#=?;|<>!*~^ -\n\r\t\u2028\u2029\x00\x7f"
nasty_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from("aZ09_.éß日本😀\u00a0\u0085"),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=12,
)
leading_dash = st.builds(lambda s: "-" + s, nasty_text)
values = st.one_of(
    nasty_text, leading_dash, st.sampled_from(["@/etc/passwd", "$(id)", "`id`", "a'b", "[1-3]", "{a,b}"])
)
names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
segment_values = values.filter(lambda s: s not in ("", ".", ".."))

_counter = itertools.count()


@st.composite
def value(draw: st.DrawFn, texts: st.SearchStrategy[str] = values) -> Value:
    """A value of fixed text, tokens (hostile sample values) and a non-secret placeholder."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["lit", "tok", "placeholder"]))
        text = draw(texts)
        if kind == "lit":
            parts.append(Lit(text))
        elif kind == "tok":
            parts.append(Tok("t", "{{t}}", text))
        else:
            parts.append(Placeholder("p", "VALUE_FROM_RESPONSE", "the answer", secret=False, example=text))
    if all(isinstance(p, Lit) for p in parts) and "".join(p.text for p in parts if isinstance(p, Lit)) == "":
        parts.append(Lit("x"))
    return Value(tuple(parts))


@st.composite
def fields(draw: st.DrawFn) -> tuple[Field, ...]:
    keys = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    return tuple(Field(k, draw(value())) for k in keys)


@st.composite
def hostile_request(draw: st.DrawFn, origin: str) -> Request:
    form = draw(st.sampled_from(["json", "post_url", "get"]))
    secret = Placeholder("api_token", "YOUR_TRACKDRIVE_API_TOKEN", "from the owner")
    headers: list[Field] = [Field("Authorization", Value.of("Bearer ", secret))] if draw(st.booleans()) else []
    path = (Value.of("api"), draw(value(segment_values).filter(lambda v: v.example() not in ("", ".", ".."))))
    query: tuple[Field, ...] = ()
    body: tuple[Member, ...] | None = None
    if form == "json":
        headers.insert(0, Field("Content-Type", Value.of(JSON_TYPE)))
        body = draw(fields())
        if draw(st.booleans()):
            body = (*body, Group("post_call_tokens", draw(fields())))
        body = tuple({m.name: m for m in body}.values())
    else:
        query = draw(fields())
        if draw(st.booleans()):  # a name with brackets, as post_call_tokens[x] in a query string
            query = (*query, Field(f"post_call_tokens[{draw(names)}]", draw(value())))
    return Request(
        f"r{next(_counter)}",
        "Hostile",
        "partner",
        GENERIC,
        "GET" if form == "get" else "POST",
        "https",
        Value.of("acme.trackdrive.com"),
        path,
        query=query,
        headers=tuple(headers),
        body=body,
        example_origin=origin,
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_values_arrive_as_meant(data: st.DataObject, receiver: Receiver, work: Path) -> None:
    requests = data.draw(st.lists(hostile_request(receiver.origin), min_size=1, max_size=4), label="requests")
    names = [f"{r.key} {r.url_example()}" for r in requests]
    run = next(_counter)
    for label, language in LANGUAGES.items():
        codes = [next(s.code for s in samples_for(r) if s.label == label) for r in requests]
        receiver.take()
        language.run_batch(work / f"{run}-{language.suffix[1:]}", codes)
        assert_arrived(requests, receiver.take(), [f"{label}: {n}" for n in names])
    for request in requests:  # the filled example: the raw HTTP message, as shown, sent with CRLF
        head, _, body = http_message(request).partition("\n\n")
        receiver.send_raw(head.replace("\n", "\r\n").encode() + b"\r\n\r\n" + body.encode())
    assert_arrived(requests, receiver.take(), [f"HTTP: {n}" for n in names])
