"""What ``--help`` and the deployment docs say about who runs the background jobs agrees with
what the code does (``cli/service_cmds.py``): on the PostgreSQL queue ``loadwatch worker``
processes run them and ``loadwatch scheduler`` refuses to start; ``loadwatch scheduler`` is
the in-process queue's (SQLite).  The help once told API replicas to run "exactly one
`loadwatch scheduler`" beside them, which on PostgreSQL does not start."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from loadwatch.cli import app
from support.paths import REPO

runner = CliRunner(env={"COLUMNS": "300"})


def _help(*command: str) -> str:
    r = runner.invoke(app, [*command, "--help"])
    assert r.exit_code == 0, r.stdout
    # Words the help wrapped at a hyphen ("in-" / "process") joined again.
    return re.sub(r"-\s+", "-", " ".join(r.stdout.split()))


def test_serve_help_sends_replicas_to_workers_on_postgresql() -> None:
    text = _help("serve")
    assert "run `loadwatch worker` processes (PostgreSQL, as many as needed)" in text
    assert "exactly one `loadwatch scheduler` on the in-process queue (SQLite" in text
    assert "On PostgreSQL run `loadwatch worker` instead." in _help("scheduler")


def test_readme_and_deploy_say_the_scheduler_is_not_for_postgresql() -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    deploy = " ".join((REPO / "docs" / "deploy.md").read_text(encoding="utf-8").split())
    for text in (readme, deploy):
        assert "refuses to start on the PostgreSQL queue" in text or (
            "`loadwatch scheduler` refuses to start on this queue" in text
        )
        assert "loadwatch worker" in text
        # Wherever "exactly one scheduler" is said, it is said of the in-process queue.
        for m in re.finditer(r"exactly one[^.]*", text):
            assert "scheduler" not in m.group(0) or "SQLite" in text[m.start() - 200 : m.end()]


def _command_paths() -> list[list[str]]:
    """Every command and sub-command, as the words typed before ``--help``."""
    import typer.main

    paths: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        subs = getattr(cmd, "commands", {})
        if path:
            paths.append(path)
        for name, sub in subs.items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_help_shows_plain_metavars_and_demo_weeks_has_help() -> None:
    # Typer printed its Python types: `import [OPTIONS] {paths}...`, `paths... <list[Path]>`,
    # `--host <str>`; and `demo --weeks` had no help.
    paths = _command_paths()
    assert len(paths) > 25
    for path in paths:
        text = _help(*path)
        assert not re.search(r"<[a-z][a-z_\[\]A-Z ]*>|\{[a-z_]+\}", text), (path, text)
    assert "Usage: loadwatch import [OPTIONS] PATHS..." in _help("import")
    assert "--port PORT Port to bind." in _help("serve")
    assert "--weeks N Weeks each report shows." in _help("demo")
