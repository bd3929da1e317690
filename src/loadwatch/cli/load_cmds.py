"""Commands: ``series``, ``flags``, ``ack``, ``status``, ``report``, ``evaluate``, ``import-log``,
``demo``.

Reading commands drain the athlete's pending evaluation first, so in the embedded setup (no
scheduler running) what they show always includes the last import.
"""

from __future__ import annotations

import json as jsonlib
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table

import loadwatch
from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import console, handle_errors, print_json
from loadwatch.errors import InputTooLarge, InvalidRequest, NotFound

if TYPE_CHECKING:  # imported by the commands that use them (cli/context.py says why)
    import polars as pl

    from loadwatch.config import Settings
    from loadwatch.store.db import Session, Store

_T = TypeVar("_T")

AthleteOpt = Annotated[str, typer.Option("--athlete", "-a", help="Athlete name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", help="Evaluate as of this local day (YYYY-MM-DD); default: today."),
]


def parse_day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as e:
        raise InvalidRequest(f"{what} {text!r} is not a date (use YYYY-MM-DD)") from e


athlete_app = typer.Typer(help="Change an athlete: name, time zone, fast threshold.")
app.add_typer(athlete_app, name="athlete")


@athlete_app.command("set")
def athlete_set(
    name: Annotated[str, typer.Argument(help="The athlete's current name.")],
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="IANA time zone, e.g. Europe/Madrid.")
    ] = None,
    new_name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    fast_pace: Annotated[
        str | None,
        typer.Option("--fast-pace", help="Running faster than this pace (M:SS per km) is fast."),
    ] = None,
) -> None:
    """Change an athlete's time zone, name or fast threshold.  A new zone or threshold
    re-evaluates the athlete's whole history (activities may move to another local day)."""
    from loadwatch.api.schemas import parse_fast_threshold
    from loadwatch.store import repo

    with handle_errors():
        if timezone is None and new_name is None and fast_pace is None:
            raise InvalidRequest("nothing to change: give --timezone, --name or --fast-pace")
        speed = None
        if fast_pace is not None:
            if not re.fullmatch(r"\s*\d{1,2}:\d{2}\s*(/km)?\s*", fast_pace):
                raise InvalidRequest(f"fast pace {fast_pace!r} is not M:SS per km, e.g. 4:30")
            try:
                speed = parse_fast_threshold(fast_pace)
            except ValueError as e:
                raise InvalidRequest(f"fast pace {fast_pace!r}: {e}") from e
        store = open_store(get_settings())
        try:
            with store.transaction() as s:
                a = repo.get_athlete_by_name(s, name)
                old = (a.name, a.timezone)
                moved = repo.update_athlete(
                    s, a, name=new_name, timezone=timezone, fast_speed_mps=speed
                )
                shown = {"name": a.name, "timezone": a.timezone, "fast_speed_mps": a.fast_speed_mps}
                pending = repo.pending_from(s, a.id) if moved else None
        finally:
            store.close()
    changes = []
    if shown["name"] != old[0]:
        changes.append(f"renamed {old[0]!r} to {shown['name']!r}")
    if shown["timezone"] != old[1]:
        changes.append(f"time zone {old[1]} → {shown['timezone']}")
    if speed is not None and fast_pace is not None:
        changes.append(f"fast means faster than {fast_pace.strip()} per km ({speed:.2f} m/s)")
    console.print(f"{shown['name']}: " + ("; ".join(changes) or "no change"), markup=False)
    if pending is not None:
        console.print(f"flags will be re-evaluated from {pending.isoformat()}", markup=False)


def _athlete_id(store: Store, name: str) -> int:
    from loadwatch.store import repo

    with store.sessions() as s:
        return repo.get_athlete_by_name(s, name).id


def _fresh(store: Store, athlete_id: int) -> None:
    """Evaluate the athlete's pending imports.  Always as of the real local date, whatever
    ``--today`` a command shows: a request drained only up to an earlier day would leave the
    days after it unevaluated."""
    from loadwatch.services.evaluation import drain_pending

    drain_pending(store, athlete_id=athlete_id, historic_days=get_settings().historic_days)


def _read_athlete(name: str, read: Callable[[Session, int], _T]) -> _T:
    """Open the store, find the athlete, evaluate what is pending for them, then ``read`` in
    one session."""
    store = open_store(get_settings())
    try:
        athlete_id = _athlete_id(store, name)
        _fresh(store, athlete_id)
        with store.sessions() as s:
            return read(s, athlete_id)
    finally:
        store.close()


# --- series -------------------------------------------------------------------------------
_SERIES_COLS = {
    "day": ["date", "runs", "distance_km", "fast_km", "elevation_gain_m", "longest_run_km"],
    "week": ["week_start", "runs", "distance_km", "fast_km", "elevation_gain_m", "longest_run_km"],
}


@app.command()
def series(
    athlete: AthleteOpt,
    period: Annotated[str, typer.Option("--period", help="day or week.")] = "week",
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD); default today.")
    ] = None,
    json: JsonOpt = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV on stdout.")] = False,
) -> None:
    """Daily or weekly load series: distance, fast km, climbing (and EWMA/ratios for days)."""
    from loadwatch.services.views import series as load_series

    with handle_errors():
        if period not in ("day", "week"):
            raise InvalidRequest(f"--period must be day or week, not {period!r}")
        if json and csv:
            raise InvalidRequest("choose one of --json and --csv")
        start, end = parse_day(from_, "--from"), parse_day(to, "--to")
        frame = _read_athlete(
            athlete,
            lambda s, aid: load_series(s, aid, "day" if period == "day" else "week", start, end),
        )
        if csv:
            sys.stdout.write(frame.write_csv())
        elif json:
            print_json(frame.to_dicts())
        else:
            _print_series(frame, period)


def _print_series(frame: pl.DataFrame, period: str) -> None:
    cols = [c for c in _SERIES_COLS[period] if c in frame.columns]
    table = Table(title=f"{'Daily' if period == 'day' else 'Weekly'} load")
    for c in cols:
        table.add_column(c, justify="left" if c in ("date", "week_start") else "right")
    for row in frame.select(cols).iter_rows():
        table.add_row(*[f"{v:.1f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


# --- flags / status / report ---------------------------------------------------------------
# The ``flags --json`` rows kept the shape they had before the API and CLI shared FlagOut.
_FLAG_JSON_EXCLUDE = {"athlete_id", "acked_by", "acked_at", "created_at"}


@app.command()
def flags(
    athlete: AthleteOpt,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Every flag: acknowledged, resolved and historic ones too."),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """The athlete's flags (open ones unless --all), newest first."""
    from loadwatch.rules.evidence import ALERT
    from loadwatch.services.flag_list import list_flags

    with handle_errors():
        shown = None if all_ else ("open",)
        rows = _read_athlete(athlete, lambda s, aid: list_flags(s, aid, statuses=shown))
        if json:
            print_json([r.model_dump(mode="json", exclude=_FLAG_JSON_EXCLUDE) for r in rows])
            return
        if not rows:
            console.print(f"No {'' if all_ else 'open '}flags for {athlete}.")
            return
        table = Table(title=f"Flags: {athlete}")
        cols = ("id", "date", "dimension", "rule", "severity", "ratio", "status", "message")
        for c in (*cols, "evidence"):
            table.add_column(c, overflow="fold")
        for r in rows:
            style = "bold red" if r.severity == ALERT else "yellow"
            table.add_row(
                str(r.id),
                r.date.isoformat(),
                r.dimension,
                r.rule,
                f"[{style}]{r.severity}[/]",
                f"{r.ratio:.2f}",
                r.status,
                r.message,
                f"{r.evidence.grade}: {r.evidence.risk}",
            )
        console.print(table)


@app.command()
def status(athlete: AthleteOpt, json: JsonOpt = False, today: TodayOpt = None) -> None:
    """Current ratios, headroom, open flags and fast threshold."""
    from loadwatch.services.views import athlete_status

    with handle_errors():
        day = parse_day(today, "--today")
        st = _read_athlete(athlete, lambda s, aid: athlete_status(s, aid, today=day))
        if json:
            print_json(st.model_dump(mode="json"))
            return
        from loadwatch.report import episode_lines, headroom_lines, ratio_lines

        console.print(f"[bold]{st.athlete}[/] as of {st.today} ({st.timezone})")
        console.print(ratio_lines(st))
        console.print(headroom_lines(st))
        console.print(episode_lines(st))
        if st.rehab is not None:
            from loadwatch.report import pain_line, rehab_lines

            console.print(rehab_lines(st.rehab))
            console.print(pain_line(st.rehab))
        console.print(f"[bold]Fast means[/]  {st.fast_threshold.explanation}")


@app.command()
def report(
    athlete: AthleteOpt,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=520, help="Weeks to show.")] = 12,
    today: TodayOpt = None,
) -> None:
    """A report a runner reads at a glance: weekly bars, flags, headroom, fast threshold."""
    with handle_errors():
        day = parse_day(today, "--today")
        console.print(
            _read_athlete(athlete, lambda s, aid: athlete_report(s, aid, weeks=weeks, today=day))
        )


def athlete_report(session: Session, athlete_id: int, *, weeks: int, today: date | None) -> Any:
    from loadwatch.report import render_report
    from loadwatch.services.views import athlete_status
    from loadwatch.services.views import series as load_series

    st = athlete_status(session, athlete_id, today=today)
    weekly = load_series(session, athlete_id, "week", None, st.today)
    return render_report(st, weekly, weeks=weeks)


@app.command()
def evaluate(
    athlete: Annotated[
        str | None,
        typer.Option("--athlete", "-a", help="Re-evaluate this athlete's whole history."),
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Only from this day on.")] = None,
    today: TodayOpt = None,
    json: JsonOpt = False,
) -> None:
    """Evaluate pending imports (all athletes), or re-evaluate one athlete."""
    from loadwatch.services.evaluation import drain_pending, evaluate_athlete

    with handle_errors():
        day, start = parse_day(today, "--today"), parse_day(from_, "--from")
        store = open_store(get_settings())
        try:
            if athlete is None:
                if start is not None or day is not None:
                    raise InvalidRequest("--from and --today need --athlete")
                done = drain_pending(store, historic_days=get_settings().historic_days)
                out: dict[str, Any] = {"evaluated_athletes": done}
                msg = f"evaluated {len(done)} athlete(s) with pending imports"
            else:
                aid = _athlete_id(store, athlete)
                _fresh(store, aid)
                r = evaluate_athlete(
                    store,
                    aid,
                    from_date=start,
                    today=day,
                    historic_days=get_settings().historic_days,
                )
                out = {
                    "athlete": athlete,
                    "today": r.today,
                    "evaluated_from": r.evaluated_from,
                    "new_flag_ids": r.new_flag_ids,
                    "updated_flag_ids": r.updated_flag_ids,
                    "removed": r.removed,
                }
                msg = (
                    f"{athlete}: {len(r.new_flag_ids)} new, {len(r.updated_flag_ids)} updated, "
                    f"{r.removed} removed flag(s) (as of {r.today})"
                )
        finally:
            store.close()
        if json:
            print_json(out)
        else:
            console.print(msg)


# --- ack ------------------------------------------------------------------------------------
@app.command()
def ack(
    athlete: AthleteOpt,
    flag: Annotated[int | None, typer.Option("--flag", help="Acknowledge this flag id.")] = None,
    before: Annotated[
        str | None,
        typer.Option("--before", help="Acknowledge the open flags dated before this day."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Acknowledge every open flag.")] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="Record this user (a coach) as the acknowledger.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Acknowledge flags of an athlete: one (--flag ID), older ones (--before DATE) or all."""
    from loadwatch import auth
    from loadwatch.services.acknowledge import acknowledge, flags_to_ack

    with handle_errors():
        day = parse_day(before, "--before")
        store = open_store(get_settings())
        try:
            aid = _athlete_id(store, athlete)
            _fresh(store, aid)
            with store.transaction() as s:
                user_id = auth.get_user_by_name(s, by).id if by else None
                chosen = flags_to_ack(s, aid, flag_id=flag, before=day, all_open=all_)
                changed = acknowledge(s, chosen, by=user_id)
                ids = [f.id for f in chosen if f.status == "acknowledged"]
        finally:
            store.close()
        if json:
            print_json({"athlete": athlete, "acknowledged": changed, "flag_ids": ids})
        else:
            console.print(f"{athlete}: acknowledged {changed} flag(s)")


# --- import-log -----------------------------------------------------------------------------
@app.command("import-log")
def import_log(
    file: Annotated[
        Path, typer.Argument(help="CSV training log (your spreadsheet or Strava's activities.csv).")
    ],
    athlete: Annotated[str, typer.Option("--athlete", "-a", help="Athlete name (created if new).")],
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone for a new athlete (default UTC).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Import a CSV training log: one activity per row; bad rows are listed with line numbers."""
    from loadwatch.services.csv_import import import_log as run_import
    from loadwatch.services.evaluation import drain_pending
    from loadwatch.store import repo

    with handle_errors():
        settings = get_settings()
        size = file.stat().st_size
        if size > settings.max_file_bytes:
            raise InputTooLarge(
                f"{file}: {size} bytes is over the {settings.max_file_bytes}-byte limit"
            )
        data = file.read_bytes()
        store = open_store(settings)
        try:
            with store.transaction() as s:
                aid = repo.get_or_create_athlete(s, athlete, timezone).id
            rep = run_import(store, aid, data, file.name)
            drain_pending(store, athlete_id=aid, historic_days=get_settings().historic_days)
        finally:
            store.close()
        if json:
            print_json({"athlete": athlete, **rep.to_json()})
        else:
            for e in rep.errors:
                console.print(f"[yellow]{file.name}: {e}[/]", markup=True, highlight=False)
            console.print(
                f"{file.name}: {rep.imported} imported, {rep.duplicates} already stored, "
                f"{len(rep.errors)} bad row(s)"
            )
        if rep.imported == 0 and rep.duplicates == 0 and rep.errors:
            raise typer.Exit(1)


# --- demo -----------------------------------------------------------------------------------
DEMO_MARKER = ".loadwatch-demo"


@dataclass
class DemoAthlete:
    name: str
    athlete_id: int
    folder: Path
    imported: int
    failed: int
    flags: list[Any] = field(default_factory=list)  # FlagOut


@dataclass
class DemoResult:
    """What ``run_demo`` built: the settings of the demo store (for serving it) and the day it
    was evaluated as of."""

    settings: Settings
    today: date
    athletes: list[DemoAthlete]


def sample_data_dir() -> Path:
    path = Path(loadwatch.__file__).resolve().parents[2] / "sample_data"
    if not path.is_dir() or not any(p.is_dir() for p in path.iterdir()):
        raise NotFound(
            f"sample data not found at {path} "
            "(run scripts/make_sample_data.py in a source checkout)"
        )
    return path


# sample_data/README.md: "- **Steady Sam** (`steady-sam/`, around Boulder, America/Denver) ..."
_README_ATHLETE = re.compile(
    r"\*\*(?P<name>[^*]+)\*\*\s*\(`(?P<slug>[^/`]+)/?`[^)]*?(?P<tz>[A-Za-z_]+(?:/[A-Za-z_+-]+)+)\)"
)


def _demo_athletes(root: Path) -> list[tuple[str, str, Path]]:
    """(name, time zone, folder) per ``sample_data/<slug>/``: from ``manifest.json`` when
    present (``{"athletes": [{"slug", "name", "timezone"}]}``), else from the README's athlete
    lines, else the folder name in UTC."""
    known: dict[str, tuple[str, str]] = {}
    mf = root / "manifest.json"
    if mf.is_file():
        try:
            manifest = jsonlib.loads(mf.read_text())
            for a in manifest["athletes"]:
                known[str(a["slug"])] = (str(a["name"]), str(a.get("timezone") or "UTC"))
        except (ValueError, KeyError, TypeError) as e:
            raise InvalidRequest(f"{mf}: not a sample-data manifest: {e}") from e
    elif (root / "README.md").is_file():
        for m in _README_ATHLETE.finditer((root / "README.md").read_text(encoding="utf-8")):
            known[m["slug"]] = (m["name"].strip(), m["tz"])
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name[0] not in "._"):
        default = (folder.name.replace("_", " ").replace("-", " ").title(), "UTC")
        name, tz = known.get(folder.name, default)
        out.append((name, tz, folder))
    return out


def _wipe_demo(path: Path) -> None:
    if path.exists():
        if any(path.iterdir()) and not (path / DEMO_MARKER).exists():
            raise InvalidRequest(f"{path} exists and is not a loadwatch demo store; not wiping it")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / DEMO_MARKER).write_text("created by `loadwatch demo`; wiped on every run\n")


def run_demo(data_dir: Path, *, sample_dir: Path | None = None) -> DemoResult:
    """Import the sample athletes into a fresh store at ``data_dir`` and evaluate them as of
    the sample history's last day, so the demo reads the same whatever the date."""
    from loadwatch.config import Settings
    from loadwatch.services.evaluation import evaluate_athlete
    from loadwatch.services.flag_list import list_flags
    from loadwatch.services.importing import import_paths
    from loadwatch.store import pending, repo

    root = sample_dir or sample_data_dir()
    _wipe_demo(data_dir)
    settings = Settings(data_dir=data_dir, database_url=None, demo=True, scheduler=False)
    store = open_store(settings)
    try:
        athletes: list[DemoAthlete] = []
        for name, tz, folder in _demo_athletes(root):
            with store.transaction() as s:
                aid = repo.get_or_create_athlete(s, name, tz).id
            rep = import_paths(store, settings, aid, [folder])
            _demo_rehab(store, aid, folder)
            counts = rep.counts()
            athletes.append(DemoAthlete(name, aid, folder, counts["imported"], counts["failed"]))
        today = _history_end(store, [a.athlete_id for a in athletes])
        for a in athletes:
            evaluate_athlete(store, a.athlete_id, today=today)
            with store.sessions() as s:
                a.flags = list_flags(s, a.athlete_id)
        # The requests the imports left are covered by the full evaluations above.
        with store.transaction() as s:
            pending.clear(s)
    finally:
        store.close()
    return DemoResult(settings=settings, today=today, athletes=athletes)


def _demo_rehab(store: Store, athlete_id: int, folder: Path) -> None:
    """A sample athlete's ``rehab.json``: her return-to-run plan and pain log."""
    from loadwatch.services.rehab import enter_rehab
    from loadwatch.store import repo

    path = folder / "rehab.json"
    if not path.is_file():
        return
    try:
        data = jsonlib.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise InvalidRequest(f"{path}: not JSON: {e}") from e
    with store.transaction() as s:
        enter_rehab(s, repo.get_athlete(s, athlete_id), data)


def _history_end(store: Store, athlete_ids: list[int]) -> date:
    from loadwatch.analytics.daily import local_date_expr
    from loadwatch.store import repo

    ends: list[date] = []
    with store.sessions() as s:
        for aid in athlete_ids:
            tz = repo.get_athlete(s, aid).timezone
            frame = repo.activity_frame(s, aid)
            if frame.height:
                ends.append(frame.select(local_date_expr(tz).max())[0, 0])
    if not ends:
        raise InvalidRequest("the sample data holds no activities")
    return max(ends)


@app.command()
def demo(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data dir; the demo store is <data dir>/demo.")
    ] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only print the reports.")] = False,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=520)] = 12,
    host: Annotated[str, typer.Option(help="Address to serve the demo on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve the demo on.")] = 8000,
) -> None:
    """Import sample_data/ into a fresh demo store, report on both runners, then serve.

    The API and the dashboard are served with a demo coach token until Ctrl-C; --no-serve only
    prints the reports."""
    with handle_errors():
        base = (data_dir or get_settings().data_dir).expanduser().resolve()
        result = run_demo(base / "demo")
        console.print(
            f"Demo store: {result.settings.data_dir} (evaluated as of {result.today}); "
            f"use LOADWATCH_DATA_DIR={result.settings.data_dir} to explore it."
        )
        store = open_store(result.settings)
        try:
            with store.sessions() as s:
                for a in result.athletes:
                    console.print(athlete_report(s, a.athlete_id, weeks=weeks, today=result.today))
        finally:
            store.close()
    if no_serve:
        return
    with handle_errors():
        token = _demo_coach(result)
        _print_demo_urls(result, token, host, port)
        from loadwatch.cli.service_cmds import run_server

        serving = result.settings.model_copy(update={"scheduler": True, "as_of": result.today})
        run_server(serving, host, port, scheduler=True)


def _demo_coach(result: DemoResult) -> str:
    """A coach linked to every demo athlete; its token is printed, stored only hashed."""
    from loadwatch import auth
    from loadwatch.store import repo

    store = open_store(result.settings)
    try:
        with store.transaction() as s:
            coach, token = auth.create_user(s, "demo-coach", "coach")
            for a in result.athletes:
                auth.link_coach(s, coach, repo.get_athlete(s, a.athlete_id))
    finally:
        store.close()
    return token


def _print_demo_urls(result: DemoResult, token: str, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    auth_h = f'-H "Authorization: Bearer {token}"'
    # The curl lines show the athlete with the most to see.
    first = max(result.athletes, key=lambda a: len(a.flags), default=None)
    lines = [
        f"Serving the demo on {base} — Ctrl-C to stop.",
        f"  dashboard:  {base}/#token={token}",
        f"  API docs:   {base}/docs",
        f"  demo coach token: {token}",
        "Try:",
        f"  curl {auth_h} {base}/api/v1/dashboard",
    ]
    if first is not None:
        aid = first.athlete_id
        sample = next(iter(sorted(first.folder.glob("*.fit"))), None)
        lines += [
            f"  curl {auth_h} {base}/api/v1/athletes/{aid}/flags",
            f'  curl {auth_h} "{base}/api/v1/athletes/{aid}/series?period=week"',
            f"  curl {auth_h} {base}/api/v1/athletes/{aid}/status",
        ]
        if sample is not None:
            lines.append(
                f"  curl {auth_h} -F files=@{sample} {base}/api/v1/athletes/{aid}/activities"
            )
    console.print("\n".join(lines), highlight=False, soft_wrap=True)
