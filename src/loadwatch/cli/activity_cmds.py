"""Commands: ``athletes``, ``activities``, ``files``, ``activity set`` and ``activity delete``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from loadwatch.cli.app import app
from loadwatch.cli.context import no_model_plugins
from loadwatch.cli.output import (
    NARROW,
    Col,
    JsonOpt,
    console,
    fitted_table,
    fmt_duration,
    fmt_num,
    fmt_pace,
    handle_errors,
    page_json,
    print_block,
    print_json,
)
from loadwatch.errors import InvalidRequest, NotFound
from loadwatch.ingest.sports import grade_adjusted
from loadwatch.rounding import out_number

# Only names here: the store (SQLAlchemy), the settings (pydantic) and the decoders
# (polars, fitparse) are imported by the command that uses them, so ``--help`` and the
# commands that need none of them start in a fraction of a second (issue #9).
if TYPE_CHECKING:
    from loadwatch.services.roster import ActivityStats, AthleteRow
    from loadwatch.store.models import Activity


# --- athletes / activities ----------------------------------------------------------------
def _utc(t: datetime | None) -> datetime | None:
    # The store's bare UTC (SQLite): marked, so --json says "...Z" as the API and activities do.
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def _athlete_json(a: AthleteRow, stats: ActivityStats | None) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "timezone": a.timezone,
        "fast_speed_mps": a.fast_speed_mps,
        "activities": stats.count if stats else 0,
        "first_activity": _utc(stats.first_start) if stats else None,
        "last_activity": _utc(stats.last_start) if stats else None,
    }


@app.command()
def athletes(json: JsonOpt = False) -> None:
    """List athletes with their number of activities."""
    with no_model_plugins(), handle_errors():
        from loadwatch.config import get_settings
        from loadwatch.services.roster import activity_stats, athlete_listing
        from loadwatch.store.db import open_store

        store = open_store(get_settings())
        try:
            with store.reading() as conn:  # Core tables only: no ORM (~35 ms, issue #19)
                stats = activity_stats(conn)
                rows = [_athlete_json(a, stats.get(a.id)) for a in athlete_listing(conn)]
        finally:
            store.close()
        if json:
            print_json(page_json(rows))
            return
        if not rows:
            # As `user list` says what to do first (trial 10 F18).
            console.print("no athletes yet: loadwatch import FILE --athlete NAME", markup=False)
            return
        cols = [
            Col("name", text=True),
            Col("time zone"),
            Col("activities", "right"),
            Col("last activity\n(UTC)", drop=1),
        ]
        rows_shown = [
            [
                Text(r["name"]),
                r["timezone"],
                str(r["activities"]),
                r["last_activity"].strftime("%Y-%m-%d %H:%M") if r["last_activity"] else "-",
            ]
            for r in rows
        ]
        print_block(fitted_table("Athletes", cols, rows_shown))


ACTIVITY_FIELDS = (
    "id", "name", "format", "sport", "start_time", "utc_offset_s", "elapsed_time_s",
    "moving_time_s", "stopped_time_s", "distance_m", "elevation_gain_m", "elevation_loss_m",
    "avg_pace_s_per_km",
    "gap_distance_m", "uphill_distance_m", "downhill_distance_m", "fast_distance_m",
    "max_speed_mps", "best_1km_s", "avg_hr", "max_hr", "n_samples", "device", "source_sha256",
    "session_index", "totals_source", "sport_relabel", "hr_load",
)  # fmt: skip


def activity_json(a: Activity) -> dict[str, Any]:
    # Rounded as the API's ActivityOut rounds its figures (``loadwatch.rounding``).
    d = {f: out_number(v) if isinstance(v := getattr(a, f), float) else v for f in ACTIVITY_FIELDS}
    d["gap_distance_m"] = out_number(grade_adjusted(a.sport, a.gap_distance_m))
    start = a.start_time
    d["start_time"] = start.replace(tzinfo=UTC) if start.tzinfo is None else start
    return d


@app.command()
def activities(
    athlete: Annotated[str, typer.Option("--athlete", "-a", metavar="NAME", help="Athlete name.")],
    json: JsonOpt = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip the newest N.")] = 0,
) -> None:
    """List an athlete's activities, newest first; each start is local time where it was
    recorded (the device's offset, else the athlete's zone): the day its flags count it on."""
    from loadwatch.config import get_settings
    from loadwatch.services.activities import (
        activity_page,
        local_start_of,
    )
    from loadwatch.services.athletes import (
        athlete_named,
    )
    from loadwatch.store.db import open_store

    with handle_errors():
        store = open_store(get_settings())
        try:
            with store.sessions() as session:
                a = athlete_named(session, athlete)
                rows, total = activity_page(session, a.id, limit=limit, offset=offset)
                items = [activity_json(r) for r in rows]
                from loadwatch.services.fast_km import fast_metres_of

                # The run's fast km as the weekly table and flags count them (its day's
                # threshold), not a figure stored at import.
                fast = fast_metres_of(session, a, [r.id for r in rows])
                for item in items:
                    item["fast_distance_m"] = fast[item["id"]]
                # The day and time the flags, series and report count the run on, not
                # the athlete's zone: a run abroad (or a watch's own offset) reads on
                # the same day in every table (trial 11 F13).
                for r, item in zip(rows, items, strict=True):
                    local = local_start_of(r, a.timezone)
                    item["local_date"] = local.local_date
                    item["local_start"] = local.local_start
                    item["start_local"] = local.start_local.isoformat()
        finally:
            store.close()
        if json:
            print_json(page_json(items, count=total, limit=limit, offset=offset, athlete=a.name))
            return
        # Numbers, durations and paces never wrap (F9): the name gives way first, then the
        # columns a coach reads least go (the format is in --json); a narrow terminal stacks
        # each start's date over its time.
        narrow = console.width < NARROW
        cols = [
            Col("id", "right"),
            Col("start"),
            Col("sport", drop=3),
            Col("fmt", drop=9),
            Col("km", "right"),
            Col("moving", "right"),
            Col("pace", "right", drop=4),
            Col("climb m", "right", drop=7),
            Col("fast km", "right", drop=6),
            Col("TRIMP", "right", drop=8),  # heart-rate load; "-" without heart rate
            Col("name", text=True, drop=5),
        ]
        cells = [
            [
                str(r["id"]),
                f"{r['local_date']}{chr(10) if narrow else ' '}{r['local_start']}",
                r["sport"],
                r["format"],
                fmt_num(r["distance_m"], 2, 1000.0),
                # No moving time over a distance: a log row without a duration (unknown,
                # not zero: trial 10 F14).
                "-"
                if not r["moving_time_s"] and r["distance_m"]
                else fmt_duration(r["moving_time_s"]),
                fmt_pace(r["avg_pace_s_per_km"], r["sport"]),
                fmt_num(r["elevation_gain_m"], 0),
                fmt_num(r["fast_distance_m"], 2, 1000.0),
                fmt_num(r["hr_load"], 0),
                Text(r["name"] or ""),
            ]
            for r in items
        ]
        title = f"{a.name}: {len(items)} of {total} activities ({a.timezone})"
        print_block(fitted_table(title, cols, cells))


FILE_STATUSES = ("imported", "duplicate", "superseded", "not_activity", "failed")


@app.command()
def files(
    athlete: Annotated[str, typer.Option("--athlete", "-a", help="Athlete name.")],
    status: Annotated[
        str | None,
        typer.Option(help=f"Only files with this status: {', '.join(FILE_STATUSES)}."),
    ] = None,
    json: JsonOpt = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
) -> None:
    """List the files received for an athlete, newest first, with what became of each: a
    copy replaced by a better one is listed as superseded, its bytes still kept."""
    from loadwatch.config import get_settings
    from loadwatch.services.activities import files_of
    from loadwatch.services.athletes import athlete_named
    from loadwatch.store.db import open_store

    with handle_errors():
        if status is not None and status not in FILE_STATUSES:
            raise InvalidRequest(f"unknown status {status!r}; one of: {', '.join(FILE_STATUSES)}")
        store = open_store(get_settings())
        try:
            with store.sessions() as session:
                a = athlete_named(session, athlete)
                rows, total = files_of(session, a.id, status=status, limit=limit)
                items = [
                    {
                        "id": r.id,
                        "name": r.name,
                        "status": r.status,
                        "reason": r.reason,
                        "format": r.format,
                        "size": r.size,
                        "sha256": r.sha256,
                    }
                    for r in rows
                ]
        finally:
            store.close()
        if json:
            print_json(page_json(items, count=total, limit=limit, athlete=a.name))
            return
        for f in items:
            why = f": {f['reason']}" if f["reason"] else ""
            console.print(f"{f['status']:<13} {f['name']}{why}", markup=False, highlight=False)
        console.print(f"{a.name}: {len(items)} of {total} files", markup=False)


activity_app = typer.Typer(
    help="Change one activity: its sport, or delete it.", no_args_is_help=True
)
app.add_typer(activity_app, name="activity")


@activity_app.command("set")
def activity_set(
    activity_id: Annotated[int, typer.Argument(help="Activity id (see loadwatch activities).")],
    sport: Annotated[
        str,
        typer.Option(
            "--sport",
            help="The sport it is: running, trail_running, treadmill_running, "
            "walking, hiking, cycling, swimming, transition or other.",
        ),
    ],
    json: JsonOpt = False,
) -> None:
    """Relabel an activity's sport.  The relabel is your declaration: it beats the export's
    type, the file's sport and any guess, now and whenever the file is analysed again.  The
    athlete's flags are re-evaluated from the activity's day."""
    from loadwatch.config import get_settings
    from loadwatch.services.activities import (
        find_activity,
        relabel_activity,
    )
    from loadwatch.services.evaluation import drain_pending
    from loadwatch.store.db import open_store

    with handle_errors():
        settings = get_settings()
        store = open_store(settings)
        try:
            with store.transaction() as session:
                row = find_activity(session, activity_id)
                if row is None:
                    raise NotFound(f"no activity with id {activity_id}")
                done = relabel_activity(store, session, row, sport)
                out = activity_json(done.activity)
                athlete_id, athlete_name = row.athlete_id, row.athlete.name
            drain_pending(store, athlete_id=athlete_id, historic_days=settings.historic_days)
        finally:
            store.close()
        if json:
            print_json(
                {
                    "athlete": athlete_name,
                    "activity": out,
                    "previous_sport": done.previous_sport,
                    "evaluated_from": done.reevaluate_from,
                }
            )
            return
        console.print(
            f"activity {activity_id} ({athlete_name}): {done.previous_sport} → {out['sport']}; "
            f"flags re-evaluated from {done.reevaluate_from.isoformat()}",
            markup=False,
        )


@activity_app.command("delete")
def activity_delete(
    activity_id: Annotated[int, typer.Argument(help="Activity id (see loadwatch activities).")],
    json: JsonOpt = False,
) -> None:
    """Delete an activity.  Its file is forgotten too once none of its activities is left
    (its bytes stay in the blob store), so importing the file again brings it back.  The
    athlete's flags are re-evaluated from the activity's day."""
    from loadwatch.config import get_settings
    from loadwatch.services.activities import delete_activity_by_id
    from loadwatch.services.evaluation import drain_pending
    from loadwatch.store.db import open_store

    with handle_errors():
        settings = get_settings()
        store = open_store(settings)
        try:
            with store.transaction() as session:
                done = delete_activity_by_id(session, activity_id)
            drain_pending(store, athlete_id=done.athlete_id, historic_days=settings.historic_days)
        finally:
            store.close()
        if json:
            print_json(
                {
                    "athlete": done.athlete_name,
                    "deleted": activity_id,
                    "evaluated_from": done.reevaluate_from,
                }
            )
            return
        console.print(
            f"activity {activity_id} ({done.athlete_name}) deleted; flags re-evaluated from "
            f"{done.reevaluate_from.isoformat()} (import its file again to undo)",
            markup=False,
        )


__all__ = ["activity_json"]
