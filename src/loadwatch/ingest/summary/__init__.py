"""The maths: Track -> ActivitySummary (distance, moving time, elevation, grade, speed),
pure and vectorised."""
