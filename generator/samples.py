"""Code samples: views of a canonical request in the languages partners use.

Every sample sends the request's *example* view: the same method, URL, headers
and body bytes as the filled example on the page.  Values are quoted for the
language they land in; nothing is formatted by hand twice (the body comes from
:func:`canonical.dump_json`, or from the language's own serialiser with the
same settings, and the test suite proves the bytes are identical by running
every sample against a receiver).

Forms offered, and why:

* ``curl (bash)``: any POSIX shell (bash, zsh, Git Bash, WSL).  No Windows
  PowerShell variant: PowerShell 5.1 strips the double quotes of a JSON
  argument passed to ``curl.exe``, and no PowerShell runs where the samples are
  proven, so a PowerShell sample could not be shown to work.  The label says
  ``bash`` instead, and the other languages run everywhere.
* ``Python`` (``requests``), ``JavaScript`` (``fetch``: Node 18+ as an ES
  module, or a browser console), ``PHP`` (the curl extension).
* The raw HTTP/1.1 message (:func:`http_message`) is the page's filled
  example itself, so it is not repeated as a tab.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from . import jsontext
from .canonical import Request


@dataclass(frozen=True)
class Sample:
    """One code sample: the tab label, the highlight language and the code."""

    label: str
    lang: str
    code: str


# --------------------------------------------------------------------------- quoting


def shell_quote(text: str) -> str:
    r"""Quote for bash: one single-quoted word, ``'`` written as ``'\''``."""
    return "'" + text.replace("'", "'\\''") + "'"


def _no_line_separators(text: str) -> str:
    """Escape U+2028/U+2029, line ends for JavaScript engines before ES2019."""
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def js_string(text: str) -> str:
    """A JavaScript string literal (JSON string syntax, U+2028/9 escaped)."""
    return _no_line_separators(json.dumps(text, ensure_ascii=False))


def py_string(text: str) -> str:
    """A Python string literal (JSON string syntax is valid Python for strings)."""
    return json.dumps(text, ensure_ascii=False)


def php_string(text: str) -> str:
    r"""A single-quoted PHP string: only ``\`` and ``'`` are escaped, nothing is interpolated."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


PHP_BODY_MARKER = "JSON"
"""Nowdoc marker of the PHP body.  Every line of a body from ``dump_json`` starts with
``{``, ``}`` or spaces and then ``"`` or ``}``, so no line can end the nowdoc early."""


# --------------------------------------------------------------------------- samples


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
    out = []
    body = request.body_object("example")
    if body is not None:
        out += ["import json", ""]
    out += ["import requests", ""]
    if body is not None:
        out.append("payload = " + jsontext.dumps(body, indent=4))
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
    return "\n".join(out) + "\n"


def javascript(request: Request) -> str:
    """JavaScript ``fetch`` (Node 18+ as an ES module, or a browser)."""
    out = []
    body = request.body_object("example")
    if body is not None:
        out.append("const payload = " + _no_line_separators(jsontext.dumps(body)) + ";")
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


def php(request: Request) -> str:
    """PHP with the curl extension; the body is the page's JSON text, verbatim, in a nowdoc."""
    out = ["<?php", ""]
    body = request.body_example()
    if body is not None:
        out += [f"$payload = <<<'{PHP_BODY_MARKER}'", body, f"{PHP_BODY_MARKER};", ""]
    out.append(f"$ch = curl_init({php_string(request.url_example())});")
    out.append("curl_setopt_array($ch, [")
    out.append(f"    CURLOPT_CUSTOMREQUEST => {php_string(request.method)},")
    headers = request.headers_example()
    if headers:
        out.append("    CURLOPT_HTTPHEADER => [")
        out += [f"        {php_string(f'{n}: {v}')}," for n, v in headers]
        out.append("    ],")
    if body is not None:
        out.append("    CURLOPT_POSTFIELDS => $payload,")
    out.append("    CURLOPT_RETURNTRANSFER => true,")
    out.append("    CURLOPT_TIMEOUT => 30,")
    out.append("]);")
    out.append("$response = curl_exec($ch);")
    out.append("if ($response === false) {")
    out.append("    fwrite(STDERR, curl_error($ch) . PHP_EOL);")
    out.append("    exit(1);")
    out.append("}")
    out.append("echo curl_getinfo($ch, CURLINFO_RESPONSE_CODE), ' ', $response, PHP_EOL;")
    return "\n".join(out) + "\n"


def http_message(request: Request) -> str:
    """The raw HTTP/1.1 message as shown (LF line ends; it is sent with CRLF)."""
    return request.http_example().replace("\r\n", "\n")


SAMPLERS: tuple[tuple[str, str, Callable[[Request], str]], ...] = (
    ("curl (bash)", "bash", curl),
    ("Python", "python", python),
    ("JavaScript", "javascript", javascript),
    ("PHP", "php", php),
)
"""Tab label, highlight language and generator of every sample, in page order.

The labels are stable: Material links content tabs with the same label across
pages, so a partner's language choice follows them."""


def samples_for(request: Request) -> tuple[Sample, ...]:
    """Every code sample of a request, in tab order."""
    return tuple(Sample(label, lang, make(request)) for label, lang, make in SAMPLERS)
