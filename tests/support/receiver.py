"""A webhook receiver on loopback for tests: records every request, fails the first N, and can
answer with a redirect or an endless body (to show neither is followed nor read)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHUNK = b"x" * 65536


@dataclass
class Receiver:
    url: str
    port: int
    fail_first: int = 0
    redirect_to: str | None = None
    body_chunks: int = 0  # 64 KiB chunks of answer body after a 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent_bytes: int = 0  # answer body bytes the client accepted before it hung up
    answered: threading.Event = field(default_factory=threading.Event)

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["answered"] == 200]


@contextmanager
def webhook_receiver(
    fail_first: int = 0, *, redirect_to: str | None = None, body_chunks: int = 0
) -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            rec = state["r"]
            with rec.lock:
                if rec.redirect_to is not None:
                    code = 302
                else:
                    code = 500 if len(rec.requests) < rec.fail_first else 200
                rec.requests.append(
                    {"headers": dict(self.headers), "body": json.loads(body), "answered": code}
                )
            self.send_response(code)
            if rec.redirect_to is not None:
                self.send_header("Location", rec.redirect_to)
            if code == 200 and rec.body_chunks:
                self.send_header("Content-Length", str(len(CHUNK) * rec.body_chunks))
            else:
                self.send_header("Content-Length", "0")
            self.end_headers()
            try:
                for _ in range(rec.body_chunks if code == 200 else 0):
                    self.wfile.write(CHUNK)
                    rec.sent_bytes += len(CHUNK)
            except OSError:
                self.close_connection = True  # the client stopped reading and hung up
            finally:
                rec.answered.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_port
    state["r"] = Receiver(
        f"http://127.0.0.1:{port}/hook", port, fail_first, redirect_to, body_chunks
    )
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()
