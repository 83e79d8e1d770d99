"""What each partner is told, as data that two catalogue states can be compared on.

A page's *content* is the views of its canonical requests (:meth:`Request.to_dict`
of what the partner sends, and of what TrackDrive sends it on a conversion) and
how conversions reach it.  Its *digest* is the SHA-256 of that content as
canonical JSON: two states give a partner the same instructions exactly when the
digests are equal.  Wording of the templates is not content: changing a sentence
of a page is not a change a partner has to act on.

:func:`compare` lists the pages added, removed and changed between two states,
and for each change what changed in which request (URL, method, form, a header,
a field, the example, notes).  Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .plan import Page, Plan

PageKey = tuple[str, str, str]
"""(offer id, kind, partner id): what identifies a page across states, whatever its slug."""

Status = Literal["added", "removed", "changed"]


def page_content(page: Page) -> dict[str, Any]:
    """Everything the partner of ``page`` is told to send or will receive, as JSON-ready data."""
    return {
        "requests": [r.to_dict() for r in page.requests],
        "conversion": page.conversion.to_dict() if page.conversion else None,
        "conversion_type": page.conversion_type,
    }


def digest(content: Mapping[str, Any]) -> str:
    """SHA-256 of the content as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PageState:
    """One page in one catalogue state."""

    key: PageKey
    partner_name: str
    platform: str
    title: str
    slug: str
    content: Mapping[str, Any]
    digest: str

    @property
    def offer(self) -> str:
        """The offer's id."""
        return self.key[0]

    @property
    def kind(self) -> str:
        """``buyer`` or ``traffic_source``."""
        return self.key[1]

    @property
    def partner(self) -> str:
        """The partner's id."""
        return self.key[2]


Contents = dict[str, tuple[Mapping[str, Any], str]]
"""Page contents and their digests, by page and the digest of the catalogue files it is made from."""


def snapshot(plan: Plan, known: Contents | None = None) -> dict[PageKey, PageState]:
    """The state of every page of a plan.

    ``known``: contents computed before (for the same code), reused for pages whose catalogue files are
    the same; it is left holding exactly this plan's contents.
    """
    out: dict[PageKey, PageState] = {}
    seen: Contents = {}
    for i, slot in enumerate(plan.slots):
        key: PageKey = slot.key
        memo = "\0".join((*key, slot.inputs)) if slot.inputs else None
        found = known.get(memo) if known is not None and memo is not None else None
        if found is None:
            content = page_content(plan.pages[i])
            found = (content, digest(content))
        if memo is not None:
            seen[memo] = found
        out[key] = PageState(key, slot.partner_name, slot.platform_id, slot.title, slot.slug, *found)
    if known is not None:
        known.clear()
        known.update(seen)
    return out


@dataclass(frozen=True)
class Detail:
    """One thing that changed in one request of a page."""

    request: str
    """The request's key (``postback``, ``lead``, ``ping``, ``conversion``...), empty for the page itself."""
    what: str
    """``request``, ``method``, ``form``, ``url``, ``header``, ``field``, ``example``, ``notes``, ``conversion`` or
    ``wording``."""
    name: str
    """The header's or field's name (fields in a group as ``group.name``); empty otherwise."""
    before: str | None
    """The old value as pasted (template view), ``None`` when it was not there."""
    after: str | None
    """The new value, ``None`` when it is gone."""

    @property
    def change(self) -> str:
        """``added``, ``removed`` or ``changed``."""
        return "added" if self.before is None else "removed" if self.after is None else "changed"

    def label(self) -> str:
        """What changed in a few words: ``header Authorization``, ``URL``, ``ping request``."""
        return {
            "request": f"{self.name} request",
            "url": "URL",
            "form": "request form",
            "example": "example values",
            "conversion": "conversion postback",
        }.get(self.what, f"{self.what} {self.name}".strip())


@dataclass(frozen=True)
class PageChange:
    """A page added, removed or changed between two states."""

    status: Status
    state: PageState
    """The page in the newer state (in the older one when it was removed)."""
    details: tuple[Detail, ...] = ()


def compare(old: Mapping[PageKey, PageState], new: Mapping[PageKey, PageState]) -> list[PageChange]:
    """Pages added, removed and changed from ``old`` to ``new``, sorted by offer, kind and partner."""
    out = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before is None and after is not None:
            out.append(PageChange("added", after))
        elif after is None and before is not None:
            out.append(PageChange("removed", before))
        elif before is not None and after is not None and before.digest != after.digest:
            out.append(PageChange("changed", after, tuple(content_details(before.content, after.content))))
    return out


SECONDARY = ("example", "wording")
"""Facets that change as a consequence of any other change: reported only when nothing else changed."""


def content_details(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Detail]:
    """What changed between two page contents, request by request, in page order."""
    old_requests, new_requests = _requests(old), _requests(new)
    for key in [*old_requests, *(k for k in new_requests if k not in old_requests)]:
        a, b = old_requests.get(key), new_requests.get(key)
        if a is None or b is None:
            yield Detail(
                key, "request", key, None if a is None else str(a["title"]), None if b is None else str(b["title"])
            )
            continue
        fa, fb = _facets(a), _facets(b)
        found = [
            Detail(key, facet[0], facet[1], fa.get(facet), fb.get(facet))
            for facet in [*fa, *(f for f in fb if f not in fa)]
            if fa.get(facet) != fb.get(facet)
        ]
        primary = [d for d in found if d.what not in SECONDARY]
        yield from primary or found
    if old.get("conversion_type") != new.get("conversion_type"):
        yield Detail("", "conversion", "", old.get("conversion_type"), new.get("conversion_type"))


def summary(change: PageChange) -> tuple[str, ...]:
    """What changed on a page in a few words each (``header Authorization removed``), without repeats.

    The request is named only on a page with more than one (``ping: field zip added``).
    """
    content = change.state.content
    several = len(content.get("requests", ())) + (1 if content.get("conversion") else 0) > 1
    out: list[str] = []
    for d in change.details:
        where = f"{d.request}: " if several and d.request and d.what != "request" else ""
        out.append(f"{where}{d.label()} {d.change}")
    return tuple(dict.fromkeys(out))


def _requests(content: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    out = {r["key"]: r for r in content.get("requests", ())}
    if content.get("conversion"):
        out["conversion"] = content["conversion"]
    return out


def _facets(request: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """Each part of a request a partner can see change, by (what, name), in page order."""
    template = request["template"]
    url, _, query = template["url"].partition("?")
    out: dict[tuple[str, str], str] = {("method", ""): request["method"], ("form", ""): request["form"]}
    out[("url", "")] = url
    for name, value in template["headers"]:
        out[("header", name)] = value
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        out[("field", name)] = value
    for name, value in _flatten(template["body"] or {}):
        out[("field", name)] = value
    out[("example", "")] = json.dumps(request["example"], sort_keys=True, ensure_ascii=False)
    out[("notes", "")] = "\n".join(request["notes"])
    rest = {k: v for k, v in request.items() if k not in ("template", "example", "notes", "method", "form", "tokens")}
    out[("wording", "")] = json.dumps(rest, sort_keys=True, ensure_ascii=False)
    return out


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, value in obj.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", str(value)
