"""The catalogue's file formats as strict pydantic models.

One file describes one entity: ``account.yml``, an offer per ``*.yml`` at the
top of the catalogue, and one file per buyer, traffic source and custom
platform in their folders.  Field docstrings become the descriptions of the
exported JSON Schema, so they are written for the people editing the files.

Models only check what a single file can know.  References between files,
platform capabilities and other cross-file rules live in :mod:`catalogue`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import quoted
from .patterns import PatternError, compile_pattern
from .secrets import ENV_REF, REF_HINT, credential_in, ref_name
from .urls import UrlError, parse_url


def fail(message: str, hint: str = "") -> PydanticCustomError:
    """A validation error whose message and hint reach the user unchanged."""
    return PydanticCustomError("postdocs", "{message}", {"message": message, "hint": hint})


# --------------------------------------------------------------------------- scalar types

_ID = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
_FIELD = re.compile(r"[a-z][a-z0-9_]{0,63}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MONEY = re.compile(r"[0-9]{1,7}(?:\.[0-9]{1,2})?")
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}")
_DIGITS = re.compile(r"[0-9]{1,18}")
_LEAD_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,128}")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise fail(f"must be text, not {_kind(value)}", "quote the value")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, Decimal)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _id(value: Any) -> str:
    text = _text(value)
    if not _ID.fullmatch(text):
        raise fail(
            f"{quoted(text)} is not a valid id",
            "use 1-64 lowercase ASCII letters, digits, '-' or '_', starting and ending with a letter or digit",
        )
    return text


def _field_name(value: Any) -> str:
    text = _text(value)
    if not _FIELD.fullmatch(text):
        raise fail(
            f"{quoted(text)} is not a valid field name",
            "use lowercase ASCII letters, digits and '_', starting with a letter (TrackDrive token names)",
        )
    return text


def _subdomain(value: Any) -> str:
    text = _text(value)
    if not _LABEL.fullmatch(text):
        raise fail(
            f"{quoted(text)} is not a TrackDrive subdomain",
            "give only the first label of https://<subdomain>.trackdrive.com: 1-63 lowercase letters, digits "
            "or '-', not starting or ending with '-'",
        )
    return text


def _money(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise fail(f"must be an amount of money, not {_kind(value)}", "write it like 35.00")
    text = str(value).strip()
    if not _MONEY.fullmatch(text):
        raise fail(
            f"{quoted(text)} is not an amount of money",
            "write a positive decimal with at most two decimals, like 35.00",
        )
    try:
        return f"{Decimal(text):.2f}"
    except InvalidOperation:  # pragma: no cover - excluded by the pattern
        raise fail(f"{quoted(text)} is not an amount of money", "write it like 35.00") from None


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise fail(f"must be a single value, not {_kind(value)}", "quote the value")
    return str(value)


def _email(value: Any) -> str:
    text = _text(value)
    if not _EMAIL.fullmatch(text):
        raise fail(f"{quoted(text)} is not an e-mail address", "write it like partners@example.com")
    return text


def _digits(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fail(f"must be a TrackDrive id, not {_kind(value)}", "copy the numeric id from TrackDrive")
    text = str(value)
    if not _DIGITS.fullmatch(text):
        raise fail(f"{quoted(text)} is not a TrackDrive id", "TrackDrive ids are whole numbers, like 104772")
    return text


_STATUS = re.compile(r"[A-Za-z0-9_]{1,6}")


def _status(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise fail(f"must be a status code, not {_kind(value)}", "write the status code, like SALE")
    text = str(value)
    if not _STATUS.fullmatch(text):
        raise fail(
            f"{text!r} is not a call status code",
            "write the status code as the dialer shows it: 1-6 letters, digits or '_', like SALE",
        )
    return text


def _lead_token(value: Any) -> str:
    text = _text(value)
    if not _LEAD_TOKEN.fullmatch(text):
        raise fail(
            f"{quoted(text)} is not a TrackDrive lead token",
            "copy the offer's lead token from TrackDrive (Offers > edit > Posting Instructions): 8-128 letters, "
            "digits, '-' or '_'",
        )
    return text


def _url(value: Any, **rules: Any) -> str:
    text = _text(value)
    try:
        parse_url(text, **rules)
    except UrlError as exc:
        if exc.userinfo and credential_in(text) is not None:
            return text  # the credential scan reports it, once, as a credential
        raise fail(exc.message, exc.hint) from None
    return text


def _base_url(value: Any) -> str:
    return _url(value, example="http://127.0.0.1:8080").rstrip("/")


def _conversion_url(value: Any) -> str:
    return _url(value, tokens=True, query_hint="move each parameter into conversion.params")


def _docs_url(value: Any) -> str:
    text = _text(value)
    return text if not text else _url(text, query=True, fragment=True, example="https://docs.example.com/tokens")


def _token_ref(value: Any) -> str:
    text = _text(value)
    if not text or any(c.isspace() and c != " " for c in text) or len(text) > 128:
        raise fail(f"{quoted(text)} is not a token name", "write the name of the field on the partner's platform")
    return text


def _short(value: Any) -> str:
    text = _text(value)
    if not text.strip():
        raise fail("must not be empty", "write a short name")
    if len(text) > 200 or "\n" in text:
        raise fail("must be one line of at most 200 characters", "move details into description")
    return text


def _secret(value: Any) -> str:
    text = _text(value)
    if ref_name(text) is None:
        raise fail(
            "is a secret: write a reference to an environment variable, like env:RINGBA_CODE, never the value itself",
            REF_HINT,
        )
    return text


def _param_value(value: Any) -> str:
    text = _text(value)
    if text.startswith("env:") and ref_name(text) is None:
        raise fail(
            "is not a reference to an environment variable",
            "write env: and a variable name of letters, digits and '_', like env:POSTBACK_KEY",
        )
    return text


def _user_pattern(value: str) -> str:
    try:
        compile_pattern(value)
    except PatternError as exc:
        raise fail(f"{quoted(value)} {exc.message}", exc.hint) from None
    return value


def _pattern(regex: re.Pattern[str]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": f"^{regex.pattern}$"})


Id = Annotated[str, BeforeValidator(_id), _pattern(_ID)]
FieldName = Annotated[str, BeforeValidator(_field_name), _pattern(_FIELD)]
Subdomain = Annotated[str, BeforeValidator(_subdomain), _pattern(_LABEL)]
Money = Annotated[
    str,
    BeforeValidator(_money),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": f"^{_MONEY.pattern}$"}, {"type": "number", "minimum": 0}]}),
]
Email = Annotated[str, BeforeValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]
TrackDriveId = Annotated[
    str,
    BeforeValidator(_digits),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": f"^{_DIGITS.pattern}$"}, {"type": "integer", "minimum": 0}]}
    ),
]
LeadToken = Annotated[str, BeforeValidator(_lead_token), _pattern(_LEAD_TOKEN)]
StatusCode = Annotated[str, BeforeValidator(_status), _pattern(_STATUS)]
BaseUrl = Annotated[str, BeforeValidator(_base_url), WithJsonSchema({"type": "string", "format": "uri"})]
TokenRef = Annotated[
    str, BeforeValidator(_token_ref), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 128})
]
Name = Annotated[str, BeforeValidator(_short), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200})]
SecretRef = Annotated[str, BeforeValidator(_secret), _pattern(ENV_REF)]
"""A secret, written as ``env:NAME``: the name of the environment variable that holds it."""
ParamValue = Annotated[str, BeforeValidator(_param_value), WithJsonSchema({"type": "string"})]
UserPattern = Annotated[str, AfterValidator(_user_pattern)]
"""A regular expression of the catalogue, in the dialect :mod:`patterns` runs in linear time."""
ScalarText = Annotated[str, BeforeValidator(_scalar_text), WithJsonSchema({"type": ["string", "number", "integer"]})]
Method = Literal["GET", "POST"]
METHODS: tuple[Method, ...] = ("GET", "POST")
Form = Literal["json", "post_url", "get"]


class Model(BaseModel):
    """Base of every catalogue model: unknown keys are errors, values are immutable.

    Validators are built on first use (``defer_build``): a catalogue validates only its five
    top-level file models, which build their nested models' schemas themselves, so building a
    validator for every nested model when this module is imported is work thrown away.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


# --------------------------------------------------------------------------- account


class Support(Model):
    """Who partners contact when something does not work."""

    email: Email
    """Support e-mail address shown on every page."""
    name: Name | None = None
    """Team or person name."""
    phone: Name | None = None
    """Support phone number, as it should be shown."""


class Account(Model):
    """``account.yml``: the offer owner's TrackDrive account."""

    subdomain: Subdomain
    """The account's TrackDrive subdomain: ``acme`` for https://acme.trackdrive.com."""
    base_domain: Literal["trackdrive.com", "trackdrive.net"] = "trackdrive.com"
    """The domain the account lives on."""
    company: Name
    """The offer owner's company name, shown to partners."""
    support: Support
    """Support contact shown on every page."""
    base_url: BaseUrl | None = None
    """Send filled examples and code samples here instead of the real TrackDrive host (tests, local receivers).
    Templates pasted into partner platforms always keep the real host."""


# --------------------------------------------------------------------------- platforms


class TokenWrapper(Model):
    """How a custom platform writes a token: a prefix and suffix, or a pattern with ``{name}``."""

    prefix: str | None = None
    """Text before the field name, like ``%%``."""
    suffix: str | None = None
    """Text after the field name."""
    pattern: str | None = None
    """The whole token with ``{name}`` where the field name goes, like ``%%{name}%%``."""

    @model_validator(mode="after")
    def _one_form(self) -> TokenWrapper:
        if self.pattern is not None:
            if self.prefix is not None or self.suffix is not None:
                raise fail("give either pattern, or prefix and suffix, not both", "keep only pattern")
            if self.pattern.count("{name}") != 1:
                raise fail("pattern must contain {name} exactly once", "write it like %%{name}%%")
            return self
        if not self.prefix or self.suffix is None:
            raise fail("give a pattern, or a non-empty prefix and a suffix", "for example pattern: '%%{name}%%'")
        return self

    def parts(self) -> tuple[str, str]:
        """``(prefix, suffix)`` of the token."""
        if self.pattern is not None:
            before, after = self.pattern.split("{name}")
            return before, after
        return self.prefix or "", self.suffix or ""


STEP_PART = re.compile(
    r"(?:(?:postback|lead|capture|ping|post|conversion)\.)?"
    r"(?:url|method|headers|body|query|(?:header|field|name|pair):[A-Za-z0-9_.\[\]-]{1,64})"
)
"""A part of a canonical request a step refers to (see :class:`StepPart`)."""

StepCondition = Literal[
    "json",
    "query",
    "header_auth",
    "payload_auth",
    "headers",
    "no_headers",
    "revenue_token",
    "revenue_amount",
    "revenue_none",
    "subdomain_token",
]
"""When a step applies: the request has a JSON body (``json``) or its values in the URL (``query``); the
postback authenticates with a header (``header_auth``) or ``auth_token`` in the payload (``payload_auth``); the
request has headers (``headers``) or none (``no_headers``); how revenue is sent; a token in the host name."""

Action = Literal[
    "postback",
    "lead_post",
    "capture",
    "ping_post",
    "conversion_ringba",
    "conversion_retreaver",
    "conversion_url",
]
"""What a partner does on its platform: a buyer's postback; a traffic source's lead post, capture, or ping and
post; a traffic source receiving conversions through TrackDrive's Ringba or Retreaver global webhook or a URL."""


def _step_part(value: Any) -> str:
    text = _text(value)
    if not STEP_PART.fullmatch(text):
        raise fail(
            f"{text!r} is not a part of a request",
            "write url, method, headers, body, query, header:<Name>, field:<name>, name:<field> or pair:<field>, "
            "optionally after the request's key and a dot (ping.url, post.body, conversion.name:call_id)",
        )
    return text


PartRef = Annotated[str, BeforeValidator(_step_part), _pattern(STEP_PART)]


def _one_line(value: Any) -> str:
    text = _text(value)
    if not text.strip():
        raise fail("must not be empty", "write one sentence")
    if "\n" in text or len(text) > 600:
        raise fail("must be one line of at most 600 characters", "split it into two steps")
    return text


STEP_SOURCE = re.compile(r"|https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/%-]*)?|[A-Z]{1,4}-[A-Z]{2,12}|SEED")


def _step_source(value: Any) -> str:
    text = _text(value)
    if not STEP_SOURCE.fullmatch(text):
        raise fail(
            f"{text!r} is not a source",
            "give the https address of the documentation page (no query string or fragment), or leave it out",
        )
    return text


StepSource = Annotated[str, BeforeValidator(_step_source), _pattern(STEP_SOURCE)]
StepText = Annotated[
    str, BeforeValidator(_one_line), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 600})
]


class StepPart(Model):
    """A part of the pair's canonical request that a step shows, rendered from the request (never retyped)."""

    ref: PartRef
    """Which part: ``url``, ``method``, ``headers`` (each header), ``body`` (the JSON body), ``query`` (every
    query field as name=value), ``header:<Name>`` (one header), ``field:<name>`` (one field's value),
    ``name:<name>`` (one field's name), ``pair:<name>`` (one field as name=value). Prefix a request's key to
    pick one of a page's requests: ``ping.url``, ``post.body``, ``conversion.name:call_id``; without it, the
    page's first request."""
    label: str = ""
    """What the partner's platform calls the box this part goes into, like ``Call Token``."""


class Step(Model):
    """One thing a partner does on its platform, in order: where, what to type or paste, and why."""

    where: StepText
    """Where in the platform: a menu path, a screen, a setting, the event or trigger that fires the request."""
    do: StepText
    """What to do there, in one sentence. ``{company}``, ``{platform}``, ``{sale_statuses}``, ``{partner}`` are
    replaced by the offer owner's company, the platform's name, the buyer's sale statuses and the partner's name."""
    enter: str = ""
    """A fixed setting value to type that is not part of the request (like ``ALT``)."""
    paste: list[StepPart] = Field(default_factory=list)
    """Parts of the request to paste, each rendered from the canonical request."""
    prevents: StepText
    """The mistake this step prevents (what goes wrong without it)."""
    source: StepSource = ""
    """The platform's documentation page this step comes from (an https address), or the id of a fact in the
    project's domain notes (like V-DISPO). Every built-in step has one; a custom platform's may leave it empty."""
    when: list[StepCondition] = Field(default_factory=list)
    """The step applies only when every condition holds (empty: always)."""


class PlatformFile(Model):
    """``platforms/<id>.yml``: a platform that is not built in, with its own token syntax."""

    id: Id
    """Platform id, referred to by buyers and traffic sources."""
    name: Name
    """Platform name shown to partners."""
    token: TokenWrapper
    """Token syntax."""
    name_pattern: UserPattern = "[A-Za-z0-9_]+"
    """Regular expression a field name must match to be carried in a token (JavaScript syntax without
    back-references, lookaround, named groups or inline flags; run in linear time)."""
    host_tokens: bool = False
    """Can a token be substituted inside a URL's host name?"""
    headers: bool = True
    """Can the platform send custom HTTP headers?"""
    json_body: bool | None = None
    """Can the platform send a JSON body? It is sent with a ``Content-Type`` header, so it needs ``headers``.
    Default: the same as ``headers``."""
    methods: list[Method] = Field(default_factory=lambda: list(METHODS), min_length=1)
    """HTTP methods its outgoing requests can use."""
    known: dict[str, str] = Field(default_factory=dict)
    """Its own token names for common values: caller_id, call_id, payout, revenue."""
    docs: Annotated[str, BeforeValidator(_docs_url), WithJsonSchema({"type": "string"})] = ""
    """Where the platform documents its tokens (an http(s) URL; without ``steps``, where partners find the rest)."""
    every_outcome: bool = False
    """Does the platform fire its postback on every call outcome (like ViciDial's Dispo Call URL), so that a buyer
    must name the statuses that mean a sale (``sale_statuses``)?"""
    steps: dict[Action, list[Step]] = Field(default_factory=dict)
    """Setup steps on this platform, by what the partner does: postback, lead_post, capture, ping_post. Without
    steps for an action, its pages say plainly that the platform's own documentation must be followed."""


# --------------------------------------------------------------------------- offers

FieldType = Literal["text", "phone", "email", "integer", "decimal", "boolean", "date", "zip", "state"]

_TYPE_CHECKS: dict[str, tuple[re.Pattern[str], str]] = {
    "phone": (re.compile(r"\+?[0-9]{10,15}"), "a phone number like +13125550123"),
    "email": (_EMAIL, "an e-mail address"),
    "integer": (re.compile(r"-?[0-9]+"), "a whole number"),
    "decimal": (re.compile(r"-?[0-9]+(?:\.[0-9]+)?"), "a decimal number"),
    "boolean": (re.compile(r"true|false|yes|no|1|0"), "true or false"),
    "date": (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), "a date like 1956-04-12"),
    "zip": (re.compile(r"[0-9]{5}(?:-[0-9]{4})?"), "a US ZIP code like 60601"),
    "state": (re.compile(r"[A-Z]{2}"), "a two-letter state code like IL"),
}

RESERVED_FIELDS = frozenset(
    {
        # carried by the requests postdocs writes
        "lead_token",
        "caller_id",
        "traffic_source_id",
        "data",
        "auth_token",
        "ping_id",
        "traffic_source_lead_id",
        "ringba_call_uuid",
        "retreaver_call_uuid",
        # first-class parameters of TrackDrive's lead API: a contact field with one of these names would
        # change how the lead is handled (trackdrive.com/api/docs/1.0/leads_external/create.html)
        "offer_lead_token",
        "schedule_lead_token",
        "contact_field_type",
        "schedule_callback_at",
        "schedule_callback_in_seconds",
        "update_all_matching_leads",
        "apply_to",
        "unblock_contact",
        "blocked",
        "assign_trackdrive_number",
        "assign_sms_number",
        "expire_existing",
        "delete_existing",
        "update_only",
        "lead_priority",
        "restart_schedule",
        "auto_format_nested_fields",
        "next_action_at",
        "hours_to_expire",
        "max_contact_attempts",
        "expires_in",
    }
)
"""Names a contact field cannot take: the requests use them, or TrackDrive gives them a meaning."""


class ContactField(Model):
    """A contact field of the offer that traffic sources send."""

    name: FieldName
    """Field name as TrackDrive receives it (a TrackDrive token name)."""
    label: Name
    """Human label."""
    type: FieldType = "text"
    """Value type; checks the example and tells partners the format."""
    required: bool = False
    """Must every post carry it?"""
    pattern: UserPattern | None = None
    """Regular expression the value must match in full (JavaScript syntax without back-references,
    lookaround, named groups or inline flags; run in linear time)."""
    allowed: list[ScalarText] | None = Field(default=None, min_length=1)
    """The only acceptable values."""
    example: ScalarText
    """A realistic sample value, used in filled examples."""
    description: str = ""
    """What the field means, shown in the field table."""
    show: bool = True
    """Show it in posting instructions (TrackDrive's "show in posting instructions")."""

    @model_validator(mode="after")
    def _example_fits(self) -> ContactField:
        if self.name in RESERVED_FIELDS:
            raise fail(
                f"{quoted(self.name)} is sent by every request and cannot be a contact field",
                "remove it; postdocs adds it where the request needs it",
            )
        check = _TYPE_CHECKS.get(self.type)
        if check and not check[0].fullmatch(self.example):
            raise fail(f"example {quoted(self.example)} is not {check[1]}", f"give an example of type {self.type}")
        if self.pattern is not None and not compile_pattern(self.pattern).fullmatch(self.example):
            raise fail(
                f"example {quoted(self.example)} does not match pattern {quoted(self.pattern)}", "fix one of the two"
            )
        if self.allowed is not None:
            if len(set(self.allowed)) != len(self.allowed):
                raise fail("allowed lists a value twice", "remove the duplicate")
            if self.example not in self.allowed:
                raise fail(f"example {quoted(self.example)} is not one of the allowed values", "pick an allowed value")
        return self


class LeadPost(Model):
    """Traffic sources post leads to ``/api/v1/leads`` with the offer's lead token."""

    method: Literal["lead_post"]
    """Lead post."""


class Capture(Model):
    """Traffic sources fire a Ringba-style pixel at ``/api/v1/leads/capture``."""

    method: Literal["capture"]
    """Capture from a pixel."""


class PingPost(Model):
    """Traffic sources ping for a bid, then post the call, through an inbound webhook."""

    method: Literal["ping_post"]
    """Ping/post."""
    vanity_uri: Id
    """The inbound webhook's vanity URI: ``/api/v1/inbound_webhooks/ping/<vanity_uri>``."""
    auth: Literal["bearer", "token"] = "bearer"
    """Authorization scheme: ``Bearer <token>`` or ``Token <token>``."""


Intake = Annotated[LeadPost | Capture | PingPost, Field(discriminator="method")]


class RevenueToken(Model):
    """Revenue sent as a token of the buyer's platform."""

    token: TokenRef
    """Well-known value (``payout``) or a field name on the buyer's platform."""
    example: Money = "45.00"
    """Amount used in filled examples."""


def _revenue_kind(value: Any) -> str:
    if isinstance(value, (dict, RevenueToken)):
        return "token"
    if value == "none":
        return "none"
    return "amount"


Revenue = Annotated[
    Annotated[Literal["none"], Tag("none")] | Annotated[RevenueToken, Tag("token")] | Annotated[Money, Tag("amount")],
    Discriminator(_revenue_kind),
]
"""An amount (``35.00``), ``{token: payout}``, or ``none`` (the buyer sends no revenue)."""


class OfferBuyer(Model):
    """A buyer that takes calls on this offer."""

    buyer: Id
    """The buyer's id (``buyers/<id>.yml``)."""
    revenue: Revenue | None = None
    """Overrides the buyer's revenue on this offer: an amount, ``{token: ...}`` or ``none``."""
    agreed_revenue: Money | None = None
    """With revenue ``none``: the amount agreed in the buyer's "API Postback" conversion setting."""


class OfferSource(Model):
    """A traffic source that sends calls to this offer."""

    traffic_source: Id
    """The traffic source's id (``traffic-sources/<id>.yml``)."""
    payout: Money | None = None
    """What the source is paid for a converted call on this offer."""
    traffic_source_id: TrackDriveId | None = None
    """Overrides the source's TrackDrive traffic source id on this offer."""


class Offer(Model):
    """``<offer-id>.yml``: an offer, how traffic sources post to it and who works on it."""

    id: Id
    """Offer id, used in links and commands."""
    name: Name
    """Offer name shown to partners."""
    description: str = ""
    """One paragraph about the offer, shown on its pages."""
    lead_token: LeadToken | None = None
    """The offer's TrackDrive lead token (needed by lead_post and capture)."""
    intake: Intake
    """How traffic sources deliver calls and data: lead_post, capture or ping_post."""
    fields: list[ContactField] = Field(default_factory=list)
    """Contact fields traffic sources send, besides caller_id."""
    agreed_revenue: Money | None = None
    """Default amount for buyers that send no revenue (their conversion setting is "API Postback")."""
    buyers: list[OfferBuyer] = Field(default_factory=list)
    """Buyers on this offer."""
    traffic_sources: list[OfferSource] = Field(default_factory=list)
    """Traffic sources on this offer."""


# --------------------------------------------------------------------------- partners


class Stores(Model):
    """The fields where a buyer stores what TrackDrive sends it."""

    trackdrive_call_uuid: TokenRef = "trackdrive_call_uuid"
    """Field on the buyer's platform holding ``trackdrive_call_uuid``."""
    trackdrive_subdomain: TokenRef = "trackdrive_subdomain"
    """Field on the buyer's platform holding ``trackdrive_subdomain``."""


class ExtraToken(Model):
    """Extra data a buyer sends back inside ``post_call_tokens``."""

    name: FieldName
    """Name TrackDrive stores it under."""
    token: TokenRef
    """Field on the buyer's platform that holds the value."""
    example: ScalarText
    """Sample value for filled examples."""


class Contact(Model):
    """A partner's contact, for the offer owner's setup list (never published)."""

    email: Email | None = None
    """E-mail of the partner's TrackDrive login or integration contact."""
    name: Name | None = None
    """Contact name."""


class Buyer(Model):
    """``buyers/<id>.yml``: a buyer that posts conversions back to TrackDrive."""

    id: Id
    """Buyer id."""
    name: Name
    """Buyer name shown on its pages."""
    platform: Id
    """Platform id: trackdrive, ringba, retreaver, vicidial, generic, or a file in platforms/."""
    form: Form | None = None
    """Request form: json (JSON POST), post_url (POST, values in the query) or get. Default: json where the
    platform can send JSON, else the form it can send."""
    auth: Literal["header", "payload"] | None = None
    """``header`` (Authorization: Basic, the default) or ``payload`` (auth_token in the body or query)."""
    subdomain: Literal["fixed", "token"] = "fixed"
    """Write the TrackDrive subdomain as a fixed value, or as the buyer's token for trackdrive_subdomain
    (a global postback; needs a platform that substitutes tokens in host names)."""
    stores: Stores = Field(default_factory=Stores)
    """Where the buyer stores trackdrive_call_uuid and trackdrive_subdomain."""
    revenue: Revenue | None = None
    """Revenue sent back: an amount, ``{token: payout}``, or ``none``."""
    post_call_tokens: list[ExtraToken] = Field(default_factory=list)
    """Extra data sent back inside post_call_tokens."""
    sale_statuses: list[StatusCode] | None = Field(default=None, min_length=1)
    """On a platform that fires its postback on every call outcome (ViciDial's Dispo Call URL): the statuses
    that mean a converted call, like ``[SALE, XFER]``. The postback is set to fire for exactly these."""
    contact: Contact | None = None
    """Who to contact at the buyer (owner's list only)."""


class RingbaConversion(Model):
    """TrackDrive's Ringba global webhook, with the source's unique webhook code."""

    type: Literal["ringba"]
    """Ringba global webhook."""
    code: SecretRef
    """The source's unique Ringba webhook code, as ``env:NAME``: the environment variable holding it (a secret,
    never written in the catalogue nor on any page)."""


class RetreaverConversion(Model):
    """TrackDrive's Retreaver global webhook (no code needed)."""

    type: Literal["retreaver"]
    """Retreaver global webhook."""


class UrlConversion(Model):
    """A postback URL fired by a trigger on "Traffic Source converted"."""

    type: Literal["url"]
    """Custom postback URL."""
    url: Annotated[str, BeforeValidator(_conversion_url), WithJsonSchema({"type": "string", "format": "uri"})]
    """The URL without query string; TrackDrive tokens like ``[payout]`` allowed in the path."""
    method: Method = "GET"
    """HTTP method of the postback."""
    params: dict[str, ParamValue] = Field(default_factory=dict)
    """Query parameters: name -> value with TrackDrive tokens, like ``clickid: "[traffic_source_lead_id]"``,
    or ``env:NAME`` for a secret the URL needs (pages show a placeholder)."""


class NoConversion(Model):
    """The source wants no conversion postback."""

    type: Literal["none"]
    """No postback."""


Conversion = Annotated[
    RingbaConversion | RetreaverConversion | UrlConversion | NoConversion, Field(discriminator="type")
]


class TrafficSource(Model):
    """``traffic-sources/<id>.yml``: a traffic source that sends calls and data."""

    id: Id
    """Traffic source id."""
    name: Name
    """Name shown on its pages."""
    platform: Id
    """Platform id: trackdrive, ringba, retreaver, vicidial, generic, or a file in platforms/."""
    traffic_source_id: TrackDriveId
    """Its traffic source id in TrackDrive."""
    call_id_field: FieldName | None = None
    """Field carrying the source's own call/lead id. Default: ringba_call_uuid on Ringba,
    retreaver_call_uuid on Retreaver, traffic_source_lead_id elsewhere."""
    form: Form | None = None
    """Request form: json, post_url or get. Default: json where the platform can send JSON."""
    field_tokens: dict[str, TokenRef] = Field(default_factory=dict)
    """Contact field -> the source platform's field name, where it differs from the field's name."""
    conversion: Conversion = Field(default_factory=lambda: NoConversion(type="none"))
    """How the source wants conversions back: ringba, retreaver, url or none."""
    contact: Contact | None = None
    """Who to contact at the source (owner's list only)."""
