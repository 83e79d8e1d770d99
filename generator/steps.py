"""Setup steps: where, on each platform, a partner puts each part of its request, and why.

A request can be exactly right and still lose money when it is pasted in the wrong place or fired on the
wrong event (a ViciDial Dispo Call URL fires on every disposition; a Ringba webhook with other names never
matches a call).  This module holds, as data, the ordered steps for each built-in platform and each thing a
partner does on it, and resolves them for one page: each step names *where* it goes, *what* to type or
paste and *the mistake it prevents*, and cites its source (the platform's documentation page, or a fact of
the project's domain notes, which carries one).

The steps are plain Python data validated by the same strict model as a custom platform's ``steps:``
(:class:`models.Step`): a typo in a field name fails mypy and the model, and nothing is read from disk.
They are validated on first use, not on import.  A step never retypes a value of the request: it names
the part (``url``, ``header:Authorization``, ``conversion.name:call_id``...) and the page renders that part
from the pair's canonical request, so the value shown is the value sent.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from .canonical import Request
from .models import Step, StepPart
from .platforms import Platform

Action = Literal[
    "postback", "lead_post", "capture", "ping_post", "conversion_ringba", "conversion_retreaver", "conversion_url"
]

# --------------------------------------------------------------------------- sources

FACTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        # DOMAIN.md's fact ids: (what the page shows, the address of the source the fact rests on)
        "V-DISPO": ("ViciDial: CALL_URL_FEATURES.txt", "https://vicidial.org/docs/CALL_URL_FEATURES.txt"),
        "RT-JSON": ("Retreaver: Webhooks", "https://learn.retreaver.com/guides/webhooks"),
        "RT-CALLER": ("Retreaver: replacement tokens", "https://help.retreaver.com/hc/en-us/articles/360000579423"),
        "RB-WEBHOOK": (
            "TrackDrive: postback to a Ringba traffic source",
            "https://support.trackdrive.com/integrations/postback-trackdrive-buyer-to-ringba-traffic-source",
        ),
        "RB-CAPTURE": (
            "TrackDrive: posting call data from Ringba",
            "https://support.trackdrive.com/articles/how-to-post-call-data-from-ringba-to-trackdrive-direct-post",
        ),
        "RB-PAYOUT": (
            "TrackDrive: postback from a Ringba buyer",
            "https://support.trackdrive.com/en_US/integrations/postback-ringba-buyer-to-trackdrive-traffic-source",
        ),
        "TD-PING": ("TrackDrive: ping/post integration", "https://cdn.trackdrive.net/features/ping_post_integration"),
        "TD-CODES": (
            "TrackDrive: authenticating inbound webhooks",
            "https://support.trackdrive.com/articles/authenticating-inbound-webhooks",
        ),
        # The source document itself: TrackDrive's article, quoted in DOMAIN.md (no public address is known).
        "SEED": ("TrackDrive: BASICS, Posting and Postbacks with TrackDrive", ""),
    }
)
"""DOMAIN.md's facts a built-in step may name as its source, with where each comes from."""

TITLES: Mapping[str, str] = MappingProxyType(
    {
        "https://help.retreaver.com/hc/en-us/articles/360000579443": "Retreaver: Campaign Webhooks",
        "https://help.retreaver.com/hc/en-us/articles/15570565061012": "Retreaver: Webhook Configurator",
        "https://help.retreaver.com/hc/en-us/articles/23529436818068": "Retreaver: conversion webhooks",
    }
)
"""Titles of the documentation pages steps link directly."""

_URL = re.compile(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/%-]*)?")


@dataclass(frozen=True)
class Source:
    """Where a step's facts come from: a title and, when it has one, the address of the page."""

    title: str
    url: str = ""


def source_of(text: str) -> Source | None:
    """The source a step names (a fact id or an https address); ``None`` for none or an unknown one."""
    if text in FACTS:
        title, url = FACTS[text]
        return Source(title, url)
    if _URL.fullmatch(text):
        return Source(TITLES.get(text, text.removeprefix("https://")), text)
    return None


# --------------------------------------------------------------------------- resolved steps


@dataclass(frozen=True)
class Shown:
    """One part of a request as a step shows it: exactly the text to copy, rendered from the request."""

    ref: str
    """The part as the step names it (``ping.url``, ``header:Authorization``...)."""
    request: str
    """The key of the request it comes from."""
    label: str
    """What the platform calls the box it goes into (or the part's own name)."""
    text: str
    """The text to copy."""
    lang: Literal["text", "http", "json"]
    """How the page highlights it."""


@dataclass(frozen=True)
class PageStep:
    """A step resolved for one page: plain data (``diff`` and the page history compare it)."""

    where: str
    do: str
    prevents: str
    enter: str
    parts: tuple[Shown, ...]
    source: Source | None


@dataclass(frozen=True)
class Context:
    """What a page's steps are resolved against."""

    action: Action
    platform: Platform
    requests: tuple[Request, ...]
    """The requests the page shows, the conversion postback last when there is one."""
    company: str
    partner: str
    conditions: frozenset[str]
    sale_statuses: tuple[str, ...] = ()
    call_id_field: str = ""
    """The field carrying a traffic source's own call id (``field:_call_id`` names it)."""


class StepError(ValueError):
    """A step refers to a part its page's request does not have (a custom platform's step, or a bug)."""


def resolve(context: Context, steps: Sequence[Step]) -> tuple[PageStep, ...]:
    """The steps that apply to the page, with every referenced part rendered from its request."""
    out: list[PageStep] = []
    values = {
        "company": context.company,
        "platform": context.platform.name,
        "partner": context.partner,
        "sale_statuses": ", ".join(context.sale_statuses),
    }
    for step in steps:
        if not set(step.when) <= context.conditions:
            continue
        parts: list[Shown] = []
        for part in step.paste:
            parts.extend(_parts(context.requests, part, context.call_id_field))
        out.append(
            PageStep(
                where=_fill(step.where, values),
                do=_fill(step.do, values),
                prevents=_fill(step.prevents, values),
                enter=step.enter,
                parts=tuple(parts),
                source=source_of(step.source),
            )
        )
    return tuple(out)


def _fill(text: str, values: Mapping[str, str]) -> str:
    """``{name}`` replaced for the few names a step may use; every other brace is kept as written."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(text.replace("{{", "\0").replace("}}", "\1")):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    return "".join(out).replace("\0", "{").replace("\1", "}")


def _parts(requests: tuple[Request, ...], part: StepPart, call_id_field: str = "") -> list[Shown]:
    key, _, what = part.ref.rpartition(".") if "." in part.ref.split(":", 1)[0] else ("", "", part.ref)
    request = next((r for r in requests if r.key == key), None) if key else (requests[0] if requests else None)
    if request is None:
        raise StepError(f"step part {part.ref!r}: the page has no request {key or 'at all'!r}")
    kind, _, name = what.partition(":")
    label = part.label
    if kind == "url":
        return [Shown(part.ref, request.key, label or "URL", request.url_template(), "text")]
    if kind == "method":
        return [Shown(part.ref, request.key, label or "Method", request.method, "text")]
    if kind == "body":
        body = request.body_template()
        if body is None:
            raise StepError(f"step part {part.ref!r}: request {request.key!r} has no JSON body")
        return [Shown(part.ref, request.key, label or "Body (JSON)", body, "json")]
    if kind == "headers":
        return [
            Shown(f"{part.ref}:{n}", request.key, label or n, f"{n}: {v}", "http")
            for n, v in request.headers_template()
        ]
    if kind == "header":
        for n, v in request.headers_template():
            if n.lower() == name.lower():
                return [Shown(part.ref, request.key, label or n, f"{n}: {v}", "http")]
        raise StepError(f"step part {part.ref!r}: request {request.key!r} has no header {name!r}")
    if kind == "query":
        if not request.query:
            raise StepError(f"step part {part.ref!r}: request {request.key!r} has no query string")
        text = "\n".join(f"{f.name}={f.value.template()}" for f in request.query)
        return [Shown(part.ref, request.key, label or "Query parameters", text, "text")]
    if name == "_call_id":
        name = call_id_field
    field = next((f for f in request.fields() if f.name == name), None)
    if field is None:
        raise StepError(f"step part {part.ref!r}: request {request.key!r} has no field {name!r}")
    shown = {"field": field.value.template(), "name": field.name, "pair": f"{field.name}={field.value.template()}"}
    return [Shown(part.ref, request.key, label or field.name, shown[kind], "text")]


# --------------------------------------------------------------------------- the registry


def steps_for(platform: Platform, action: Action) -> tuple[Step, ...] | None:
    """The steps of ``action`` on ``platform``, or ``None`` when nothing describes them.

    ``None`` means a custom platform without its own steps: the page then says to follow the platform's own
    documentation.
    """
    if action.startswith("conversion_"):
        return registry().get(("*", action), ())
    if platform.steps is not None:
        custom = platform.steps.get(action)
        return None if custom is None else tuple(custom)
    return registry().get((platform.id, action), ())


@functools.cache
def registry() -> Mapping[tuple[str, str], tuple[Step, ...]]:
    """Every built-in step, by (platform id, action); conversion steps under platform ``*``.

    Built on first use: pydantic validates each step as strictly as a custom platform's.
    """
    return MappingProxyType({key: tuple(steps) for key, steps in _builtin().items()})


def _s(
    where: str,
    do: str,
    prevents: str,
    source: str,
    paste: Sequence[str | tuple[str, str]] = (),
    when: Sequence[str] = (),
    enter: str = "",
) -> Step:
    parts = [{"ref": p, "label": ""} if isinstance(p, str) else {"ref": p[0], "label": p[1]} for p in paste]
    return Step.model_validate(
        {
            "where": where,
            "do": do,
            "prevents": prevents,
            "source": source,
            "paste": parts,
            "when": list(when),
            "enter": enter,
        }
    )


_REQUEST = ("url", "method", "headers")


def _builtin() -> dict[tuple[str, str], list[Step]]:
    generic_where = "Where your system configures the requests it sends to other systems"
    return {
        # ------------------------------------------------------------------ buyers' postbacks
        ("ringba", "postback"): [
            _s(
                "Ringba: your campaign's URL parameters",
                "Create a URL parameter for trackdrive_call_uuid and one for trackdrive_subdomain (the fields in "
                "the table below), each with a Report Name exactly the same as its name.",
                "A Report Name that differs from the parameter's name leaves the pixel's token without the value "
                "TrackDrive sent, and the postback reaches no call.",
                "RB-PAYOUT",
            ),
            _s(
                "Ringba: a new pixel on the campaign, Fire Pixel On: Payout",
                "Create the pixel with this URL, method and headers, and fire it on Payout, not Converted.",
                "A pixel fired on Converted may run before the call carries its payout: TrackDrive would receive "
                "an empty revenue.",
                "RB-PAYOUT",
                paste=_REQUEST,
            ),
            _s(
                "Ringba: the same pixel, its body",
                "Paste this JSON body.",
                "A body retyped by hand is where tokens end up in the wrong syntax and arrive as literal text.",
                "RB-PAYOUT",
                paste=["body"],
                when=["json"],
            ),
            _s(
                "Ringba: the same pixel, its filters",
                "Add a filter: trackdrive_call_uuid exists.",
                "Without it, calls that did not come from TrackDrive fire the pixel too, with no call uuid.",
                "RB-PAYOUT",
            ),
        ],
        ("retreaver", "postback"): [
            _s(
                "Retreaver: edit the campaign, Webhooks section, the green Add button",
                "Add a webhook and select, in its trigger drop-down, the trigger that fires when a call converts "
                "for you (Retreaver's guide to conversion webhooks describes it).",
                "A webhook on another trigger (Start, Selected) fires for calls that never convert.",
                "https://help.retreaver.com/hc/en-us/articles/23529436818068",
            ),
            _s(
                "Retreaver: the webhook's URL",
                "Paste this URL. Every value is in its parameters, which is what a standard Retreaver webhook sends; "
                "TrackDrive takes these values in the URL whether the webhook sends them with GET or POST.",
                "A JSON body pasted into a standard webhook is never sent: Retreaver's standard webhooks send URL "
                "parameters only.",
                "RT-JSON",
                paste=["url"],
                when=["query", "no_headers"],
            ),
            _s(
                "Retreaver: the webhook form, its Webhook Configurator",
                "Open the Webhook Configurator and build the request there: this method, URL and headers.",
                "A standard Retreaver webhook sends URL parameters only: a JSON body or a header typed anywhere else "
                "is never sent.",
                "RT-JSON",
                paste=_REQUEST,
                when=["headers"],
            ),
            _s(
                "Retreaver: the Webhook Configurator, the request body",
                "Paste this JSON body.",
                "Without the body TrackDrive receives no conversion.",
                "https://help.retreaver.com/hc/en-us/articles/15570565061012",
                paste=["body"],
                when=["json"],
            ),
            _s(
                "Retreaver: the webhook, Click Update Campaign",
                "Save the campaign.",
                "A webhook that is not saved never fires.",
                "https://help.retreaver.com/hc/en-us/articles/360000579443",
            ),
        ],
        ("vicidial", "postback"): [
            _s(
                "ViciDial admin: the campaign (or in-group) that takes these calls, its Dispo Call URL field",
                "Set Dispo Call URL to this value and submit the page.",
                "A URL typed straight into Dispo Call URL is called on every disposition (NI, DNC, CALLBK...): every "
                "call would be marked converted and paid.",
                "V-DISPO",
                enter="ALT",
            ),
            _s(
                "ViciDial admin: the Alternate dispo URL page (its link appears once ALT is submitted)",
                "Add an entry with this URL, called only for the statuses {sale_statuses}.",
                "An entry without its statuses is called on every disposition, like a plain Dispo Call URL.",
                "V-DISPO",
                paste=["url"],
            ),
        ],
        ("trackdrive", "postback"): [
            _s(
                "Your TrackDrive account: the Offer, or the Traffic Source record of {company}, its Triggers",
                "Add a trigger on Traffic Source converted that sends this request.",
                "A postback on any other trigger reports calls that did not convert.",
                "SEED",
                paste=_REQUEST,
            ),
            _s(
                "The same trigger, its body",
                "Paste this JSON body.",
                "Without the body TrackDrive receives no conversion.",
                "SEED",
                paste=["body"],
                when=["json"],
            ),
        ],
        ("generic", "postback"): [
            _s(
                generic_where,
                "Create a request with this method, URL and headers, sent once when a call converts for you.",
                "A request sent on every call outcome, or more than once, reports calls that did not convert.",
                "SEED",
                paste=_REQUEST,
            ),
            _s(
                "The same request, its body",
                "Send this JSON body.",
                "Without the body TrackDrive receives no conversion.",
                "SEED",
                paste=["body"],
                when=["json"],
            ),
        ],
        # ------------------------------------------------------------------ traffic sources: capture
        ("ringba", "capture"): [
            _s(
                "Ringba: a new pixel on your campaign, Fire Pixel On: Connected (Answered)",
                "Create the pixel with this URL, method and headers. For calls that are never routed, TrackDrive's "
                "guide fires it on Finalized instead, with a call-length filter.",
                "A pixel on another event sends the call's data when TrackDrive no longer expects it.",
                "RB-CAPTURE",
                paste=_REQUEST,
            ),
            _s(
                "Ringba: the same pixel, its body",
                "Paste this JSON body.",
                "A body retyped by hand is where tokens end up in the wrong syntax and arrive as literal text.",
                "RB-CAPTURE",
                paste=["body"],
                when=["json"],
            ),
        ],
        # ------------------------------------------------------------------ traffic sources: Retreaver
        **{
            ("retreaver", action): [
                _s(
                    "Retreaver: edit the campaign, Webhooks section, the green Add button",
                    "Add a webhook and select its trigger: the one that fires as soon as the call is received "
                    "(Start), so TrackDrive has the caller's data before the call arrives.",
                    "A webhook on a later trigger reaches TrackDrive after the call.",
                    "https://help.retreaver.com/hc/en-us/articles/360000579443",
                ),
                _s(
                    "Retreaver: the call's tags",
                    "Retreaver documents no replacement token for the caller's number: make sure each call carries "
                    "it in a tag named caller_id, then the token below is replaced by it.",
                    "A token Retreaver does not document (like [caller_number]) arrives as literal text: TrackDrive "
                    "would receive no caller id.",
                    "RT-CALLER",
                    paste=[("field:caller_id", "caller_id")],
                ),
                _s(
                    "Retreaver: the webhook's URL",
                    "Paste this URL: every value is in its parameters, which is what a standard Retreaver webhook "
                    "sends. TrackDrive's endpoint takes POST: if your webhook form lets you pick the method, pick "
                    "POST; Retreaver's documentation does not say which method a standard webhook uses, and if "
                    "yours sends GET, build the request in the Webhook Configurator instead.",
                    "A JSON body pasted into a standard webhook is never sent: Retreaver's standard webhooks send URL "
                    "parameters only.",
                    "RT-JSON",
                    paste=["url"],
                    when=["query", "no_headers"],
                ),
                _s(
                    "Retreaver: the webhook form, its Webhook Configurator",
                    "Open the Webhook Configurator and build the request there: this method, URL and headers.",
                    "A standard Retreaver webhook sends URL parameters only: a JSON body or a header typed "
                    "anywhere else is never sent.",
                    "RT-JSON",
                    paste=_REQUEST,
                    when=["headers"],
                ),
                _s(
                    "Retreaver: the Webhook Configurator, the request body",
                    "Paste this JSON body.",
                    "Without the body TrackDrive receives none of the call's data.",
                    "https://help.retreaver.com/hc/en-us/articles/15570565061012",
                    paste=["body"],
                    when=["json"],
                ),
            ]
            for action in ("lead_post", "capture")
        },
        ("retreaver", "ping_post"): [
            _s(
                "Retreaver: edit the campaign, Webhooks section, the green Add button, then its Webhook Configurator",
                "Ping/post needs the Webhook Configurator: build the ping there with this method, URL and headers.",
                "A standard Retreaver webhook sends URL parameters only: it cannot send the Authorization header "
                "or read the bids a ping answers.",
                "RT-JSON",
                paste=("ping.url", "ping.method", "ping.headers"),
            ),
            _s(
                "Retreaver: the Webhook Configurator, the ping's body",
                "Paste this JSON body.",
                "Without the body TrackDrive has no caller to bid on.",
                "https://help.retreaver.com/hc/en-us/articles/15570565061012",
                paste=["ping.body"],
                when=["json"],
            ),
            _s(
                "Retreaver: the call's tags",
                "Retreaver documents no replacement token for the caller's number: make sure each call carries it "
                "in a tag named caller_id, then the token below is replaced by it.",
                "A token Retreaver does not document (like [caller_number]) arrives as literal text: TrackDrive "
                "would receive no caller id.",
                "RT-CALLER",
                paste=[("ping.field:caller_id", "caller_id")],
            ),
            _s(
                "Retreaver: the Webhook Configurator, a second request for the post",
                "Build the post with this method, URL and headers; its ping_id comes from the ping's answer.",
                "Posting without a ping_id from the ping's answer takes no bid.",
                "TD-PING",
                paste=("post.url", "post.method", "post.headers"),
            ),
            _s(
                "Retreaver: the Webhook Configurator, the post's body",
                "Paste this JSON body.",
                "Without the body TrackDrive does not know which bid you take.",
                "TD-PING",
                paste=["post.body"],
                when=["json"],
            ),
        ],
        # ------------------------------------------------------------------ traffic sources: neutral wording
        **{
            (platform, action): [
                _s(
                    generic_where if platform == "generic" else f"{where}",
                    "Create a request with this method, URL and headers, sent for each call before it is transferred.",
                    "Data sent after the transfer reaches TrackDrive too late to be matched with the call.",
                    "SEED",
                    paste=_REQUEST,
                ),
                _s(
                    "The same request, its body",
                    "Send this JSON body.",
                    "Without the body TrackDrive receives none of the call's data.",
                    "SEED",
                    paste=["body"],
                    when=["json"],
                ),
            ]
            for platform, where in (
                ("generic", ""),
                ("trackdrive", "Your TrackDrive account: where it configures the request it sends a buyer"),
                ("ringba", "Ringba: a pixel on your campaign (no TrackDrive guide names its event for a lead post)"),
            )
            for action in (("lead_post",) if platform == "ringba" else ("lead_post", "capture"))
        },
        **{
            (platform, "ping_post"): [
                _s(
                    generic_where if platform == "generic" else where,
                    "Create the ping with this method, URL and headers, sent before the call is transferred.",
                    "A ping without the Authorization header is refused with 401.",
                    "TD-CODES",
                    paste=("ping.url", "ping.method", "ping.headers"),
                ),
                _s(
                    "The same ping, its body",
                    "Send this JSON body.",
                    "Without the body TrackDrive has no caller to bid on.",
                    "TD-PING",
                    paste=["ping.body"],
                    when=["json"],
                ),
                _s(
                    generic_where if platform == "generic" else where,
                    "Create the post with this method, URL and headers, sent with the ping_id from the ping's "
                    "answer; then transfer the call to the number the post answers.",
                    "Posting without a ping_id from the ping's answer takes no bid.",
                    "TD-PING",
                    paste=("post.url", "post.method", "post.headers"),
                ),
                _s(
                    "The same post, its body",
                    "Send this JSON body.",
                    "Without the body TrackDrive does not know which bid you take.",
                    "TD-PING",
                    paste=["post.body"],
                    when=["json"],
                ),
            ]
            for platform, where in (
                ("generic", ""),
                ("trackdrive", "Your TrackDrive account: where it configures the requests it sends a buyer"),
                ("ringba", "Ringba: where your account configures a ping/post target (no TrackDrive guide names it)"),
            )
        },
        # ------------------------------------------------------------------ receiving conversions
        ("*", "conversion_ringba"): [
            _s(
                "Ringba: create a webhook for conversions",
                "Create it with exactly these names: Call Token, Revenue Token and Fire Conversion as below.",
                "Any other names (Ringba's own example uses others) match no call: every conversion is lost "
                "without an error.",
                "RB-WEBHOOK",
                paste=[
                    ("conversion.name:call_id", "Call Token"),
                    ("conversion.name:call_revenue", "Revenue Token"),
                    ("conversion.pair:sale_successful", "Fire Conversion"),
                ],
            ),
            _s(
                "Ringba: the webhook's code",
                "Give its unique code to {company}: TrackDrive's Ringba global webhook sends each conversion to it. "
                "Ringba takes one conversion per call, within 30 days of the call; a second one, or a later one, "
                "is answered 404.",
                "Without the code TrackDrive cannot reach your Ringba account.",
                "RB-WEBHOOK",
            ),
        ],
        ("*", "conversion_retreaver"): [
            _s(
                "Your request to TrackDrive (the steps above)",
                "Send your Retreaver call uuid in this field on every call: TrackDrive's Retreaver global webhook "
                "reports the conversion with it, and needs no code.",
                "A call sent without it cannot be matched when it converts.",
                "SEED",
                paste=["field:_call_id"],
            ),
        ],
        ("*", "conversion_url"): [
            _s(
                "Your tracker: the postback URL you gave {company}",
                "Check that it accepts this request: {company} fires it from TrackDrive on Traffic Source converted.",
                "A postback your tracker refuses loses the conversion on your side.",
                "SEED",
                paste=("conversion.url", "conversion.method"),
            ),
        ],
    }
