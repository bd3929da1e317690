"""Decoders, one per file format, behind one registry: bytes -> Tracks (FIT, GPX, TCX)
or training-log rows (CSV)."""
