"""One webhook POST, safely: the target is checked again at delivery (DNS may have changed
since the hook was registered) and the request goes to an address that passed the check, no
redirect is followed, the timeout is short and at most ``max_response_bytes`` of the answer is
read."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from loadwatch.errors import UnresolvableTarget, UnsafeTarget, one_line
from loadwatch.netguard import Resolver, TargetPolicy, check_url, pinned, system_resolver


@dataclass(frozen=True)
class Attempt:
    """The outcome of one POST: delivered, or why not; ``final`` when retrying cannot help (the
    target is refused by policy), so the delivery is given up at once."""

    error: str | None = None
    final: bool = False

    @property
    def delivered(self) -> bool:
        return self.error is None


def post(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    policy: TargetPolicy,
    timeout_s: float,
    max_response_bytes: int,
    resolve: Resolver = system_resolver,
) -> Attempt:
    try:
        target = check_url(url, policy, resolve)
    except UnsafeTarget as e:
        return Attempt(f"refused: {one_line(e)}", final=True)
    except UnresolvableTarget as e:
        return Attempt(one_line(e))  # perhaps a DNS hiccup: the normal back-off applies
    failure = "no address to connect to"
    for address in target.addresses:
        pinned_url, host_headers, extensions = pinned(target, address)
        try:
            with client.stream(
                "POST",
                pinned_url,
                content=body,
                headers={**headers, **host_headers},
                timeout=timeout_s,
                follow_redirects=False,
                extensions=extensions,
            ) as r:
                _drain(r, max_response_bytes, time.monotonic() + timeout_s)
                status = r.status_code
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            failure = f"{type(e).__name__}: {one_line(e)}"
            continue  # the host's next address, as a browser would
        except httpx.HTTPError as e:
            return Attempt(f"{type(e).__name__}: {one_line(e)}")
        if 200 <= status < 300:
            return Attempt()
        if 300 <= status < 400:
            return Attempt(f"HTTP {status} (redirects are not followed)")
        return Attempt(f"HTTP {status}")
    return Attempt(failure)


def _drain(r: httpx.Response, cap: int, deadline: float) -> None:
    """Read (and drop) the answer up to ``cap`` bytes or the deadline, whichever comes first:
    only the status matters, and reading a short body lets the connection be reused."""
    seen = 0
    for chunk in r.iter_raw(16 * 1024):
        seen += len(chunk)
        if seen >= cap or time.monotonic() > deadline:
            break
