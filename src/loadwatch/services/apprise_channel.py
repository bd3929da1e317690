"""Notifications through Apprise (email, ntfy, Matrix, Slack, Telegram, Discord...), behind
the same target guard as webhooks (``netguard``).

Apprise opens its own connections (SMTP through smtplib, HTTP through requests), so the
guard cannot pin the address the way ``webhook_http`` does.  What it can do, and does:

- Only the services listed in ``SERVICES`` are accepted.  For a *self-hosted* one (an SMTP
  server, an ntfy, Matrix or Gotify server, a JSON receiver) the host named in the URL is
  where Apprise connects, and that host is judged like a webhook's: public addresses only,
  unless the admin allow-lists in-house receivers; unencrypted transports (``mailto://``,
  ``ntfy://``, ``json://``...) only with ``LOADWATCH_WEBHOOK_ALLOW_HTTP=1``.  A *vendor*
  service (Slack, Discord, Telegram, Teams, Pushover, ntfy.sh) is reached at the vendor's own
  fixed public host, whatever the URL holds.
- The check runs at registration and again just before every send (DNS may have changed).
  What remains is the short window between that check and Apprise's own lookup; an admin who
  must close it runs loadwatch behind an egress proxy (docs/notifications.md).

Apprise's own retries are off: the outbox retries, with its back-off and bookkeeping.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from loadwatch.errors import UnresolvableTarget, UnsafeTarget, one_line
from loadwatch.netguard import Resolver, TargetPolicy, check_host, system_resolver
from loadwatch.services.webhook_http import Attempt

log = logging.getLogger(__name__)

Reach = Literal["self-hosted", "vendor"]

# scheme -> (service name, where it connects).  Secure and plain forms of one service share a
# name; the plain ones are judged as unencrypted.
SERVICES: dict[str, tuple[str, Reach]] = {
    "mailto": ("email", "self-hosted"),
    "mailtos": ("email", "self-hosted"),
    "ntfy": ("ntfy", "self-hosted"),
    "ntfys": ("ntfy", "self-hosted"),
    "json": ("json", "self-hosted"),
    "jsons": ("json", "self-hosted"),
    "matrix": ("matrix", "self-hosted"),
    "matrixs": ("matrix", "self-hosted"),
    "gotify": ("gotify", "self-hosted"),
    "gotifys": ("gotify", "self-hosted"),
    "slack": ("slack", "vendor"),
    "discord": ("discord", "vendor"),
    "tgram": ("telegram", "vendor"),
    "msteams": ("teams", "vendor"),
    "pover": ("pushover", "vendor"),
}
_DEFAULT_PORTS = {"email": (25, 587), "ntfy": (80, 443), "json": (80, 443)}


@dataclass(frozen=True)
class Channel:
    """An Apprise URL understood: which service, where it connects, and a form to show."""

    url: str
    service: str
    reach: Reach
    host: str | None  # the self-hosted server; None for a vendor service
    port: int
    encrypted: bool
    shown: str  # the URL with its secrets masked (Apprise's privacy form)


def parse(url: str) -> Channel:
    """The channel ``url`` names, or ``UnsafeTarget`` saying why it is not accepted."""
    import apprise  # here, not at the top: ~0.2 s of plugin loading, only where one is used

    scheme = _scheme(url)
    if scheme not in SERVICES:
        known = ", ".join(sorted({f"{s}://" for s in SERVICES}))
        raise UnsafeTarget(
            f"notification URL must be one of the supported services ({known}); "
            f"got {scheme + '://' if scheme else 'no scheme'}"
        )
    service, reach = SERVICES[scheme]
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None or not plugin:
        raise UnsafeTarget(f"{service} notification URL is not valid for Apprise")
    encrypted = bool(getattr(plugin, "secure", False))
    if reach == "vendor" or getattr(plugin, "mode", None) == "cloud":  # ntfys://topic: ntfy.sh
        return Channel(url, service, "vendor", None, 443, True, _shown(plugin))
    host = str(getattr(plugin, "smtp_host", None) or getattr(plugin, "host", "") or "")
    if not host:
        raise UnsafeTarget(f"{service} notification URL has no host")
    plain, secure = _DEFAULT_PORTS.get(service, (80, 443))
    port = int(getattr(plugin, "port", None) or (secure if encrypted else plain))
    return Channel(url, service, "self-hosted", host, port, encrypted, _shown(plugin))


def describe(url: str) -> tuple[str, str]:
    """(service, masked URL) of a stored channel, never raising: one Apprise no longer reads
    is listed by its scheme, so its owner can see it and remove it."""
    try:
        channel = parse(url)
    except UnsafeTarget:
        return "unknown", f"{_scheme(url) or '?'}://…"
    return channel.service, channel.shown


def check(url: str, policy: TargetPolicy, resolve: Resolver = system_resolver) -> Channel:
    """``parse``, then the target guard on the server a self-hosted service connects to."""
    channel = parse(url)
    if channel.host is None:
        return channel
    if not channel.encrypted and not policy.allow_http:
        raise UnsafeTarget(
            f"{channel.service} notifications must be encrypted (use {_scheme(url)}s://; "
            "unencrypted only with LOADWATCH_WEBHOOK_ALLOW_HTTP=1)"
        )
    check_host(channel.host, channel.port, policy, resolve, what=f"{channel.service} server")
    return channel


def send(
    url: str,
    title: str,
    body: str,
    *,
    policy: TargetPolicy,
    timeout_s: float,
    resolve: Resolver = system_resolver,
) -> Attempt:
    """One message through Apprise, after the guard; a refused target is final."""
    import apprise  # see parse

    try:
        channel = check(url, policy, resolve)
    except UnsafeTarget as e:
        return Attempt(str(e), final=True)
    except UnresolvableTarget as e:
        return Attempt(str(e))
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:  # parse accepted it a moment ago; Apprise's tables cannot change
        return Attempt(f"{channel.service} notification URL is not valid for Apprise", final=True)
    plugin.socket_connect_timeout = timeout_s
    plugin.socket_read_timeout = timeout_s
    sender = apprise.Apprise()
    sender.add(plugin)
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        # Plain text as written: lines stay lines in every service (email's plain part too).
        ok = bool(sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT))
    if ok:
        return Attempt()
    said = one_line(str(captured.getvalue()).strip()) or "no reason given"
    return Attempt(f"{channel.service} via Apprise to {channel.shown} failed: {said[:300]}")


def _shown(plugin: Any) -> str:
    """The URL as Apprise prints it with its secrets masked, without its option noise."""
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""
