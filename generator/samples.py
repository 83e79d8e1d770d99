"""Code samples: views of a canonical request in the languages partners use.

Every sample sends the request's *example* view: the same method, URL, headers
and body bytes as the filled example on the page.  Values are quoted for the
language they land in; nothing is formatted by hand twice (the body comes from
:func:`canonical.dump_json` or from the language's own serialiser with the
same settings).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .canonical import Request


@dataclass(frozen=True)
class Sample:
    """One code sample: the tab label, the highlight language and the code."""

    label: str
    lang: str
    code: str


def shell_quote(text: str) -> str:
    r"""Quote for bash: one single-quoted word, ``'`` written as ``'\''``."""
    return "'" + text.replace("'", "'\\''") + "'"


def js_string(text: str) -> str:
    """A JavaScript string literal (JSON string syntax, with U+2028/9 escaped for old engines)."""
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def py_string(text: str) -> str:
    """A Python string literal."""
    return json.dumps(text, ensure_ascii=False)


def curl(request: Request) -> str:
    """Curl for bash: ``--globoff`` so brackets are not globs, ``--data-raw`` so ``@`` is not a file."""
    lines = [f"curl --globoff --request {request.method} {shell_quote(request.url_example())}"]
    lines += [f"  --header {shell_quote(f'{n}: {v}')}" for n, v in request.headers_example()]
    body = request.body_example()
    if body is not None:
        lines.append(f"  --data-raw {shell_quote(body)}")
    return " \\\n".join(lines) + "\n"


def python(request: Request) -> str:
    """Python with ``requests``; the body is serialised exactly as the page shows it."""
    out = ["import json", "", "import requests", ""]
    body = request.body_object("example")
    if body is not None:
        out.append("payload = " + json.dumps(body, indent=4, ensure_ascii=False))
        out.append("")
    out.append("response = requests.request(")
    out.append(f"    {py_string(request.method)},")
    out.append(f"    {py_string(request.url_example())},")
    headers = request.headers_example()
    if headers:
        out.append("    headers={")
        out += [f"        {py_string(n)}: {py_string(v)}," for n, v in headers]
        out.append("    },")
    if body is not None:
        out.append('    data=json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8"),')
    out.append("    timeout=30,")
    out.append(")")
    out.append("print(response.status_code, response.text)")
    if body is None:
        out = out[2:]  # no json import needed
    return "\n".join(out) + "\n"


def javascript(request: Request) -> str:
    """JavaScript ``fetch`` (Node 18+ as an ES module, or a browser)."""
    out = []
    body = request.body_object("example")
    if body is not None:
        out.append("const payload = " + json.dumps(body, indent=2, ensure_ascii=False) + ";")
        out.append("")
    out.append(f"const response = await fetch({js_string(request.url_example())}, {{")
    out.append(f"  method: {js_string(request.method)},")
    headers = request.headers_example()
    if headers:
        out.append("  headers: {")
        out += [f"    {js_string(n)}: {js_string(v)}," for n, v in headers]
        out.append("  },")
    if body is not None:
        out.append("  body: JSON.stringify(payload, null, 2),")
    out.append("});")
    out.append("console.log(response.status, await response.text());")
    return "\n".join(out) + "\n"


SAMPLERS: tuple[tuple[str, str, Callable[[Request], str]], ...] = (
    ("curl", "bash", curl),
    ("Python", "python", python),
    ("JavaScript", "javascript", javascript),
)
"""Tab label, highlight language and generator of every sample, in page order."""


def samples_for(request: Request) -> tuple[Sample, ...]:
    """Every code sample of a request."""
    return tuple(Sample(label, lang, make(request)) for label, lang, make in SAMPLERS)
