"""Call platforms: how each writes a token and what its requests can carry.

A *token* is the platform's placeholder for "insert the value of field X here"
(``[caller_id]`` on TrackDrive, ``[tag:user:x]`` on Ringba, ``--A--x--B--`` on
ViciDial).  Writing an instruction in the wrong syntax makes the partner's
platform send the placeholder as literal text, which silently loses the
conversion, so every token on every page is produced here and nowhere else.

Capabilities say what the platform's outgoing request (pixel, webhook,
dispo URL) can do.  The request planner refuses or falls back from a choice a
platform cannot honour, so no page ever describes a request that cannot work.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from . import patterns

METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Platform:
    """A platform's token syntax, well-known token names and request capabilities."""

    id: str
    name: str
    prefix: str
    suffix: str
    name_pattern: str
    """Regular expression every token name must match in full on this platform."""
    host_tokens: bool
    """Can a token be substituted inside the host name of a URL?"""
    headers: bool
    """Can the platform send custom HTTP headers (``Authorization``)?"""
    json_body: bool
    """Can the platform send a JSON request body?"""
    methods: tuple[str, ...] = METHODS
    custom_field: str = "{name}"
    """How a user-defined field becomes a token name (Ringba: ``tag:user:{name}``)."""
    known: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """The platform's own token names for common values (``caller_id``, ``call_id``, ``payout``...)."""
    builtin: bool = True
    docs: str = ""
    """Where the platform documents its tokens."""
    advanced: str = ""
    """When set, the platform's plain outgoing request sends URL parameters only: a JSON body or headers need this
    tool of the platform (Retreaver: its Webhook Configurator, RT-JSON). A request is then planned with its values
    in the URL unless the partner asks for JSON."""
    every_outcome: bool = False
    """The platform's postback fires on every call outcome (ViciDial's Dispo Call URL, V-DISPO): a buyer on it must
    name the statuses that mean a sale."""
    steps: Mapping[str, tuple[Any, ...]] | None = None
    """A custom platform's own setup steps by action (:class:`models.Step`); ``None`` for a built-in platform,
    whose steps are in :mod:`steps`."""
    _names: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    """``valid_name`` answers, by name: a large catalogue asks about the same few names 50,000 times."""

    def token_name(self, name: str) -> str:
        """The platform's token name for a well-known value or a user-defined field."""
        if name in self.known:
            return self.known[name]
        if self.custom_field != "{name}" and _looks_qualified(name):
            return name
        return self.custom_field.format(name=name)

    def token(self, name: str) -> str:
        """The complete token text for ``name``, as pasted into the platform."""
        return f"{self.prefix}{self.token_name(name)}{self.suffix}"

    def valid_name(self, name: str) -> bool:
        """True when this platform can carry a token for ``name``."""
        known = self._names.get(name)
        if known is None:
            known = self._names[name] = _valid(self.name_pattern, self.token_name(name))
        return known

    def wrap_example(self, name: str = "field_name") -> str:
        """A token for documentation and error hints."""
        return self.token(name)


@functools.lru_cache(maxsize=65536)
def _valid(pattern: str, token_name: str) -> bool:
    return patterns.fullmatch(pattern, token_name)  # linear time, whatever a custom platform's pattern is


def _looks_qualified(name: str) -> bool:
    """Ringba-style names that already carry their category (``Call:ConversionPayout``)."""
    return ":" in name


TRACKDRIVE = Platform(
    id="trackdrive",
    name="TrackDrive",
    prefix="[",
    suffix="]",
    name_pattern=r"[a-z0-9_]+",
    host_tokens=True,
    headers=True,
    json_body=True,
    known=MappingProxyType(
        {
            "caller_id": "caller_id",
            "call_id": "call_uuid",
            "payout": "payout",
            "revenue": "revenue",
        }
    ),
    docs="https://support.trackdrive.com/articles/token-overview",
)

RINGBA = Platform(
    id="ringba",
    name="Ringba",
    prefix="[",
    suffix="]",
    name_pattern=r"(?:tag:[A-Za-z0-9]+:[A-Za-z0-9_ -]+|Call:[A-Za-z0-9]+)",
    host_tokens=False,
    headers=True,
    json_body=True,
    custom_field="tag:user:{name}",
    known=MappingProxyType(
        {
            "caller_id": "tag:InboundNumber:Number",
            "call_id": "Call:InboundCallId",
            "payout": "Call:ConversionPayout",
            "revenue": "Call:ConversionAmount",
            "state": "tag:InboundNumber:State",
        }
    ),
    docs="https://support.ringba.com/hc/en-us/articles/17993303467799",
)

RETREAVER = Platform(
    id="retreaver",
    name="Retreaver",
    prefix="[",
    suffix="]",
    name_pattern=r"[a-z0-9_]+",
    host_tokens=False,
    headers=True,
    json_body=True,
    # Retreaver documents [call_uuid] and [call_key] as replacement tokens; it documents none for the caller's
    # number (RT-CALLER), so caller_id stays a tag the partner maps (its steps say how).
    known=MappingProxyType(
        {
            "call_id": "call_uuid",
            "call_key": "call_key",
        }
    ),
    docs="https://help.retreaver.com/hc/en-us/articles/360000579423",
    advanced="the Webhook Configurator",
)

VICIDIAL = Platform(
    id="vicidial",
    name="ViciDial",
    prefix="--A--",
    suffix="--B--",
    name_pattern=r"[a-z0-9_]+",
    host_tokens=False,
    headers=False,
    json_body=False,
    methods=("GET",),
    every_outcome=True,
    known=MappingProxyType(
        {
            "caller_id": "phone_number",
            "call_id": "lead_id",
        }
    ),
    docs="https://vicidial.org/docs/CALL_URL_FEATURES.txt",
)

GENERIC = Platform(
    id="generic",
    name="Generic ({{name}} tokens)",
    prefix="{{",
    suffix="}}",
    name_pattern=r"[A-Za-z0-9_.]+",
    host_tokens=True,
    headers=True,
    json_body=True,
    docs="",
)

BUILTIN: Mapping[str, Platform] = MappingProxyType(
    {p.id: p for p in (TRACKDRIVE, RINGBA, RETREAVER, VICIDIAL, GENERIC)}
)
"""Platforms every catalogue knows, by id."""
