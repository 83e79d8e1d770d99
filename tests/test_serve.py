"""`postdocs serve` previews the site and re-renders pages when the catalogue changes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode())
    except (urllib.error.URLError, OSError):
        return ""


def wait_for(url: str, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        body = fetch(url)
        if text in body:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not served at {url} within {seconds}s; last body: {body[:200]!r}")


def test_serve_reloads_on_catalogue_change(project: Callable[..., Path]) -> None:
    root = project(example=True)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "--project", str(root), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/p/final-expense/b-lakeshore-benefits/"
        wait_for(url, "postback instructions for Lakeshore Benefits Group")
        buyer = root / "offers" / "buyers" / "lakeshore-benefits.yml"
        buyer.write_text(buyer.read_text().replace("name: Lakeshore Benefits Group", "name: Lakeshore Renamed"))
        wait_for(url, "postback instructions for Lakeshore Renamed")
        # A broken catalogue keeps the last good pages and reports the problem.
        buyer.write_text("id: lakeshore-benefits\nname: [\n")
        time.sleep(3)
        assert "Lakeshore Renamed" in fetch(url)
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
    assert "Serving on" in output
    assert "offers/buyers/lakeshore-benefits.yml" in output and "invalid YAML" in output
