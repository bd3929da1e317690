"""``python -m loadwatch ...``: the same CLI as the ``loadwatch`` command."""

from loadwatch.cli import app

if __name__ == "__main__":
    app(prog_name="loadwatch")
