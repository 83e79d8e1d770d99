"""The rules of DOMAIN.md, each with a case that passes and a case that must fail."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from helpers import buyer, only_request, plan_from, source

from generator.canonical import JSON_TYPE, Field, Lit, Placeholder, Request, RequestError, Tok, Value
from generator.errors import DataError
from generator.platforms import BUILTIN, GENERIC, RINGBA, TRACKDRIVE, VICIDIAL

# --------------------------------------------------------------------------- the host rule


def test_fixed_subdomain_is_typed_into_the_host(tmp_path: Path) -> None:
    req = only_request(
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("ringba", "revenue: 10.00\n")), "solar", "sunbuyer"
    )
    assert req.url_template().startswith("https://acme.trackdrive.com/api/v1/calls/update_call/")
    assert req.host.fixed


def test_token_subdomain_makes_a_global_postback(tmp_path: Path) -> None:
    plan = plan_from(tmp_path, buyers__sunbuyer_yml=buyer("trackdrive", "subdomain: token\nrevenue: 10.00\n"))
    req = only_request(plan, "solar", "sunbuyer")
    assert req.url_template().startswith("https://[trackdrive_subdomain].trackdrive.com/api/v1/calls/update_call/")
    assert req.url_example().startswith("https://acme.trackdrive.com/")


def test_token_subdomain_on_a_platform_that_cannot_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("ringba", "subdomain: token\nrevenue: 10.00\n"))
    [problem] = exc.value.problems
    assert (problem.field, problem.message) == ("subdomain", "Ringba cannot substitute a token in a host name")
    assert problem.line == 4


def test_base_domain_trackdrive_net(tmp_path: Path) -> None:
    account = "subdomain: acme\nbase_domain: trackdrive.net\ncompany: Acme\nsupport:\n  email: a@acme.example\n"
    req = only_request(plan_from(tmp_path, account_yml=account), "solar", "sunbuyer")
    assert req.url_template().startswith("https://acme.trackdrive.net/")


def test_a_request_with_a_host_token_the_platform_cannot_substitute_cannot_exist() -> None:
    with pytest.raises(RequestError, match="cannot substitute a token in a host name"):
        Request(
            "postback",
            "t",
            "partner",
            RINGBA,
            "GET",
            "https",
            Value.of(Tok("trackdrive_subdomain", "[tag:user:trackdrive_subdomain]", "acme"), ".trackdrive.com"),
            (),
        )


# --------------------------------------------------------------------------- token syntax per platform


@pytest.mark.parametrize(
    ("platform", "field", "token"),
    [
        ("trackdrive", "trackdrive_call_uuid", "[trackdrive_call_uuid]"),
        ("ringba", "trackdrive_call_uuid", "[tag:user:trackdrive_call_uuid]"),
        ("retreaver", "trackdrive_call_uuid", "[trackdrive_call_uuid]"),
        ("vicidial", "vendor_lead_code", "--A--vendor_lead_code--B--"),
        ("generic", "trackdrive_call_uuid", "{{trackdrive_call_uuid}}"),
    ],
)
def test_call_uuid_is_a_token_in_the_buyers_syntax(tmp_path: Path, platform: str, field: str, token: str) -> None:
    extra = f"stores:\n  trackdrive_call_uuid: {field}\nrevenue: 10.00\n"
    req = only_request(plan_from(tmp_path, buyers__sunbuyer_yml=buyer(platform, extra)), "solar", "sunbuyer")
    assert req.url_template().split("?")[0].endswith("/api/v1/calls/update_call/" + token)


def test_ringba_knows_its_own_names() -> None:
    assert RINGBA.token("payout") == "[Call:ConversionPayout]"
    assert RINGBA.token("caller_id") == "[tag:InboundNumber:Number]"
    assert RINGBA.token("call_id") == "[Call:InboundCallId]"
    assert RINGBA.token("first_name") == "[tag:user:first_name]"
    assert RINGBA.token("Call:ConversionAmount") == "[Call:ConversionAmount]"
    assert TRACKDRIVE.token("caller_id") == "[caller_id]"
    assert VICIDIAL.token("lead_id") == "--A--lead_id--B--"
    assert GENERIC.token("x") == "{{x}}"


def test_custom_platform_wraps_tokens_its_own_way(tmp_path: Path) -> None:
    platform = "id: crmx\nname: CRM X\ntoken:\n  pattern: '%%{name}%%'\njson_body: false\nknown:\n  caller_id: phone\n"
    plan = plan_from(tmp_path, platforms__crmx_yml=platform, traffic_sources__sunsource_yml=source("crmx"))
    req = only_request(plan, "solar", "sunsource")
    query = dict(parse_qsl(urlsplit(req.url_template()).query))
    assert query["caller_id"] == "%%phone%%"
    assert query["zip"] == "%%zip%%"
    assert req.form == "post_url"
    assert any("cannot send a JSON body" in n for n in req.notes)


def test_token_the_platform_cannot_carry_is_an_error(tmp_path: Path) -> None:
    extra = "stores:\n  trackdrive_call_uuid: Call-UUID\nrevenue: 10.00\n"
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("vicidial", extra))
    [problem] = exc.value.problems
    assert problem.field == "stores.trackdrive_call_uuid"
    assert problem.message == "'--A--Call-UUID--B--' is not a token ViciDial can carry"
    assert problem.hint == "ViciDial token names must match [a-z0-9_]+"


def test_a_token_in_another_platforms_syntax_cannot_exist() -> None:
    with pytest.raises(RequestError, match="not in Ringba syntax"):
        Request(
            "postback",
            "t",
            "partner",
            RINGBA,
            "GET",
            "https",
            Value.of("acme.trackdrive.com"),
            (Value.of(Tok("trackdrive_call_uuid", "{{trackdrive_call_uuid}}", "x")),),
        )


# --------------------------------------------------------------------------- Content-Type exactly with a JSON body


@pytest.mark.parametrize(
    ("form", "method", "has_body"), [("json", "POST", True), ("post_url", "POST", False), ("get", "GET", False)]
)
def test_content_type_exactly_when_there_is_a_json_body(tmp_path: Path, form: str, method: str, has_body: bool) -> None:
    req = only_request(
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("generic", f"form: {form}\nrevenue: 9.00\n")),
        "solar",
        "sunbuyer",
    )
    names = [n for n, _ in req.headers_template()]
    assert req.method == method
    assert ("Content-Type" in names) is has_body
    assert (req.body is not None) is has_body
    if has_body:
        assert dict(req.headers_template())["Content-Type"] == "application/json"
        json.loads(req.body_example() or "")


def test_json_body_without_content_type_cannot_exist() -> None:
    with pytest.raises(RequestError, match="exactly when there is a JSON body"):
        Request(
            "x", "t", "partner", GENERIC, "POST", "https", Value.of("a.example"), (), body=(Field("a", Value.of("b")),)
        )


def test_content_type_without_a_body_cannot_exist() -> None:
    with pytest.raises(RequestError, match="exactly when there is a JSON body"):
        Request(
            "x",
            "t",
            "partner",
            GENERIC,
            "POST",
            "https",
            Value.of("a.example"),
            (),
            headers=(Field("Content-Type", Value.of(JSON_TYPE)),),
        )


def test_get_with_a_body_cannot_exist() -> None:
    with pytest.raises(RequestError, match="GET request cannot carry a body"):
        Request(
            "x",
            "t",
            "partner",
            GENERIC,
            "GET",
            "https",
            Value.of("a.example"),
            (),
            headers=(Field("Content-Type", Value.of(JSON_TYPE)),),
            body=(Field("a", Value.of("b")),),
        )


def test_json_on_a_platform_without_json_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("vicidial", "form: json\nrevenue: 9.00\n"))
    messages = [(p.field, p.message, p.hint) for p in exc.value.problems]
    assert (
        "form",
        "ViciDial cannot send a JSON body",
        "use form: get",
    ) in messages


def test_vicidial_default_falls_back_to_get_and_says_so(tmp_path: Path) -> None:
    req = only_request(
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("vicidial", "revenue: 9.00\n")), "solar", "sunbuyer"
    )
    assert req.method == "GET" and req.body is None and req.headers == ()
    assert req.notes == (
        "ViciDial can only send GET requests, so the postback is sent as GET (values in the query string).",
        "ViciDial cannot send custom headers, so the postback carries your TrackDrive auth_token in its payload "
        "instead of an Authorization header.",
    )


# --------------------------------------------------------------------------- auth header vs auth_token


def test_basic_header_is_the_default(tmp_path: Path) -> None:
    req = only_request(plan_from(tmp_path), "solar", "sunbuyer")
    assert dict(req.headers_template())["Authorization"] == "Basic YOUR_TRACKDRIVE_BASIC_AUTH_TOKEN"
    assert "auth_token" not in (req.body_object("template") or {})


def test_auth_token_in_the_json_body_when_chosen(tmp_path: Path) -> None:
    req = only_request(
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("ringba", "auth: payload\nrevenue: 9.00\n")), "solar", "sunbuyer"
    )
    assert "Authorization" not in dict(req.headers_template())
    assert next(iter(req.body_object("template") or {})) == "auth_token"
    assert (req.body_object("example") or {})["auth_token"] == "YOUR_TRACKDRIVE_AUTH_TOKEN"


def test_auth_token_in_the_query_when_the_platform_has_no_headers(tmp_path: Path) -> None:
    req = only_request(
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("vicidial", "revenue: 9.00\n")), "solar", "sunbuyer"
    )
    assert dict(parse_qsl(urlsplit(req.url_template()).query))["auth_token"] == "YOUR_TRACKDRIVE_AUTH_TOKEN"


def test_header_auth_on_a_platform_without_headers_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("vicidial", "auth: header\nrevenue: 9.00\n"))
    assert [(p.field, p.message, p.hint) for p in exc.value.problems] == [
        ("auth", "ViciDial cannot send an Authorization header", "use auth: payload (auth_token in the payload)")
    ]


def test_a_header_on_a_platform_without_headers_cannot_exist() -> None:
    with pytest.raises(RequestError, match="cannot send headers"):
        Request(
            "x",
            "t",
            "partner",
            VICIDIAL,
            "GET",
            "https",
            Value.of("a.example"),
            (),
            headers=(Field("Authorization", Value.of("Basic x")),),
        )


# --------------------------------------------------------------------------- minimum body, revenue, post_call_tokens


def test_minimum_postback_body_is_the_seeds(tmp_path: Path) -> None:
    req = only_request(plan_from(tmp_path), "solar", "sunbuyer")
    assert req.body_object("template") == {
        "buyer_converted": "true",
        "revenue": "[Call:ConversionPayout]",
        "offer_converted": "true",
        "post_call_tokens": {},
    }
    assert req.body_template() == (
        '{\n  "buyer_converted": "true",\n  "revenue": "[Call:ConversionPayout]",\n'
        '  "offer_converted": "true",\n  "post_call_tokens": {}\n}'
    )


def test_fixed_revenue_is_typed_in(tmp_path: Path) -> None:
    req = only_request(plan_from(tmp_path, buyers__sunbuyer_yml=buyer("ringba", "revenue: 35\n")), "solar", "sunbuyer")
    assert (req.body_object("template") or {})["revenue"] == "35.00"


def test_no_revenue_needs_an_agreed_amount(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, buyers__sunbuyer_yml=buyer("ringba", "revenue: none\n"))
    [problem] = exc.value.problems
    assert problem.message == "revenue is none but offer 'solar' has no agreed revenue for 'sunbuyer'"


def test_no_revenue_leaves_revenue_out(tmp_path: Path) -> None:
    from conftest import MINIMAL

    offer = MINIMAL["offers/solar.yml"].replace("intake:", "agreed_revenue: 41.50\n        intake:")
    plan = plan_from(tmp_path, solar_yml=offer, buyers__sunbuyer_yml=buyer("ringba", "revenue: none\n"))
    page = plan.find("solar", "sunbuyer")[0]
    assert "revenue" not in (page.requests[0].body_object("template") or {})
    assert page.buyer is not None and page.buyer.agreed_revenue == "41.50"
    assert any("API Postback" in step and "41.50" in step for step in page.setup)


def test_pair_revenue_overrides_the_buyers(tmp_path: Path) -> None:
    from conftest import MINIMAL

    offer = MINIMAL["offers/solar.yml"].replace("- buyer: sunbuyer", "- buyer: sunbuyer\n            revenue: 12.5")
    req = only_request(plan_from(tmp_path, solar_yml=offer), "solar", "sunbuyer")
    assert (req.body_object("template") or {})["revenue"] == "12.50"


def test_extra_data_goes_inside_post_call_tokens(tmp_path: Path) -> None:
    extra = "revenue: 9.00\npost_call_tokens:\n  - name: first_name\n    token: fname\n    example: Ann\n"
    req = only_request(plan_from(tmp_path, buyers__sunbuyer_yml=buyer("ringba", extra)), "solar", "sunbuyer")
    body = req.body_object("template") or {}
    assert "first_name" not in body
    assert body["post_call_tokens"] == {"first_name": "[tag:user:fname]"}
    assert (req.body_object("example") or {})["post_call_tokens"] == {"first_name": "Ann"}


def test_extra_data_in_a_query_string_is_nested_by_name(tmp_path: Path) -> None:
    extra = "form: get\nrevenue: 9.00\npost_call_tokens:\n  - name: first_name\n    token: fname\n    example: Ann\n"
    req = only_request(plan_from(tmp_path, buyers__sunbuyer_yml=buyer("generic", extra)), "solar", "sunbuyer")
    query = urlsplit(req.url_template()).query
    assert "post_call_tokens%5Bfirst_name%5D={{fname}}" in query
    assert "first_name=" not in query.replace("post_call_tokens%5Bfirst_name%5D=", "")
    assert ("post_call_tokens[first_name]", "Ann") in parse_qsl(urlsplit(req.url_example()).query)


# --------------------------------------------------------------------------- encoding


def test_tokens_are_never_percent_encoded_but_fixed_values_are() -> None:
    req = Request(
        "x",
        "t",
        "partner",
        TRACKDRIVE,
        "GET",
        "https",
        Value.of("acme.trackdrive.com"),
        (Value.of("api"), Value.of(Tok("id", "[call_uuid]", "u-1"))),
        query=(
            Field("caller_id", Value.of(Tok("caller_id", "[caller_id]", "+13125550123"))),
            Field("note", Value.of("a b&c=d+e/[x]")),
            Field("mixed", Value.of("id-", Tok("n", "[n]", "7 8"))),
        ),
    )
    assert req.url_template() == (
        "https://acme.trackdrive.com/api/[call_uuid]"
        "?caller_id=[caller_id]&note=a%20b%26c%3Dd%2Be%2F%5Bx%5D&mixed=id-[n]"
    )
    assert "%5Bcaller_id%5D" not in req.url_template()
    # The example is fully encoded and decodes back to exactly the sample values: no double encoding.
    assert req.url_example() == (
        "https://acme.trackdrive.com/api/u-1?caller_id=%2B13125550123&note=a%20b%26c%3Dd%2Be%2F%5Bx%5D&mixed=id-7%208"
    )
    assert parse_qsl(urlsplit(req.url_example()).query) == [
        ("caller_id", "+13125550123"),
        ("note", "a b&c=d+e/[x]"),
        ("mixed", "id-7 8"),
    ]


def test_query_forms_of_the_example_catalogue_keep_tokens_raw() -> None:
    from generator.catalogue import load_catalogue
    from generator.plan import iter_requests, plan_site

    plan = plan_site(load_catalogue(Path(__file__).resolve().parent.parent / "offers"))
    checked = 0
    for page, req in iter_requests(plan):
        template = req.url_template()
        for tok in req.tokens():
            assert (
                tok.token in template
                or tok.token in (req.body_template() or "")
                or any(tok.token in v for _, v in req.headers_template())
            ), (page.slug, tok)
            checked += 1
        assert "%5B" not in template.replace("post_call_tokens%5B", ""), template
    assert checked > 30


# --------------------------------------------------------------------------- secrets


def test_secrets_are_placeholders_with_where_to_get_them(tmp_path: Path) -> None:
    req = only_request(plan_from(tmp_path), "solar", "sunbuyer")
    [secret] = req.placeholders()
    assert secret.secret and secret.text == "YOUR_TRACKDRIVE_BASIC_AUTH_TOKEN"
    assert "API & Access Tokens" in secret.where
    assert dict(req.headers_example())["Authorization"] == "Basic YOUR_TRACKDRIVE_BASIC_AUTH_TOKEN"


def test_a_secret_placeholder_never_takes_a_sample_value() -> None:
    assert Placeholder("x", "YOUR_X", "ask", secret=True, example="real-looking").sample == "YOUR_X"
    assert Value.of(Placeholder("x", "YOUR_X", "ask", example="abc")).example() == "YOUR_X"


def test_the_ringba_webhook_code_never_reaches_a_page(tmp_path: Path) -> None:
    src = source("ringba", "conversion:\n  type: ringba\n  code: env:SUN_RINGBA_CODE\n")
    plan = plan_from(tmp_path, traffic_sources__sunsource_yml=src)
    page = plan.find("solar", "sunsource")[0]
    assert page.conversion is not None
    assert [p.text for p in page.conversion.placeholders()] == ["YOUR_RINGBA_WEBHOOK_CODE"]
    assert "SUN_RINGBA_CODE" in " ".join(page.setup)  # the owner learns where the value is, never the value
    assert page.conversion.url_template().startswith("https://webhook.ringba.com/hook/YOUR_RINGBA_WEBHOOK_CODE?")


# --------------------------------------------------------------------------- traffic sources


def test_lead_post_carries_lead_token_source_id_caller_and_fields(tmp_path: Path) -> None:
    req = only_request(plan_from(tmp_path), "solar", "sunsource")
    assert req.url_template() == "https://acme.trackdrive.com/api/v1/leads"
    assert req.body_object("template") == {
        "lead_token": "abcdefgh1234",
        "traffic_source_id": "501",
        "caller_id": "{{caller_id}}",
        "traffic_source_lead_id": "{{call_id}}",
        "zip": "{{zip}}",
    }


def test_capture_uses_ringba_tokens(tmp_path: Path) -> None:
    from conftest import MINIMAL

    offer = MINIMAL["offers/solar.yml"].replace("method: lead_post", "method: capture")
    plan = plan_from(tmp_path, solar_yml=offer, traffic_sources__sunsource_yml=source("ringba"))
    req = only_request(plan, "solar", "sunsource")
    assert req.url_template() == "https://acme.trackdrive.com/api/v1/leads/capture"
    body = req.body_object("template") or {}
    assert body["caller_id"] == "[tag:InboundNumber:Number]"
    assert body["ringba_call_uuid"] == "[Call:InboundCallId]"


def test_ping_post_sends_two_requests_with_a_bearer_header(tmp_path: Path) -> None:
    from conftest import MINIMAL

    offer = (
        MINIMAL["offers/solar.yml"]
        .replace("        lead_token: abcdefgh1234\n", "")
        .replace("method: lead_post", "method: ping_post\n          vanity_uri: solar-calls")
    )
    plan = plan_from(tmp_path, solar_yml=offer)
    ping = only_request(plan, "solar", "sunsource", "ping")
    post = only_request(plan, "solar", "sunsource", "post")
    assert ping.url_template() == "https://acme.trackdrive.com/api/v1/inbound_webhooks/ping/solar-calls"
    assert post.url_template() == "https://acme.trackdrive.com/api/v1/inbound_webhooks/post/solar-calls"
    for req in (ping, post):
        assert dict(req.headers_template())["Authorization"] == "Bearer YOUR_TRACKDRIVE_API_TOKEN"
    assert {"caller_id", "traffic_source_id"} <= set(ping.body_object("template") or {})
    assert list(post.body_object("template") or {}) == ["ping_id", "caller_id"]
    assert "lead_token" not in (ping.body_object("template") or {})


def test_lead_post_from_a_get_only_platform_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, traffic_sources__sunsource_yml=source("vicidial"))
    [problem] = exc.value.problems
    assert problem.file.endswith("solar.yml") and problem.field == "traffic_sources[0].traffic_source"
    assert problem.message == (
        "'sunsource' is on ViciDial, which cannot send POST; TrackDrive's lead_post takes POST only"
    )


def test_url_conversion_is_written_in_trackdrive_tokens(tmp_path: Path) -> None:
    conv = (
        "conversion:\n  type: url\n  url: https://t.example/pb/[traffic_source_lead_id]\n"
        "  params:\n    payout: '[payout]'\n    s: a b\n"
    )
    plan = plan_from(tmp_path, traffic_sources__sunsource_yml=source("generic", conv))
    conversion = plan.find("solar", "sunsource")[0].conversion
    assert conversion is not None and conversion.sender == "trackdrive"
    assert conversion.url_template() == "https://t.example/pb/[traffic_source_lead_id]?payout=[payout]&s=a%20b"
    assert conversion.url_example().endswith("?payout=20.00&s=a%20b")


def test_url_conversion_with_a_query_string_is_an_error(tmp_path: Path) -> None:
    conv = "conversion:\n  type: url\n  url: https://t.example/pb?x=1\n"
    with pytest.raises(DataError) as exc:
        plan_from(tmp_path, traffic_sources__sunsource_yml=source("generic", conv))
    assert [(p.field, p.message) for p in exc.value.problems] == [("conversion.url", "the URL has a query string")]


def test_every_builtin_platform_has_a_distinct_syntax() -> None:
    wrapped = {p.id: p.token("x") for p in BUILTIN.values()}
    assert wrapped == {
        "trackdrive": "[x]",
        "ringba": "[tag:user:x]",
        "retreaver": "[x]",
        "vicidial": "--A--x--B--",
        "generic": "{{x}}",
    }


def test_example_view_never_contains_a_token() -> None:
    req = Request(
        "x",
        "t",
        "partner",
        RINGBA,
        "POST",
        "https",
        Value.of("acme.trackdrive.com"),
        (),
        headers=(Field("Content-Type", Value.of(JSON_TYPE)),),
        body=(Field("a", Value((Lit("p-"), Tok("a", "[tag:user:a]", "v")))),),
    )
    assert req.body_example() == '{\n  "a": "p-v"\n}'
    assert "[tag:user:a]" in (req.body_template() or "")


def test_a_contact_field_the_sources_platform_cannot_carry(tmp_path: Path) -> None:
    platform = "id: crmx\nname: CRM X\ntoken:\n  pattern: '%%{name}%%'\nname_pattern: '[a-z_]+'\n"
    from conftest import MINIMAL

    offer = MINIMAL["offers/solar.yml"].replace("- name: zip", "- name: zip5")
    with pytest.raises(DataError) as exc:
        plan_from(
            tmp_path, solar_yml=offer, platforms__crmx_yml=platform, traffic_sources__sunsource_yml=source("crmx")
        )
    [problem] = exc.value.problems
    assert (problem.field, problem.message) == ("fields[0].name", "'%%zip5%%' is not a token CRM X can carry")
    assert problem.hint.startswith("map it to a field CRM X can carry with field_tokens in ")
    # Mapping it to a name the platform can carry fixes it.
    plan = plan_from(
        tmp_path,
        solar_yml=offer,
        platforms__crmx_yml=platform,
        traffic_sources__sunsource_yml=source("crmx", "field_tokens:\n  zip5: postal\n"),
    )
    assert (only_request(plan, "solar", "sunsource").body_object("template") or {})["zip5"] == "%%postal%%"


def test_a_custom_platform_without_headers_sends_no_json_body_by_default(tmp_path: Path) -> None:
    platform = "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\nheaders: false\n"
    src = "id: sunsource\nname: S\nplatform: leadsmith\ntraffic_source_id: 5\n"
    plan = plan_from(tmp_path, platforms__leadsmith_yml=platform, traffic_sources__sunsource_yml=src)
    req = only_request(plan, "solar", "sunsource")
    assert req.form == "post_url" and req.headers == () and req.body is None
    assert req.notes == ("L cannot send a JSON body, so the post is sent as POST URL (values in the query string).",)


def test_a_request_computes_each_view_once_and_stays_a_plain_value() -> None:
    def make() -> Request:
        return Request(
            "post",
            "t",
            "partner",
            TRACKDRIVE,
            "POST",
            "https",
            Value.of("acme.trackdrive.com"),
            (Value.of("api"),),
            query=(Field("caller_id", Value.of(Tok("caller_id", "[caller_id]", "+13125550123"))),),
        )

    req, twin = make(), make()
    views = (req.url_template, req.url_example, req.body_example, req.body_template, req.http_example)
    first = [view() for view in views]
    assert [view() for view in views] == first
    assert req.url_example() is req.url_example()  # kept, not computed again
    assert req.url_example() == "https://acme.trackdrive.com/api?caller_id=%2B13125550123"
    # What is kept does not make two equal requests differ.
    assert req == twin and twin.url_example() == req.url_example()


def test_vicidial_writes_the_caller_id_as_its_phone_number_token() -> None:
    """ViciDial's caller id is its lead's phone_number (vicidial.org/docs/CALL_URL_FEATURES.txt)."""
    vicidial = BUILTIN["vicidial"]
    assert vicidial.token("caller_id") == "--A--phone_number--B--"
    assert vicidial.token("call_id") == "--A--lead_id--B--"


def test_the_readme_table_of_built_in_platforms_is_what_the_code_does() -> None:
    """Every well-known name the README's table gives a platform is the token the code writes for it."""
    from conftest import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Built-in platforms", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert {row.split("`")[1] for row in rows} == set(BUILTIN)
    checked = 0
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        platform = BUILTIN[cells[0].strip("`")]
        if cells[-1] == "-":
            continue
        for item in cells[-1].split(", "):
            name, _, token = item.partition(" → ")
            expected = token.strip("`") if token else platform.token(name.strip("`"))
            assert platform.token(name.strip("`")) == expected, (platform.id, item)
            checked += 1
    assert checked >= 12
