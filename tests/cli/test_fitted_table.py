"""``output.fitted_table`` (trial 9 F9): at any width every number, duration, pace and sport
is printed whole; the name narrows first (wrapping between words, a longer word ending in
"…"), then the least-read columns go and a caption names them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from loadwatch.cli.output import Col, fitted_table

# The trial's rows (corpus store, `activities --limit 14` at 80 columns), where "27:46:37",
# "13:21/km", "1:45/100m", "swimming", "transition" and "Untitled" were cut.
COLS = [
    Col("id", "right"),
    Col("start"),
    Col("sport", drop=3),
    Col("km", "right"),
    Col("moving", "right"),
    Col("pace", "right", drop=4),
    Col("climb m", "right", drop=7),
    Col("TRIMP", "right", drop=8),
    Col("name", text=True, drop=5),
]
ROWS = [
    ["63", "2023-09-04", "cycling", "32.17", "27:46:37", "51.8 km/h", "1", "-", "Untitled"],
    ["64", "2023-09-05", "walking", "1.20", "16:01", "13:21/km", "12", "40", "Evening walk"],
    ["65", "2023-09-06", "swimming", "1.50", "26:15", "1:45/100m", "-", "-", "Pool"],
    ["66", "2023-09-07", "transition", "0.40", "2:30", "-", "0", "-", "T1"],
]


def _render(width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    rows = [[*r[:-1], Text(r[-1])] for r in ROWS]
    table = fitted_table("Activities", COLS, rows, width=width, on=console)
    console.print(table, soft_wrap=False)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("width", [36, 40, 50, 60, 72, 80, 100, 120])
def test_no_number_is_split_at_any_width(width: int) -> None:
    out = _render(width)
    assert not [line for line in out.splitlines() if len(line) > width], out
    header = next(line for line in out.splitlines() if " id " in f" {line} ").split()
    for row in ROWS:
        for col, value in zip(COLS, row, strict=True):
            if col.text or col.header.split()[0] not in header:
                continue
            assert value in out, (width, col.header, value, out)
    if "sport" not in header:
        assert "not shown at this width" in out and "sport" in out.split("not shown", 1)[1]


def test_the_name_gives_way_before_any_number_column_goes() -> None:
    wide = _render(120)
    assert "Evening walk" in wide and "not shown" not in wide
    # 80 columns: every number stays, the name narrows; nothing is cut mid-token.
    out = _render(80)
    header = next(line for line in out.splitlines() if " id " in f" {line} ").split()
    assert header[:8] == ["id", "start", "sport", "km", "moving", "pace", "climb", "m"]
    assert "Untitled" in out.split() or "Untitl…" in out.split()


def test_the_layout_follows_the_width_it_fits_not_the_last_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CLI's console keeps the width of the last command a process ran (a test run, a
    shell session): a table fitted to 36 columns chose its rules by that width, and at 120
    its full box cut the dates it had measured room for."""
    from loadwatch.cli import output

    monkeypatch.setattr(output.console, "width", 120)
    out = _render(36)
    assert "2023-09-04" in out and not [ln for ln in out.splitlines() if len(ln) > 36], out
