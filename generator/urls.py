r"""URLs the catalogue and ``mkdocs.yml`` give, parsed strictly.

A URL on a partner's page is pasted into a platform or fired by one: a port of 99999, a space or a quote
in it is published as written and fails there, silently.  Every URL postdocs is given (an account's
``base_url``, a traffic source's ``conversion.url``, a platform's ``docs``, the site's ``site_url``) is
therefore parsed here, by RFC 3986's rules, and refused with the reason and a hint:

* the scheme is ``http`` or ``https``, followed by ``//`` and a host;
* the host is a DNS name (labels of letters, digits and ``-``), an IPv4 address or an IPv6 address in
  brackets; no user name or password;
* a port is 1 to 65535, in digits;
* the rest holds only characters a URL carries as they are (letters, digits, ``-._~!$&()*+,;=:@/?#``,
  ``%`` followed by two hexadecimal digits, brackets around an IPv6 host): no space, quote, control
  character, ``<>\^`{|}`` or character outside ASCII (they must be percent-encoded);
* where the URL may hold TrackDrive tokens (``conversion.url``), ``[name]`` and ``[name]{default}`` are
  allowed in the path, never in the host.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .errors import quoted

TOKEN = re.compile(r"\[[a-z0-9_]+\](?:\{[^{}]*\})?")
"""A TrackDrive token as a URL may hold it (the same as :data:`postings.TD_TOKEN`)."""

_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/?#%")
"""What a URL carries as it is (RFC 3986's unreserved, sub-delims but the quote, and gen-delims but brackets)."""
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_HEX = frozenset("0123456789abcdefABCDEF")
EXAMPLE = "https://track.example.com/postback"


class UrlError(ValueError):
    """A URL refused; ``message`` says why, ``hint`` how to write it."""

    def __init__(self, message: str, hint: str, *, userinfo: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.userinfo = userinfo
        """The URL has a user name or password (the credential scan may report it first)."""


@dataclass(frozen=True)
class Url:
    """A URL's parts, as written."""

    scheme: str
    host: str
    port: int | None
    path: str
    query: str | None
    fragment: str | None


def parse_url(
    text: str,
    *,
    tokens: bool = False,
    query: bool = False,
    fragment: bool = False,
    example: str = EXAMPLE,
    query_hint: str = "remove everything from '?' on",
) -> Url:
    """Parse an absolute http(s) URL; raise :class:`UrlError` on anything a strict reading refuses."""
    shown = quoted(text)
    # Each token becomes as many 't's as it has characters: the structure is read on this text, and its
    # positions are the same in the text as written.
    plain = TOKEN.sub(lambda m: "t" * len(m.group()), text) if tokens else text
    if not plain.strip():
        raise UrlError("is empty", f"write a URL like {example}")
    scheme, sep, _ = plain.partition("://")
    if not sep or scheme not in ("http", "https"):
        _check_characters(plain, shown, 0, 0, tokens=tokens)
        raise UrlError(f"{shown} is not an http(s) URL", f"write it like {example}")
    start = len(scheme) + 3
    end = _first(plain, "/?#", start)
    _check_characters(plain, shown, start, end, tokens=tokens)
    if text[start:end] != plain[start:end]:
        raise UrlError(
            f"{shown} has a TrackDrive token in its host name",
            "write the host as it is: tokens go in the path or in conversion.params",
        )
    host, port = _authority(plain[start:end], shown, example)
    hash_at = _first(plain, "#", end)
    question = _first(plain, "?", end, hash_at)
    if question < hash_at and not query:
        raise UrlError("the URL has a query string", query_hint)
    if hash_at < len(text) and not fragment:
        raise UrlError(f"{shown} has a fragment (#...)", "remove everything from '#' on")
    return Url(
        scheme,
        host,
        port,
        text[end:question],
        text[question + 1 : hash_at] if question < hash_at else None,
        text[hash_at + 1 :] if hash_at < len(text) else None,
    )


def _first(text: str, chars: str, start: int, end: int | None = None) -> int:
    """Index of the first of ``chars`` in ``text[start:end]``, or ``end`` (the text's length) when none."""
    stop = len(text) if end is None else end
    return min((i for i in (text.find(c, start, stop) for c in chars) if i != -1), default=stop)


def _check_characters(plain: str, shown: str, start: int, end: int, *, tokens: bool) -> None:
    """Refuse a character a URL cannot carry as it is; brackets only in ``plain[start:end]`` (the host)."""
    for i, ch in enumerate(plain):
        if ch in _ALLOWED or (ch in "[]" and start <= i < end):
            if ch == "%" and not (len(plain) > i + 2 and plain[i + 1] in _HEX and plain[i + 2] in _HEX):
                raise UrlError(
                    f"{shown} has a '%' that is not followed by two hexadecimal digits", "write '%' itself as %25"
                )
            continue
        if ch == " ":
            raise UrlError(f"{shown} holds a space", "remove it, or write it percent-encoded as %20")
        if not ch.isprintable() or ord(ch) < 0x20:
            raise UrlError(
                f"{shown} holds the control character U+{ord(ch):04X}", "remove it (a URL is one line of text)"
            )
        if ord(ch) > 0x7E:
            encoded = "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
            raise UrlError(
                f"{shown} holds {quoted(ch)}, which a URL must carry percent-encoded",
                f"write it as {encoded} (a host name in its ASCII form, xn--...)",
            )
        if tokens and ch in "[]{}":
            raise UrlError(
                f"{shown} has a bracket that is not a TrackDrive token",
                "TrackDrive tokens are [lowercase_name]; remove stray brackets",
            )
        raise UrlError(
            f"{shown} holds {quoted(ch)}, which a URL cannot carry as it is",
            f"remove it, or write it percent-encoded as %{ord(ch):02X}",
        )


def _authority(authority: str, shown: str, example: str) -> tuple[str, int | None]:
    if not authority:
        raise UrlError(f"{shown} has no host", f"write it like {example}")
    if "@" in authority:
        raise UrlError(
            f"{shown} has a user name or password before its host",
            "remove it: a credential never belongs in a published URL (a secret goes in conversion.params as env:NAME)",
            userinfo=True,
        )
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            raise UrlError(f"{shown} has a '[' with no ']' after it", "write an IPv6 host in brackets, like [::1]")
        literal, rest = authority[1:close], authority[close + 1 :]
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            raise UrlError(
                f"{shown} has a host in brackets that is not an IPv6 address", "write an IPv6 address like [::1]"
            ) from None
        host = f"[{literal}]"
        if rest and not rest.startswith(":"):
            raise UrlError(f"{shown} has text after its IPv6 address", "write a port as [::1]:8080")
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_raw = authority.partition(":")
        port_text = port_text_raw if colon else None
        _check_host(host, shown)
    port = None
    if port_text is not None:
        if not port_text.isdigit() or not port_text.isascii() or len(port_text) > 5:
            raise UrlError(f"{shown} has the port {quoted(port_text)}, which is not a number", "write 1 to 65535")
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise UrlError(f"{shown} has the port {port}, outside 1 to 65535", "write the port the server listens on")
    return host, port


def _check_host(host: str, shown: str) -> None:
    if not host:
        raise UrlError(f"{shown} has no host", "write the host name before the port")
    if all(c.isdigit() or c == "." for c in host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise UrlError(
                f"{shown} has {quoted(host)}, which is not an IPv4 address", "write four numbers 0-255, like 127.0.0.1"
            ) from None
        return
    labels = host.removesuffix(".").split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise UrlError(
            f"{shown} has {quoted(host)}, which is not a host name",
            "a host name is labels of letters, digits and '-' (not at either end) joined by dots, like "
            "track.example.com",
        )
