"""A real ``loadwatch serve`` process on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

LOADWATCH = Path(sys.executable).parent / "loadwatch"
TESTS = Path(__file__).resolve().parents[1]


def command(env: dict[str, str]) -> list[str]:
    """How to run the CLI in another process: ``loadwatch`` itself, or, in a run pinned to
    another day (``LOADWATCH_TEST_NOW``, set by ``cli_env``), the same CLI with its clock
    pinned where the test's clock stands (``support.pinned_cli``): a server a test starts must
    live on the test's day, or it refuses the test's runs as dated in the future."""
    if "LOADWATCH_TEST_NOW" in env:
        return [sys.executable, "-m", "support.pinned_cli"]
    return [str(LOADWATCH)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(env), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOADWATCH_")}
    env["LOADWATCH_DATA_DIR"] = str(data_dir)
    if os.environ.get("LOADWATCH_TEST_NOW"):
        from loadwatch.clock import utcnow

        env["LOADWATCH_TEST_NOW"] = utcnow().isoformat()  # where the pinned clock stands now
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@contextmanager
def serve(env: dict[str, str], *args: str) -> Iterator[str]:
    """Start ``loadwatch serve`` and yield its base URL once /health answers."""
    with serving(env, *args) as (url, _):
        yield url


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``serve``, yielding the server's process too (to signal it, to read its children)."""
    with serving_many(env, 1, *args) as [one]:
        yield one


@contextmanager
def serve_many(env: dict[str, str], n: int, *args: str) -> Iterator[list[str]]:
    """``n`` servers on one store (``serve --no-scheduler`` API processes, as the README's
    scale-out), their base URLs once each one's /health answers."""
    with serving_many(env, n, *args) as servers:
        yield [url for url, _ in servers]


@contextmanager
def serving_many(
    env: dict[str, str], n: int, *args: str
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """``n`` servers started at once, then waited for: their start-ups (imports, about two
    CPU-seconds each) overlap instead of the test waiting for one after the other."""
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for _ in range(n):
            port = free_port()
            log = Path(env["LOADWATCH_DATA_DIR"]) / f"serve-{port}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w") as out:
                proc = subprocess.Popen(
                    [*command(env), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append((f"http://127.0.0.1:{port}", proc, log))
        for url, proc, log in started:
            _wait_healthy(url, proc, log)
        yield [(url, proc) for url, proc, _ in started]
    finally:
        for _, proc, _ in started:
            proc.terminate()
        for _, proc, _ in started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    for _, _, log in started:
        text = log.read_text()
        assert "Traceback" not in text, f"server log has a traceback:\n{text}"


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until /health answers 200; asked every 50 ms (a refused connection costs nothing, and
    a server is up some 75 ms sooner on average than with the 0.2 s it was)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"loadwatch serve did not start:\n{log.read_text()}")
        time.sleep(0.05)


@contextmanager
def scratch_schema(base_url: str) -> Iterator[str]:
    """``base_url`` with a fresh PostgreSQL schema as its search path, dropped afterwards: a
    benchmark never touches existing tables."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base_url, autocommit=True) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in base_url else "?"
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base_url, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{schema}" CASCADE')
