"""The buyer's postback to TrackDrive (``/api/v1/calls/update_call/<uuid>``), per the seed document.

The request follows every rule of DOMAIN.md: the call uuid is always the buyer's
token for the field where it stored ``trackdrive_call_uuid``; the subdomain is
fixed unless the buyer's platform substitutes tokens in host names and the
buyer chose the global form; auth is a Basic header unless the buyer chose
``auth_token`` or its platform cannot send headers; the minimum body is
``buyer_converted``, ``revenue`` (when sent), ``offer_converted`` and
``post_call_tokens``, with extra data only inside ``post_call_tokens``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from .canonical import JSON_TYPE, Field, Group, Member, Placeholder, Request, Tok, Value
from .models import Account, Buyer, Offer, OfferBuyer, RevenueToken
from .platforms import Platform

BASIC_PLACEHOLDER = "YOUR_TRACKDRIVE_BASIC_AUTH_TOKEN"
AUTH_TOKEN_PLACEHOLDER = "YOUR_TRACKDRIVE_AUTH_TOKEN"  # noqa: S105 - a placeholder, never a secret


@dataclass(frozen=True)
class Stored:
    """A value TrackDrive sends the buyer, and the buyer field that keeps it."""

    name: str
    field: str
    token: str
    example: str
    description: str


@dataclass(frozen=True)
class BuyerChoices:
    """The buyer's resolved request form, auth, subdomain form and revenue for one offer."""

    form: Literal["json", "post_url", "get"]
    auth: Literal["header", "payload"]
    subdomain: Literal["fixed", "token"]
    revenue: Literal["amount", "token", "none"]
    revenue_value: str | None
    """The fixed amount, or the platform token name."""
    revenue_example: str | None
    agreed_revenue: str | None
    notes: tuple[str, ...]
    sale_statuses: tuple[str, ...] = ()
    """On a platform that fires on every call outcome: the statuses that mean a converted call."""


def call_uuid_example(offer_id: str, buyer_id: str) -> str:
    """A realistic, stable TrackDrive call uuid for the pair's filled example."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"postdocs:call:{offer_id}:{buyer_id}"))


def stored_values(account: Account, offer: Offer, buyer: Buyer, platform: Platform) -> tuple[Stored, Stored]:
    """``trackdrive_call_uuid`` and ``trackdrive_subdomain`` with the buyer's fields and tokens."""
    return (
        Stored(
            "trackdrive_call_uuid",
            buyer.stores.trackdrive_call_uuid,
            platform.token(buyer.stores.trackdrive_call_uuid),
            call_uuid_example(offer.id, buyer.id),
            "TrackDrive's id of the call. Different on every call; the postback URL ends with it.",
        ),
        Stored(
            "trackdrive_subdomain",
            buyer.stores.trackdrive_subdomain,
            platform.token(buyer.stores.trackdrive_subdomain),
            account.subdomain,
            f"The TrackDrive account the call came from ({account.subdomain}.{account.base_domain}).",
        ),
    )


def auth_placeholder(kind: Literal["header", "payload"], company: str) -> Placeholder:
    """The buyer's TrackDrive credential, as a placeholder with where to get it."""
    if kind == "header":
        return Placeholder(
            "basic_auth_token",
            BASIC_PLACEHOLDER,
            "TrackDrive's sources differ on whose token this is. Its Basic-auth article says the account that "
            f"receives the postback, the one of {company}. Its older guide says your own: in TrackDrive, switch to "
            "your own account, open Integrations > API & Access Tokens and click New: Data Access 'Superuser Access', "
            f"tick 'Grant unlimited access to all resources'; or one from {company}. Ask {company} which to use.",
        )
    return Placeholder(
        "auth_token",
        AUTH_TOKEN_PLACEHOLDER,
        "Log in to TrackDrive with your own e-mail and open the User menu > Profile. "
        f"{company} cannot give you this one; support@trackdrive.com can, if you write from that e-mail.",
    )


def build_postback(
    account: Account,
    offer: Offer,
    buyer: Buyer,
    pair: OfferBuyer,
    platform: Platform,
    choices: BuyerChoices,
) -> Request:
    """The postback request the buyer's platform must send when a call converts."""
    call_uuid, subdomain = stored_values(account, offer, buyer, platform)
    if choices.subdomain == "token":
        host = Value.of(Tok("trackdrive_subdomain", subdomain.token, subdomain.example), f".{account.base_domain}")
    else:
        host = Value.of(f"{account.subdomain}.{account.base_domain}")
    path = (
        *(Value.of(s) for s in ("api", "v1", "calls", "update_call")),
        Value.of(Tok("trackdrive_call_uuid", call_uuid.token, call_uuid.example)),
    )

    fields: list[Field] = []
    secret = auth_placeholder(choices.auth, account.company)
    if choices.auth == "payload":
        fields.append(Field("auth_token", Value.of(secret), description="Your TrackDrive auth token."))
    fields.append(
        Field(
            "buyer_converted",
            Value.of("true"),
            type="boolean",
            description="The call converted for you: a boolean, sent as the text true.",
        )
    )
    if choices.revenue == "amount" and choices.revenue_value:
        fields.append(
            Field(
                "revenue",
                Value.of(choices.revenue_value),
                type="decimal",
                description="Revenue of the call, the agreed fixed amount.",
            )
        )
    elif choices.revenue == "token" and choices.revenue_value and choices.revenue_example:
        fields.append(
            Field(
                "revenue",
                Value.of(Tok("revenue", platform.token(choices.revenue_value), choices.revenue_example)),
                type="decimal",
                description="Revenue of the call, filled in by your platform.",
            )
        )
    fields.append(
        Field(
            "offer_converted",
            Value.of("true"),
            type="boolean",
            description="The call also converts for the traffic source: a boolean, sent as the text true.",
        )
    )
    extra = tuple(
        Field(
            t.name,
            Value.of(Tok(t.name, platform.token(t.token), t.example)),
            required=False,
            description="Extra data you send back.",
        )
        for t in buyer.post_call_tokens
    )

    headers: list[Field] = []
    if choices.auth == "header":
        headers.append(
            Field("Authorization", Value.of("Basic ", secret), description="Your TrackDrive Basic auth token.")
        )
    if choices.form == "json":
        headers.insert(0, Field("Content-Type", Value.of(JSON_TYPE)))
        body: tuple[Member, ...] = (
            *fields,
            Group("post_call_tokens", extra, "Extra data for TrackDrive; may be empty.", required=False),
        )
        return Request(
            "postback",
            "Postback to TrackDrive",
            "partner",
            platform,
            "POST",
            "https",
            host,
            path,
            headers=tuple(headers),
            body=body,
            example_origin=account.base_url,
            notes=choices.notes,
        )
    query = (*fields, *(Field(f"post_call_tokens[{f.name}]", f.value, False, f.description) for f in extra))
    method: Literal["GET", "POST"] = "POST" if choices.form == "post_url" else "GET"
    return Request(
        "postback",
        "Postback to TrackDrive",
        "partner",
        platform,
        method,
        "https",
        host,
        path,
        query=query,
        headers=tuple(headers),
        example_origin=account.base_url,
        notes=choices.notes,
    )


def revenue_of(pair: OfferBuyer, buyer: Buyer) -> RevenueToken | str | None:
    """The revenue setting in force for the pair (the pair's override, else the buyer's)."""
    return pair.revenue if pair.revenue is not None else buyer.revenue
