"""Orchestration over ingest, store and analytics: importing files, evaluating athletes.

Services own transactions and I/O; the pure work stays in ``ingest``, ``analytics`` and
``rules``.
"""
