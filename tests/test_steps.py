"""Setup steps: every built-in step is sourced, every page opens with steps that say where each part goes,
and no page asks a partner for something its platform cannot send.

The matrix catalogue puts every built-in platform on every side: a buyer (with the default form and, where the
platform can send one, a JSON body), a traffic source on each intake (lead post, capture, ping/post) and each
conversion type (Ringba webhook, Retreaver, a URL, none).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from conftest import EXAMPLE_SECRETS, REPO, write_tree
from helpers import buyer, plan_from

from generator.build import Project, check, docs_files
from generator.catalogue import load_catalogue
from generator.errors import DataError
from generator.models import Step
from generator.plan import Page, Plan, plan_site
from generator.platforms import BUILTIN
from generator.steps import FACTS, registry, source_of

PLATFORMS = ("trackdrive", "ringba", "retreaver", "vicidial", "generic")
CONVERSIONS = {
    "ringba": "conversion:\n  type: ringba\n  code: env:MATRIX_RINGBA_CODE\n",
    "retreaver": "conversion:\n  type: retreaver\n",
    "url": (
        "conversion:\n  type: url\n  url: https://track.matrix.example/pb\n"
        "  params:\n    id: '[traffic_source_lead_id]'\n"
    ),
    "none": "",
}
BUYER_TOKENS = {
    "trackdrive": "payout",
    "ringba": "payout",
    "retreaver": "sale_amount",
    "vicidial": "sale_amount",
    "generic": "sale_amount",
}


# --------------------------------------------------------------------------- the registry


def unsourced(steps: Mapping[tuple[str, str], tuple[Step, ...]]) -> list[str]:
    """Every built-in step that names no source a page can show (a DOMAIN.md fact, or a documentation page)."""
    out = []
    for key, entries in steps.items():
        for n, step in enumerate(entries, 1):
            source = source_of(step.source)
            if source is None or (not source.url and step.source != "SEED"):
                out.append(f"{key} step {n}: {step.where}")
    return out


def test_every_built_in_step_names_its_source() -> None:
    steps = registry()
    assert len(steps) >= 15
    assert unsourced(steps) == []
    # Every fact a step names is a DOMAIN.md fact with an address, except the source document itself.
    assert all(url.startswith("https://") for fact, (_, url) in FACTS.items() if fact != "SEED")


def test_the_walk_fails_on_a_step_without_a_source() -> None:
    bad = Step.model_validate({"where": "Somewhere", "do": "Do it.", "prevents": "Nothing."})
    invented = Step.model_validate({"where": "Here", "do": "Do.", "prevents": "X.", "source": "RB-NOPE"})
    assert unsourced({("ringba", "postback"): (bad, invented)}) == [
        "('ringba', 'postback') step 1: Somewhere",
        "('ringba', 'postback') step 2: Here",
    ]


def test_every_built_in_platform_has_steps_for_everything_its_partners_do() -> None:
    steps = registry()
    for platform in PLATFORMS:
        assert steps.get((platform, "postback")), platform
        if platform != "vicidial":  # ViciDial cannot send what an intake takes (GET only, no headers)
            assert steps.get((platform, "lead_post")), platform
            assert steps.get((platform, "ping_post")), platform
    for kind in ("ringba", "retreaver", "url"):
        assert steps.get(("*", f"conversion_{kind}")), kind


# --------------------------------------------------------------------------- the matrix catalogue


def matrix(tmp_path: Path) -> Plan:
    """Every built-in platform as a buyer and as a traffic source on every intake and conversion type."""
    files: dict[str, str] = {
        "offers/account.yml": "subdomain: acme\ncompany: Acme Calls\nsupport:\n  email: help@acme.example\n",
    }
    buyers, sources = [], []
    for platform in PLATFORMS:
        forms = ["default"] + (["json"] if BUILTIN[platform].json_body else [])
        for form in forms:
            ident = f"b-{platform}-{form}"
            extra = f"revenue:\n  token: {BUYER_TOKENS[platform]}\n" + ("form: json\n" if form == "json" else "")
            files[f"offers/buyers/{ident}.yml"] = buyer(platform, extra).replace("sunbuyer", ident)
            buyers.append(ident)
        if platform == "vicidial":
            continue
        for conversion, text in CONVERSIONS.items():
            ident = f"s-{platform}-{conversion}"
            call_id = "call_id_field: traffic_source_lead_id\n" if conversion == "url" else ""
            files[f"offers/traffic-sources/{ident}.yml"] = (
                f"id: {ident}\nname: Source {ident}\nplatform: {platform}\ntraffic_source_id: 700\n{call_id}{text}"
            )
            sources.append(ident)
    for method in ("lead_post", "capture", "ping_post"):
        intake = "  method: ping_post\n  vanity_uri: matrix\n" if method == "ping_post" else f"  method: {method}\n"
        files[f"offers/{method.replace('_', '-')}.yml"] = (
            f"id: {method.replace('_', '-')}\nname: Offer {method}\nlead_token: abcdefgh1234\nintake:\n{intake}"
            "fields:\n  - name: zip\n    label: ZIP\n    type: zip\n    example: '60601'\n"
            "buyers:\n"
            + "".join(f"  - buyer: {b}\n" for b in buyers)
            + "traffic_sources:\n"
            + "".join(f"  - traffic_source: {s}\n    payout: 20.00\n" for s in sources)
        )
    write_tree(tmp_path, files)
    return plan_site(load_catalogue(tmp_path / "offers"))


@pytest.fixture(scope="module")
def matrix_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return matrix(tmp_path_factory.mktemp("matrix"))


def parts_to_paste(page: Page) -> Iterator[tuple[str, str]]:
    """(request key, what) of every part a partner must put into its platform."""
    for request in page.requests:
        yield request.key, request.url_template()
        for name, value in request.headers_template():
            yield request.key, f"{name}: {value}"
        if request.body is not None:
            yield request.key, str(request.body_template())


def test_the_matrix_covers_every_platform_and_direction(matrix_plan: Plan) -> None:
    seen = {(p.kind, p.platform.id, p.offer.id, p.conversion_type) for p in matrix_plan.pages}
    for platform in PLATFORMS:
        assert ("buyer", platform, "lead-post", "none") in seen
        if platform != "vicidial":
            for offer in ("lead-post", "capture", "ping-post"):
                for conversion in CONVERSIONS:
                    assert ("traffic_source", platform, offer, conversion) in seen, (platform, offer, conversion)


def test_every_page_opens_with_steps_that_name_where_each_part_goes(matrix_plan: Plan) -> None:
    for page in matrix_plan.pages:
        assert page.steps, page.slug
        for step in page.steps:
            assert step.where.strip() and step.do.strip() and step.prevents.strip(), step
            assert step.source is not None, (page.slug, step.where)  # built-in platforms only here
        shown = {(part.request, part.text) for step in page.steps for part in step.parts}
        for key, text in parts_to_paste(page):
            assert (key, text) in shown, (page.slug, key, text)


def test_no_page_asks_for_what_its_platform_cannot_send(matrix_plan: Plan) -> None:
    for page in matrix_plan.pages:
        platform = page.platform
        for request in page.requests:
            assert request.method in platform.methods
            assert not request.headers or platform.headers
            assert request.body is None or platform.json_body
        if platform.advanced:  # Retreaver: a standard webhook sends URL parameters only
            for step in page.steps:
                needs_tool = any(part.lang in ("json", "http") for part in step.parts)
                assert not needs_tool or "Webhook Configurator" in step.where + step.do, (page.slug, step.where)
            for request in page.requests:
                assert "[caller_number]" not in request.url_template() + str(request.body_template())


def test_retreaver_defaults_to_a_request_a_standard_webhook_can_send(matrix_plan: Plan) -> None:
    for page in matrix_plan.pages:
        if page.platform.id != "retreaver" or page.offer.id == "ping-post":
            continue
        request = page.requests[0]
        if page.partner_id.endswith("-json"):
            assert request.body is not None
            assert any("Webhook Configurator" in s.where for s in page.steps)
        else:
            assert request.body is None and not request.headers and request.query, page.slug
            assert not any("Webhook Configurator" in s.where for s in page.steps), page.slug


# --------------------------------------------------------------------------- the four problems, on the example


@pytest.fixture(scope="module")
def example() -> tuple[Plan, dict[str, str]]:
    project = Project.at(REPO)
    plan = check(project, EXAMPLE_SECRETS)
    files = docs_files(project, plan)
    return plan, {f"{p.offer.id}/{p.partner_id}/{p.kind}": str(files[f"{p.slug}.md"]) for p in plan.pages}


def test_a_vicidial_buyer_converts_only_its_sale_statuses(example: tuple[Plan, dict[str, str]]) -> None:
    plan, pages = example
    text = pages["final-expense/prairie-dialers/buyer"]
    assert "for converted calls" not in text
    page = plan.find("final-expense", "prairie-dialers")[0]
    first, second = page.steps[:2]
    assert "Dispo Call URL" in first.where and first.enter == "ALT"
    assert "Alternate dispo URL" in second.where and "SALE, XFER" in second.do
    assert [part.text for part in second.parts] == [page.requests[0].url_template()]
    assert second.source is not None and second.source.url == "https://vicidial.org/docs/CALL_URL_FEATURES.txt"
    steps = text.split("## Set it up in ViciDial", 1)[1].split("\n## ", 1)[0]
    assert steps.index("ALT") < steps.index("Alternate dispo URL") < steps.index(page.requests[0].url_template())


def test_check_refuses_a_vicidial_buyer_without_sale_statuses(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(
            tmp_path,
            buyers__sunbuyer_yml=buyer("vicidial", "sale_statuses: [SALE]\nrevenue: 9.00\n").replace(
                "sale_statuses: [SALE]\n", "", 1
            ),
        )
    assert [str(p) for p in exc.value.problems] == [
        f"{tmp_path / 'offers/buyers/sunbuyer.yml'}:3:11: platform: ViciDial fires its postback on every call "
        "outcome, so this postback, which sets buyer_converted, would mark every call converted\n"
        "    hint: add sale_statuses: the statuses that mean a converted call, like sale_statuses: [SALE, XFER]"
    ]


def test_sale_statuses_are_refused_where_the_platform_fires_on_its_own_event(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("ringba", "revenue: 9.00\nsale_statuses: [SALE]\n"))
    (problem,) = exc.value.problems
    assert (problem.field, problem.line, problem.col) == ("sale_statuses", 5, 1)
    assert problem.hint.startswith("remove sale_statuses")


def test_status_codes_are_checked(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("vicidial", "revenue: 9.00\nsale_statuses: [SALE, sold out]\n"))
    (problem,) = exc.value.problems
    assert (problem.field, problem.message) == ("sale_statuses[1]", "'sold out' is not a call status code")


def test_retreaver_pages_ask_only_for_what_retreaver_sends(example: tuple[Plan, dict[str, str]]) -> None:
    plan, pages = example
    buyer_page = plan.find("medicare-advantage", "evergreen-health")[0]
    request = buyer_page.requests[0]
    assert request.body is None and not request.headers and request.form == "post_url"
    assert not any("Webhook Configurator" in s.where for s in buyer_page.steps)
    source_page = plan.find("auto-insurance", "crestline-calls")[0]
    assert all("Webhook Configurator" in s.where for s in source_page.steps if any(p.lang == "json" for p in s.parts))
    assert any("Webhook Configurator" in s.where for s in source_page.steps)
    for text in (
        pages["medicare-advantage/evergreen-health/buyer"],
        pages["auto-insurance/crestline-calls/traffic_source"],
    ):
        assert "[caller_number]" not in text
    (caller,) = [s for s in source_page.steps if "caller_id" in s.do]
    assert [p.text for p in caller.parts] == ["[caller_id]"]
    assert caller.source is not None and "360000579423" in caller.source.url


def test_a_ringba_source_is_told_the_exact_webhook_names(example: tuple[Plan, dict[str, str]]) -> None:
    plan, _ = example
    capture = plan.find("medicare-advantage", "bluewave-media")[0]
    assert "Connected" in capture.steps[0].where
    (webhook,) = [s for s in capture.steps if "webhook for conversions" in s.where]
    assert [(p.label, p.text) for p in webhook.parts] == [
        ("Call Token", "call_id"),
        ("Revenue Token", "call_revenue"),
        ("Fire Conversion", "sale_successful=true"),
    ]
    ringba_buyer = plan.find("final-expense", "lakeshore-benefits")[0]
    wheres = " / ".join(s.where + " " + s.do for s in ringba_buyer.steps)
    assert "Fire Pixel On: Payout" in wheres and "trackdrive_call_uuid exists" in wheres and "Report Name" in wheres


def test_only_sourced_facts_on_the_pages(example: tuple[Plan, dict[str, str]]) -> None:
    plan, pages = example
    for key, text in pages.items():
        assert "`415`" not in text, key
        if "/traffic_source" in key and not key.startswith("auto-insurance/"):
            assert "`401`" not in text, key
        if "/buyer" in key:
            assert "`401`" not in text and "add_revenue" in text, key
            assert re.search(r"\| `buyer_converted` \| boolean \|", text), key
    ping = pages["auto-insurance/crestline-calls/traffic_source"]
    assert '"status": "success"' in ping and '"buyer_id": 1001' in ping and '"bid": 32.0' in ping
    for page in plan.pages:
        if any(r.query for r in page.requests):
            key = f"{page.offer.id}/{page.partner_id}/{page.kind}"
            assert "%2B" in pages[key], key


def test_a_custom_platform_without_steps_says_to_follow_its_own_documentation(
    example: tuple[Plan, dict[str, str]],
) -> None:
    plan, _ = example
    (page,) = plan.find("auto-insurance", "leadsmith-partners")
    (step,) = page.steps
    assert step.source is None and "https://docs.leadsmith.example/tokens" in step.do
    assert {p.text for p in step.parts} >= {page.requests[0].url_template(), page.requests[1].url_template()}


def test_a_custom_platform_s_own_steps_are_used(tmp_path: Path) -> None:
    platform = textwrap.dedent("""
        id: dialbox
        name: DialBox
        token:
          pattern: "{{{name}}}"
        every_outcome: true
        steps:
          postback:
            - where: "DialBox: Settings > Outcomes > {sale_statuses}"
              do: Paste the URL into each sale outcome.
              paste: [{ref: url}, {ref: method, label: HTTP method}]
              prevents: Other outcomes would convert.
    """)
    plan = plan_from(
        tmp_path,
        platforms__dialbox_yml=platform,
        buyers__sunbuyer_yml=buyer("dialbox", "revenue: 9.00\nsale_statuses: [WON]\n"),
    )
    (page,) = plan.find("solar", "sunbuyer")
    (step,) = page.steps
    assert step.where == "DialBox: Settings > Outcomes > WON" and step.source is None
    assert [(p.label, p.text) for p in step.parts] == [
        ("URL", page.requests[0].url_template()),
        ("HTTP method", page.requests[0].method),
    ]


def test_a_custom_step_naming_a_part_its_request_lacks_is_a_located_problem(tmp_path: Path) -> None:
    platform = textwrap.dedent("""
        id: dialbox
        name: DialBox
        token:
          pattern: "{{{name}}}"
        json_body: false
        steps:
          postback:
            - where: "DialBox: Settings"
              do: Paste the body.
              paste: [{ref: body}]
              prevents: Nothing arrives.
    """)
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, platforms__dialbox_yml=platform, buyers__sunbuyer_yml=buyer("dialbox", "revenue: 9.00\n"))
    (problem,) = exc.value.problems
    assert (problem.file.endswith("buyers/sunbuyer.yml"), problem.field) == (True, "platform")
    assert problem.message == (
        "platform 'dialbox' has a step that does not fit offer 'solar': step part 'body': request 'postback' has "
        "no JSON body"
    )


def test_a_custom_step_s_source_is_an_address_or_a_known_fact(tmp_path: Path) -> None:
    platform = textwrap.dedent("""
        id: dialbox
        name: DialBox
        token:
          pattern: "{{{name}}}"
        steps:
          postback:
            - where: "DialBox: Settings"
              do: Paste the URL.
              prevents: Nothing arrives.
              source: XX-NOPE
            - where: "DialBox: Settings"
              do: Paste the URL.
              prevents: Nothing arrives.
              source: "ftp://docs.dialbox.example"
    """)
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, platforms__dialbox_yml=platform, buyers__sunbuyer_yml=buyer("dialbox", "revenue: 9.00\n"))
    found = {(p.field, p.message) for p in exc.value.problems}
    assert ("steps.postback[1].source", "'ftp://docs.dialbox.example' is not a source") in found
    platform = platform.replace('source: "ftp://docs.dialbox.example"', "source: https://docs.dialbox.example/x")
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, platforms__dialbox_yml=platform, buyers__sunbuyer_yml=buyer("dialbox", "revenue: 9.00\n"))
    assert [(p.field, p.message) for p in exc.value.problems] == [
        ("steps.postback[0].source", "'XX-NOPE' is not a fact postdocs knows")
    ]
