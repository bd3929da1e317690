"""Failed logins (bad bearer tokens), limited per client address and per token prefix.

A token is 43 random characters after ``lw_``: guessing one is hopeless, but a client trying
tokens in a loop costs a database lookup each and fills the log.  After ``MAX_FAILURES`` bad
tokens within ``WINDOW_S`` from one address, or naming one token prefix (the same stolen or
truncated token tried from many addresses), further attempts get 429 with ``Retry-After``
until the oldest failure leaves the window; a valid token is refused too while its key is
blocked, else a correct guess would get through.

In-process: each API process counts its own failures, so with N replicas behind a balancer a
client gets up to N x ``MAX_FAILURES`` attempts per window; behind a reverse proxy the address
is the proxy's (all clients share one budget) unless the proxy's forwarded address is trusted
by the server (uvicorn ``--proxy-headers``).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

MAX_FAILURES = 10
WINDOW_S = 60.0
PREFIX_CHARS = 12  # "lw_" and 9 random characters: one token's, not a whole class of them
MAX_KEYS = 50_000  # memory stays bounded whatever an attacker sends

Key = tuple[str, str]


def keys_for(address: str | None, token: str) -> tuple[Key, ...]:
    """What a failure is counted against: the client address and the token's prefix."""
    keys: list[Key] = [("prefix", token[:PREFIX_CHARS])]
    if address:
        keys.append(("address", address))
    return tuple(keys)


class FailedLogins:
    """Failures per key within a sliding window (thread-safe: API routes run in threads)."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.window_s, self.now = max_failures, window_s, now
        self._failures: dict[Key, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: Key, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, keys: Iterable[Key]) -> int | None:
        """Whole seconds until these keys may try again; None when they may now."""
        with self._lock:
            now = self.now()
            wait = 0.0
            for key in keys:
                times = self._recent(key, now)
                if times is not None and len(times) >= self.max_failures:
                    wait = max(wait, times[0] + self.window_s - now)
            return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, keys: Iterable[Key]) -> None:
        with self._lock:
            now = self.now()
            for key in keys:
                times = self._recent(key, now)
                if times is None:
                    if len(self._failures) >= MAX_KEYS:
                        self._evict(now)
                    times = self._failures[key] = deque(maxlen=self.max_failures)
                times.append(now)

    def _evict(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= MAX_KEYS:  # all recent: the oldest key goes
            del self._failures[next(iter(self._failures))]
