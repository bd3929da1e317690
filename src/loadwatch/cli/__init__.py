"""Command line: ``loadwatch inspect | import | athletes | activities | series | flags | status |
report | demo | serve | scheduler | user | sync``."""

from loadwatch.cli import ingest_cmds, load_cmds, service_cmds  # noqa: F401  (register commands)
from loadwatch.cli.app import app

__all__ = ["app"]
