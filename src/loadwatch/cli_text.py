"""Text that wraps between whole pieces: a flag's "▲ Thu climbing spike" is one piece, so a
line never ends on a marker whose label is on the next line.

Rich wraps a ``Text`` at any whitespace, a no-break space included (Python's ``\\s`` matches
it), so pieces cannot be glued with one: ``Pieces`` lays the pieces out itself, greedily, one
space between pieces on a line; only a piece wider than the whole line wraps inside, between
its words.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text


class Pieces:
    """Pieces of text laid out left to right, wrapping only between pieces."""

    def __init__(self, pieces: Sequence[Text]) -> None:
        self.pieces = [p for p in pieces if p.plain]

    @property
    def plain(self) -> str:
        return " ".join(p.plain for p in self.pieces)

    def __bool__(self) -> bool:
        return bool(self.pieces)

    def lines(self, width: int) -> Iterator[Text]:
        """The pieces packed into lines of at most ``width`` cells (a wider piece alone)."""
        line = Text()
        for piece in self.pieces:
            if line.plain and line.cell_len + 1 + piece.cell_len > width:
                yield line
                line = Text()
            if line.plain:
                line.append(" ")
            line.append_text(piece)
        if line.plain:
            yield line

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # A line wider than the width is one piece alone: rich wraps it between its words.
        yield Text("\n").join(self.lines(options.max_width))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        if not self.pieces:
            return Measurement(0, 0)
        widest = max(p.cell_len for p in self.pieces)
        return Measurement(widest, Text(self.plain).cell_len).with_maximum(options.max_width)
