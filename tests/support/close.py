"""Two evaluations' outputs compared as the paths can differ: floats to a relative tolerance
(one steps what the other sums, in another order), everything else exactly."""

from __future__ import annotations

import math


def assert_close(got: object, want: object, where: str, rel: float = 1e-9) -> None:
    """Equal, floats to ``rel`` relative, recursively through dicts and lists; ``where``
    names the place in the assertion."""
    if isinstance(want, float) and isinstance(got, float):
        assert math.isclose(got, want, rel_tol=rel), (where, got, want)
    elif isinstance(want, dict) and isinstance(got, dict):
        assert got.keys() == want.keys(), where
        for k in want:
            assert_close(got[k], want[k], f"{where}.{k}", rel)
    elif isinstance(want, list) and isinstance(got, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_close(g, w, f"{where}[{i}]", rel)
    else:
        assert got == want, (where, got, want)
