"""Rules: pure functions from daily frames and per-athlete thresholds to flags and headroom.

The package names nothing itself: the engine (``rules.engine``) loads polars and numpy, and the
flags a command only reads need its evidence (``rules.evidence``) and its config, not it."""
