"""A resolver for tests: answers from a table and never touches the network.

An unknown name does not resolve (``UnresolvableTarget``), exactly as a name missing from DNS,
so a test that forgets to list a host fails instead of asking the real resolver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from loadwatch.errors import UnresolvableTarget

# Public addresses (example.com's, Cloudflare's): answers only, never connected to.
PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:4700:4700::1111"

# Every test host name the API suites register hooks for.
PUBLIC_NAMES: dict[str, list[str]] = {
    "coach.example": [PUBLIC_V4],
    "hooks.example": [PUBLIC_V4, PUBLIC_V6],
    "own-coach.example": [PUBLIC_V4],
    "x.example": [PUBLIC_V4],
}


@dataclass
class FakeResolver:
    table: dict[str, list[str]] = field(default_factory=lambda: dict(PUBLIC_NAMES))
    asked: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        if host not in self.table:
            raise UnresolvableTarget(f"webhook host {host} does not resolve")
        return list(self.table[host])

    def answer(self, host: str, addresses: Sequence[str]) -> None:
        self.table[host] = list(addresses)


def resolver(extra: Mapping[str, Sequence[str]] | None = None) -> FakeResolver:
    r = FakeResolver()
    for host, addresses in (extra or {}).items():
        r.answer(host, addresses)
    return r
