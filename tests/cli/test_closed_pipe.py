"""A reader that stops early (`loadwatch … --json | head`) is not an error: nothing on stderr."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

from support.paths import REPO


def test_a_closed_pipe_says_nothing() -> None:
    read_end, write_end = os.pipe()
    # The smallest pipe the kernel gives (a page), so the output outgrows it long before the
    # command is done writing: the reader closes after 100 bytes.
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    files = sorted(str(p) for p in (REPO / "sample_data" / "spiky-sara").iterdir())[:30]
    child = subprocess.Popen(
        [sys.executable, "-m", "loadwatch", "inspect", *files, "--json"],
        stdout=write_end,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    assert os.read(read_end, 100).lstrip().startswith(b"{")
    os.close(read_end)
    _, err = child.communicate(timeout=120)
    assert b"Broken pipe" not in err and b"Traceback" not in err and b"error" not in err, err
