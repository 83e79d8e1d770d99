"""Stage ``plan``: every (offer, partner) pair becomes a :class:`Page` with its canonical requests.

This is where a partner's choices meet its platform's capabilities.  A choice
the platform cannot honour that the user made explicitly is a located problem
with a hint; a default the platform cannot honour falls back to the form it
can send, and the page says so in plain words.  Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import itemgetter
from typing import Literal, NamedTuple, overload
from urllib.parse import urlsplit

from .canonical import Request
from .catalogue import Catalogue, Entry
from .errors import DataError, Problem, quoted
from .links import Kind, page_slug
from .models import Account, Buyer, Offer, OfferBuyer, OfferSource, RevenueToken, TrafficSource
from .platforms import Platform
from .postbacks import BuyerChoices, Stored, build_postback, revenue_of, stored_values
from .postings import (
    TD_TOKEN,
    SourceChoices,
    build_conversion,
    build_intake,
    default_call_id_field,
    ping_response_example,
)
from .secrets import ref_name
from .steps import Context, PageStep, Shown, StepError, resolve, steps_for
from .yamlsource import Document

FORM_LABEL = {
    "json": "JSON POST",
    "post_url": "POST URL (values in the query string)",
    "get": "GET (values in the query string)",
}


@dataclass(frozen=True)
class Built:
    """A page's canonical requests and the owner's setup steps, computed on first use."""

    requests: tuple[Request, ...]
    """What the partner sends (for a source on ping/post: the ping, then the post)."""
    setup: tuple[str, ...]
    """Steps the offer owner takes in TrackDrive before the page works."""
    conversion: Request | None = None
    """What TrackDrive sends the source when a call converts."""
    steps: tuple[PageStep, ...] = ()
    """What the partner does on its platform, in order, each part rendered from the requests above."""


class Slot(NamedTuple):
    """What names a page, where it lives and which catalogue files it is made from: known without planning it.

    A named tuple (10,000 are made per build) whose first three fields identify the page: slots sort as
    their pages do.
    """

    offer_id: str
    kind: Kind
    partner_id: str
    partner_name: str
    platform_id: str
    title: str
    slug: str
    inputs: str
    """The SHA-256 of the account, offer, partner and platform files (a built-in platform's id), joined."""

    @property
    def key(self) -> tuple[str, Kind, str]:
        """(offer, kind, partner): the pair, as the page's history knows it."""
        return (self.offer_id, self.kind, self.partner_id)

    def identity(self) -> dict[str, str]:
        """Which page this is, as the link lists and the page's canonical JSON name it."""
        return {
            "offer": self.offer_id,
            "partner": self.partner_id,
            "kind": self.kind,
            "platform": self.platform_id,
            "title": self.title,
            "path": f"{self.slug}/",
        }


@dataclass(frozen=True)
class Page:
    """One partner's instructions for one offer.

    Everything a check needs is computed when the page is planned; the canonical requests are built
    on first use (``page.requests``), so checking a large catalogue never builds 10,000 requests.
    """

    slot: Slot
    offer: Offer
    platform: Platform
    builder: Callable[[], Built] = field(repr=False, compare=False)
    setup_builder: Callable[[], tuple[str, ...]] = field(repr=False, compare=False, default=tuple)
    buyer: BuyerChoices | None = None
    stored_builder: Callable[[], tuple[Stored, ...]] = field(repr=False, compare=False, default=tuple)
    source: SourceChoices | None = None
    conversion_type: str = "none"
    ping_response: dict[str, object] | None = None

    @cached_property
    def stored(self) -> tuple[Stored, ...]:
        """What TrackDrive sends a buyer and the fields that keep it (empty for a traffic source)."""
        return self.stored_builder()

    @cached_property
    def built(self) -> Built:
        """The requests and setup steps, built once."""
        return self.builder()

    @property
    def requests(self) -> tuple[Request, ...]:
        """What the partner sends (for a source on ping/post: the ping, then the post)."""
        return self.built.requests

    @cached_property
    def setup(self) -> tuple[str, ...]:
        """Steps the offer owner takes in TrackDrive before the page works (built without the requests)."""
        if "built" in self.__dict__:
            return self.built.setup
        return self.setup_builder()

    @property
    def kind(self) -> Kind:
        """``buyer`` or ``traffic_source``."""
        return self.slot.kind

    @property
    def partner_id(self) -> str:
        """The buyer's or traffic source's id."""
        return self.slot.partner_id

    @property
    def partner_name(self) -> str:
        """The buyer's or traffic source's name."""
        return self.slot.partner_name

    @property
    def slug(self) -> str:
        """The page's folder in the site (see :func:`links.page_slug`)."""
        return self.slot.slug

    @property
    def title(self) -> str:
        """The page's title."""
        return self.slot.title

    def identity(self) -> dict[str, str]:
        """Which page this is, as the link lists and the page's canonical JSON name it."""
        return self.slot.identity()

    def forget(self) -> None:
        """Drop what was built on first use (a worker that rendered the page keeps nothing of it)."""
        for name in ("stored", "built", "setup"):
            self.__dict__.pop(name, None)

    @property
    def conversion(self) -> Request | None:
        """What TrackDrive sends the source when a call converts."""
        return self.built.conversion

    @property
    def steps(self) -> tuple[PageStep, ...]:
        """The partner's setup steps on its platform, resolved for this page (plain, frozen data)."""
        return self.built.steps


class Pages(Sequence[Page]):
    """The plan's pages in order, each with its :class:`Slot`.

    A page whose catalogue files are exactly those of an earlier successful build (same code, same
    key) cannot have a problem, so it is planned on first use: a rebuild after one partner changed
    plans that partner's pages, not all 10,000.
    """

    __slots__ = ("_pages", "slots")

    def __init__(self, slots: Sequence[Slot], pages: Sequence[Page | Callable[[], Page]]) -> None:
        self.slots: tuple[Slot, ...] = tuple(slots)
        self._pages: list[Page | Callable[[], Page]] = list(pages)

    @overload
    def __getitem__(self, index: int) -> Page: ...
    @overload
    def __getitem__(self, index: slice) -> list[Page]: ...
    def __getitem__(self, index: int | slice) -> Page | list[Page]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._pages)))]
        page = self._pages[index]
        if not isinstance(page, Page):
            page = self._pages[index] = page()
        return page

    def __len__(self) -> int:
        return len(self._pages)

    def __iter__(self) -> Iterator[Page]:
        for i in range(len(self._pages)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pages) and self.slots == other.slots and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def planned(self) -> int:
        """How many pages have been planned so far."""
        return sum(isinstance(p, Page) for p in self._pages)


@dataclass(frozen=True)
class Plan:
    """Every page of the site, in a stable order."""

    account: Account
    pages: Pages

    @property
    def slots(self) -> tuple[Slot, ...]:
        """Every page's :class:`Slot`, in page order (without planning a page)."""
        return self.pages.slots

    def find(self, offer_id: str, partner_id: str) -> list[Page]:
        """The pages of one offer and partner (a partner can be both buyer and source)."""
        return [
            self.pages[i] for i, s in enumerate(self.slots) if s.offer_id == offer_id and s.partner_id == partner_id
        ]


def plan_site(catalogue: Catalogue, key: bytes | None = None, known: Collection[str] = ()) -> Plan:
    """Plan every page; raise :class:`DataError` with every capability problem found.

    ``known``: SHA-256 digests of catalogue files an earlier build planned without a problem, with the
    same code and key (the build state's).  A page whose offer, partner and platform files all have
    such digests is checked and planned on first use only.
    """
    problems: list[Problem] = []
    planned: list[tuple[Slot, Page | Callable[[], Page]]] = []
    account = catalogue.account.model
    digests = catalogue.digests

    def file(name: str, builtin: str | None = None) -> tuple[str, bool]:
        """An entity's file digest as the page's inputs hold it, and whether an earlier build planned it."""
        digest = digests.get(name)
        if digest is None:  # a built-in platform, or no file: the code (in the fingerprint) or nothing known
            return (builtin, True) if builtin is not None else ("", False)
        return digest, digest in known

    platforms = {k: file(f"platform:{k}", builtin=k) for k in catalogue.platforms}
    partners = {
        **{("buyer", k): file(f"buyer:{k}") for k in catalogue.buyers},
        **{("traffic_source", k): file(f"traffic_source:{k}") for k in catalogue.sources},
    }

    def add(slot: Slot, trusted: bool, plan_one: Callable[[list[Problem]], Page | None]) -> None:
        if trusted:
            planned.append((slot, partial(_planned_later, slot, plan_one)))
        elif (page := plan_one(problems)) is not None:
            planned.append((slot, page))

    for offer_entry in catalogue.offers.values():
        offer = offer_entry.model
        offer_digest, offer_known = file(f"offer:{offer.id}")
        prefix = f"{digests.get('account', '')}\0{offer_digest}\0"
        for i, pair in enumerate(offer.buyers):
            buyer_entry = catalogue.buyers[pair.buyer]
            buyer = buyer_entry.model
            platform = catalogue.platforms[buyer.platform]
            (partner_digest, partner_known), (platform_digest, platform_known) = (
                partners["buyer", buyer.id],
                platforms[platform.id],
            )
            slot = Slot(
                offer.id,
                "buyer",
                buyer.id,
                buyer.name,
                platform.id,
                f"{offer.name}: postback instructions for {buyer.name}",
                page_slug(offer.id, "buyer", buyer.id, key),
                f"{prefix}{partner_digest}\0{platform_digest}",
            )
            add(
                slot,
                offer_known and partner_known and platform_known,
                partial(_plan_buyer, account, offer_entry, i, pair, buyer_entry, platform, slot),
            )
        uncarried: dict[str, tuple[int, ...]] = {}  # by platform: asked once per source, same answer
        for i, source_pair in enumerate(offer.traffic_sources):
            source_entry = catalogue.sources[source_pair.traffic_source]
            source = source_entry.model
            platform = catalogue.platforms[source.platform]
            (partner_digest, partner_known), (platform_digest, platform_known) = (
                partners["traffic_source", source.id],
                platforms[platform.id],
            )
            slot = Slot(
                offer.id,
                "traffic_source",
                source.id,
                source.name,
                platform.id,
                f"{offer.name}: posting instructions for {source.name}",
                page_slug(offer.id, "traffic_source", source.id, key),
                f"{prefix}{partner_digest}\0{platform_digest}",
            )
            add(
                slot,
                offer_known and partner_known and platform_known,
                partial(_plan_source, account, offer_entry, i, source_pair, source_entry, platform, slot, uncarried),
            )
    _check_field_tokens(catalogue, problems)
    if problems:
        raise DataError(problems)
    seen: set[str] = set()
    for slot, _ in planned:
        if slot.slug in seen:  # pragma: no cover - ids are unique and the hash is 128 bits
            raise DataError([Problem("(site)", 1, 1, "slug", f"two pages would be written at {slot.slug}", "")])
        seen.add(slot.slug)
    planned.sort(key=itemgetter(0))  # by slot: offer, kind, partner
    return Plan(account, Pages([s for s, _ in planned], [p for _, p in planned]))


def _planned_later(slot: Slot, plan_one: Callable[[list[Problem]], Page | None]) -> Page:
    """A page planned on first use; its files passed this check before, so a problem here is a fault."""
    problems: list[Problem] = []
    page = plan_one(problems)
    if page is None or problems:  # the same files and code planned it without a problem: a wrong ``known``
        raise DataError(problems or [Problem("(site)", 1, 1, "plan", f"page {slot.slug} could not be planned", "")])
    return page


def _plan_buyer(
    account: Account,
    offer_entry: Entry[Offer],
    index: int,
    pair: OfferBuyer,
    buyer_entry: Entry[Buyer],
    platform: Platform,
    slot: Slot,
    problems: list[Problem],
) -> Page | None:
    choices = _buyer_choices(offer_entry, index, pair, buyer_entry, platform, problems)
    if choices is None:
        return None
    page = _buyer_page(account, offer_entry.model, pair, buyer_entry.model, platform, choices, slot)
    return _check_custom_steps(page, buyer_entry.doc, problems)


def _plan_source(
    account: Account,
    offer_entry: Entry[Offer],
    index: int,
    pair: OfferSource,
    source_entry: Entry[TrafficSource],
    platform: Platform,
    slot: Slot,
    uncarried: dict[str, tuple[int, ...]],
    problems: list[Problem],
) -> Page | None:
    """``uncarried``: the offer's uncarried fields by platform, filled on first use."""
    offer = offer_entry.model
    if platform.id not in uncarried:
        uncarried[platform.id] = _uncarried_fields(offer, platform)
    choices = _source_choices(offer_entry, index, pair, source_entry, platform, uncarried[platform.id], problems)
    if choices is None:
        return None
    page = _source_page(account, offer, pair, source_entry.model, platform, choices, slot)
    return _check_custom_steps(page, source_entry.doc, problems)


def _check_custom_steps(page: Page, doc: Document, problems: list[Problem]) -> Page | None:
    """A custom platform's own steps must name parts this page's requests have: resolved now, not at build."""
    if not page.platform.steps:
        return page
    try:
        page.steps  # noqa: B018 - resolving them is the check
    except StepError as exc:
        problems.append(
            doc.problem(
                ("platform",),
                f"platform {page.platform.id!r} has a step that does not fit offer {page.offer.id!r}: {exc}",
                "limit the step with when: (json, query, headers...) or name a part this request has, in "
                f"platforms/{page.platform.id}.yml",
            )
        )
        return None
    return page


# --------------------------------------------------------------------------- buyers


def _buyer_choices(
    offer_entry: Entry[Offer],
    index: int,
    pair: OfferBuyer,
    entry: Entry[Buyer],
    platform: Platform,
    problems: list[Problem],
) -> BuyerChoices | None:
    buyer, doc = entry.model, entry.doc
    offer, offer_doc = offer_entry.model, offer_entry.doc
    before = len(problems)
    notes: list[str] = []
    form = _form(buyer.form, platform, doc, problems, notes, what="the postback")

    auth: Literal["header", "payload"]
    if buyer.auth is None:
        plain = bool(platform.advanced) and form != "json"
        auth = "header" if platform.headers and not plain else "payload"
        if plain:
            notes.append(
                f"A standard {platform.name} webhook sends no headers, so the postback carries your TrackDrive "
                f"auth_token in its URL. For an Authorization header, ask for auth: header: the steps then go "
                f"through {platform.advanced}."
            )
        elif auth == "payload":
            notes.append(
                f"{platform.name} cannot send custom headers, so the postback carries your TrackDrive "
                "auth_token in its payload instead of an Authorization header."
            )
    elif buyer.auth == "header" and not platform.headers:
        problems.append(
            doc.problem(
                ("auth",),
                f"{platform.name} cannot send an Authorization header",
                "use auth: payload (auth_token in the payload)",
            )
        )
        auth = "payload"
    else:
        auth = buyer.auth

    if platform.every_outcome and buyer.sale_statuses is None:
        problems.append(
            doc.problem(
                ("platform",),
                f"{platform.name} fires its postback on every call outcome, so this postback, which sets "
                "buyer_converted, would mark every call converted",
                "add sale_statuses: the statuses that mean a converted call, like sale_statuses: [SALE, XFER]",
            )
        )
    elif not platform.every_outcome and buyer.sale_statuses is not None:
        problems.append(
            doc.problem(
                ("sale_statuses",),
                f"{platform.name} fires the postback on an event of its own, not on every call outcome: "
                "sale_statuses would not be used",
                "remove sale_statuses (the steps say which event fires the postback)",
                key=True,
            )
        )

    if buyer.subdomain == "token" and not platform.host_tokens:
        problems.append(
            doc.problem(
                ("subdomain",),
                f"{platform.name} cannot substitute a token in a host name",
                "use subdomain: fixed (the account's subdomain is typed into the URL)",
            )
        )

    for loc, name in (
        (("stores", "trackdrive_call_uuid"), buyer.stores.trackdrive_call_uuid),
        (("stores", "trackdrive_subdomain"), buyer.stores.trackdrive_subdomain),
        *((("post_call_tokens", i, "token"), t.token) for i, t in enumerate(buyer.post_call_tokens)),
    ):
        _check_token(platform, name, doc, loc, problems)

    revenue = revenue_of(pair, buyer)
    revenue_doc, revenue_loc = (
        (offer_doc, ("buyers", index, "revenue")) if pair.revenue is not None else (doc, ("revenue",))
    )
    agreed = pair.agreed_revenue or offer.agreed_revenue
    kind: Literal["amount", "token", "none"]
    value = example = None
    if revenue is None:
        problems.append(
            doc.problem(
                ("revenue",) if ("revenue",) in doc.values else (),
                f"buyer {quoted(buyer.id)} has no revenue setting for offer {quoted(offer.id)}",
                "set revenue: on the buyer (an amount, {token: payout}, or none) or on the offer's buyers entry",
            )
        )
        return None
    if isinstance(revenue, RevenueToken):
        kind, value, example = "token", revenue.token, revenue.example
        _check_token(platform, revenue.token, revenue_doc, (*revenue_loc, "token"), problems)
    elif revenue == "none":
        kind = "none"
        if agreed is None:
            problems.append(
                revenue_doc.problem(
                    revenue_loc,
                    f"revenue is none but offer {quoted(offer.id)} has no agreed revenue for {quoted(buyer.id)}",
                    "set agreed_revenue on the offer (or its buyers entry): the amount of the buyer's "
                    "'API Postback' conversion setting",
                )
            )
    else:
        kind, value, example = "amount", revenue, revenue
    if len(problems) > before:
        return None
    return BuyerChoices(
        form,
        auth,
        buyer.subdomain,
        kind,
        value,
        example,
        agreed if kind == "none" else None,
        tuple(notes),
        tuple(buyer.sale_statuses or ()),
    )


def _buyer_page(
    account: Account,
    offer: Offer,
    pair: OfferBuyer,
    buyer: Buyer,
    platform: Platform,
    choices: BuyerChoices,
    slot: Slot,
) -> Page:
    stored = partial(stored_values, account, offer, buyer, platform)
    return Page(
        slot=slot,
        offer=offer,
        platform=platform,
        builder=partial(_build_buyer, account, offer, pair, buyer, platform, choices, stored),
        setup_builder=partial(_buyer_setup, buyer, choices, stored),
        stored_builder=stored,
        buyer=choices,
    )


def _build_buyer(
    account: Account,
    offer: Offer,
    pair: OfferBuyer,
    buyer: Buyer,
    platform: Platform,
    choices: BuyerChoices,
    stored: Callable[[], tuple[Stored, ...]],
) -> Built:
    request = build_postback(account, offer, buyer, pair, platform, choices)
    context = Context(
        "postback",
        platform,
        (request,),
        account.company,
        buyer.name,
        _conditions(request, choices),
        tuple(buyer.sale_statuses or ()),
    )
    return Built((request,), _buyer_setup(buyer, choices, stored), steps=page_steps(context))


def _buyer_setup(
    buyer: Buyer, choices: BuyerChoices, stored_values: Callable[[], tuple[Stored, ...]]
) -> tuple[str, ...]:
    """The owner's setup steps for a buyer page."""
    stored = stored_values()
    who = buyer.contact.email if buyer.contact and buyer.contact.email else "the buyer's TrackDrive login e-mail"
    setup = [
        f"Edit buyer '{buyer.name}' > Team Access: add {who} to a team with permission to update calls "
        "(permissions under Company > Teams). Without it the postback does not work. "
        "Source: TrackDrive's BASICS, Posting and Postbacks with TrackDrive.",
        f"Send trackdrive_call_uuid and trackdrive_subdomain to the buyer in the fields it named: "
        f"{stored[0].field} and {stored[1].field}.",
    ]
    if choices.revenue == "none":
        setup.append(
            f"Buyer '{buyer.name}' > Conversion Settings: 'API Postback' with the agreed revenue "
            f"{choices.agreed_revenue}. Source: TrackDrive's BASICS, Posting and Postbacks with TrackDrive."
        )
    return tuple(setup)


# --------------------------------------------------------------------------- traffic sources


def _source_choices(
    offer_entry: Entry[Offer],
    index: int,
    pair: OfferSource,
    entry: Entry[TrafficSource],
    platform: Platform,
    uncarried: tuple[int, ...],
    problems: list[Problem],
) -> SourceChoices | None:
    """``uncarried``: the offer's shown fields whose own names the platform cannot carry."""
    source, doc = entry.model, entry.doc
    offer, offer_doc = offer_entry.model, offer_entry.doc
    before = len(problems)
    notes: list[str] = []
    intake = offer.intake.method
    if intake in ("lead_post", "capture"):
        if "POST" not in platform.methods:
            problems.append(
                offer_doc.problem(
                    ("traffic_sources", index, "traffic_source"),
                    f"{quoted(source.id)} is on {platform.name}, which cannot send POST; "
                    f"TrackDrive's {intake} takes POST only",
                    "post this source's calls through a ping_post offer, or pick the platform it really uses",
                )
            )
            return None
        if source.form == "get":
            possible = [f for f in ("json", "post_url") if _can_send(platform, f)]
            problems.append(
                doc.problem(
                    ("form",),
                    f"TrackDrive's {intake} endpoint takes POST only",
                    "use " + " or ".join(f"form: {f}" for f in possible),
                )
            )
    if intake == "ping_post" and not platform.headers:
        problems.append(
            offer_doc.problem(
                ("traffic_sources", index, "traffic_source"),
                f"{quoted(source.id)} is on {platform.name}, "
                "which cannot send the Authorization header ping/post needs",
                "use a lead_post offer for this source, or pick the platform it really uses",
            )
        )
        return None
    form = _form(
        source.form if not (intake != "ping_post" and source.form == "get") else "post_url",
        platform,
        doc,
        problems,
        notes,
        what="the post",
        accepted=("json", "post_url", "get") if intake == "ping_post" else ("json", "post_url"),
        prefer_json=intake == "ping_post",
    )
    call_id_field = default_call_id_field(source)
    _check_token(platform, source.field_tokens.get(call_id_field, "call_id"), doc, ("call_id_field",), problems)
    for i in uncarried:
        if offer.fields[i].name not in source.field_tokens:
            _check_token(
                platform,
                offer.fields[i].name,
                offer_doc,
                ("fields", i, "name"),
                problems,
                hint=f"map it to a field {platform.name} can carry with field_tokens in {doc.path}",
            )
    if source.conversion.type == "url":
        _check_conversion_url(source.conversion.url, source.conversion.params, doc, problems)
    if len(problems) > before:
        return None
    return SourceChoices(
        form, call_id_field, pair.traffic_source_id or source.traffic_source_id, pair.payout, tuple(notes)
    )


def _uncarried_fields(offer: Offer, platform: Platform) -> tuple[int, ...]:
    """Shown fields of the offer whose own name is not a token the platform can carry (usually none)."""
    return tuple(i for i, f in enumerate(offer.fields) if f.show and not platform.valid_name(f.name))


def _source_page(
    account: Account,
    offer: Offer,
    pair: OfferSource,
    source: TrafficSource,
    platform: Platform,
    choices: SourceChoices,
    slot: Slot,
) -> Page:
    return Page(
        slot=slot,
        offer=offer,
        platform=platform,
        builder=partial(_build_source, account, offer, pair, source, platform, choices),
        setup_builder=partial(_source_setup_only, offer, pair, source, choices),
        source=choices,
        conversion_type=source.conversion.type,
        ping_response=ping_response_example(offer.id, source.id) if offer.intake.method == "ping_post" else None,
    )


def _build_source(
    account: Account,
    offer: Offer,
    pair: OfferSource,
    source: TrafficSource,
    platform: Platform,
    choices: SourceChoices,
) -> Built:
    requests = build_intake(account, offer, source, platform, choices)
    conversion = build_conversion(offer, source, pair, choices)
    shown = (*requests, conversion) if conversion is not None else requests
    context = Context(
        offer.intake.method,
        platform,
        shown,
        account.company,
        source.name,
        _conditions(requests[0], None),
        call_id_field=choices.call_id_field,
    )
    steps = page_steps(context)
    if source.conversion.type != "none":
        action: Literal["conversion_ringba", "conversion_retreaver", "conversion_url"] = (
            "conversion_ringba"
            if source.conversion.type == "ringba"
            else "conversion_retreaver"
            if source.conversion.type == "retreaver"
            else "conversion_url"
        )
        steps += page_steps(
            Context(
                action,
                platform,
                shown,
                account.company,
                source.name,
                context.conditions,
                call_id_field=choices.call_id_field,
            )
        )
    return Built(requests, _source_setup(offer, source, conversion, choices), conversion, steps)


def _source_setup_only(
    offer: Offer, pair: OfferSource, source: TrafficSource, choices: SourceChoices
) -> tuple[str, ...]:
    return _source_setup(offer, source, build_conversion(offer, source, pair, choices), choices)


def _source_setup(
    offer: Offer, source: TrafficSource, conversion: Request | None, choices: SourceChoices
) -> tuple[str, ...]:
    """The owner's setup steps for a traffic source page (its conversion postback, if any, is built)."""
    setup = [
        f"Traffic source '{source.name}' (TrackDrive id {choices.traffic_source_id}) works on offer '{offer.name}'."
    ]
    conv = source.conversion
    if conv.type == "ringba":
        setup.append(
            f"Traffic source '{source.name}': set up TrackDrive's Ringba global webhook with the source's webhook "
            f"code (the value of the environment variable {ref_name(conv.code)}; it is never written here). "
            "Source: support.trackdrive.com/integrations/postback-trackdrive-buyer-to-ringba-traffic-source."
        )
    elif conv.type == "retreaver":
        setup.append(
            f"Traffic source '{source.name}': use TrackDrive's Retreaver global webhook (no code needed). "
            "Source: TrackDrive's BASICS, Posting and Postbacks with TrackDrive."
        )
    elif conv.type == "url" and conversion is not None:
        setup.append(
            f"Traffic source '{source.name}' > Triggers (or the offer's): on 'Traffic Source converted', "
            "fire a webhook "
            f"{conversion.method} {conversion.url_template()}"
            + "".join(
                f" (replace {p.text} with the value of the environment variable {p.name}; it is never written here)"
                for p in conversion.placeholders()
            )
        )
    if offer.intake.method == "ping_post":
        setup.append(
            f"Create an access token for the inbound webhook '{offer.intake.vanity_uri}' and send it to "
            f"'{source.name}' privately (it is not on the page). "
            "Source: support.trackdrive.com/articles/authenticating-inbound-webhooks."
        )
    return tuple(setup)


# --------------------------------------------------------------------------- setup steps


def page_steps(context: Context) -> tuple[PageStep, ...]:
    """The page's steps for one action; for a platform no source describes, one plain step saying so."""
    steps = steps_for(context.platform, context.action)
    if steps is not None:
        return resolve(context, steps)
    platform = context.platform
    parts: list[Shown] = []
    for request in context.requests:
        if request.sender != "partner":
            continue
        prefix = f"{request.key}." if len(context.requests) > 1 else ""
        parts.append(Shown(f"{prefix}method", request.key, "Method", request.method, "text"))
        parts.append(Shown(f"{prefix}url", request.key, "URL", request.url_template(), "text"))
        parts.extend(
            Shown(f"{prefix}header:{n}", request.key, n, f"{n}: {v}", "http") for n, v in request.headers_template()
        )
        body = request.body_template()
        if body is not None:
            parts.append(Shown(f"{prefix}body", request.key, "Body (JSON)", body, "json"))
    docs = f" ({platform.docs})" if platform.docs else ""
    return (
        PageStep(
            where=f"{platform.name}: not described here",
            do=f"Follow {platform.name}'s own documentation{docs} for where each of these parts goes; this page "
            "gives the exact values.",
            prevents="Steps invented for a platform nobody documented here would send you to the wrong place.",
            enter="",
            parts=tuple(parts),
            source=None,
        ),
    )


def _conditions(request: Request, choices: BuyerChoices | None) -> frozenset[str]:
    """The conditions a step's ``when`` is checked against, from the page's first request and choices."""
    out = {"json" if request.body is not None else "query", "headers" if request.headers else "no_headers"}
    if choices is not None:
        out.add("header_auth" if choices.auth == "header" else "payload_auth")
        out.add(f"revenue_{choices.revenue}")
        if choices.subdomain == "token":
            out.add("subdomain_token")
    return frozenset(out)


# --------------------------------------------------------------------------- shared rules


def _form(
    chosen: Literal["json", "post_url", "get"] | None,
    platform: Platform,
    doc: Document,
    problems: list[Problem],
    notes: list[str],
    *,
    what: str,
    accepted: tuple[Literal["json", "post_url", "get"], ...] = ("json", "post_url", "get"),
    prefer_json: bool = False,
) -> Literal["json", "post_url", "get"]:
    """The request form: the explicit choice if the platform can send it, else the best it can.

    ``accepted``: the forms the TrackDrive endpoint takes (the lead API takes POST only). A refused choice's hint
    names only forms that the platform can send and the endpoint accepts. ``prefer_json``: the request needs what
    only a JSON-capable tool sends anyway (ping/post's header on Retreaver), so JSON is the default there too.
    """
    can_post = "POST" in platform.methods
    possible = tuple(f for f in accepted if _can_send(platform, f))
    if chosen is None:
        if platform.json_body and can_post and (not platform.advanced or prefer_json) and "json" in accepted:
            return "json"
        form: Literal["json", "post_url", "get"] = "post_url" if can_post and "post_url" in accepted else "get"
        if platform.advanced:
            notes.append(
                f"A standard {platform.name} webhook sends its values as URL parameters, so {what} is sent as "
                f"{FORM_LABEL[form]}. For a JSON body, ask for form: json: the steps then go through "
                f"{platform.advanced}."
            )
        else:
            reason = "cannot send a JSON body" if can_post else "can only send GET requests"
            notes.append(f"{platform.name} {reason}, so {what} is sent as {FORM_LABEL[form]}.")
        return form
    if not _can_send(platform, chosen):
        reason = (
            "cannot send a JSON body"
            if chosen == "json" and not platform.json_body
            else f"cannot send {'GET' if chosen == 'get' else 'POST'} requests"
        )
        hint = (
            "use " + " or ".join(f"form: {f}" for f in possible)
            if possible
            else f"{platform.name} can send no form this request accepts"
        )
        problems.append(doc.problem(("form",), f"{platform.name} {reason}", hint))
    return chosen


def _can_send(platform: Platform, form: str) -> bool:
    """Whether the platform can send a request of this form."""
    if form == "json":
        return platform.json_body and "POST" in platform.methods
    return ("POST" if form == "post_url" else "GET") in platform.methods


def _check_token(
    platform: Platform,
    name: str,
    doc: Document,
    loc: tuple[str | int, ...],
    problems: list[Problem],
    *,
    hint: str = "",
) -> None:
    if not platform.valid_name(name):
        problems.append(
            doc.problem(
                loc,
                f"{quoted(platform.token(name))} is not a token {platform.name} can carry",
                hint or f"{platform.name} token names must match {platform.name_pattern}",
            )
        )


def _check_conversion_url(url: str, params: dict[str, str], doc: Document, problems: list[Problem]) -> None:
    loc = ("conversion", "url")
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.netloc:
        problems.append(
            doc.problem(loc, f"{quoted(url)} is not an http(s) URL", "write it like https://track.example.com/postback")
        )
        return
    if split.query or split.fragment:
        problems.append(doc.problem(loc, "the URL has a query string", "move each parameter into conversion.params"))
    for text, where in ((url, loc), *((v, ("conversion", "params", k)) for k, v in params.items())):
        leftover = TD_TOKEN.sub("", text)
        if "[" in leftover or "]" in leftover:
            problems.append(
                doc.problem(
                    where,
                    f"{quoted(text)} has a bracket that is not a TrackDrive token",
                    "TrackDrive tokens are [lowercase_name]; remove stray brackets",
                )
            )


def _check_field_tokens(catalogue: Catalogue, problems: list[Problem]) -> None:
    """A source's field_tokens must name fields of its offers, in tokens its platform can carry."""
    fields_of: dict[str, set[str]] = {}
    for offer_entry in catalogue.offers.values():
        for pair in offer_entry.model.traffic_sources:
            names = fields_of.setdefault(pair.traffic_source, {"caller_id"})
            names.update(f.name for f in offer_entry.model.fields)
    for source_id, entry in catalogue.sources.items():
        source = entry.model
        platform = catalogue.platforms.get(source.platform)
        allowed = fields_of.get(source_id, {"caller_id"}) | {default_call_id_field(source)}
        for name, token in source.field_tokens.items():
            if name not in allowed:
                problems.append(
                    entry.doc.problem(
                        ("field_tokens", name),
                        f"{quoted(name)} is not a field of any offer this source works on",
                        f"known fields: {', '.join(sorted(allowed))}",
                        key=True,
                    )
                )
            elif platform is not None:
                _check_token(platform, token, entry.doc, ("field_tokens", name), problems)


def iter_requests(plan: Plan) -> Iterator[tuple[Page, Request]]:
    """Every request a partner sends, with its page."""
    for page in plan.pages:
        for request in page.requests:
            yield page, request
