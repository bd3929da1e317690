"""The ``loadwatch`` Typer application; command modules register on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="loadwatch",
    help="Training-load monitor for runners: sees 'too much, too soon' before the tendon does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
