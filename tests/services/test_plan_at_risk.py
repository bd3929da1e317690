"""``plan.at_risk`` (docs/planning.md): when a stored planned session becomes flaggable, because
the history changed or the plan was edited, the coach's hooks hear of it once per version of
the session, through the webhook outbox, and only for athletes the hook's owner can see.  As
with episodes, only an alert is pushed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.schemas.planned import PlannedIn, PlannedPatch
from loadwatch.services import webhooks
from loadwatch.services.activities import delete_activity_by_id
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import drain_pending
from loadwatch.services.planned import add_sessions, edit_session, planned_of
from loadwatch.store import pending
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, Athlete, CoachAthlete, PlanAlert, User, Webhook
from support.planning import LONGEST_KM, history_csv
from support.receiver import webhook_receiver

LOOPBACK_RECEIVER = {"webhook_allow_http": True, "webhook_allow_hosts": ("127.0.0.1",)}


def _settings(tmp_path: Path) -> Settings:
    # Quiet 0: the history was imported a moment ago; the tests need not wait for it to settle.
    return Settings(
        data_dir=tmp_path, webhook_base_delay_s=0.0, webhook_quiet_s=0.0, **LOOPBACK_RECEIVER
    )


def _world(store: Store, url: str, today: date) -> dict[str, int]:
    with store.transaction() as s:
        mine, other = Athlete(name="Mine", timezone="UTC"), Athlete(name="Other", timezone="UTC")
        coach = User(name="coach", role="coach", token_hash="a" * 64)
        s.add_all([mine, other, coach])
        s.flush()
        s.add(CoachAthlete(coach_id=coach.id, athlete_id=mine.id))
        s.add(Webhook(owner_id=coach.id, url=url, secret="s3cret"))
        ids = {"mine": mine.id, "other": other.id}
    for aid in ids.values():
        import_log(store, aid, history_csv(today - timedelta(days=2)), "log.csv")
    drain_pending(store)
    return ids


def _plan(store: Store, aid: int, *entries: dict[str, Any]) -> list[int]:
    with store.transaction() as s:
        athlete = s.get(Athlete, aid)
        assert athlete is not None
        rows = add_sessions(s, athlete, [PlannedIn.model_validate(e) for e in entries])
        return [r.id for r in rows]


def _sent(rx: Any) -> list[tuple[str, int, str]]:
    return [
        (r["body"]["event"], r["body"]["planned"]["id"], r["body"]["planned"]["verdict"])
        for r in rx.accepted
    ]


def test_the_coach_hears_once_per_session_version(store: Store, tmp_path: Path) -> None:
    today = utcnow().date()
    settings = _settings(tmp_path)
    with webhook_receiver() as rx, httpx.Client() as client:
        ids = _world(store, rx.url, today)
        easy, long_run, _ = _plan(
            store,
            ids["mine"],
            {"date": str(today + timedelta(days=1)), "distance_km": 8, "type": "easy"},
            {"date": str(today + timedelta(days=3)), "distance_km": 32, "type": "long"},
            # 20 km: 31 % over, a caution: context in the check, never pushed.
            {"date": str(today + timedelta(days=10)), "distance_km": 20, "type": "long"},
        )
        _plan(store, ids["other"], {"date": str(today + timedelta(days=3)), "distance_km": 32})
        drain_pending(store)  # the plan was edited: evaluation re-runs the check
        webhooks.deliver_due(store, settings, client)
        assert _sent(rx) == [("plan.at_risk", long_run, "alert")]
        body = rx.accepted[0]["body"]
        assert body["athlete"] == {"id": ids["mine"], "name": "Mine"}
        assert body["planned"]["suggestion"] is None  # the alert names it; the check suggests
        assert (
            "32.0 km long run: alert, 2.1× your longest run in 30 days"
            in body["planned"]["sentence"]
        )
        assert rx.accepted[0]["headers"]["X-Loadwatch-Event"] == "plan.at_risk"

        # Evaluated again, nothing changed: nothing new.
        with store.transaction() as s:
            pending.request_evaluation(s, ids["mine"], today)
        drain_pending(store)
        webhooks.deliver_due(store, settings, client)
        assert len(rx.accepted) == 1

        # The long run edited, still at risk: a new version, told again; the easy run edited
        # and still safe: nothing.
        with store.transaction() as s:
            athlete = s.get(Athlete, ids["mine"])
            assert athlete is not None
            edit_session(s, athlete, planned_of(s, athlete, long_run), PlannedPatch(distance_km=31))
            edit_session(s, athlete, planned_of(s, athlete, easy), PlannedPatch(distance_km=9))
        drain_pending(store)
        webhooks.deliver_due(store, settings, client)
        assert _sent(rx)[1:] == [("plan.at_risk", long_run, "alert")]
        assert rx.accepted[1]["body"]["planned"]["version"] == 2
        assert (
            rx.accepted[0]["headers"]["Idempotency-Key"]
            != rx.accepted[1]["headers"]["Idempotency-Key"]
        )


def test_a_history_change_puts_a_safe_session_at_risk(store: Store, tmp_path: Path) -> None:
    today = utcnow().date()
    settings = _settings(tmp_path)
    with webhook_receiver() as rx, httpx.Client() as client:
        ids = _world(store, rx.url, today)
        (safe,) = _plan(
            store, ids["mine"], {"date": str(today + 2 * timedelta(days=1)), "distance_km": 16.5}
        )
        drain_pending(store)
        webhooks.deliver_due(store, settings, client)
        assert rx.accepted == []  # 16.5 km: within 10 % of the 15.3 km longest
        # The long runs were logged by mistake: deleted, the longest of 30 days is 8 km.
        with store.transaction() as s:
            longs = s.scalars(
                select(Activity.id).where(
                    Activity.athlete_id == ids["mine"], Activity.distance_m > LONGEST_KM * 1000 - 1
                )
            ).all()
            for aid in longs:
                pending.request_evaluation(
                    s, ids["mine"], delete_activity_by_id(s, aid).reevaluate_from
                )
        drain_pending(store)
        webhooks.deliver_due(store, settings, client)
        assert _sent(rx) == [("plan.at_risk", safe, "alert")]  # 16.5 km against 8 km: 2.06x
    with store.sessions() as s:
        assert s.scalars(select(PlanAlert.planned_id)).all() == [safe]
