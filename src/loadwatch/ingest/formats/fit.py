"""FIT decoder: the bytes of one FIT file (or several chained) → one Track per session.

``fit_read`` reads the messages (the bulk reader, else the fitparse fork in
``fitparse_fork``); ``fit_meta`` turns the metadata messages into times, totals, the device and
the UTC offset; this module builds the Tracks:

* a defect the reader recovered from becomes a Track warning, in loadwatch's own words;
* timestamps, semicircles and session windows are converted per column with polars/numpy.

Records are read from raw field values so a null compressed speed/distance component cannot
overwrite a real ``distance`` the way ``get_values()`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from loadwatch.errors import CorruptFile, NotAnActivity, UndatedActivity
from loadwatch.ingest.formats.fit_meta import (
    FIT_EPOCH_UNIX_S,
    MIN_ABSOLUTE_TS,
    SEMICIRCLE_TO_DEG,
    device,
    file_type,
    lap_totals,
    relative_shift,
    round_offset,
    session_start,
    session_totals,
    to_datetime,
    utc_offset,
)
from loadwatch.ingest.formats.fit_read import RECORD_COLUMNS, read, read_path, record_columns
from loadwatch.ingest.formats.fitparse_fork import (
    MSG_FILE_ID,
    MSG_LAP,
    MSG_SESSION,
    MSG_SPORT,
    MSG_TS_CORRELATION,
)
from loadwatch.ingest.sports import from_fit
from loadwatch.ingest.sports_guess import guess
from loadwatch.ingest.track import Track, conform_samples, empty_samples

__all__ = ["decode", "decode_records", "read_path", "record_columns", "round_offset"]


def _series(name: str, values: list[Any], dtype: pl.DataType) -> pl.Series:
    try:
        return pl.Series(name, values, dtype=dtype, strict=False)
    except (TypeError, ValueError, pl.exceptions.PolarsError):
        # A device wrote an array where the profile says scalar; such a sample is unusable.
        clean = [v if isinstance(v, int | float) else None for v in values]
        return pl.Series(name, clean, dtype=dtype, strict=False)


def _samples_frame(columns: dict[str, Any], shift: int | None) -> tuple[pl.Series, pl.DataFrame]:
    """The records' FIT timestamps (anchored where device-relative; null: missing) and their
    samples: times as datetimes, positions in degrees.  The bulk reader's columns become a
    ``SAMPLE_SCHEMA`` frame without a query; the per-message reader's lists go through one."""
    if isinstance(columns["ts"], np.ndarray):  # the bulk reader's float64, NaN: missing
        return _bulk_frame(columns, shift)
    lazy = pl.DataFrame(
        [
            _series("ts", columns["ts"], pl.Int64()),
            *(_series(c, columns[c], pl.Float64()) for c in RECORD_COLUMNS[1:]),
        ]
    ).lazy()
    ts = pl.col("ts")
    if shift is not None:
        ts = pl.when(ts < MIN_ABSOLUTE_TS).then(ts + shift).otherwise(ts)
    df = lazy.with_columns(
        ts.alias("ts"),
        pl.from_epoch(ts + FIT_EPOCH_UNIX_S, time_unit="s")
        .dt.replace_time_zone("UTC")
        .alias("time"),
        (pl.col("lat") * SEMICIRCLE_TO_DEG).alias("lat"),
        (pl.col("lon") * SEMICIRCLE_TO_DEG).alias("lon"),
        pl.lit(0, dtype=pl.Int32()).alias("segment"),
    ).collect()
    return df.get_column("ts"), df  # ``conform_samples`` drops ``ts``


def _bulk_frame(columns: dict[str, Any], shift: int | None) -> tuple[pl.Series, pl.DataFrame]:
    """``_samples_frame`` of float64 columns in numpy: the same values as the query (integer
    seconds, ``from_epoch``'s microseconds, the same products) in the schema's order."""
    raw = columns["ts"]
    missing = np.isnan(raw)
    ts = np.where(missing, 0.0, raw).astype(np.int64)
    if shift is not None:
        ts = np.where(ts < MIN_ABSOLUTE_TS, ts + shift, ts)
    micros = (ts + FIT_EPOCH_UNIX_S) * 1_000_000
    if missing.any():
        ts_s = pl.Series("ts", np.where(missing, np.nan, ts), nan_to_null=True).cast(pl.Int64)
        us = pl.Series("time", np.where(missing, np.nan, micros), nan_to_null=True)
        us = us.cast(pl.Int64)
    else:
        ts_s, us = pl.Series("ts", ts), pl.Series("time", micros)
    time = us.cast(pl.Datetime("us", "UTC"))
    floats = {c: pl.Series(c, columns[c], nan_to_null=True) for c in RECORD_COLUMNS[1:]}
    floats["lat"] = pl.Series("lat", columns["lat"] * SEMICIRCLE_TO_DEG, nan_to_null=True)
    floats["lon"] = pl.Series("lon", columns["lon"] * SEMICIRCLE_TO_DEG, nan_to_null=True)
    segment = pl.Series("segment", np.zeros(len(ts), dtype=np.int32))
    return ts_s, pl.DataFrame([time, *(floats[c] for c in RECORD_COLUMNS[1:]), segment])


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
    content, defects = read(data, name, fast_records=fast_records, bulk=bulk)
    meta = content.meta
    ftype = file_type(meta[MSG_FILE_ID])
    if ftype is not None and ftype != "activity":
        kind = ftype if isinstance(ftype, str) else f"type {ftype}"
        raise NotAnActivity(f"a FIT {kind} file, not a recorded activity")

    shift = relative_shift(meta[MSG_TS_CORRELATION])
    sessions = meta[MSG_SESSION]
    starts = [session_start(s, shift) for s in sessions]
    ts, df = _samples_frame(content.columns, shift)
    timed = len(ts) - ts.null_count()
    if not sessions and (timed < 2 or ts.n_unique() < 2):
        if defects and not timed:
            raise CorruptFile(defects[-1])
        raise NotAnActivity(
            "a FIT activity file without a session or timed records (nothing recorded)"
        )
    if sessions and timed == 0 and all(s is None for s in starts):
        raise NotAnActivity("a FIT activity file without timestamps")

    warnings = list(defects)
    all_ts = [s for s in starts if s is not None] + ([int(ts.min())] if timed else [])  # type: ignore[arg-type]
    if any(t < MIN_ABSOLUTE_TS for t in all_ts):
        unplaced = "timestamps are relative to device power-on (clock not set): the date is unknown"
        if not allow_unplaced:
            raise UndatedActivity(
                f"the device clock was never set ({unplaced.split(' (')[0]}), so the recording "
                "cannot be placed in time: log its distance and time with "
                "`loadwatch import-log` to count it"
            )
        warnings.append(unplaced)
    common: dict[str, Any] = {
        "format": "fit",
        "utc_offset_s": utc_offset(meta),
        "device": device(meta),
    }
    file_warnings = tuple(warnings)

    if not sessions:
        firsts = meta[MSG_SPORT] or meta[MSG_LAP]
        sport_msg = firsts[0] if firsts else {}
        samples = conform_samples(df)
        first = int(ts.drop_nulls().min())  # type: ignore[arg-type]
        return [
            Track(
                **_sport(sport_msg, samples, file_warnings),
                samples=samples,
                start_time=to_datetime(first),
                totals=lap_totals(meta[MSG_LAP]),
                name=sport_msg.get("name") if isinstance(sport_msg.get("name"), str) else None,
                **common,
            )
        ]

    if len(sessions) == 1:  # every record is the session's (as ``_assign`` would say)
        parts = {(0,): df}
    else:
        df = df.with_columns(pl.Series("_session", _assign(ts, starts)))
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
                start_time=to_datetime(start),
                totals=session_totals(s),
                session_index=i,
                name=title,
                **common,
            )
        )
    return tracks
