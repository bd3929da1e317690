"""Registering a webhook through the API: only admins and coaches, only URLs the SSRF guard
passes (issue #7's table, through ``POST /webhooks``), each refusal a 422 with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.api.routers.webhooks import get_resolver
from loadwatch.config import Settings
from loadwatch.services import episodes, webhooks
from loadwatch.store import flags as flag_rows
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from loadwatch.store.models import Athlete, Delivery, Flag, Webhook
from support.databases import at_head
from support.fake_dns import PUBLIC_V4, FakeResolver, resolver
from support.receiver import webhook_receiver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

API = "/api/v1"


@dataclass
class Api:
    client: TestClient
    store: Store
    dns: FakeResolver
    admin: dict[str, str]
    coach: dict[str, str]
    athlete: dict[str, str]

    def register(self, url: str, who: dict[str, str] | None = None) -> tuple[int, str]:
        r = self.client.post(f"{API}/webhooks", json={"url": url}, headers=who or self.coach)
        return r.status_code, r.json().get("detail", "") if r.status_code != 201 else ""

    def hooks(self) -> int:
        with self.store.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Webhook)) or 0)


def _api(tmp_path: Path, **settings: object) -> Iterator[Api]:
    config = Settings(data_dir=tmp_path / "data", **settings)  # type: ignore[arg-type]
    store = Store(at_head(config.db_url), config.data_dir)
    with store.transaction() as s:
        ann = get_or_create_athlete(s, "Ann", "UTC")
        _, admin = auth.create_user(s, "root", "admin")
        _, coach = auth.create_user(s, "carla", "coach")
        _, athlete = auth.create_user(s, "ann", "athlete", athlete_id=ann.id)
    dns = resolver(
        {
            "localhost": ["127.0.0.1"],
            "metadata.google.internal": ["169.254.169.254"],
            "hooks.example": [PUBLIC_V4],
            "rebinds.example": ["10.9.8.7"],
            "hooks.corp": ["10.1.2.3"],
        }
    )
    app = create_app(store, settings=config)
    app.dependency_overrides[get_resolver] = lambda: dns
    bearer = {n: {"Authorization": f"Bearer {t}"} for n, t in (("a", admin), ("c", coach))}
    with TestClient(app) as client:
        yield Api(
            client, store, dns, bearer["a"], bearer["c"], {"Authorization": f"Bearer {athlete}"}
        )
    store.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    # Plain http allowed here, so every refusal below is about the address, never the scheme.
    yield from _api(tmp_path, webhook_allow_http=True)


# Issue #7's table: every one of these was accepted before.
SSRF = [
    "http://127.0.0.1/hook",
    "http://localhost/hook",
    "http://10.0.0.1/hook",
    "http://10.200.3.4:8080/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://0.0.0.0/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[::ffff:127.0.0.1]/hook",
    "https://127.0.0.1/hook",
    "https://localhost:8443/hook",
    "https://rebinds.example/hook",
]


@pytest.mark.parametrize("url", SSRF)
def test_ssrf_table_is_refused_through_the_api(api: Api, url: str) -> None:
    status, detail = api.register(url)
    assert status == 422, detail
    assert detail.startswith("webhook host "), detail
    assert any(word in detail for word in ("loopback", "private", "metadata", "unspecified")), (
        detail
    )
    assert api.register(url, api.admin)[0] == 422  # admins too: the guard is not a role check
    assert api.hooks() == 0


def test_a_public_name_is_accepted_and_listed(api: Api) -> None:
    r = api.client.post(
        f"{API}/webhooks", json={"url": "https://hooks.example/in"}, headers=api.coach
    )
    assert r.status_code == 201, r.text
    assert r.json()["url"] == "https://hooks.example/in"
    assert "hooks.example" in api.dns.asked
    assert api.register("https://hooks.example/admin", api.admin) == (201, "")
    assert api.hooks() == 2


def test_athletes_may_not_register_hooks(api: Api) -> None:
    status, detail = api.register("https://hooks.example/mine", api.athlete)
    assert status == 403, detail
    assert api.hooks() == 0
    # Listing stays open to everyone (an athlete's list is simply empty).
    r = api.client.get(f"{API}/webhooks", headers=api.athlete)
    assert (r.status_code, r.json()["data"]) == (200, [])


def test_an_unknown_host_is_refused_with_its_reason(api: Api) -> None:
    assert api.register("https://nowhere.example/hook") == (
        422,
        "webhook host nowhere.example does not resolve",
    )


def test_https_only_by_default(tmp_path: Path) -> None:
    for strict in _api(tmp_path):
        status, detail = strict.register("http://hooks.example/hook")
        assert status == 422 and "LOADWATCH_WEBHOOK_ALLOW_HTTP" in detail
        assert strict.register("https://hooks.example/hook") == (201, "")


def test_the_admin_allow_list_admits_in_house_receivers(tmp_path: Path) -> None:
    for inhouse in _api(tmp_path, webhook_allow_hosts=("hooks.corp", "127.0.0.1")):
        assert inhouse.register("https://hooks.corp/hook") == (201, "")
        assert inhouse.register("https://127.0.0.1:9000/hook") == (201, "")
        status, detail = inhouse.register("https://10.0.0.1/hook")  # not on the list
        assert status == 422 and "private" in detail
        status, detail = inhouse.register("https://169.254.169.254/")
        assert status == 422 and "metadata" in detail


def test_dns_that_changes_after_registration_is_refused_at_delivery(tmp_path: Path) -> None:
    """Registered while the name answered a public address; by delivery it answers loopback
    (DNS rebinding): refused, recorded as failed with the reason, not retried, nothing sent.
    The same delivery with loopback allow-listed reaches the receiver through that name, so the
    refusal above is the guard's doing and the request goes to the address that was checked."""
    for api in _api(tmp_path, webhook_allow_http=True, webhook_base_delay_s=0.0):
        with webhook_receiver() as rx, httpx.Client() as client:
            url = f"http://hooks.example:{rx.port}/hook"
            assert api.register(url, api.admin) == (201, "")
            with api.store.transaction() as s:
                athlete_id = s.execute(select(Athlete.id)).scalar_one()
                s.add(_alert_flag(athlete_id))
                s.flush()  # kept as evaluation keeps it: with its episode, announced
                athlete = s.get(Athlete, athlete_id)
                assert athlete is not None
                episodes.keep(s, athlete, flag_rows.firing(s, athlete_id), date(2026, 11, 15))
            api.dns.answer("hooks.example", ["127.0.0.1"])
            config = Settings(
                data_dir=tmp_path / "data", webhook_allow_http=True, webhook_base_delay_s=0.0
            )
            for _ in range(3):
                webhooks.deliver_due(api.store, config, client, resolve=api.dns)
            assert rx.requests == []
            with api.store.sessions() as s:
                d = s.execute(select(Delivery)).scalar_one()
                assert (d.status, d.attempts) == ("dead", 1)
                assert d.last_error == (
                    "refused: webhook host hooks.example resolves to 127.0.0.1, a loopback "
                    "address (an in-house receiver needs LOADWATCH_WEBHOOK_ALLOW_HOSTS)"
                )
            # Control: loopback allowed by the admin, the same delivery goes through.
            with api.store.transaction() as s:
                s.execute(delete(Delivery))
            allowed = Settings(**{**config.model_dump(), "webhook_allow_hosts": ("127.0.0.1",)})
            assert webhooks.deliver_due(api.store, allowed, client, resolve=api.dns).delivered == 1
            assert [r["headers"]["Host"] for r in rx.accepted] == [f"hooks.example:{rx.port}"]


def test_a_hook_whose_messages_are_refused_says_so_to_its_owner(tmp_path: Path) -> None:
    """The trial's F19: a hook whose delivery was given up on still listed as a healthy
    ``active: true``.  Its listing now carries what its outbox says: failing, one dead message
    and why; once a message arrives again, healthy with when it arrived."""
    for api in _api(tmp_path, webhook_allow_http=True, webhook_base_delay_s=0.0):
        with webhook_receiver() as rx, httpx.Client() as client:
            url = f"http://hooks.example:{rx.port}/hook"
            assert api.register(url, api.admin) == (201, "")
            listed = api.client.get(f"{API}/webhooks", headers=api.admin).json()["data"]
            assert listed[0]["delivery"] == {
                "failing": False,
                "delivered": 0,
                "dead": 0,
                "retrying": 0,
                "last_delivered_at": None,
                "last_error": None,
            }
            with api.store.transaction() as s:
                athlete = s.execute(select(Athlete)).scalar_one()
                s.add(_alert_flag(athlete.id))
                s.flush()
                episodes.keep(s, athlete, flag_rows.firing(s, athlete.id), date(2026, 11, 15))
            # The receiver's name now answers loopback, which the server refuses to call.
            api.dns.answer("hooks.example", ["127.0.0.1"])
            config = Settings(
                data_dir=tmp_path / "data", webhook_allow_http=True, webhook_base_delay_s=0.0
            )
            assert webhooks.deliver_due(api.store, config, client, resolve=api.dns).dead == 1
            [hook] = api.client.get(f"{API}/webhooks", headers=api.admin).json()["data"]
            assert hook["active"] is True
            assert hook["delivery"] == {
                "failing": True,
                "delivered": 0,
                "dead": 1,
                "retrying": 0,
                "last_delivered_at": None,
                "last_error": "refused: webhook host hooks.example resolves to 127.0.0.1, a "
                "loopback address (an in-house receiver needs LOADWATCH_WEBHOOK_ALLOW_HOSTS)",
            }
            # The admin allows the receiver and the message is sent again: it arrives.
            with api.store.transaction() as s:
                d = s.execute(select(Delivery)).scalar_one()
                d.status, d.attempts = "pending", 0
            allowed = Settings(**{**config.model_dump(), "webhook_allow_hosts": ("127.0.0.1",)})
            assert webhooks.deliver_due(api.store, allowed, client, resolve=api.dns).delivered == 1
            [hook] = api.client.get(f"{API}/webhooks", headers=api.admin).json()["data"]
            health = hook["delivery"]
            assert (health["failing"], health["delivered"], health["dead"]) == (False, 1, 0)
            assert health["last_error"] is None and health["last_delivered_at"] is not None
            assert len(rx.accepted) == 1


def _alert_flag(athlete_id: int) -> Flag:
    """A distance spike alert of 2026-11-15, as evaluation stores one."""
    return Flag(
        athlete_id=athlete_id,
        date=date(2026, 11, 15),
        rule="session_spike",
        dimension="distance",
        severity="alert",
        value=22.0,
        baseline=16.0,
        ratio=1.375,
        threshold=1.3,
        message="test flag",
    )
