"""Daily frame → load series per dimension (``LOAD_SCHEMA``): EWMA, ratios, monotony, strain.

Per dimension (distance km, fast km, metres climbed; see ``schema.DIMENSIONS``):

* ``acute_ewma`` / ``chronic_ewma``: exponentially weighted means over 7 and 28 days with
  λ = 2/(N+1) (Williams et al., BJSM 2017): ``E_t = λ·x_t + (1-λ)·E_{t-1}``.  The value before
  the first day, ``E_{-1}``, is the mean of the first N days (or of all days when fewer), not
  zero: a zero seed makes every athlete look "detrained" for a month.  Shown, never alarmed on.
* ``ratio``: uncoupled acute:chronic, the sum of the last 7 days over the mean week of the 28
  days before them (null until 35 days exist or when that mean week is 0).
* ``monotony``: Foster 1998, mean / standard deviation (ddof = 1, as pandas and R) of the 7
  daily loads ending that day, rest days included as zeros; null when sd is 0 (a week of rest
  or seven identical days says nothing useful as a number).  ``strain`` = 7-day load × monotony.

Computed on numpy arrays by ``analytics.windows``: every window from its own days, every EWMA
one step a day, so that ``load_rows`` continuing from a stored day's EWMAs gives the bits a
computation from the first day gives (``services/incremental.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from loadwatch.analytics.schema import (
    DAILY_SCHEMA,
    DIMENSIONS,
    FEW_ROWS,
    LOAD_METRICS,
    LOAD_SCHEMA,
    few_rows,
    validate,
    validate_calendar,
    validate_panel,
)
from loadwatch.analytics.windows import ewma, lagged_window_sum, window_mean_sd, window_sum

ACUTE_DAYS = 7
CHRONIC_DAYS = 28
MONOTONY_DAYS = 7
_SD_ZERO = 1e-9  # the sd of identical values comes out as float dust, not 0


def over(expr: pl.Expr, key: str | None) -> pl.Expr:
    return expr if key is None else expr.over(key)


def lam(n: int) -> float:
    """λ = 2/(n+1)."""
    return 2.0 / (n + 1.0)


def seed(x: np.ndarray, n: int) -> float:
    """The EWMA's value before the first day: the mean of the first ``n`` days (all when
    fewer), added in order."""
    head = x[:n].tolist()
    total = 0.0
    for v in head:
        total += v
    return total / len(head) if head else 0.0


@dataclass(frozen=True, slots=True)
class Carried:
    """Each dimension's (acute, chronic) EWMA on the day before the first row computed."""

    ewmas: dict[str, tuple[float, float]]

    @staticmethod
    def seeds(daily: pl.DataFrame) -> Carried:
        return Carried(
            {
                dim: (seed(x, ACUTE_DAYS), seed(x, CHRONIC_DAYS))
                for dim, (col, _) in DIMENSIONS.items()
                for x in [daily[col].to_numpy().astype(np.float64)]
            }
        )

    @staticmethod
    def stored(row: dict[str, object]) -> Carried:
        """From a day row of ``LOAD_SCHEMA`` (a stored view's)."""
        return Carried(
            {
                dim: (float(row[f"{dim}_acute_ewma"]), float(row[f"{dim}_chronic_ewma"]))  # type: ignore[arg-type]
                for dim in DIMENSIONS
            }
        )


def _positive_div(num: np.ndarray, den: np.ndarray, ok: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def _dimension(x: np.ndarray, start: int, before: tuple[float, float]) -> list[np.ndarray]:
    """Rows ``start ..`` of one dimension's ``LOAD_METRICS``, in their order."""
    acute = ewma(x[start:], lam(ACUTE_DAYS), before[0])
    chronic = ewma(x[start:], lam(CHRONIC_DAYS), before[1])
    s7 = window_sum(x, ACUTE_DAYS, start)
    chronic_week = lagged_window_sum(x, CHRONIC_DAYS, ACUTE_DAYS, start) * (
        ACUTE_DAYS / CHRONIC_DAYS
    )
    mean, sd = window_mean_sd(x, MONOTONY_DAYS, start)
    with np.errstate(invalid="ignore"):
        monotony = _positive_div(mean, sd, sd > _SD_ZERO)
        ratio = _positive_div(s7, chronic_week, chronic_week > 0)
        ewma_ratio = _positive_div(acute, chronic, chronic > 0)
    return [x[start:], acute, chronic, ewma_ratio, s7, chronic_week, ratio, monotony, s7 * monotony]


def load_columns(daily: pl.DataFrame, start: int, carried: Carried) -> dict[str, np.ndarray]:
    """``load_rows``' columns but the date, in numpy (NaN: null)."""
    cols: dict[str, np.ndarray] = {}
    for dim, (col, _) in DIMENSIONS.items():
        x = daily[col].to_numpy().astype(np.float64)
        for name, v in zip(LOAD_METRICS, _dimension(x, start, carried.ewmas[dim]), strict=True):
            cols[f"{dim}_{name}"] = v
    return cols


def load_rows(daily: pl.DataFrame, start: int, carried: Carried) -> pl.DataFrame:
    """``LOAD_SCHEMA`` of rows ``start ..`` of one athlete's daily frame, the EWMAs continuing
    from ``carried`` (the day before ``start``'s): the rows ``load_frame`` gives there."""
    cols: dict[str, object] = {"date": daily["date"].slice(start)}
    cols.update(load_columns(daily, start, carried))
    if daily.height - start <= FEW_ROWS:
        return few_rows(cols, LOAD_SCHEMA)
    return pl.DataFrame(cols, schema=LOAD_SCHEMA, nan_to_null=True)


def load_frame(daily: pl.DataFrame) -> pl.DataFrame:
    """``DAILY_SCHEMA`` (one athlete) → ``LOAD_SCHEMA``, one row per day."""
    validate_calendar(daily, "daily frame")
    out = load_rows(daily, 0, Carried.seeds(daily))
    validate(out, LOAD_SCHEMA, "load frame")
    return out


def load_panel(daily: pl.DataFrame, *, key: str) -> pl.DataFrame:
    """Many athletes' daily frames stacked (``key`` first, sorted by key and date): each
    athlete's rows as ``load_frame`` gives them, same bits."""
    validate_panel(daily, DAILY_SCHEMA, "daily frame", key)
    parts = [
        load_rows(one, 0, Carried.seeds(one)).select(
            pl.lit(one[key][0], daily.schema[key]).alias(key), *LOAD_SCHEMA
        )
        for one in daily.partition_by(key, maintain_order=True)
    ]
    if not parts:
        return pl.DataFrame(schema={key: daily.schema[key], **LOAD_SCHEMA})
    return pl.concat(parts)
