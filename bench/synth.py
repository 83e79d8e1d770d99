"""Generate a synthetic catalogue of N offers x M partners for benchmarks.

Every offer lists every partner, so the catalogue has ``offers * (buyers + sources)`` partner pages.
Offers cycle through the three intake methods; buyers through every platform, request form, auth
method, subdomain form and revenue setting; traffic sources through every platform that can post,
every form and every conversion type.  Offers carry 5 to 8 contact fields.

    python bench/synth.py OUT --offers 20 --buyers 250 --sources 250     # 10,000 pages
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

INTAKES = ["lead_post", "capture", "ping_post"]
FIELDS = [
    ("first_name", "First name", "text", "Dorothy", ""),
    ("last_name", "Last name", "text", "Whitfield", ""),
    ("zip", "ZIP code", "zip", "60614", ""),
    ("state", "State", "state", "IL", "allowed: [AL, AZ, FL, GA, IL, MO, NC, OH, PA, TX]"),
    ("age", "Age", "integer", "67", 'pattern: "(5[0-9]|[6-7][0-9]|8[0-5])"'),
    ("email", "E-mail", "email", "dorothy@example.com", ""),
    ("insured", "Currently insured", "boolean", "true", ""),
    ("vehicles", "Vehicles", "integer", "2", 'pattern: "[1-9]"'),
]
BUYERS = [
    # platform, extra YAML
    ("ringba", "form: json\nrevenue:\n  token: payout\n"),
    ("ringba", "auth: payload\nrevenue: 30.00\n"),
    ("vicidial", "stores:\n  trackdrive_call_uuid: vendor_lead_code\nrevenue: 25.00\nsale_statuses: [SALE]\n"),
    ("retreaver", "auth: payload\nrevenue: none\n"),
    ("trackdrive", "form: post_url\nsubdomain: token\nrevenue:\n  token: revenue\n"),
    ("generic", "subdomain: token\nform: get\nrevenue:\n  token: sale_amount\n"),
    ("leadsmith", "revenue: 22.50\npost_call_tokens:\n  - name: agent\n    token: agent\n    example: a42\n"),
]
SOURCES = [
    ("ringba", "conversion:\n  type: ringba\n  code: env:SYNTH_RINGBA_CODE\n"),
    ("retreaver", "conversion:\n  type: retreaver\n"),
    (
        "generic",
        "form: post_url\nconversion:\n  type: url\n  url: https://t.example/pb\n"
        "  params:\n    clickid: '[traffic_source_lead_id]'\n    payout: '[payout]'\n",
    ),
    ("trackdrive", "conversion:\n  type: none\n"),
    ("leadsmith", "conversion:\n  type: none\n"),
]
PLATFORM = """id: leadsmith
name: LeadSmith CRM
token:
  pattern: "%%{name}%%"
name_pattern: "[a-z_]+"
json_body: false
known:
  caller_id: phone
  call_id: lead_uuid
"""


def generate(out: Path, offers: int, buyers: int, sources: int) -> int:
    """Write the catalogue into ``out`` (replaced); return the number of partner pages."""
    if out.exists():
        shutil.rmtree(out)
    for sub in ("buyers", "traffic-sources", "platforms"):
        (out / sub).mkdir(parents=True)
    (out / "account.yml").write_text(
        "subdomain: benchcalls\ncompany: Bench Calls\nsupport:\n  email: help@bench.example\n"
    )
    (out / "platforms" / "leadsmith.yml").write_text(PLATFORM)
    buyer_ids = [f"buyer-{i:05d}" for i in range(buyers)]
    source_ids = [f"source-{i:05d}" for i in range(sources)]
    for i, bid in enumerate(buyer_ids):
        platform, extra = BUYERS[i % len(BUYERS)]
        (out / "buyers" / f"{bid}.yml").write_text(
            f"id: {bid}\nname: Buyer {i} Insurance Group\nplatform: {platform}\n{extra}"
        )
    for i, sid in enumerate(source_ids):
        platform, extra = SOURCES[i % len(SOURCES)]
        (out / "traffic-sources" / f"{sid}.yml").write_text(
            f"id: {sid}\nname: Source {i} Media\nplatform: {platform}\ntraffic_source_id: {100000 + i}\n{extra}"
        )
    for o in range(offers):
        intake = INTAKES[o % len(INTAKES)]
        lines = [
            f"id: offer-{o:03d}",
            f"name: Offer {o} Inbound Calls",
            "description: Callers looking for a quote, qualified by the IVR.",
            f"lead_token: lt{o:06d}abcdef",
            "agreed_revenue: 40.00",
            "intake:",
            f"  method: {intake}",
        ]
        if intake == "ping_post":
            lines.append(f"  vanity_uri: offer-{o:03d}")
        lines.append("fields:")
        for name, label, ftype, example, extra in FIELDS[: 5 + o % 4]:
            lines += [
                f"  - name: {name}",
                f"    label: {label}",
                f"    type: {ftype}",
                f'    example: "{example}"',
                f"    required: {str(o % 2 == 0).lower()}",
            ]
            if extra:
                lines.append(f"    {extra}")
        lines.append("buyers:")
        lines += [f"  - buyer: {b}" for b in buyer_ids]
        lines.append("traffic_sources:")
        lines += [f"  - traffic_source: {s}\n    payout: {20 + o % 7}.00" for s in source_ids]
        (out / f"offer-{o:03d}.yml").write_text("\n".join(lines) + "\n")
    return offers * (buyers + sources)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--offers", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=250)
    parser.add_argument("--sources", type=int, default=250)
    args = parser.parse_args()
    pages = generate(args.out, args.offers, args.buyers, args.sources)
    print(f"wrote {args.out}: {pages} partner pages")


if __name__ == "__main__":
    main()
