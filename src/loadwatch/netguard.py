"""Where loadwatch may send a request on a user's behalf: the webhook target guard (SSRF).

A webhook URL is chosen by a user, and the server POSTs to it from inside the deployment's
network, so without a guard any account could make the server reach its own loopback services,
the private network or the cloud metadata endpoint (which hands out credentials).  The rule:

- ``https`` only; plain ``http`` only when the admin sets ``LOADWATCH_WEBHOOK_ALLOW_HTTP=1``.
- The host is resolved and *every* address it resolves to must be public: loopback, private,
  link-local, multicast, unspecified, reserved, shared (100.64/10), documentation and other
  non-global ranges are refused, and so are IPv4 addresses wrapped in IPv6 (``::ffff:a.b.c.d``,
  NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``), judged by the IPv4 they reach.
- Numeric hosts in any form a resolver accepts (``2130706433``, ``0x7f000001``, ``0177.0.0.1``,
  ``127.1``) are read the way ``inet_aton`` and browsers read them, then judged like any
  address; a host whose last label is a number but is no valid IPv4 address is refused.
- Cloud metadata names and addresses are refused always, even inside an allow-listed network.
- ``LOADWATCH_WEBHOOK_ALLOW_HOSTS`` (host names or CIDRs) lets an admin name in-house receivers.

``check_url`` is pure apart from the resolver it is given, so it is tested without a network.
It returns the addresses it validated; delivery connects to one of those (``pinned``), never
resolves again behind the check's back, so a DNS answer that changes between the check and the
connection (rebinding) cannot redirect the request.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)
from typing import TYPE_CHECKING

from loadwatch.errors import UnresolvableTarget, UnsafeTarget

if TYPE_CHECKING:
    import httpx

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

# (host, port) -> the addresses a connection to it may use, as strings.
Resolver = Callable[[str, int], Sequence[str]]

# Names of cloud metadata services (GCP, AWS, Azure, OpenStack, Alibaba, Oracle): they resolve
# to link-local or private addresses that are refused anyway; naming them gives a clear reason
# and survives an allow-list that would otherwise cover their network.
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)
METADATA_ADDRESSES = frozenset(
    ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.170.23",  # AWS EKS pod identity
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)

_SHARED = IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598): not global
_NAT64 = IPv6Network("64:ff9b::/96")  # well-known NAT64 prefix: the last 32 bits are IPv4
# Checked in this order; the first that matches names the reason.
_CLASSES: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("unspecified", lambda ip: ip.is_unspecified),
    ("loopback", lambda ip: ip.is_loopback),
    ("link-local", lambda ip: ip.is_link_local),
    ("multicast", lambda ip: ip.is_multicast),
    ("shared (carrier-grade NAT)", lambda ip: isinstance(ip, IPv4Address) and ip in _SHARED),
    ("private", lambda ip: ip.is_private),
    ("reserved", lambda ip: ip.is_reserved),
    ("site-local", lambda ip: isinstance(ip, IPv6Address) and ip.is_site_local),
    ("not globally routable", lambda ip: not ip.is_global),
)
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class TargetPolicy:
    """What an admin allows beyond the safe default (https to public addresses)."""

    allow_http: bool = False
    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def build(cls, *, allow_http: bool, allow: Iterable[str]) -> TargetPolicy:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in allow:
            value = parse_allow_entry(entry)
            if isinstance(value, str):
                hosts.add(value)
            else:
                networks.append(value)
        return cls(allow_http, frozenset(hosts), tuple(networks))

    def allows_address(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow_networks)


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard, and the addresses it may be reached at."""

    url: str
    scheme: str
    host: str  # lower case, no trailing dot, no brackets
    port: int
    addresses: tuple[IPAddress, ...]


def parse_allow_entry(entry: str) -> str | IPNetwork:
    """One allow-list entry: a network (``10.1.0.0/16``, ``127.0.0.1``) or a host name in lower
    case; ``ValueError`` for anything else (a URL, a port, an empty string)."""
    text = entry.strip()
    try:
        return ip_network(text, strict=False)
    except ValueError:
        pass
    name = _normal_name(text)
    if not re.fullmatch(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", name):
        raise ValueError(f"webhook allow-list entry {entry!r} is neither a host name nor a CIDR")
    return name


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as e:
        reason = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise UnresolvableTarget(f"webhook host {host} does not resolve: {reason}") from e
    return sorted({str(info[4][0]) for info in infos})


def address_problem(ip: IPAddress) -> str | None:
    """Why a connection to ``ip`` is refused ("a loopback address"...), None when public."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    inner = embedded_ipv4(ip)
    if inner is not None:
        why = address_problem(inner)
        if why is not None:
            return f"an IPv6 form of {inner}, {why}"
        if isinstance(ip, IPv6Address) and (ip.ipv4_mapped is not None or ip in _NAT64):
            return None  # the packet goes to ``inner``, which is public
    for label, test in _CLASSES:
        if test(ip):
            return f"a {label} address" if label[0] not in "aeiou" else f"an {label} address"
    return None


def embedded_ipv4(ip: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries: IPv4-mapped, NAT64 or 6to4."""
    if isinstance(ip, IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def numeric_host(host: str) -> IPv4Address | None:
    """A host whose last label is a number is an IPv4 address in one of the legacy forms
    (WHATWG URL standard, as ``inet_aton``): decimal, ``0x`` hex or ``0`` octal parts, the last
    part filling the remaining bytes.  None for a name; ``UnsafeTarget`` for a number that is no
    address (``1.2.3.4.5``, ``256.0.0.1``)."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not _NUMBER.fullmatch(parts[-1]):
        return None
    bad = UnsafeTarget(f"webhook host {host} is a number but not a valid IPv4 address")
    if len(parts) > 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        raise bad
    numbers = [_part(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise bad
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return IPv4Address(value)


def check_url(url: str, policy: TargetPolicy, resolve: Resolver = system_resolver) -> Target:
    """The validated target of ``url``, or ``UnsafeTarget`` / ``UnresolvableTarget`` with a
    one-line reason that names the rule and, where one helps, the setting that relaxes it."""
    import httpx  # here: settings validate the allow-list through this module on every start

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as e:
        raise UnsafeTarget(f"webhook URL is not a valid URL: {e}") from e
    scheme = parsed.scheme.lower()
    if scheme == "http" and not policy.allow_http:
        raise UnsafeTarget(
            "webhook URLs must use https (plain http only with LOADWATCH_WEBHOOK_ALLOW_HTTP=1)"
        )
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeTarget(f"webhook URLs must use https, not {scheme or 'no scheme'}")
    if parsed.userinfo:
        raise UnsafeTarget("put no credentials in the webhook URL; verify the signature instead")
    host = _normal_name(parsed.host)
    if not host:
        raise UnsafeTarget("webhook URL has no host")
    port = parsed.port or _DEFAULT_PORTS[scheme]
    return Target(url, scheme, host, port, check_host(host, port, policy, resolve))


def check_host(
    host: str,
    port: int,
    policy: TargetPolicy,
    resolve: Resolver = system_resolver,
    *,
    what: str = "webhook",
) -> tuple[IPAddress, ...]:
    """The addresses ``host`` may be reached at on ``port``, every one judged by the rules
    above, or ``UnsafeTarget`` / ``UnresolvableTarget``; ``what`` names the target in the
    message (a webhook, a notification's SMTP server...)."""
    host = _normal_name(host)
    if host in METADATA_NAMES:
        raise UnsafeTarget(f"{what} host {host} is a cloud metadata service")
    literal = _literal(host)
    if literal is not None:
        shown = host if str(literal) == host else f"{host} ({literal})"
        _check_address(literal, f"{what} host {shown} is", policy)
        return (literal,)
    by_name = host in policy.allow_hosts
    if (host == "localhost" or host.endswith(".localhost")) and not by_name:
        # The same hint as a loopback address's (trial 10 F11): an admin may name it.
        raise UnsafeTarget(f"{what} host {host} is a loopback name{_ALLOW_HINT}")
    addresses: list[IPAddress] = []
    for text in resolve(host, port):
        try:
            ip = ip_address(text)
        except ValueError as e:
            raise UnresolvableTarget(f"{what} host {host} resolved to {text!r}") from e
        if by_name:
            # An in-house receiver named by the admin may sit on the private network; the
            # metadata service never may.
            if ip in METADATA_ADDRESSES:
                raise UnsafeTarget(f"{what} host {host} resolves to {ip}, a metadata address")
        else:
            _check_address(ip, f"{what} host {host} resolves to {ip},", policy)
        addresses.append(ip)
    if not addresses:
        raise UnresolvableTarget(f"{what} host {host} does not resolve")
    return tuple(addresses)


def pinned(target: Target, address: IPAddress) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The URL, extra headers and request extensions that send ``target``'s request to
    ``address`` itself: the Host header and the TLS server name (SNI and certificate check)
    stay the original host's, so nothing about the request changes but where it connects."""
    import httpx  # see check_url

    url = httpx.URL(target.url)
    if _literal(target.host) is not None:
        # Already an address; a legacy numeric form is sent as the address it stands for.
        return url.copy_with(host=str(address)), {}, {}
    default = _DEFAULT_PORTS[target.scheme]
    host_header = target.host if target.port == default else f"{target.host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return url.copy_with(host=str(address)), {"Host": host_header}, extensions


_ALLOW_HINT = " (an in-house receiver needs LOADWATCH_WEBHOOK_ALLOW_HOSTS)"


def _check_address(ip: IPAddress, lead: str, policy: TargetPolicy) -> None:
    """Refuse ``ip`` unless it is public or allow-listed; ``lead`` starts the message."""
    if ip in METADATA_ADDRESSES:
        raise UnsafeTarget(f"{lead} a cloud metadata address")
    if policy.allows_address(ip):
        return
    problem = address_problem(ip)
    if problem is not None:
        raise UnsafeTarget(f"{lead} {problem}{_ALLOW_HINT}")


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return numeric_host(host)


def _normal_name(host: str) -> str:
    return host.strip().strip("[]").lower().rstrip(".")


def _part(text: str) -> int:
    if text[:2].lower() == "0x":
        return int(text[2:] or "0", 16)
    if len(text) > 1 and text[0] == "0":
        try:
            return int(text, 8)
        except ValueError:
            raise UnsafeTarget(f"{text} is not an octal number") from None
    return int(text)


__all__ = [
    "METADATA_ADDRESSES",
    "METADATA_NAMES",
    "Resolver",
    "Target",
    "TargetPolicy",
    "address_problem",
    "check_host",
    "check_url",
    "embedded_ipv4",
    "numeric_host",
    "parse_allow_entry",
    "pinned",
    "system_resolver",
]
