"""Hypothesis's examples as a function of the test alone, not of what else the process ran.

Hypothesis (6.13x on) draws about one value in twenty from the constants of the *local*
modules loaded in the process (here: every ``loadwatch`` module, an editable install), read
again whenever ``sys.modules`` grows.  Which of them are loaded when a test runs depends on the
tests its xdist worker ran before (the CLI and the API import theirs lazily), and under
``--dist worksteal`` that varies from run to run: a ``derandomize=True`` test, "the same cases
every run", then drew other cases in a mixed batch (tests/services/test_preflight_property.py
failed once so).  The suite draws constants from Hypothesis's own global pool only.
"""

from __future__ import annotations


def fixed_constant_pool() -> None:
    """No local constants for the rest of the process (tests/conftest.py, at import)."""
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    if not hasattr(providers, "_get_local_constants") or not hasattr(providers, "CONSTANTS_CACHE"):
        # A new Hypothesis reads them elsewhere: this must be looked at again, not skipped.
        raise RuntimeError("hypothesis no longer has _get_local_constants: see this module")
    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
