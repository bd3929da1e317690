"""The webhook outbox: exactly one accepted delivery per episode event per hook, through
failures and restarts, only for athletes the hook's owner can see."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select, update

from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.services import episodes, webhooks
from loadwatch.store import flags as flag_rows
from loadwatch.store.db import Store
from loadwatch.store.models import (
    Activity,
    Athlete,
    CoachAthlete,
    Delivery,
    Episode,
    Flag,
    PendingEvaluation,
    User,
    Webhook,
)
from support.receiver import webhook_receiver

# The test receivers listen on plain http on loopback: an admin's explicit allowance, which
# no deployment has by default (see test_webhook_targets.py and docs/webhooks.md).
LOOPBACK_RECEIVER = {"webhook_allow_http": True, "webhook_allow_hosts": ("127.0.0.1",)}


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_base_delay_s": 0.0,
        "webhook_max_attempts": 5,
        **LOOPBACK_RECEIVER,
        **overrides,
    }
    return Settings(data_dir=tmp_path, **values)


def _world(store: Store, url: str) -> dict[str, int]:
    with store.transaction() as s:
        mine, other = Athlete(name="Mine", timezone="UTC"), Athlete(name="Other", timezone="UTC")
        coach = User(name="coach", role="coach", token_hash="a" * 64)
        s.add_all([mine, other, coach])
        s.flush()
        s.add(CoachAthlete(coach_id=coach.id, athlete_id=mine.id))
        hook = Webhook(owner_id=coach.id, url=url, secret="s3cret")
        s.add(hook)
        s.flush()
        return {"mine": mine.id, "other": other.id, "coach": coach.id, "hook": hook.id}


def _flag(store: Store, athlete_id: int, day: date, dimension: str = "distance") -> int:
    """A flag raised on ``day`` as evaluation keeps it: with its episode and that episode's
    event (``episode.created`` for a new one), evaluated on the same day."""
    with store.transaction() as s:
        f = Flag(
            athlete_id=athlete_id,
            date=day,
            rule="session_spike",
            dimension=dimension,
            severity="alert",
            value=22.0,
            baseline=16.0,
            ratio=1.375,
            threshold=1.3,
            message="Sunday's 22.0 km run is 38 % longer than your longest in 30 days.",
        )
        s.add(f)
        s.flush()
        athlete = s.get(Athlete, athlete_id)
        assert athlete is not None
        episodes.keep(s, athlete, flag_rows.firing(s, athlete_id), day)
        return f.id


def _flag_ids(body: dict[str, Any]) -> list[int]:
    return [f["id"] for f in body["episode"]["flags"]]


def test_one_delivery_per_flag_after_two_failures(store: Store, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with webhook_receiver(fail_first=2) as rx, httpx.Client() as client:
        ids = _world(store, rx.url)
        flag_id = _flag(store, ids["mine"], date(2026, 11, 15))
        _flag(store, ids["other"], date(2026, 11, 15))  # not the coach's athlete: never sent
        stats = [webhooks.deliver_due(store, settings, client) for _ in range(5)]
    assert [s.delivered for s in stats] == [0, 0, 1, 0, 0]
    assert [r["answered"] for r in rx.requests] == [500, 500, 200]
    # Every attempt is the same delivery: same key, same body.
    keys = {r["headers"]["Idempotency-Key"] for r in rx.requests}
    assert len(keys) == 1
    body = rx.accepted[0]["body"]
    assert _flag_ids(body) == [flag_id] and body["athlete"]["name"] == "Mine"
    assert body["event"] == "episode.created" and body["episode"]["severity"] == "alert"
    assert body["episode"]["flags"][0]["ratio"] == 1.375
    assert body["episode"]["headline"].startswith("Sunday's 22.0 km run")
    assert rx.accepted[0]["headers"]["X-Loadwatch-Event"] == "episode.created"
    with store.sessions() as s:
        d = s.execute(select(Delivery)).scalar_one()
        assert (d.status, d.attempts, d.last_error) == ("delivered", 3, None)


def test_signature_verifies_with_the_hook_secret(store: Store, tmp_path: Path) -> None:
    with webhook_receiver() as rx, httpx.Client() as client:
        ids = _world(store, rx.url)
        _flag(store, ids["mine"], date(2026, 11, 1))
        webhooks.deliver_due(store, _settings(tmp_path), client)
    req = rx.accepted[0]
    raw = json.dumps(req["body"], separators=(",", ":"), sort_keys=True).encode()
    want = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert req["headers"]["X-Loadwatch-Signature"] == want


def test_restart_repeats_nothing(store: Store, tmp_path: Path) -> None:
    """A second process (a restart) over the same database sends nothing already sent."""
    settings = _settings(tmp_path)
    with webhook_receiver() as rx:
        ids = _world(store, rx.url)
        # Nine days apart: four episodes (flags a week apart or closer are one).
        for day in (1, 10, 19):
            _flag(store, ids["mine"], date(2026, 11, day))
        with httpx.Client() as c:
            webhooks.deliver_due(store, settings, c)
        _flag(store, ids["mine"], date(2026, 11, 28))
        restarted = Store(str(store.engine.url.render_as_string(hide_password=False)), tmp_path)
        with httpx.Client() as c:
            webhooks.deliver_due(restarted, settings, c)
            webhooks.deliver_due(restarted, settings, c)
        restarted.close()
    told = sorted((r["body"]["episode"]["first"], r["body"]["event"]) for r in rx.accepted)
    # Each episode created once; the two whose last flag left the 14-day present resolved.
    assert told == [
        ("2026-11-01", "episode.created"),
        ("2026-11-01", "episode.resolved"),
        ("2026-11-10", "episode.created"),
        ("2026-11-10", "episode.resolved"),
        ("2026-11-19", "episode.created"),
        ("2026-11-28", "episode.created"),
    ]
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 6


def test_dead_after_max_attempts_and_backoff_grows(store: Store, tmp_path: Path) -> None:
    settings = _settings(tmp_path, webhook_base_delay_s=30, webhook_max_delay_s=3600)
    assert [webhooks.backoff(n, settings).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]
    fast = _settings(tmp_path, webhook_max_attempts=3)
    with webhook_receiver(fail_first=100) as rx, httpx.Client() as client:
        ids = _world(store, rx.url)
        _flag(store, ids["mine"], date(2026, 11, 1))
        for _ in range(6):
            webhooks.deliver_due(store, fast, client)
    assert len(rx.requests) == 3
    with store.sessions() as s:
        d = s.execute(select(Delivery)).scalar_one()
        assert (d.status, d.last_error) == ("dead", "HTTP 500")


def test_events_older_than_the_hook_are_not_sent(store: Store, tmp_path: Path) -> None:
    with webhook_receiver() as rx, httpx.Client() as client:
        with store.transaction() as s:
            a = Athlete(name="A", timezone="UTC")
            admin = User(name="root", role="admin", token_hash="b" * 64)
            s.add_all([a, admin])
        old = _flag(store, a.id, date(2026, 10, 1))
        with store.transaction() as s:
            s.execute(update(Episode).values(created_at=datetime(2020, 1, 1, tzinfo=UTC)))
            s.add(Webhook(owner_id=admin.id, url=rx.url, secret="x"))
        new = _flag(store, a.id, date(2026, 10, 20))
        webhooks.deliver_due(store, _settings(tmp_path), client)
    assert old != new
    assert [_flag_ids(r["body"]) for r in rx.accepted] == [[new]]


def test_nothing_is_sent_until_the_athletes_uploads_settle(store: Store, tmp_path: Path) -> None:
    """A flag raised mid-sync waits: while an upload is recent or an evaluation is pending, the
    next evaluation may still withdraw it."""
    patient = _settings(tmp_path, webhook_quiet_s=3600.0)
    with webhook_receiver() as rx, httpx.Client() as client:
        ids = _world(store, rx.url)
        _flag(store, ids["mine"], date(2026, 11, 15))
        with store.transaction() as s:
            s.add(
                Activity(
                    athlete_id=ids["mine"],
                    format="fit",
                    sport="running",
                    start_time=utcnow(),
                    elapsed_time_s=3600.0,
                    moving_time_s=3600.0,
                    distance_m=10000.0,
                    source_sha256="0" * 64,
                )
            )
        assert webhooks.deliver_due(store, patient, client).delivered == 0  # uploaded just now
        with store.transaction() as s:
            s.add(PendingEvaluation(athlete_id=ids["mine"], from_date=date(2026, 11, 15)))
        settled = _settings(tmp_path, webhook_quiet_s=0.0)
        assert webhooks.deliver_due(store, settled, client).delivered == 0  # still pending
        with store.transaction() as s:
            s.execute(delete(PendingEvaluation))
        assert webhooks.deliver_due(store, settled, client).delivered == 1
    assert len(rx.accepted) == 1


# --- the SSRF guard at delivery -------------------------------------------------------------
def test_a_hook_on_loopback_without_the_admins_allowance_is_refused_once(
    store: Store, tmp_path: Path
) -> None:
    """A hook stored before the guard existed (or after the admin withdrew an allowance) is
    refused at delivery: recorded as failed with its reason, never retried, never sent."""
    strict = Settings(data_dir=tmp_path, webhook_base_delay_s=0.0, webhook_max_attempts=5)
    with webhook_receiver() as rx, httpx.Client() as client:
        ids = _world(store, rx.url)
        _flag(store, ids["mine"], date(2026, 11, 15))
        stats = [webhooks.deliver_due(store, strict, client) for _ in range(3)]
    assert rx.requests == []
    assert [s.dead for s in stats] == [1, 0, 0]
    with store.sessions() as s:
        d = s.execute(select(Delivery)).scalar_one()
    assert (d.status, d.attempts) == ("dead", 1)
    assert d.last_error == (
        "refused: webhook URLs must use https (plain http only with LOADWATCH_WEBHOOK_ALLOW_HTTP=1)"
    )
    http_only = _settings(tmp_path, webhook_allow_hosts=())
    with store.transaction() as s:
        s.execute(delete(Delivery))
    with httpx.Client() as client:
        webhooks.deliver_due(store, http_only, client)
    with store.sessions() as s:
        d = s.execute(select(Delivery)).scalar_one()
    assert d.status == "dead"
    assert d.last_error is not None and "127.0.0.1 is a loopback address" in d.last_error


def test_redirects_are_not_followed(store: Store, tmp_path: Path) -> None:
    with (
        webhook_receiver() as target,
        webhook_receiver(redirect_to="") as rx,
        httpx.Client(follow_redirects=True) as client,  # even a client that would follow
    ):
        rx.redirect_to = target.url
        ids = _world(store, rx.url)
        _flag(store, ids["mine"], date(2026, 11, 15))
        stats = webhooks.deliver_due(store, _settings(tmp_path), client)
    assert (stats.delivered, stats.retrying) == (0, 1)
    assert [r["answered"] for r in rx.requests] == [302]
    assert target.requests == []
    with store.sessions() as s:
        d = s.execute(select(Delivery)).scalar_one()
    assert (d.status, d.last_error) == ("pending", "HTTP 302 (redirects are not followed)")


def test_only_a_capped_part_of_the_answer_is_read(store: Store, tmp_path: Path) -> None:
    """A receiver answering 200 with 256 MiB: delivered, and the client hangs up after the cap
    instead of reading it all."""
    total = 4096 * 65536
    with webhook_receiver(body_chunks=4096) as rx, httpx.Client() as client:
        ids = _world(store, rx.url)
        _flag(store, ids["mine"], date(2026, 11, 15))
        settings = _settings(tmp_path, webhook_max_response_bytes=65536)
        assert webhooks.deliver_due(store, settings, client).delivered == 1
        assert rx.answered.wait(60), "the receiver never finished answering"
    assert len(rx.accepted) == 1
    # What the kernel buffered before the hang-up, far from the whole answer.
    assert rx.sent_bytes < total // 4, rx.sent_bytes
