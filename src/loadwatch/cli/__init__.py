"""Command line: ``loadwatch inspect | import | athletes | activities | series | flags | status |
report | demo | serve | scheduler | user | sync``."""

# Imported for their side effect: each registers its commands on the shared app.
from loadwatch.cli import ingest_cmds, load_cmds, service_cmds, user_cmds  # noqa: F401
from loadwatch.cli.app import app

__all__ = ["app"]
