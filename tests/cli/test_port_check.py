"""``loadwatch serve``'s port check: a port in TIME_WAIT (a server killed a moment ago) is free,
a port a server listens on is not.  Loopback only."""

from __future__ import annotations

import errno
import socket

import pytest

from loadwatch.cli.service_cmds import port_free


def _listener() -> socket.socket:
    # As uvicorn listens: with SO_REUSEADDR.
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    return srv


def test_a_listening_port_is_taken() -> None:
    with _listener() as srv:
        assert not port_free("127.0.0.1", srv.getsockname()[1])


def test_a_port_left_in_time_wait_is_free() -> None:
    srv = _listener()
    port = srv.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    conn.close()  # the server closes first: its end of the connection goes to TIME_WAIT
    assert client.recv(1) == b""
    client.close()
    srv.close()
    # The server's old connection still holds the port: a plain bind is refused, as the check
    # without SO_REUSEADDR was (for 60-90 s after `kill -9 serve`).
    with socket.socket() as plain, pytest.raises(OSError) as refused:
        plain.bind(("127.0.0.1", port))
    assert refused.value.errno == errno.EADDRINUSE
    assert port_free("127.0.0.1", port)
