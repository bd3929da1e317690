"""A local SMTP server for notification tests (aiosmtpd on loopback): keeps every message it
accepted, and can refuse the first N with a temporary failure (451)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    port: int
    fail_first: int = 0
    refused: int = 0
    messages: list[EmailMessage] = field(default_factory=list)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.box.refused < self.box.fail_first:
            self.box.refused += 1
            return "451 4.3.0 try again later"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.box.messages.append(msg)
        return "250 OK"


class _AnyPortController(Controller):
    """Listens on a port the system picks (port 0): no free-port guess that another test could
    take first.  aiosmtpd's start-up check connects to ``self.port``, so it learns the real one
    from the listening socket before that check."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(fail_first: int = 0) -> Iterator[Mailbox]:
    box = Mailbox(0, fail_first)
    controller = _AnyPortController(_Handler(box), hostname="127.0.0.1", port=0)
    controller.start()
    try:
        box.port = controller.port
        yield box
    finally:
        controller.stop()
