"""What a traffic source sends TrackDrive (lead post, capture, ping/post), and what it gets back.

Endpoints (DOMAIN.md):

* lead post: ``POST /api/v1/leads`` with the offer's ``lead_token``;
* capture from a pixel: ``POST /api/v1/leads/capture``;
* ping/post: ``/api/v1/inbound_webhooks/{ping,post}/<vanity_uri>`` with a Bearer (or Token) header;
* conversions back to the source: Ringba's global webhook, Retreaver's, a URL fired by a trigger, or none.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from .canonical import JSON_TYPE, Field, Lit, Member, Part, Placeholder, Request, Tok, Value
from .models import Account, Offer, OfferSource, TrafficSource, UrlConversion
from .platforms import TRACKDRIVE, Platform
from .secrets import ref_name

CALLER_ID_EXAMPLE = "+13125550123"
API_TOKEN_PLACEHOLDER = "YOUR_TRACKDRIVE_API_TOKEN"  # noqa: S105 - a placeholder, never a secret
RINGBA_CODE_PLACEHOLDER = "YOUR_RINGBA_WEBHOOK_CODE"
TD_TOKEN = re.compile(r"\[([a-z0-9_]+)\](?:\{[^{}]*\})?")
"""A TrackDrive token, ``[name]`` or ``[name]{default}``.  A default holds no brace: the search for its end
then stops at the next brace, so finding every token takes time linear in the text (with ``[^}]*`` each
``[a]{`` without a closing brace read the rest of the text: quadratic)."""

CALL_ID_DEFAULTS = {"ringba": "ringba_call_uuid", "retreaver": "retreaver_call_uuid"}


@dataclass(frozen=True)
class SourceChoices:
    """The source's resolved request form, call id field and ids for one offer."""

    form: Literal["json", "post_url", "get"]
    call_id_field: str
    traffic_source_id: str
    payout: str | None
    notes: tuple[str, ...]


def default_call_id_field(source: TrafficSource) -> str:
    """The field carrying the source's own call id."""
    return source.call_id_field or CALL_ID_DEFAULTS.get(source.platform, "traffic_source_lead_id")


def call_id_example(field: str, offer_id: str, source_id: str) -> str:
    """A stable sample of the source's own call id."""
    seed = f"postdocs:source-call:{offer_id}:{source_id}"
    if field in ("ringba_call_uuid", "retreaver_call_uuid"):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    return "lead-" + str(int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % 10**7).zfill(7)


def ping_id_example(offer_id: str, source_id: str) -> str:
    """A stable sample ping id."""
    return hashlib.sha256(f"postdocs:ping:{offer_id}:{source_id}".encode()).hexdigest()[:24]


def _payload(
    account: Account,
    offer: Offer,
    source: TrafficSource,
    platform: Platform,
    choices: SourceChoices,
    *,
    with_lead_token: bool,
) -> list[Field]:
    def token(name: str, default_token_name: str, example: str) -> Value:
        token_name = source.field_tokens.get(name, default_token_name)
        return Value.of(Tok(name, platform.token(token_name), example))

    fields: list[Field] = []
    if with_lead_token and offer.lead_token:
        fields.append(
            Field("lead_token", Value.of(offer.lead_token), description="Identifies the offer. Same on every post.")
        )
    fields.append(
        Field(
            "traffic_source_id",
            Value.of(choices.traffic_source_id),
            type="integer",
            description="Your traffic source id in TrackDrive. Same on every post.",
        )
    )
    fields.append(
        Field(
            "caller_id",
            token("caller_id", "caller_id", CALLER_ID_EXAMPLE),
            type="phone",
            description="The caller's phone number; TrackDrive normalises it to E.164 (+1...).",
            label="Caller phone number",
        )
    )
    fields.append(
        Field(
            choices.call_id_field,
            token(choices.call_id_field, "call_id", call_id_example(choices.call_id_field, offer.id, source.id)),
            required=source.conversion.type != "none",
            description="Your own id for this call or lead; conversions are reported back with it.",
            label="Your call id",
        )
    )
    for f in offer.fields:
        if f.show:
            fields.append(
                Field(
                    f.name,
                    token(f.name, f.name, f.example),
                    f.required,
                    f.description,
                    f.type,
                    f.pattern,
                    tuple(f.allowed or ()),
                    f.label,
                )
            )
    return fields


def _origin(account: Account) -> Value:
    return Value.of(f"{account.subdomain}.{account.base_domain}")


def _request(
    key: str,
    title: str,
    account: Account,
    platform: Platform,
    path: tuple[str, ...],
    fields: list[Field],
    form: str,
    headers: tuple[Field, ...],
    notes: tuple[str, ...],
) -> Request:
    segs = tuple(Value.of(s) if isinstance(s, str) else s for s in path)
    if form == "json":
        body: tuple[Member, ...] = tuple(fields)
        return Request(
            key,
            title,
            "partner",
            platform,
            "POST",
            "https",
            _origin(account),
            segs,
            headers=(Field("Content-Type", Value.of(JSON_TYPE)), *headers),
            body=body,
            example_origin=account.base_url,
            notes=notes,
        )
    method: Literal["GET", "POST"] = "POST" if form == "post_url" else "GET"
    return Request(
        key,
        title,
        "partner",
        platform,
        method,
        "https",
        _origin(account),
        segs,
        query=tuple(fields),
        headers=headers,
        example_origin=account.base_url,
        notes=notes,
    )


def build_intake(
    account: Account, offer: Offer, source: TrafficSource, platform: Platform, choices: SourceChoices
) -> tuple[Request, ...]:
    """The request(s) the source sends for each call, by the offer's intake method."""
    intake = offer.intake
    if intake.method == "lead_post":
        fields = _payload(account, offer, source, platform, choices, with_lead_token=True)
        return (
            _request(
                "lead", "Lead post", account, platform, ("api", "v1", "leads"), fields, choices.form, (), choices.notes
            ),
        )
    if intake.method == "capture":
        fields = _payload(account, offer, source, platform, choices, with_lead_token=True)
        return (
            _request(
                "capture",
                "Capture",
                account,
                platform,
                ("api", "v1", "leads", "capture"),
                fields,
                choices.form,
                (),
                choices.notes,
            ),
        )
    scheme = "Bearer" if intake.auth == "bearer" else "Token"
    secret = Placeholder(
        "api_token",
        API_TOKEN_PLACEHOLDER,
        f"{account.company} sends you this token privately. It is never written on this page.",
    )
    auth = (Field("Authorization", Value.of(f"{scheme} ", secret), description="Your inbound webhook token."),)
    ping_fields = _payload(account, offer, source, platform, choices, with_lead_token=False)
    ping_id = Placeholder(
        "ping_id",
        "PING_ID_FROM_PING_RESPONSE",
        "The ping's answer: try_all_buyers_ping_id to try every buyer, or one buyer's ping_id.",
        secret=False,
        example=ping_id_example(offer.id, source.id),
    )
    caller = next(f for f in ping_fields if f.name == "caller_id")
    post_fields = [Field("ping_id", Value.of(ping_id), description="From the ping's answer."), caller]
    vanity = intake.vanity_uri
    return (
        _request(
            "ping",
            "Ping",
            account,
            platform,
            ("api", "v1", "inbound_webhooks", "ping", vanity),
            ping_fields,
            choices.form,
            auth,
            choices.notes,
        ),
        _request(
            "post",
            "Post",
            account,
            platform,
            ("api", "v1", "inbound_webhooks", "post", vanity),
            post_fields,
            choices.form,
            auth,
            (),
        ),
    )


def build_conversion(offer: Offer, source: TrafficSource, pair: OfferSource, choices: SourceChoices) -> Request | None:
    """The postback TrackDrive sends the source when a call converts, or None (Retreaver, none)."""
    conv = source.conversion
    samples = _trackdrive_samples(offer, source, choices)
    call_id = Tok(choices.call_id_field, TRACKDRIVE.token(choices.call_id_field), samples[choices.call_id_field])
    if conv.type == "ringba":
        code = Placeholder(
            "ringba_webhook_code",
            RINGBA_CODE_PLACEHOLDER,
            "Your unique Ringba webhook code, which you gave the offer owner.",
        )
        query = (
            Field("call_id", Value.of(call_id), description="Your Ringba call id (from ringba_call_uuid)."),
            Field(
                "call_revenue",
                Value.of(Tok("payout", "[payout]", samples["payout"])),
                type="decimal",
                description="Your payout for the call.",
            ),
            Field("sale_successful", Value.of("true")),
        )
        return Request(
            "conversion",
            "Conversion postback (Ringba global webhook)",
            "trackdrive",
            TRACKDRIVE,
            "GET",
            "https",
            Value.of("webhook.ringba.com"),
            (Value.of("hook"), Value.of(code)),
            query=query,
        )
    if conv.type == "url":
        return _url_conversion(conv, samples)
    return None


def _trackdrive_samples(offer: Offer, source: TrafficSource, choices: SourceChoices) -> dict[str, str]:
    """Sample values of TrackDrive tokens a conversion postback may use."""
    samples: dict[str, str] = {f.name: f.example for f in offer.fields}
    samples.update(
        {
            "caller_id": CALLER_ID_EXAMPLE,
            "payout": choices.payout or "25.00",
            "traffic_source_id": choices.traffic_source_id,
            choices.call_id_field: call_id_example(choices.call_id_field, offer.id, source.id),
        }
    )
    return samples


def parse_trackdrive(text: str, samples: dict[str, str]) -> Value:
    """Split text written with TrackDrive tokens (``[payout]``) into a value."""
    parts: list[Part] = []
    pos = 0
    for match in TD_TOKEN.finditer(text):
        if match.start() > pos:
            parts.append(Lit(text[pos : match.start()]))
        name = match.group(1)
        parts.append(Tok(name, match.group(0), samples.get(name, "example")))
        pos = match.end()
    if pos < len(text):
        parts.append(Lit(text[pos:]))
    return Value(tuple(parts))


def _param(param: str, text: str, samples: dict[str, str]) -> Value:
    """A postback query value: TrackDrive tokens, or a placeholder for a secret written as ``env:NAME``.

    The placeholder is named after the environment variable (the owner's setup step says which one) and
    shows ``YOUR_<PARAMETER>`` to the partner.
    """
    name = ref_name(text)
    if name is None:
        return parse_trackdrive(text, samples)
    return Value.of(
        Placeholder(
            name,
            "YOUR_" + re.sub(r"[^A-Za-z0-9]+", "_", param).strip("_").upper(),
            "A secret of yours, which you gave the offer owner. It is never written on this page.",
        )
    )


def _url_conversion(conv: UrlConversion, samples: dict[str, str]) -> Request:
    split = urlsplit(conv.url)
    host = parse_trackdrive(split.netloc, samples)
    segments = tuple(parse_trackdrive(s, samples) for s in split.path.strip("/").split("/") if s)
    query = tuple(Field(name, _param(name, value, samples)) for name, value in conv.params.items())
    return Request(
        "conversion",
        "Conversion postback",
        "trackdrive",
        TRACKDRIVE,
        conv.method,
        split.scheme,
        host,
        segments,
        query=query,
    )


def ping_response_example(offer_id: str, source_id: str) -> dict[str, Any]:
    """The shape of a ping's answer as TrackDrive's ping/post guide gives it (TD-PING).

    ``status`` first, and numbers as numbers; the values are samples.
    """
    ping = ping_id_example(offer_id, source_id)
    return {
        "status": "success",
        "try_all_buyers_ping_id": ping,
        "buyers": [{"buyer_id": 1001, "name": "Example buyer", "bid": 32.0, "ping_id": ping[::-1]}],
    }
