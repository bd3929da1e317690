"""A webhook receiver on loopback for tests: records every request, fails the first N."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    url: str
    fail_first: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["answered"] == 200]


@contextmanager
def webhook_receiver(fail_first: int = 0) -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            rec = state["r"]
            with rec.lock:
                code = 500 if len(rec.requests) < rec.fail_first else 200
                rec.requests.append(
                    {"headers": dict(self.headers), "body": json.loads(body), "answered": code}
                )
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["r"] = Receiver(f"http://127.0.0.1:{server.server_port}/hook", fail_first)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield state["r"]
    finally:
        server.shutdown()
        server.server_close()
