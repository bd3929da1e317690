"""Commands: ingest_cmds."""

from __future__ import annotations

from loadwatch.cli.app import app  # noqa: F401
