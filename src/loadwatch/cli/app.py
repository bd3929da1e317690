"""The ``loadwatch`` Typer application; command modules register on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="loadwatch",
    help="Training-load monitor for runners: sees 'too much, too soon' before the tendon does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell.
    add_completion=True,
    # Click's plain help: flags show no value placeholder (rich help prints `--help <bool>`),
    # options show their metavar (NAME, YYYY-MM-DD...).
    rich_markup_mode=None,
)
