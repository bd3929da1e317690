"""When the device's distance total is not believed: the samples moved, the device says no one did.

Device totals normally win (a foot pod or filtered GPS beats our geodesic sum), and a mismatch
outside the rescaling range only costs the per-sample figures.  But a total that says the
athlete stood still for the whole recording, while the samples describe at least ten times
that ground at a moving pace, is a device fault (the corpus's ``invalid/pyfitparse_nick.fit``:
5 m in 4 h beside 113.6 km of samples).  Keeping it would erase the activity's load, so the
samples' distance is used and a warning says so.  Both conditions must hold, so genuine
discrepancies (a pool swim's lengths beside wandering GPS, a treadmill's foot pod beside a
few metres of drift) still trust the device.
"""

from __future__ import annotations

from loadwatch.ingest.summary.timeline import human_duration

# The samples must cover at least this many times the device's total...
MIN_SAMPLES_RATIO = 10.0


def implausible(
    device_m: float, samples_m: float, duration_s: float, stop_speed_mps: float
) -> str | None:
    """The warning when ``device_m`` cannot be the activity's distance, else None.

    ``duration_s`` is the timer (else the elapsed time), ``stop_speed_mps`` the sport's
    standing-still speed: the device's total is implausible when its average over the
    duration is below it while the samples' average is above it and their distance is at
    least ``MIN_SAMPLES_RATIO`` times the device's.
    """
    if duration_s <= 0 or samples_m <= 0 or samples_m < MIN_SAMPLES_RATIO * device_m:
        return None
    device_speed = device_m / duration_s
    samples_speed = samples_m / duration_s
    if device_speed >= stop_speed_mps or samples_speed < stop_speed_mps:
        return None
    return (
        f"the device's total distance, {device_m:.0f} m in {human_duration(duration_s)} "
        f"({device_speed * 3.6:.1f} km/h), is implausible beside the samples' "
        f"{samples_m / 1000:.1f} km ({samples_speed * 3.6:.1f} km/h): "
        "used the samples' distance"
    )
