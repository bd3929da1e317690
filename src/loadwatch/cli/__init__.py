"""Command line: ``loadwatch inspect | import | athletes | activities | series | flags | status |
report | demo | serve | scheduler | user | checkin-link | sync | backup | restore | reprocess``, one
module per theme."""

from loadwatch.cli.context import no_cycle_collector

# Imported for their side effect: each registers its commands on the shared app; typer and rich
# with them, without the cycle collector walking what they build (context.py says why).
with no_cycle_collector():
    from loadwatch.cli import (  # noqa: F401
        activity_cmds,
        athlete_cmds,
        checkin_cmds,
        demo_cmds,
        flag_cmds,
        ingest_cmds,
        load_cmds,
        log_cmds,
        planned_cmds,
        rehab_cmds,
        release_cmds,
        reprocess_cmds,
        service_cmds,
        user_cmds,
    )
    from loadwatch.cli.app import app

__all__ = ["app"]
