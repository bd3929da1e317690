"""The webhook target guard, as a pure function over a fake resolver: which URLs loadwatch
will POST to, and what it says about the ones it will not."""

from __future__ import annotations

from ipaddress import IPv4Address, ip_address

import httpx
import pytest

from loadwatch.config import Settings
from loadwatch.errors import UnresolvableTarget, UnsafeTarget
from loadwatch.netguard import (
    TargetPolicy,
    address_problem,
    check_url,
    numeric_host,
    parse_allow_entry,
    pinned,
)
from loadwatch.services.webhooks import target_policy
from support.fake_dns import PUBLIC_V4, PUBLIC_V6, resolver

STRICT = TargetPolicy()

# (host as written in the URL, what the resolver would answer if asked, words in the reason)
REFUSED = [
    ("127.0.0.1", [], "loopback"),
    ("127.8.9.10", [], "loopback"),
    ("localhost", ["127.0.0.1"], "loopback"),
    ("api.localhost", ["127.0.0.1"], "loopback"),
    ("10.0.0.1", [], "private"),
    ("10.255.255.254", [], "private"),
    ("172.16.5.4", [], "private"),
    ("192.168.1.10", [], "private"),
    ("169.254.169.254", [], "metadata"),
    ("169.254.1.1", [], "link-local"),
    ("[::1]", [], "loopback"),
    ("[fd00::1]", [], "private"),
    ("[fe80::1]", [], "link-local"),
    ("[fd00:ec2::254]", [], "metadata"),
    ("0.0.0.0", [], "unspecified"),
    ("[::]", [], "unspecified"),
    ("0", ["0.0.0.0"], "unspecified"),
    ("2130706433", ["127.0.0.1"], "(127.0.0.1) is a loopback"),
    ("0x7f000001", ["127.0.0.1"], "(127.0.0.1) is a loopback"),
    ("0177.0.0.1", ["127.0.0.1"], "not a valid URL"),  # httpx refuses to parse it at all
    ("127.1", ["127.0.0.1"], "(127.0.0.1) is a loopback"),
    ("0xa9.254.169.254", ["169.254.169.254"], "metadata"),
    ("3232235777", ["192.168.1.1"], "(192.168.1.1) is a private"),
    ("metadata.google.internal", ["169.254.169.254"], "metadata service"),
    ("METADATA.Google.Internal.", ["169.254.169.254"], "metadata service"),
    ("instance-data", ["169.254.169.254"], "metadata service"),
    ("[::ffff:127.0.0.1]", [], "IPv6 form of 127.0.0.1, a loopback"),
    ("[::ffff:169.254.169.254]", [], "metadata"),
    ("[::ffff:10.1.1.1]", [], "IPv6 form of 10.1.1.1, a private"),
    ("[64:ff9b::7f00:1]", [], "IPv6 form of 127.0.0.1"),
    ("[2002:c0a8:0101::1]", [], "IPv6 form of 192.168.1.1"),
    ("100.64.0.1", [], "shared"),
    ("100.100.100.200", [], "metadata"),
    ("224.0.0.251", [], "multicast"),
    ("[ff02::1]", [], "multicast"),
    ("[ff0e::1]", [], "multicast"),
    ("240.0.0.1", [], "private"),
    ("255.255.255.255", [], "private"),
    ("192.0.2.7", [], "private"),  # documentation range, not routable
    ("198.18.0.1", [], "private"),  # benchmarking range
    ("[2001:db8::1]", [], "private"),
    # Names whose answers are the problem, including one bad answer among good ones.
    ("rebind.example", ["10.0.0.7"], "resolves to 10.0.0.7, a private"),
    ("mixed.example", [PUBLIC_V4, "127.0.0.1"], "resolves to 127.0.0.1, a loopback"),
    ("v6only.example", ["::1"], "resolves to ::1, a loopback"),
    ("mapped.example", ["::ffff:192.168.0.1"], "IPv6 form of 192.168.0.1"),
    ("meta.example", ["169.254.169.254"], "metadata"),
]


@pytest.mark.parametrize(("host", "answers", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_hosts(host: str, answers: list[str], reason: str) -> None:
    dns = resolver({host.strip("[]").lower().rstrip("."): answers})
    with pytest.raises(UnsafeTarget) as e:
        check_url(f"https://{host}/hook", STRICT, dns)
    assert reason in str(e.value), str(e.value)
    assert "\n" not in str(e.value)


def test_public_names_and_addresses_pass_with_every_address() -> None:
    dns = resolver({"hooks.example": [PUBLIC_V4, PUBLIC_V6]})
    t = check_url("https://hooks.example:8443/in?x=1", STRICT, dns)
    assert (t.scheme, t.host, t.port) == ("https", "hooks.example", 8443)
    assert t.addresses == (ip_address(PUBLIC_V4), ip_address(PUBLIC_V6))
    assert check_url("https://8.8.8.8/", STRICT, dns).addresses == (IPv4Address("8.8.8.8"),)
    # An IPv4-mapped form of a public address goes to that public address.
    assert check_url("https://[::ffff:8.8.8.8]/", STRICT, dns).port == 443
    assert dns.asked == ["hooks.example"]  # literals are never looked up


def test_https_only_unless_the_admin_allows_http() -> None:
    dns = resolver({"hooks.example": [PUBLIC_V4]})
    with pytest.raises(UnsafeTarget, match="LOADWATCH_WEBHOOK_ALLOW_HTTP"):
        check_url("http://hooks.example/", STRICT, dns)
    assert check_url("http://hooks.example/", TargetPolicy(allow_http=True), dns).port == 80
    for url in ("ftp://hooks.example/", "file:///etc/passwd", "gopher://hooks.example/"):
        with pytest.raises(UnsafeTarget, match="https"):
            check_url(url, TargetPolicy(allow_http=True), dns)
    with pytest.raises(UnsafeTarget, match="credentials"):
        check_url("https://u:p@hooks.example/", STRICT, dns)
    # http is about the scheme only: a private address stays refused.
    with pytest.raises(UnsafeTarget, match="private"):
        check_url("http://10.0.0.1/", TargetPolicy(allow_http=True), dns)


def test_unresolvable_is_its_own_error() -> None:
    with pytest.raises(UnresolvableTarget, match=r"nowhere\.example does not resolve"):
        check_url("https://nowhere.example/", STRICT, resolver())
    with pytest.raises(UnresolvableTarget):
        check_url("https://empty.example/", STRICT, resolver({"empty.example": []}))


def test_allow_list_admits_in_house_receivers_but_never_metadata() -> None:
    policy = TargetPolicy.build(
        allow_http=True, allow=["hooks.corp", "10.20.0.0/16", "127.0.0.1", "169.254.0.0/16"]
    )
    dns = resolver(
        {"hooks.corp": ["192.168.7.7"], "other.corp": ["10.21.0.1"], "meta.corp": ["fd00:ec2::254"]}
    )
    assert check_url("http://hooks.corp/", policy, dns).addresses == (ip_address("192.168.7.7"),)
    assert check_url("http://10.20.3.4:9000/", policy, dns).port == 9000
    assert check_url("http://127.0.0.1:8080/", policy, dns).host == "127.0.0.1"
    with pytest.raises(UnsafeTarget, match=r"10\.21\.0\.1, a private"):
        check_url("https://other.corp/", policy, dns)  # outside the allowed network
    with pytest.raises(UnsafeTarget, match="loopback"):
        check_url("https://127.0.0.2/", policy, dns)
    with pytest.raises(UnsafeTarget, match="metadata"):
        check_url("https://169.254.169.254/", policy, dns)  # inside an allowed CIDR
    with pytest.raises(UnsafeTarget, match="metadata"):
        check_url("https://meta.corp/", policy, dns)


def test_a_loopback_name_says_how_to_allow_it_and_can_be_allowed() -> None:
    # The same hint as a loopback address's (trial 10 F11), and an admin who names it is heard.
    dns = resolver({"localhost": ["127.0.0.1"]})
    for url in ("https://localhost/hook", "https://127.0.0.1/hook"):
        with pytest.raises(UnsafeTarget, match="needs LOADWATCH_WEBHOOK_ALLOW_HOSTS"):
            check_url(url, STRICT, dns)
    policy = TargetPolicy.build(allow_http=False, allow=["localhost"])
    assert check_url("https://localhost:9911/", policy, dns).addresses == (ip_address("127.0.0.1"),)


def test_allow_list_setting_is_parsed_and_validated() -> None:
    s = Settings(webhook_allow_hosts="hooks.corp, 10.0.0.0/8 ::1")  # type: ignore[arg-type]
    policy = target_policy(s)
    assert policy.allow_hosts == frozenset({"hooks.corp"})
    assert [str(n) for n in policy.allow_networks] == ["10.0.0.0/8", "::1/128"]
    assert parse_allow_entry("Hooks.Corp.") == "hooks.corp"
    for bad in ("https://hooks.corp/", "hooks.corp:443", ""):
        with pytest.raises(ValueError, match="neither a host name nor a CIDR"):
            parse_allow_entry(bad)
    with pytest.raises(ValueError, match="neither a host name nor a CIDR"):
        Settings(webhook_allow_hosts="http://x/")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0300.0250.1.1", "192.168.1.1"),
        ("1.2.3", "1.2.0.3"),
        ("8.8.8.8.", "8.8.8.8"),
        ("0", "0.0.0.0"),
    ],
)
def test_numeric_hosts_read_as_inet_aton_does(host: str, address: str) -> None:
    assert numeric_host(host) == IPv4Address(address)


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1.1.1", "1.2.3.256", "4294967296", "09.1.1.1"])
def test_numbers_that_are_no_address_are_refused(host: str) -> None:
    with pytest.raises(UnsafeTarget):
        numeric_host(host)


def test_names_are_not_numbers() -> None:
    assert numeric_host("hooks.example") is None
    assert numeric_host("1.2.3.example") is None
    assert numeric_host("0x7f.example") is None


def test_address_problem_names_the_class() -> None:
    assert address_problem(ip_address("8.8.8.8")) is None
    assert address_problem(ip_address("2606:4700:4700::1111")) is None
    assert address_problem(ip_address("127.0.0.1")) == "a loopback address"
    assert address_problem(ip_address("::")) == "an unspecified address"


def test_pinned_request_connects_to_the_checked_address_with_the_original_host() -> None:
    dns = resolver({"hooks.example": [PUBLIC_V6]})
    t = check_url("https://hooks.example/in?a=1", STRICT, dns)
    url, headers, ext = pinned(t, t.addresses[0])
    assert url == httpx.URL(f"https://[{PUBLIC_V6}]/in?a=1")
    assert headers == {"Host": "hooks.example"}
    assert ext == {"sni_hostname": "hooks.example"}
    t = check_url("http://hooks.example:8080/", TargetPolicy(allow_http=True), dns)
    url, headers, ext = pinned(t, t.addresses[0])
    assert (url.port, headers, ext) == (8080, {"Host": "hooks.example:8080"}, {})
    # A legacy numeric host is sent as the address it stands for.
    policy = TargetPolicy.build(allow_http=True, allow=["127.0.0.1"])
    t = check_url("http://2130706433:81/x", policy, dns)
    assert pinned(t, t.addresses[0]) == (httpx.URL("http://127.0.0.1:81/x"), {}, {})


def test_a_bad_allow_list_in_the_environment_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loadwatch.config import get_settings
    from loadwatch.errors import ConfigError

    monkeypatch.setenv("LOADWATCH_WEBHOOK_ALLOW_HOSTS", "hooks.corp, https://x.example/")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError) as e:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert str(e.value) == (
        "invalid settings: LOADWATCH_WEBHOOK_ALLOW_HOSTS: webhook allow-list entry "
        "'https://x.example/' is neither a host name nor a CIDR"
    )
