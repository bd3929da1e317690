"""Notifications through Apprise: an episode reaches a local SMTP server as one email and a
local ntfy-style JSON receiver as one message, through the outbox's retries (exactly once);
the weekly summary is composed once on Sunday evening in the athlete's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from loadwatch.config import Settings
from loadwatch.errors import UnsafeTarget
from loadwatch.netguard import TargetPolicy
from loadwatch.services import apprise_channel, episodes, webhooks, weekly_summary
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import drain_pending
from loadwatch.store import flags as flag_rows
from loadwatch.store.db import Store
from loadwatch.store.models import (
    Athlete,
    CoachAthlete,
    Delivery,
    Flag,
    User,
    Webhook,
    WeeklySummary,
)
from support.receiver import webhook_receiver
from support.smtp import smtp_server

PUBLIC = "https://loadwatch.example.org"
HEADLINE = "Sunday's 22.0 km run is 38 % longer than your longest in 30 days."


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        webhook_base_delay_s=0.0,
        webhook_max_attempts=5,
        webhook_allow_http=True,  # the test servers are plain SMTP and http on loopback
        webhook_allow_hosts=("127.0.0.1",),
        public_url=PUBLIC,
    )


def _mail(port: int) -> str:
    return f"mailto://127.0.0.1:{port}?from=loadwatch@example.org&to=coach@example.org"


def _coach_with(store: Store, urls: list[str], athlete: str = "Mine") -> dict[str, int]:
    with store.transaction() as s:
        mine = Athlete(name=athlete, timezone="Europe/Madrid")
        coach = User(name="coach", role="coach", token_hash="c" * 64)
        s.add_all([mine, coach])
        s.flush()
        s.add(CoachAthlete(coach_id=coach.id, athlete_id=mine.id))
        for url in urls:
            s.add(Webhook(owner_id=coach.id, url=url, secret="", kind="apprise"))
        return {"athlete": mine.id, "coach": coach.id}


def _episode(store: Store, athlete_id: int, day: date) -> None:
    with store.transaction() as s:
        s.add(
            Flag(
                athlete_id=athlete_id,
                date=day,
                rule="session_spike",
                dimension="distance",
                severity="alert",
                value=22.0,
                baseline=16.0,
                ratio=1.375,
                threshold=1.3,
                message=HEADLINE,
            )
        )
        s.flush()
        athlete = s.get(Athlete, athlete_id)
        assert athlete is not None
        episodes.keep(s, athlete, flag_rows.firing(s, athlete_id), day)


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def test_an_episode_reaches_email_once_and_ntfy_once_through_failures(
    store: Store, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    with (
        smtp_server(fail_first=1) as box,
        webhook_receiver(fail_first=2) as rx,
        httpx.Client() as client,
    ):
        ids = _coach_with(store, [_mail(box.port), f"ntfy://127.0.0.1:{rx.port}/coach"])
        _episode(store, ids["athlete"], date(2026, 11, 15))
        stats = [webhooks.deliver_due(store, settings, client) for _ in range(4)]
    # The mail server refused once (451), the receiver twice (500): the outbox retried each
    # until it was accepted, then never again.
    assert [s.delivered for s in stats] == [0, 1, 1, 0]
    assert box.refused == 1 and len(box.messages) == 1
    mail = box.messages[0]
    assert mail["Subject"] == "loadwatch: Mine, needs attention (alert)"
    assert mail["To"] == "coach@example.org"
    link = f"{PUBLIC}/#athlete={ids['athlete']}"
    assert _text(mail).strip().splitlines() == [HEADLINE, link]
    assert [r["answered"] for r in rx.requests] == [500, 500, 200]
    sent = rx.accepted[0]["body"]
    assert sent == {
        "topic": "coach",
        "title": "loadwatch: Mine, needs attention (alert)",
        "message": f"{HEADLINE}\n{link}",
    }
    with store.sessions() as s:
        rows = s.scalars(select(Delivery).order_by(Delivery.id)).all()
        assert [(d.status, d.attempts) for d in rows] == [("delivered", 2), ("delivered", 3)]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "mailtos://10.0.0.5:465?from=l@example.org&to=a@example.org",
            "email server host 10.0.0.5 is a private",
        ),
        ("json://127.0.0.1:8080/x", "json notifications must be encrypted"),
        ("jsons://169.254.169.254/latest", "a cloud metadata address"),
        ("ntfys://localhost/topic", "is a loopback name"),
        ("https://example.org/hook", "must be one of the supported services"),
        ("mailtos://[::1]:465?from=l@example.org&to=a@example.org", "is a loopback address"),
    ],
)
def test_a_channel_to_a_private_or_plain_target_is_refused(url: str, reason: str) -> None:
    policy = TargetPolicy.build(allow_http=False, allow=[])
    with pytest.raises(UnsafeTarget, match=reason):
        apprise_channel.check(url, policy, lambda host, port: ["93.184.215.14"])


def test_vendor_services_need_no_lookup_and_secrets_are_masked() -> None:
    policy = TargetPolicy.build(allow_http=False, allow=[])

    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError(f"looked up {host}")

    slack = apprise_channel.check("slack://T1ABCDEF/B2GHIJKL/abcdefghijklmnop", policy, no_dns)
    assert (slack.service, slack.reach, slack.host) == ("slack", "vendor", None)
    assert "abcdefghijklmnop" not in slack.shown
    mail = apprise_channel.check(
        "mailtos://coach:hunter22@mail.example.org?to=c@example.org",
        policy,
        lambda host, port: ["93.184.215.14"],
    )
    assert (mail.host, mail.port, mail.encrypted) == ("mail.example.org", 587, True)
    assert "hunter22" not in mail.shown


def _history(store: Store, athlete_id: int, last_sunday: date) -> None:
    """Five weeks of 10 km on Monday, Wednesday and Friday, 12 km on the last Friday instead;
    worst pain 5/10 the week before the last, 3/10 in the last."""
    lines = ["date,distance_km,pain_after"]
    for week in range(5):
        monday = last_sunday - timedelta(days=6 + 7 * week)
        for offset in (0, 2, 4):
            km = 12 if (week == 0 and offset == 4) else 10
            pain = {(0, 2): "3", (1, 2): "5"}.get((week, offset), "")
            lines.append(f"{monday + timedelta(days=offset)},{km},{pain}")
    report = import_log(store, athlete_id, "\n".join(lines).encode(), "log.csv")
    assert not report.errors


def test_the_weekly_summary_is_composed_once_on_sunday_evening_and_sent(
    store: Store, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    sunday = date(2026, 11, 29)
    with webhook_receiver() as rx, httpx.Client() as client:
        ids = _coach_with(store, [f"ntfy://127.0.0.1:{rx.port}/coach"], athlete="Ana")
        _history(store, ids["athlete"], sunday)
        drain_pending(store, today=sunday)
        with store.transaction() as s:
            # Off by default: nothing is composed for her.
            assert weekly_summary.compose_due(s, datetime(2026, 11, 29, 17, 0, tzinfo=UTC)) == 0
            ana = s.get(Athlete, ids["athlete"])
            assert ana is not None
            ana.weekly_summary = True
        with store.transaction() as s:
            # 17:59 in Madrid (UTC+1) is too early; 18:00 is due; once only.
            assert weekly_summary.compose_due(s, datetime(2026, 11, 29, 16, 59, tzinfo=UTC)) == 0
            assert weekly_summary.compose_due(s, datetime(2026, 11, 29, 17, 0, tzinfo=UTC)) == 1
            assert weekly_summary.compose_due(s, datetime(2026, 11, 29, 22, 0, tzinfo=UTC)) == 0
        first = webhooks.deliver_due(store, settings, client)
        again = webhooks.deliver_due(store, settings, client)
    assert (first.delivered, again.delivered) == (1, 0)
    with store.sessions() as s:
        row = s.scalars(select(WeeklySummary)).one()
    payload: dict[str, Any] = row.payload
    assert row.week == date(2026, 11, 23)
    distance = next(d for d in payload["dimensions"] if d["dimension"] == "distance")
    # 10 + 10 + 12 this week; the usual week is the mean of the four before, 30 km each.
    assert (distance["week"], distance["usual"]) == (32.0, 30.0)
    assert payload["pain"] == {"worst_this_week": 3, "worst_last_week": 5, "trend": "falling"}
    assert payload["next_week"]["source"] == "headroom"
    message = rx.accepted[0]["body"]["message"].splitlines()
    assert rx.accepted[0]["body"]["title"] == "loadwatch: Ana, week in review from 2026-11-23"
    assert "Distance: 32.0 km this week (usual 30.0 km)." in message
    assert "Pain: worst 3/10 this week (5/10 the week before): falling." in message
    assert message[-1] == f"{PUBLIC}/#athlete={ids['athlete']}"


def test_a_planned_run_at_risk_reads_as_the_checks_sentence() -> None:
    from loadwatch.services import notify_text

    sentence = "Thursday 5.0 km hill session (125 m climbing): alert, ..."
    title, text = notify_text.message(
        {
            "event": "plan.at_risk",
            "athlete": {"id": 3, "name": "Rosa"},
            "planned": {"date": "2026-11-19", "sentence": sentence},
        },
        PUBLIC,
    )
    assert title == "loadwatch: Rosa, a planned run is at risk (2026-11-19)"
    assert text == f"{sentence}\n{PUBLIC}/#athlete=3"
