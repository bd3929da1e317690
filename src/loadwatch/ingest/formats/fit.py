"""FIT decoder: the bytes of one FIT file (or several chained) → one Track per session.

fitparse 1.2.0 does the framing, the profile and the field decoding through the fork in
``ingest.fitparse_fork`` (``LenientFitFile``: per-file developer fields, recoverable defects,
a faster reader; the only module that imports fitparse).  This module turns what it yields
into Tracks:

* where the bytes do not say how to go on (truncation, an undefined local message type), the
  messages read so far are kept and the defect becomes a Track warning, in loadwatch's own
  words (fitparse's texts, "Tried to read 12 bytes from .FIT file but got 0", never leak);
* timestamps, semicircles and session windows are converted per column with polars/numpy.

Records are read from raw field values so a null compressed speed/distance component cannot
overwrite a real ``distance`` the way ``get_values()`` does.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from loadwatch.errors import CorruptFile, NotAnActivity
from loadwatch.ingest.formats import fit_bulk, fit_bulk_columns
from loadwatch.ingest.formats.fit_profile import device_string
from loadwatch.ingest.formats.fitparse_fork import (
    META_MESSAGES,
    MSG_ACTIVITY,
    MSG_DEVICE_INFO,
    MSG_FILE_ID,
    MSG_LAP,
    MSG_RECORD,
    MSG_SESSION,
    MSG_SPORT,
    MSG_TS_CORRELATION,
    FitEOFError,
    FitHeaderError,
    Garbled,
    LenientFitFile,
    MetaMessage,
)
from loadwatch.ingest.sports import from_fit, guess
from loadwatch.ingest.track import DeviceTotals, Track, conform_samples, empty_samples

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
FIT_EPOCH_UNIX_S = 631_065_600
# FIT date_time values below this are seconds since device power-on, not since the FIT epoch.
MIN_ABSOLUTE_TS = 0x10000000
SEMICIRCLE_TO_DEG = 180.0 / 2**31
OFFSET_STEP_S = 900  # local offsets are whole quarter hours
MAX_OFFSET_S = 14 * 3600
MAX_SESSION_S = 14 * 86_400  # as ingest.summary.validate: longer is a corrupt duration

# --- reading ------------------------------------------------------------------------------
_RECORD_COLUMNS = ("ts", "lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")


@dataclass
class _Content:
    # Lists from the per-message reader; float64 arrays (NaN: missing) from the bulk reader.
    columns: dict[str, Any] = field(default_factory=lambda: {c: [] for c in _RECORD_COLUMNS})
    meta: dict[int, list[dict[str, Any]]] = field(
        default_factory=lambda: {n: [] for n in META_MESSAGES}
    )
    n_records: int = 0
    slow_records: int = 0  # records fitparse's own path decoded (none in the corpus)


def _values(message: Any) -> dict[str, Any]:
    # Dropping None keeps a real value when a null component of another field shares its name.
    return {f.name: f.value for f in message.fields if f.value is not None}


def _collect(ff: LenientFitFile, out: _Content) -> None:
    """The hot loop: one pass, per-column lists, nothing converted per sample."""
    cols = out.columns
    ts, lat, lon, dist = (
        cols["ts"].append,
        cols["lat"].append,
        cols["lon"].append,
        cols["distance"].append,
    )
    alt, spd, hr, cad = (
        cols["altitude"].append,
        cols["speed"].append,
        cols["heart_rate"].append,
        cols["cadence"].append,
    )
    meta = out.meta
    for message in ff.data_messages():
        if type(message) is dict:
            v = message
        elif message.def_mesg.mesg_num == MSG_RECORD:
            out.slow_records += 1
            v = {f.name: f.value for f in message.fields if f.value is not None}
        else:
            if message.def_mesg.mesg_num in meta:
                meta[message.def_mesg.mesg_num].append(_values(message))
            continue
        get = v.get
        ts(get("timestamp"))
        lat(get("position_lat"))
        lon(get("position_long"))
        dist(get("distance"))
        alt(get("enhanced_altitude", get("altitude")))
        spd(get("enhanced_speed", get("speed")))
        hr(get("heart_rate"))
        cad(get("cadence"))
    out.n_records = len(cols["ts"])


_LOCAL_TYPE_RE = re.compile(r"invalid local message type (\d+)")


def _stop_reason(e: Exception, ff: LenientFitFile, kept: int) -> str:
    """One line naming why reading stopped early (everything read before it is kept), in
    loadwatch's words: fitparse's texts describe its reader, not the file."""
    part = f" (chained part {ff.n_headers})" if ff.n_headers > 1 else ""
    if isinstance(e, FitEOFError):
        if ff.bytes_left <= 0:
            return f"truncated{part}: file ends without its file CRC; kept {kept} records"
        return f"truncated{part}: file ends before its declared size; kept {kept} records"
    if isinstance(e, Garbled):
        return f"{e}: stopped reading there; kept {kept} records"
    if isinstance(e, FitHeaderError):
        where = f"ignored from byte {ff.position}"
        return f"chained FIT part {ff.n_headers} has an invalid header; {where}"
    local_type = _LOCAL_TYPE_RE.search(str(e))
    if local_type:
        what = f"a data message of undefined local message type {local_type.group(1)}"
    else:
        what = "bytes that are not a valid FIT message"
    return f"unreadable from byte {ff.position} ({what}); kept {kept} records"


def _open(data: bytes, *, fast_records: bool, lean_meta: bool = False) -> LenientFitFile:
    if not data:
        raise CorruptFile("not a FIT file: empty file")
    try:
        return LenientFitFile(data, fast_records=fast_records, lean_meta=lean_meta)
    except FitEOFError as e:
        raise CorruptFile(
            f"not a FIT file: truncated: {len(data)} byte(s), shorter than the FIT header"
        ) from e
    except (FitHeaderError, struct.error) as e:
        raise CorruptFile("not a FIT file: no valid FIT header ('.FIT' signature)") from e


def _read_bulk(data: bytes) -> tuple[_Content, list[str]] | None:
    """The bulk reader (``fit_bulk``); None where the file has a shape it leaves to the
    per-message reader."""
    ff = _open(data, fast_records=True, lean_meta=True)
    bulk = fit_bulk.BulkRead(data)
    stopped: Exception | None = None
    try:
        fit_bulk.read_bulk(ff, bulk)
    except fit_bulk.Refused:
        return None
    except Exception as e:  # fitparse raises bare ValueError/KeyError/struct.error on bad bytes
        stopped = e
    try:
        columns = fit_bulk_columns.columns(bulk)
    except fit_bulk.Refused:
        return None
    content = _Content(columns=dict(columns))
    content.n_records = len(columns["ts"])
    meta = content.meta
    for message in bulk.meta:
        if type(message) is MetaMessage:
            meta[message.mesg_num].append(message.values)
        elif message.def_mesg.mesg_num in meta:
            meta[message.def_mesg.mesg_num].append(_values(message))
    if stopped is not None:
        ff.defects.append(_stop_reason(stopped, ff, content.n_records))
    return content, ff.defects


def _read(
    data: bytes, name: str, *, fast_records: bool, bulk: bool = True
) -> tuple[_Content, list[str]]:
    if fast_records and bulk:
        read = _read_bulk(data)
        if read is not None:
            return read
    ff = _open(data, fast_records=fast_records)
    content = _Content()
    try:
        _collect(ff, content)
    except Exception as e:  # fitparse raises bare ValueError/KeyError/struct.error on bad bytes
        ff.defects.append(_stop_reason(e, ff, len(content.columns["ts"])))
    content.n_records = len(content.columns["ts"])
    return content, ff.defects


def record_columns(
    data: bytes, *, fast_records: bool = True, bulk: bool = True
) -> tuple[dict[str, list[Any]], int]:
    """The raw record columns (``ts`` as FIT seconds, ``lat``/``lon`` in semicircles, the
    rest scaled as the profile says) as the reader collected them, None where missing, and
    the number of records the fast path left to fitparse's own reading; for the reference
    tests."""
    content, _ = _read(data, "", fast_records=fast_records, bulk=bulk)
    out = {}
    for name, values in content.columns.items():
        if isinstance(values, np.ndarray):
            as_int = name in ("ts", "lat", "lon")  # integers in FIT, as fitparse gives them
            values = [None if v != v else (int(v) if as_int else v) for v in values.tolist()]
        out[name] = values
    return out, content.slow_records


def read_path(data: bytes) -> str:
    """Which reader decodes the file: ``bulk``, or ``per-message`` where the bulk reader
    leaves it to the fork (for the reference tests and the benchmark)."""
    return "bulk" if _read_bulk(data) is not None else "per-message"


# --- building Tracks ---------------------------------------------------------------------
def _num(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _abs_ts(v: object, shift: int | None) -> int | None:
    """A raw FIT date_time as seconds since the FIT epoch, anchored when it is device-relative."""
    if not isinstance(v, int):
        return None
    if v < MIN_ABSOLUTE_TS and shift is not None:
        return v + shift
    return v


def _to_datetime(v: int | None) -> datetime | None:
    return None if v is None or v < MIN_ABSOLUTE_TS else FIT_EPOCH + timedelta(seconds=v)


def _relative_shift(correlations: Sequence[dict[str, Any]]) -> int | None:
    """Seconds to add to a device-relative time, from a timestamp_correlation message."""
    for c in correlations:
        t, s = c.get("timestamp"), c.get("system_timestamp")
        if isinstance(t, int) and isinstance(s, int) and t >= MIN_ABSOLUTE_TS:
            return t - s
    return None


def round_offset(seconds: float) -> int | None:
    """A local-minus-UTC difference rounded to the quarter hour; None when implausible."""
    rounded = round(seconds / OFFSET_STEP_S) * OFFSET_STEP_S
    return rounded if abs(rounded) <= MAX_OFFSET_S else None


def _utc_offset(meta: dict[int, list[dict[str, Any]]]) -> int | None:
    for m in (*meta[MSG_ACTIVITY], *meta[MSG_TS_CORRELATION]):
        local, utc = m.get("local_timestamp"), m.get("timestamp")
        if isinstance(local, int) and isinstance(utc, int) and min(local, utc) >= MIN_ABSOLUTE_TS:
            return round_offset(local - utc)
    return None


def _device(meta: dict[int, list[dict[str, Any]]]) -> str | None:
    if not meta[MSG_FILE_ID]:
        return None
    fid = meta[MSG_FILE_ID][0]
    product = fid.get("garmin_product", fid.get("product"))

    def is_creator(d: dict[str, Any]) -> bool:
        # The creator is device_index 0; some devices (Lezyne) give it another index but the
        # file_id's own manufacturer and product.
        if d.get("device_index") in ("creator", 0):
            return True
        same = d.get("garmin_product", d.get("product")) == product
        return same and d.get("manufacturer") == fid.get("manufacturer")

    creator = next(
        (
            d["product_name"]
            for d in meta[MSG_DEVICE_INFO]
            if d.get("product_name") and is_creator(d)
        ),
        None,
    )
    return device_string(fid.get("manufacturer"), product, fid.get("product_name"), creator)


def _session_totals(s: dict[str, Any]) -> DeviceTotals:
    return DeviceTotals(
        distance_m=_num(s.get("total_distance")),
        timer_time_s=_num(s.get("total_timer_time")),
        elapsed_time_s=_num(s.get("total_elapsed_time")),
        ascent_m=_num(s.get("total_ascent")),
        descent_m=_num(s.get("total_descent")),
        max_speed_mps=_num(s.get("enhanced_max_speed", s.get("max_speed"))),
        avg_hr=_num(s.get("avg_heart_rate")),
        max_hr=_num(s.get("max_heart_rate")),
    )


def _lap_totals(laps: Sequence[dict[str, Any]]) -> DeviceTotals:
    """Totals of a file without a session message, summed over its laps."""

    def total(key: str) -> float | None:
        vals = [v for v in (_num(lap.get(key)) for lap in laps) if v is not None]
        return sum(vals) if vals else None

    def peak(*keys: str) -> float | None:
        vals = [v for lap in laps for k in keys if (v := _num(lap.get(k))) is not None]
        return max(vals) if vals else None

    weighted = [
        (hr, t)
        for lap in laps
        if (hr := _num(lap.get("avg_heart_rate"))) is not None
        and (t := _num(lap.get("total_timer_time")))
    ]
    avg_hr = sum(h * t for h, t in weighted) / sum(t for _, t in weighted) if weighted else None
    return DeviceTotals(
        distance_m=total("total_distance"),
        timer_time_s=total("total_timer_time"),
        elapsed_time_s=total("total_elapsed_time"),
        ascent_m=total("total_ascent"),
        descent_m=total("total_descent"),
        max_speed_mps=peak("enhanced_max_speed", "max_speed"),
        avg_hr=avg_hr,
        max_hr=peak("max_heart_rate"),
    )


def _series(name: str, values: list[Any], dtype: pl.DataType) -> pl.Series:
    try:
        return pl.Series(name, values, dtype=dtype, strict=False)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        # A device wrote an array where the profile says scalar; such a sample is unusable.
        clean = [v if isinstance(v, int | float) else None for v in values]
        return pl.Series(name, clean, dtype=dtype, strict=False)


def _samples_frame(columns: dict[str, Any], shift: int | None) -> pl.DataFrame:
    if isinstance(columns["ts"], np.ndarray):  # the bulk reader's float64, NaN: missing
        df = pl.DataFrame(
            [pl.Series(c, columns[c], nan_to_null=True) for c in _RECORD_COLUMNS]
        ).with_columns(pl.col("ts").cast(pl.Int64))
    else:
        df = pl.DataFrame(
            [
                _series("ts", columns["ts"], pl.Int64()),
                *(_series(c, columns[c], pl.Float64()) for c in _RECORD_COLUMNS[1:]),
            ]
        )
    ts = pl.col("ts")
    if shift is not None:
        ts = pl.when(ts < MIN_ABSOLUTE_TS).then(ts + shift).otherwise(ts)
    return df.with_columns(
        ts.alias("ts"),
        pl.from_epoch(ts + FIT_EPOCH_UNIX_S, time_unit="s")
        .dt.replace_time_zone("UTC")
        .alias("time"),
        (pl.col("lat") * SEMICIRCLE_TO_DEG).alias("lat"),
        (pl.col("lon") * SEMICIRCLE_TO_DEG).alias("lon"),
        pl.lit(0, dtype=pl.Int32()).alias("segment"),
    )


def _session_start(s: dict[str, Any], shift: int | None) -> int | None:
    """The session's start_time, else its end minus its duration: the elapsed time, or the
    timer where the elapsed time is corrupt (weeks long: it would date the run weeks early)."""
    start = _abs_ts(s.get("start_time"), shift)
    if start is None:
        end = _abs_ts(s.get("timestamp"), shift)
        durations = (_num(s.get("total_elapsed_time")), _num(s.get("total_timer_time")))
        duration = next((d for d in durations if d is not None and 0 <= d <= MAX_SESSION_S), None)
        if end is not None and duration is not None:
            start = end - int(duration)
    return start


def _assign(ts: pl.Series, starts: Sequence[int | None]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Index of the session each record belongs to: the last one started at or before it.

    Records between two sessions (a transition the device did not cover) stay with the session
    before; records before the first start go to the first session.
    """
    order = sorted((s, i) for i, s in enumerate(starts) if s is not None)
    if not order:
        return np.zeros(len(ts), dtype=np.int64)
    sorted_starts = np.array([s for s, _ in order], dtype=np.int64)
    owners = np.array([i for _, i in order], dtype=np.int64)
    pos = np.searchsorted(sorted_starts, ts.fill_null(0).to_numpy(), side="right") - 1
    return owners[np.clip(pos, 0, None)]


def _file_type(file_ids: Sequence[dict[str, Any]]) -> object:
    types = [f.get("type") for f in file_ids if f.get("type") is not None]
    return "activity" if "activity" in types else (types[0] if types else None)


def _sport(
    message: dict[str, Any], samples: pl.DataFrame, warnings: tuple[str, ...]
) -> dict[str, Any]:
    """Track fields for the sport: the session's own, else (``generic``) a labelled guess
    from the samples (a Fenix's generic session with running cadence and pace is a run)."""
    declared = from_fit(message.get("sport"), message.get("sub_sport"))
    if declared is not None:
        return {"sport": declared, "warnings": warnings}
    raw = message.get("sport")
    said = f"FIT sport {raw!r}" if raw is not None else "no FIT sport"
    g = guess(samples, prefix=f"{said}; ")
    return {"sport": g.sport, "sport_guess": g.note, "warnings": (*warnings, g.note)}


def decode(data: bytes, name: str) -> list[Track]:
    """One Track per FIT session (multisport and chained files give several).

    A recording whose clock was never set (times relative to power-on, with no
    timestamp_correlation to anchor them) is not an activity: it cannot be placed on a day,
    and a run dated 1990 would only corrupt the athlete's history (GPX does the same)."""
    return decode_records(data, name, fast_records=True)


def decode_records(
    data: bytes,
    name: str,
    *,
    fast_records: bool,
    allow_unplaced: bool = False,
    bulk: bool = True,
) -> list[Track]:
    """``decode`` with the readers switchable (tests and the benchmark compare them): the
    bulk reader (``bulk``), else the fork's per-message record fast path (``fast_records``),
    else fitparse's own; and, for tests of the decoding itself, recordings with an unset
    clock kept."""
    content, defects = _read(data, name, fast_records=fast_records, bulk=bulk)
    meta = content.meta
    ftype = _file_type(meta[MSG_FILE_ID])
    if ftype is not None and ftype != "activity":
        kind = ftype if isinstance(ftype, str) else f"type {ftype}"
        raise NotAnActivity(f"a FIT {kind} file, not a recorded activity")

    shift = _relative_shift(meta[MSG_TS_CORRELATION])
    sessions = meta[MSG_SESSION]
    starts = [_session_start(s, shift) for s in sessions]
    df = _samples_frame(content.columns, shift)
    timed = int(df["ts"].is_not_null().sum())
    if not sessions and (timed < 2 or df["ts"].n_unique() < 2):
        if defects and not timed:
            raise CorruptFile(defects[-1])
        raise NotAnActivity(
            "a FIT activity file without a session or timed records (nothing recorded)"
        )
    if sessions and timed == 0 and all(s is None for s in starts):
        raise NotAnActivity("a FIT activity file without timestamps")

    warnings = list(defects)
    all_ts = [s for s in starts if s is not None] + ([int(df["ts"].min())] if timed else [])  # type: ignore[arg-type]
    if any(t < MIN_ABSOLUTE_TS for t in all_ts):
        unplaced = "timestamps are relative to device power-on (clock not set): the date is unknown"
        if not allow_unplaced:
            raise NotAnActivity(
                f"the device clock was never set ({unplaced.split(' (')[0]}), so the recording "
                "cannot be placed in time"
            )
        warnings.append(unplaced)
    common: dict[str, Any] = {
        "format": "fit",
        "utc_offset_s": _utc_offset(meta),
        "device": _device(meta),
    }
    file_warnings = tuple(warnings)

    if not sessions:
        firsts = meta[MSG_SPORT] or meta[MSG_LAP]
        sport_msg = firsts[0] if firsts else {}
        samples = conform_samples(df)
        first = int(df["ts"].drop_nulls().min())  # type: ignore[arg-type]
        return [
            Track(
                **_sport(sport_msg, samples, file_warnings),
                samples=samples,
                start_time=_to_datetime(first),
                totals=_lap_totals(meta[MSG_LAP]),
                name=sport_msg.get("name") if isinstance(sport_msg.get("name"), str) else None,
                **common,
            )
        ]

    if len(sessions) == 1:  # every record is the session's (as ``_assign`` would say)
        parts = {(0,): df}
    else:
        df = df.with_columns(pl.Series("_session", _assign(df["ts"], starts)))
        parts = df.partition_by("_session", as_dict=True, include_key=False)
    sport_names = [m.get("name") for m in meta[MSG_SPORT] if isinstance(m.get("name"), str)]
    tracks = []
    order = sorted(range(len(sessions)), key=lambda k: (starts[k] is None, starts[k] or 0))
    for i, original in enumerate(order):
        s, start = sessions[original], starts[original]
        part = parts.get((original,))
        samples = empty_samples() if part is None else conform_samples(part)
        title = s.get("sport_profile_name")
        if not isinstance(title, str):
            title = sport_names[0] if len(sessions) == 1 and sport_names else None
        tracks.append(
            Track(
                **_sport(s, samples, file_warnings),
                samples=samples,
                start_time=_to_datetime(start),
                totals=_session_totals(s),
                session_index=i,
                name=title,
                **common,
            )
        )
    return tracks
