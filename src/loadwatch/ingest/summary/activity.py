"""``ActivitySummary``: the per-activity contract of DESIGN.md, as one typed record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from loadwatch.ingest.sports import grade_adjusted

# Distance is also kept as a histogram over speed so that "fast distance" can be recomputed for
# any threshold (coach-set or derived later) without re-reading streams.  Bin i covers
# [i*SPEED_BIN_MPS, (i+1)*SPEED_BIN_MPS); the last bin is open-ended.
SPEED_BIN_MPS = 0.05
SPEED_BINS = 200  # 0 .. 10 m/s (1:40 min/km) - faster than any runner


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    format: str
    sport: str
    start_time: datetime  # UTC, tz-aware
    utc_offset_s: int
    elapsed_time_s: float
    moving_time_s: float
    distance_m: float
    elevation_gain_m: float | None
    elevation_loss_m: float | None
    avg_pace_s_per_km: float | None
    gap_distance_m: float | None
    uphill_distance_m: float | None
    downhill_distance_m: float | None
    fast_distance_m: float | None
    max_speed_mps: float | None
    best_1km_s: float | None
    avg_hr: float | None
    max_hr: float | None
    n_samples: int
    device: str | None
    source_sha256: str
    totals_source: dict[str, str]  # field -> "device" | "computed"
    session_index: int = 0
    name: str | None = None
    # Time on the timer spent standing still (a crossing, a rest at the wall): part of
    # moving_time_s, which is the timer's time.
    stopped_time_s: float = 0.0
    speed_hist_m: list[float] | None = None  # see SPEED_BIN_MPS
    # The same on grade-adjusted (Minetti flat-equivalent) speed; None without altitude.
    gap_speed_hist_m: list[float] | None = None
    # Fast km (docs/fast.md): distance per *sustained* speed bin (ingest.speed.sustained_speed:
    # the best speed held for SUSTAINED_S around the step; steep downhill steps at 0), so the
    # fast km of any threshold is the distance in the bins at or above it.
    sustained_speed_hist_m: list[float] | None = None
    # The fast threshold's evidence: distance per actual speed bin on near-flat steps only
    # (|grade| < ingest.grade.HILL_GRADE; every step when the file has no altitude).
    flat_speed_hist_m: list[float] | None = None
    # Seconds per whole bpm (ingest.summary.hrload): TRIMP for any resting and maximum heart
    # rate; None without a heart-rate stream.
    hr_time_hist_s: list[float] | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The DESIGN contract object: ISO 8601 UTC times, plain numbers."""
        d = asdict(self)
        d["start_time"] = self.start_time.isoformat().replace("+00:00", "Z")
        d["gap_distance_m"] = grade_adjusted(self.sport, self.gap_distance_m)
        d.pop("speed_hist_m")
        d.pop("gap_speed_hist_m")
        d.pop("sustained_speed_hist_m")
        d.pop("flat_speed_hist_m")
        d.pop("hr_time_hist_s")
        return d
