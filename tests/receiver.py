"""A receiver on 127.0.0.1 that records every request, and the comparison with a canonical request.

Samples and exports are pointed at it (the account's ``base_url``) and run for
real; what arrived is compared with the request's example view: method, path
(segment by segment, decoded), decoded query, the headers that matter and the
body byte for byte.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from generator.canonical import Request


@dataclass(frozen=True)
class Arrival:
    """One request as it reached the receiver."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]

    @property
    def segments(self) -> list[str]:
        return [unquote(s, errors="strict") for s in urlsplit(self.target).path.split("/")[1:]]

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.target).query, keep_blank_values=True, errors="strict")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _record(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrival = Arrival(self.command, self.path, tuple(self.headers.items()), body)
        with self.server.lock:
            self.server.arrivals.append(arrival)
        answer = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.arrivals: list[Arrival] = []


class Receiver:
    """A threaded HTTP server on an ephemeral port of 127.0.0.1."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def take(self) -> list[Arrival]:
        """Every request received since the last call, in order."""
        with self._server.lock:
            out = list(self._server.arrivals)
            self._server.arrivals.clear()
        return out

    def send_raw(self, message: bytes) -> bytes:
        """Send a raw HTTP message over a socket; return the raw answer."""
        with socket.create_connection(("127.0.0.1", self._server.server_address[1]), timeout=10) as sock:
            sock.sendall(message)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def mismatches(request: Request, arrival: Arrival, *, json_body: bool = False) -> list[str]:
    """How an arrival differs from the request's example view (empty: it is the request).

    The body is compared byte for byte, or with ``json_body`` as the same JSON value.
    """
    out: list[str] = []
    if arrival.method != request.method:
        out.append(f"method {arrival.method!r}, expected {request.method!r}")
    prefix = [s for s in urlsplit(request.origin_example()).path.split("/") if s]
    expected_segments = prefix + [seg.example() for seg in request.path]
    if arrival.segments != expected_segments:
        out.append(f"path {arrival.segments!r}, expected {expected_segments!r}")
    if arrival.query != request.query_example():
        out.append(f"query {arrival.query!r}, expected {request.query_example()!r}")
    expected_headers = dict(request.headers_example())
    for name in ("Content-Type", "Authorization", *expected_headers):
        want = [v for n, v in expected_headers.items() if n.lower() == name.lower()]
        if arrival.header(name) != want:
            out.append(f"header {name}: {arrival.header(name)!r}, expected {want!r}")
    body = request.body_example()
    expected_body = b"" if body is None else body.encode("utf-8")
    if json_body and body is not None:
        try:
            same = json.loads(arrival.body) == request.body_object("example")
        except ValueError:
            same = False
        if not same:
            out.append(f"body {arrival.body!r} is not the JSON value of {expected_body!r}")
    elif arrival.body != expected_body:
        out.append(f"body {arrival.body!r}, expected {expected_body!r}")
    return out


def assert_arrived(
    requests: list[Request], arrivals: list[Arrival], what: list[str], *, json_body: bool = False
) -> None:
    """Each request arrived once, in order, exactly as its example view says."""
    problems = []
    if len(arrivals) != len(requests):
        problems.append(f"{len(arrivals)} requests arrived, {len(requests)} were sent")
    for request, arrival, name in zip(requests, arrivals, what, strict=False):
        problems += [f"{name}: {m}" for m in mismatches(request, arrival, json_body=json_body)]
    assert not problems, "\n".join(problems)
