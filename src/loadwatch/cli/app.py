"""The ``loadwatch`` Typer application; command modules register on it."""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_name

from loadwatch.cli.context import no_cycle_collector

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
    "reprocess",
)

# The data commands: they read an athlete's stored rows, print them and exit, and must start in
# under half a CPU-second (issue #19 item 5).  They run without the cycle collector, whose passes
# over what the libraries they import allocate cost 20-50 ms and find nothing (context.py).
DATA_COMMANDS = frozenset({"athletes", "status", "flags", "report"})


class _Ordered(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:  # typer's own click Context
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(HELP_ORDER)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_metavars(command)
        return command


def _plain_metavars(command: Any) -> None:
    """Help in the usual Unix style: ``import [OPTIONS] PATHS...`` and ``--port PORT``, where
    typer prints its Python types (``{paths}...``, ``paths... <list[Path]>``, ``--port <int>``).
    A parameter given its own metavar (NAME, YYYY-MM-DD) keeps it; flags take no value."""
    for param in getattr(command, "params", []):
        if param.param_type_name == "argument":
            shown = (param.metavar or param.name or "").upper()
            dots = "..." if param.nargs != 1 else ""
            param._usage_display_name = lambda s=shown, d=dots: s + d
            param.display_type_rich = lambda ctx: None
            param._rich_display_name = lambda s=shown, d=dots: s + d
        elif param.metavar is None and not getattr(param, "is_flag", False):
            param.metavar = (param.name or "value").upper()
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)


class _OneCommand(typer.Typer):
    """A Typer app that, run with a command's name first, builds that command alone: typer
    turns every registered function into a click command (its signature read, its
    annotations resolved) on every run, about 35 ms of a data command's start-up for ~40
    commands of which one runs.  The root's options and callback stay; help, errors and
    shell completion (which list every command) get the whole app."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs["args"] if "args" in kwargs else args[0] if args else None
        argv = sys.argv[1:] if argv is None else argv
        one = self.narrowed(argv)
        if one is not self and argv[0] in DATA_COMMANDS:
            with no_cycle_collector():
                return typer.Typer.__call__(one, *args, **kwargs)
        return typer.Typer.__call__(one, *args, **kwargs)

    def narrowed(self, argv: Sequence[str]) -> typer.Typer:
        """This app with only the command (or command group) ``argv`` names first; itself when
        argv names none (an option first, a typo) or the shell asks for completions."""
        if not argv or argv[0].startswith("-") or "_LOADWATCH_COMPLETE" in os.environ:
            return self
        name = argv[0]
        commands = [
            c
            for c in self.registered_commands
            if (c.name or get_command_name(getattr(c.callback, "__name__", ""))) == name
        ]
        groups = [g for g in self.registered_groups if g.name == name]
        if not commands and not groups:
            return self
        one = copy.copy(self)
        one.registered_commands, one.registered_groups = commands, groups
        return one


app = _OneCommand(
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
