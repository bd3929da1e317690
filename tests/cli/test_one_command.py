"""The CLI run with a command's name first builds that command alone (``cli/app.py``): what it
prints must be what the whole app prints, and anything else gets the whole app."""

from __future__ import annotations

import pytest
import typer.main

from loadwatch.cli import app


def _names(one: typer.Typer) -> list[str]:
    commands = [typer.main.get_command_name(c.callback.__name__) for c in one.registered_commands]  # type: ignore[union-attr]
    return commands + [str(g.name) for g in one.registered_groups]


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["status", "--athlete", "Sara"], ["status"]),
        (["import-log", "--help"], ["import_log"]),
        (["user", "list"], ["user"]),
        (["checkin-link", "--help"], ["checkin-link"]),
    ],
)
def test_a_command_named_first_is_built_alone(argv: list[str], names: list[str]) -> None:
    one = app.narrowed(argv)
    assert one is not app
    assert _names(one) == [n.replace("_", "-") for n in names]
    # The root's callback (--version, the terminal's width) stays.
    assert one.registered_callback is app.registered_callback
    assert len(app.registered_commands) >= 20  # the app itself is untouched


@pytest.mark.parametrize("argv", [[], ["--help"], ["--version"], ["stat"], ["Status"]])
def test_anything_else_gets_the_whole_app(argv: list[str]) -> None:
    assert app.narrowed(argv) is app


def test_completion_gets_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_LOADWATCH_COMPLETE", "bash_complete")
    assert app.narrowed(["status"]) is app


def _run(cli: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str]:
    with pytest.raises(SystemExit) as done:
        cli(argv, prog_name="loadwatch")  # type: ignore[operator]
    out = capsys.readouterr()
    return done.value.code, out.out + out.err


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--help"],
        ["status", "--bogus"],
        ["report"],
        ["user", "--help"],
        ["user", "list", "--help"],
        ["activity", "delete", "--help"],
        ["symptoms", "nope"],
    ],
)
def test_one_command_prints_what_the_whole_app_prints(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    whole = _run(typer.main.get_command(app), argv, capsys)
    one = _run(app, argv, capsys)
    assert one == whole
    assert whole[1].startswith("Usage: loadwatch " + argv[0])
