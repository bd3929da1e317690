"""The ``loadwatch`` Typer application; command modules register on it."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

# The order ``loadwatch --help`` lists commands in: what a new runner does first (try the demo,
# look at a file, import), then what they read, then their athletes' data, then running a
# server and keeping the data.  Modules register in import order (alphabetical), which put
# "athletes" and "activities" above "inspect" and "import"; a command missing here comes last.
HELP_ORDER = (
    "demo",
    "inspect",
    "import",
    "import-log",
    "sync",
    "status",
    "report",
    "series",
    "flags",
    "ack",
    "evaluate",
    "symptoms",
    "plan",
    "athletes",
    "athlete",
    "activities",
    "activity",
    "files",
    "serve",
    "scheduler",
    "worker",
    "user",
    "checkin-link",
    "backup",
    "restore",
    "migrate",
)


class _Ordered(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:  # typer's own click Context
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(HELP_ORDER)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))


app = typer.Typer(
    name="loadwatch",
    cls=_Ordered,
    help="Training-load monitor for runners: sees 'too much, too soon' before the tendon does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell.
    add_completion=True,
    # Click's plain help: flags show no value placeholder (rich help prints `--help <bool>`),
    # options show their metavar (NAME, YYYY-MM-DD...).
    rich_markup_mode=None,
)
