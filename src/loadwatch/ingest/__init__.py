"""Ingest: bytes from a watch export → Tracks (columnar samples) → ActivitySummary.

Pure: nothing here touches the database or the network.
"""
