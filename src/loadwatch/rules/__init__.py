"""Rules: pure functions from daily frames and per-athlete thresholds to flags and headroom."""

from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import FlagRecord, evaluate

__all__ = ["FlagRecord", "RuleConfig", "evaluate"]
