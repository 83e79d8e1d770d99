"""Time ``postdocs check`` on catalogues built to stall it, beside the same check on a plain catalogue.

    python bench/adversarial.py [--rounds N]

Each row is a catalogue that a backtracking engine or a quadratic scan would never finish checking (or
would finish in minutes), checked by ``python -m generator check`` in a fresh process, so every row pays
the same start-up; the first row is the plain minimal catalogue, and each row's ratio is to it, measured
in the same run (this machine is shared: absolute times are noise, ratios less so).  The last rows time
the credential scan alone (``secrets.credential_in``) on one value of 250,000 characters and of 1 MB: a
linear scan takes about four times as long on four times the text (a quadratic one, sixteen).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ACCOUNT = "subdomain: acme\ncompany: Acme Calls\nsupport:\n  email: help@acme.example\n"
SOURCE = "id: sunsource\nname: Sun Source\nplatform: generic\ntraffic_source_id: 501\n"
BUYER = "id: sunbuyer\nname: Sun Buyer\nplatform: ringba\nrevenue:\n  token: payout\n"


def offer(pattern: str = "[0-9]{5}", example: str = "60601", description: str = "") -> str:
    return (
        "id: solar\nname: Solar Savings\nlead_token: abcdefgh1234\nintake:\n  method: lead_post\n"
        + (f"description: {json.dumps(description)}\n" if description else "")
        + f"fields:\n  - name: zip\n    label: ZIP code\n    pattern: {json.dumps(pattern)}\n"
        f"    example: {json.dumps(example)}\n"
        "buyers:\n  - buyer: sunbuyer\ntraffic_sources:\n  - traffic_source: sunsource\n    payout: 20.00\n"
    )


def platform_catalogue(name_pattern: str, token: str) -> dict[str, str]:
    return {
        "platforms/leadsmith.yml": "id: leadsmith\nname: L\ntoken:\n  pattern: '%%{name}%%'\n"
        f"name_pattern: {json.dumps(name_pattern)}\n",
        "buyers/sunbuyer.yml": "id: sunbuyer\nname: Sun\nplatform: leadsmith\nrevenue: 10\nstores:\n"
        f"  trackdrive_call_uuid: {json.dumps(token)}\n",
    }


CASES: dict[str, dict[str, str]] = {
    "plain catalogue (baseline)": {},
    "pattern (a+)+$, example of 5,000 a's and '!'": {"solar.yml": offer("(a+)+$", "a" * 5_000 + "!")},
    "pattern (a|aa)*$, example of 5,000 a's and '!'": {"solar.yml": offer("(a|aa)*$", "a" * 5_000 + "!")},
    "pattern ((a+)+)+c, example of 5,000 a's": {"solar.yml": offer("((a+)+)+c", "a" * 5_000)},
    "pattern (.*a){12}, example of 5,000 a's and '!'": {"solar.yml": offer("(.*a){12}", "a" * 5_000 + "!")},
    "name_pattern (a|aa)*$, token of 120 a's and '!'": platform_catalogue("(a|aa)*$", "a" * 120 + "!"),
    "description of 250,000 letters (URL-scheme scan)": {"solar.yml": offer(description="a" * 250_000)},
    "description of 62,500 '-eyJ' (JWT scan)": {"solar.yml": offer(description="-eyJ" * 62_500)},
}


def project(root: Path, changes: dict[str, str]) -> Path:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    files = {
        "account.yml": ACCOUNT,
        "solar.yml": offer(),
        "buyers/sunbuyer.yml": BUYER,
        "traffic-sources/sunsource.yml": SOURCE,
        **changes,
    }
    for name, text in files.items():
        path = root / "offers" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def time_check(root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--project", str(root), "check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=600,
    )
    return time.perf_counter() - start, done.returncode


def time_call(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="Runs of each row (the median is shown).")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds, median time of `postdocs check`")
    results: dict[str, tuple[float, set[int]]] = {}
    with tempfile.TemporaryDirectory(prefix="postdocs-adversarial-") as tmp:
        for i, (label, changes) in enumerate(CASES.items()):
            root = Path(tmp) / str(i)
            root.mkdir()
            project(root, changes)
            runs = [time_check(root) for _ in range(args.rounds)]
            results[label] = (statistics.median(t for t, _ in runs), {code for _, code in runs})
    base = results["plain catalogue (baseline)"][0]
    for label, (seconds, codes) in results.items():
        print(f"  {label:<52} {seconds:6.2f} s  {seconds / base:5.2f}x  exit {','.join(map(str, sorted(codes)))}")

    from generator.secrets import credential_in

    small, large = "a" * 250_000, "a" * 1_000_000
    jwt_small, jwt_large = "-eyJ" * 62_500, "-eyJ" * 250_000
    print("credential scan alone (secrets.credential_in), median")
    for label, a, b in (("letters", small, large), ("'-eyJ' runs", jwt_small, jwt_large)):
        ta = time_call(lambda a=a: credential_in(a), args.rounds)
        tb = time_call(lambda b=b: credential_in(b), args.rounds)
        print(f"  {label:<14} 250,000 chars {ta * 1000:7.1f} ms   1 MB {tb * 1000:7.1f} ms   ratio {tb / ta:4.1f}")


if __name__ == "__main__":
    main()
