"""The canonical request: one object per request a partner (or TrackDrive) must send.

Every URL, header and body shown anywhere (page, code sample, export, the
``show`` command) is a view of a :class:`Request`.  A request has two views:

* the **template**, as pasted into the sender's platform: tokens in that
  platform's syntax, fixed query values percent-encoded, tokens never encoded;
* the **example**, as it arrives: every token replaced by a sample value, the
  whole URL properly encoded, secrets still placeholders.

The invariants of DOMAIN.md are enforced when a request is constructed, so a
request that breaks one cannot exist: ``Content-Type: application/json`` exactly
when there is a JSON body, no body on GET, no secret value anywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast
from urllib.parse import quote, urlsplit

from . import jsontext
from .platforms import Platform

JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Lit:
    """Fixed text, typed in as is."""

    text: str


@dataclass(frozen=True)
class Tok:
    """A value the sender's platform substitutes: ``token`` in its syntax, ``example`` as a sample."""

    name: str
    token: str
    example: str


@dataclass(frozen=True)
class Placeholder:
    """A value the reader must fill in: a secret (never published) or a value from an earlier response."""

    name: str
    text: str
    """What the reader sees in the template and the example, like ``YOUR_TRACKDRIVE_API_TOKEN``."""
    where: str
    """Where to get the value."""
    secret: bool = True
    example: str = ""
    """Sample value for non-secret placeholders (a secret's example is always its placeholder text)."""

    @property
    def sample(self) -> str:
        """The value used in filled examples."""
        return self.text if self.secret or not self.example else self.example


Part = Lit | Tok | Placeholder


@dataclass(frozen=True)
class Value:
    """A text made of fixed parts, tokens and placeholders."""

    parts: tuple[Part, ...]

    @classmethod
    def of(cls, *parts: Part | str) -> Value:
        """Build a value; plain strings are fixed text."""
        return cls(tuple(Lit(p) if isinstance(p, str) else p for p in parts))

    def template(self, encode: Any = None) -> str:
        """The value as pasted into the sender's platform; ``encode`` applies to fixed text only."""
        out = []
        for part in self.parts:
            if isinstance(part, Lit):
                out.append(encode(part.text) if encode else part.text)
            elif isinstance(part, Tok):
                out.append(part.token)
            else:
                out.append(part.text)
        return "".join(out)

    def example(self) -> str:
        """The value as it arrives, with sample values."""
        out = []
        for part in self.parts:
            if isinstance(part, Lit):
                out.append(part.text)
            elif isinstance(part, Tok):
                out.append(part.example)
            else:
                out.append(part.sample)
        return "".join(out)

    @property
    def tokens(self) -> tuple[Tok, ...]:
        """The tokens in this value."""
        return tuple(p for p in self.parts if isinstance(p, Tok))

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        """The placeholders in this value."""
        return tuple(p for p in self.parts if isinstance(p, Placeholder))

    @property
    def fixed(self) -> bool:
        """True when the value is the same on every call."""
        return all(isinstance(p, Lit) for p in self.parts)


@dataclass(frozen=True)
class Field:
    """A named value in a query string, a header or a JSON body, with what a field table shows."""

    name: str
    value: Value
    required: bool = True
    description: str = ""
    type: str = "text"
    pattern: str | None = None
    allowed: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Group:
    """A nested JSON object inside a body (``post_call_tokens``)."""

    name: str
    fields: tuple[Field, ...]
    description: str = ""
    required: bool = True


Member = Field | Group


F = TypeVar("F", bound=Callable[[Any], Any])


def _once(method: F) -> F:
    """A view computed once per request.

    Requests are immutable, and a page asks for its URLs and bodies in every sample and export.  The
    value is kept in the instance's ``__dict__``, not in a field: equality and hashing see only the request.
    """
    name = f"_once_{method.__name__}"

    @functools.wraps(method)
    def once(self: Any) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            value = self.__dict__[name] = method(self)
            return value

    return cast(F, once)


# Cached: a page encodes the same names and example values in every view and sample of its requests.
@functools.lru_cache(maxsize=4096)
def _quote_component(text: str) -> str:
    return quote(text, safe="")


@functools.lru_cache(maxsize=4096)
def _quote_segment(text: str) -> str:
    return quote(text, safe="-._~:@!$'()*,;=")


class RequestError(ValueError):
    """A request that breaks one of the rules of DOMAIN.md (a bug in a builder, never user input)."""


@dataclass(frozen=True)
class Request:
    """One HTTP request, the single source of every view of it."""

    key: str
    """Short stable id within its page: ``postback``, ``lead``, ``capture``, ``ping``, ``post``, ``conversion``."""
    title: str
    sender: Literal["partner", "trackdrive"]
    """Who sends it: the page's partner, or TrackDrive (a postback the partner receives)."""
    platform: Platform
    """The sender's platform: the token syntax of the template view."""
    method: Literal["GET", "POST"]
    scheme: str
    host: Value
    path: tuple[Value, ...]
    query: tuple[Field, ...] = ()
    headers: tuple[Field, ...] = ()
    body: tuple[Member, ...] | None = None
    example_origin: str | None = None
    """Origin (and path prefix) that replaces ``scheme://host`` in the example view."""
    notes: tuple[str, ...] = field(default=())
    """Plain-language notes about choices made for this sender (fallbacks)."""

    def __post_init__(self) -> None:
        names = [h.name.lower() for h in self.headers]
        if self.body is not None and self.method == "GET":
            raise RequestError(f"{self.key}: a GET request cannot carry a body")
        has_json_type = any(h.name.lower() == "content-type" and h.value.template() == JSON_TYPE for h in self.headers)
        if (self.body is not None) != has_json_type:
            raise RequestError(f"{self.key}: Content-Type: {JSON_TYPE} must be sent exactly when there is a JSON body")
        if len(set(names)) != len(names):
            raise RequestError(f"{self.key}: a header is given twice")
        if self.headers and not self.platform.headers and self.sender == "partner":
            raise RequestError(f"{self.key}: {self.platform.name} cannot send headers")
        if self.body is not None and not self.platform.json_body and self.sender == "partner":
            raise RequestError(f"{self.key}: {self.platform.name} cannot send a JSON body")
        if self.method not in self.platform.methods and self.sender == "partner":
            raise RequestError(f"{self.key}: {self.platform.name} cannot send {self.method}")
        if self.host.tokens and not self.platform.host_tokens:
            raise RequestError(f"{self.key}: {self.platform.name} cannot substitute a token in a host name")
        for value in self.values():
            for tok in value.tokens:
                if not tok.token.startswith(self.platform.prefix) or not tok.token.endswith(self.platform.suffix):
                    raise RequestError(f"{self.key}: token {tok.token!r} is not in {self.platform.name} syntax")

    # ----------------------------------------------------------------- structure

    def values(self) -> Iterator[Value]:
        """Every value of the request, in order."""
        yield self.host
        yield from self.path
        for f in self.query:
            yield f.value
        for f in self.headers:
            yield f.value
        for member in self.body or ():
            if isinstance(member, Group):
                for f in member.fields:
                    yield f.value
            else:
                yield member.value

    def placeholders(self) -> tuple[Placeholder, ...]:
        """Every placeholder, once, in order."""
        seen: dict[str, Placeholder] = {}
        for value in self.values():
            for p in value.placeholders:
                seen.setdefault(p.name, p)
        return tuple(seen.values())

    def tokens(self) -> tuple[Tok, ...]:
        """Every token, once, in order."""
        seen: dict[str, Tok] = {}
        for value in self.values():
            for t in value.tokens:
                seen.setdefault(t.token, t)
        return tuple(seen.values())

    @property
    def content_type(self) -> str | None:
        """``application/json`` when the request has a JSON body."""
        return JSON_TYPE if self.body is not None else None

    @property
    def form(self) -> Literal["json", "post_url", "get"]:
        """The request form: JSON POST, POST URL (values in the query string) or GET."""
        if self.body is not None:
            return "json"
        return "post_url" if self.method == "POST" else "get"

    # ----------------------------------------------------------------- views

    @_once
    def url_template(self) -> str:
        """The URL as pasted into the sender's platform."""
        url = f"{self.scheme}://{self.host.template()}"
        url += "".join("/" + seg.template(_quote_segment) for seg in self.path)
        if self.query:
            url += "?" + "&".join(
                f"{_quote_component(f.name)}={f.value.template(_quote_component)}" for f in self.query
            )
        return url

    def origin_example(self) -> str:
        """Scheme, host and any path prefix of the example URL."""
        return self.example_origin or f"{self.scheme}://{self.host.example()}"

    def path_example(self) -> str:
        """Path of the example URL, encoded."""
        return "".join("/" + _quote_segment(seg.example()) for seg in self.path)

    def query_example(self) -> list[tuple[str, str]]:
        """Decoded query parameters of the example, in order."""
        return [(f.name, f.value.example()) for f in self.query]

    @_once
    def url_example(self) -> str:
        """The URL as it arrives, every value encoded."""
        url = self.origin_example() + self.path_example()
        if self.query:
            url += "?" + "&".join(f"{_quote_component(n)}={_quote_component(v)}" for n, v in self.query_example())
        return url

    def headers_template(self) -> list[tuple[str, str]]:
        """Headers as configured on the sender's platform."""
        return [(h.name, h.value.template()) for h in self.headers]

    def headers_example(self) -> list[tuple[str, str]]:
        """Headers as they arrive (secrets stay placeholders)."""
        return [(h.name, h.value.example()) for h in self.headers]

    def body_object(self, view: Literal["template", "example"]) -> dict[str, Any] | None:
        """The JSON body as a Python object, in one view."""
        if self.body is None:
            return None

        def text(v: Value) -> str:
            return v.template() if view == "template" else v.example()

        out: dict[str, Any] = {}
        for member in self.body:
            if isinstance(member, Group):
                out[member.name] = {f.name: text(f.value) for f in member.fields}
            else:
                out[member.name] = text(member.value)
        return out

    @_once
    def body_template(self) -> str | None:
        """The JSON body as pasted into the sender's platform."""
        obj = self.body_object("template")
        return None if obj is None else dump_json(obj)

    @_once
    def body_example(self) -> str | None:
        """The JSON body as it arrives, byte for byte what every sample sends."""
        obj = self.body_object("example")
        return None if obj is None else dump_json(obj)

    def fields(self) -> tuple[Field, ...]:
        """The payload's fields (query or body), flattened, for field tables."""
        if self.body is None:
            return self.query
        out: list[Field] = []
        for member in self.body:
            if isinstance(member, Group):
                out.extend(
                    Field(
                        f"{member.name}.{f.name}",
                        f.value,
                        f.required,
                        f.description,
                        f.type,
                        f.pattern,
                        f.allowed,
                        f.label,
                    )
                    for f in member.fields
                )
            else:
                out.append(member)
        return tuple(out)

    def target_example(self) -> str:
        """Request target of the example (path and query), as on the HTTP request line."""
        prefix = urlsplit(self.origin_example()).path.rstrip("/")
        url = self.url_example()
        query = url[url.index("?") :] if self.query else ""
        return (prefix + self.path_example()) + query or "/"

    @_once
    def http_example(self) -> str:
        """The raw HTTP/1.1 message of the example, as it arrives."""
        host = urlsplit(self.origin_example()).netloc
        lines = [f"{self.method} {self.target_example()} HTTP/1.1", f"Host: {host}"]
        lines += [f"{n}: {v}" for n, v in self.headers_example()]
        body = self.body_example()
        if body is not None:
            lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + (body or "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the request and both its views."""
        return {
            "key": self.key,
            "title": self.title,
            "sender": self.sender,
            "platform": self.platform.id,
            "method": self.method,
            "form": self.form,
            "template": {
                "url": self.url_template(),
                "headers": [list(h) for h in self.headers_template()],
                "body": self.body_object("template"),
            },
            "example": {
                "url": self.url_example(),
                "headers": [list(h) for h in self.headers_example()],
                "body": self.body_example(),
            },
            "tokens": [{"name": t.name, "token": t.token, "example": t.example} for t in self.tokens()],
            "placeholders": [
                {"name": p.name, "text": p.text, "where": p.where, "secret": p.secret} for p in self.placeholders()
            ],
            "notes": list(self.notes),
        }


def dump_json(obj: Any) -> str:
    """The one JSON serialisation every view and sample shares (2-space indent, UTF-8 kept)."""
    return jsontext.dumps(obj)
