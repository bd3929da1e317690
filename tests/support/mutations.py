"""Mutations of real-shaped activity files and the judgement of what a decoder made of them,
shared by ``tests/ingest/test_fuzz.py`` (bounded, in the suite) and ``scripts/fuzz.py`` (long runs).

Every outcome must be either a clean ``LoadwatchError`` (other than ``DecoderCrash``, which
is a decoder bug caught at the edge) or summaries whose numbers are all finite and sane.
"""

from __future__ import annotations

import math
import random
import re
import struct
from collections.abc import Callable

from loadwatch.errors import LoadwatchError
from loadwatch.ingest.summary.validate import HR_BPM, MAX_DISTANCE_M, MAX_DURATION_S, MAX_SPEED_MPS
from loadwatch.services.importing import DecoderCrash, analyse

NASTY_NUMBERS = (
    "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "1e309", "-1e308", "-1", "0", "-0",
    "4294967295", "99999999999999999999", "1e-320", "", "abc", "2024-05-01T06:00:00+99:00",
    "0000-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00", "2024-13-45T25:61:61Z",
)  # fmt: skip
# Element texts that are numbers or times, and lat/lon attributes: the values a decoder reads
# (replacing the "1.0" of the XML declaration would only test the XML parser's refusal).
_NUMBER = re.compile(rb'(?<=>)-?\d[\d.eE+:TZ-]*(?=<)|(?<=lat=")[^"]*|(?<=lon=")[^"]*')
_FIT_NASTY = (
    b"\xff\xff\xff\xff", b"\x00\x00\x80\x7f", b"\x00\x00\xc0\x7f", b"\x00\x00\x00\x00",
    b"\xff\xff\xff\x7f", b"\x00\x00\x00\x80",
)  # fmt: skip


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def _splice(data: bytes, rng: random.Random) -> bytes:
    i, j = sorted(rng.randrange(len(data)) for _ in range(2))
    k = rng.randrange(len(data))
    return data[:k] + data[i:j] + data[k:]  # a repeated or misplaced run of bytes


def _xml_number(data: bytes, rng: random.Random) -> bytes:
    matches = list(_NUMBER.finditer(data))
    if not matches:
        return _flip(data, rng)
    out = data
    for m in sorted(rng.sample(matches, min(len(matches), rng.choice((1, 2, 3, 8, 40)))),
                    key=lambda m: -m.start()):  # fmt: skip
        out = out[: m.start()] + rng.choice(NASTY_NUMBERS).encode() + out[m.end() :]
    return out


def _fit_number(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        i = rng.randrange(14, max(15, len(out) - 6))
        value = rng.choice((*_FIT_NASTY, struct.pack("<I", rng.getrandbits(32))))
        out[i : i + 4] = value
    return bytes(out)


MUTATIONS: dict[str, tuple[Callable[[bytes, random.Random], bytes], ...]] = {
    # Value replacement weighs most: structural damage mostly tests the parsers' refusals,
    # replaced values reach the summaries.
    "fit": (_flip, _truncate, _splice, _fit_number, _fit_number),
    "gpx": (_flip, _truncate, _splice, *(_xml_number,) * 5),
    "tcx": (_flip, _truncate, _splice, *(_xml_number,) * 5),
}


def mutate(data: bytes, fmt: str, rng: random.Random) -> bytes:
    """One to three mutations of ``data`` drawn from ``fmt``'s kinds."""
    for _ in range(rng.randint(1, 3)):
        if not data:
            break
        data = rng.choice(MUTATIONS[fmt])(data, rng)
    return data


def insane(summary: dict[str, object]) -> str | None:
    """Why a summary's numbers are not finite and sane, or None."""
    for key, v in summary.items():
        if isinstance(v, float) and not math.isfinite(v):
            return f"{key} = {v}"
    d, mv, el = summary["distance_m"], summary["moving_time_s"], summary["elapsed_time_s"]
    assert isinstance(d, float) and isinstance(mv, float) and isinstance(el, float)
    if not (0 <= d <= MAX_DISTANCE_M and 0 <= mv <= MAX_DURATION_S and 0 <= el <= MAX_DURATION_S):
        return f"distance {d}, moving {mv}, elapsed {el}"
    if mv > el + 1e-6:
        return f"moving {mv} > elapsed {el}"
    for key in ("avg_hr", "max_hr"):
        hr = summary[key]
        if hr is not None and not (HR_BPM[0] <= hr <= HR_BPM[1]):  # type: ignore[operator]
            return f"{key} = {hr}"
    speed = summary["max_speed_mps"]
    if speed is not None and not 0 <= speed <= MAX_SPEED_MPS:  # type: ignore[operator]
        return f"max_speed_mps = {speed}"
    offset = summary["utc_offset_s"]
    if not isinstance(offset, int) or abs(offset) > 14 * 3600:
        return f"utc_offset_s = {offset}"
    return None


def outcome(data: bytes, name: str) -> tuple[str, str | None]:
    """("ok" | an error class name | "crash" | "insane", detail)."""
    try:
        decoded = analyse(data, name, sha256="0" * 64)
    except DecoderCrash as e:
        return "crash", str(e)
    except LoadwatchError as e:
        return type(e).__name__, None
    except Exception as e:  # the point is to count what escapes
        return "crash", f"{type(e).__name__}: {e}"
    for act in decoded.activities:
        why = insane(act.summary.to_json())
        if why is not None:
            return "insane", why
    return "ok", None
