"""``loadwatch reprocess``: re-derive activities an older loadwatch stored, from their kept files
(services/reprocess.py; docs/operations.md "Upgrades")."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loadwatch.cli.app import app
from loadwatch.cli.context import get_settings, open_store
from loadwatch.cli.output import JsonOpt, console, fmt_duration, handle_errors, print_json
from loadwatch.cli.reading import athlete_id_of
from loadwatch.errors import InvalidRequest

if TYPE_CHECKING:
    from loadwatch.services.reprocess import ActivityOutcome, Change, ReprocessReport

# How the figures read in a line of the report (the shown ones: services/reprocess.SHOWN).
_LABELS = {
    "sport": "sport",
    "start_time": "start",
    "distance_m": "distance",
    "moving_time_s": "moving time",
    "fast_distance_m": "fast km",
    "uphill_distance_m": "uphill km",
    "elevation_gain_m": "climbing",
    "hr_load": "TRIMP",
}


# The other derived columns a person never reads by name: said in words (trial11 F4).
_ALSO = {
    "speed_hist_m": "speed histograms",
    "gap_speed_hist_m": "speed histograms",
    "sustained_speed_hist_m": "speed histograms",
    "flat_speed_hist_m": "speed histograms",
    "hr_time_hist_s": "heart-rate histogram",
    "hr_peak_bpm": "peak heart rate",
    "elapsed_time_s": "elapsed time",
    "stopped_time_s": "stopped time",
    "elevation_loss_m": "descent",
    "downhill_distance_m": "downhill km",
    "gap_distance_m": "grade-adjusted distance",
    "avg_pace_s_per_km": "pace",
    "max_speed_mps": "top speed",
    "best_1km_s": "best km",
    "avg_hr": "heart rate",
    "max_hr": "heart rate",
    "n_samples": "samples",
    "totals_source": "where the totals come from",
}


def _value(figure: str, v: Any) -> str:
    if v is None:
        return "—"  # as every table shows a missing figure
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M UTC")
    if figure in ("distance_m", "fast_distance_m", "uphill_distance_m"):
        return f"{v / 1000:.2f} km"
    if figure == "moving_time_s":
        return fmt_duration(v)  # h:mm:ss, as every table
    if figure == "elevation_gain_m":
        return f"{v:.0f} m"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def _change(c: Change) -> str | None:
    """ "climbing 25 m → 25 m" is no change to a reader: not listed (trial11 F4)."""
    before, after = _value(c.figure, c.before), _value(c.figure, c.after)
    return None if before == after else f"{_LABELS[c.figure]} {before} → {after}"


def _line(o: ActivityOutcome) -> str | None:
    head = f"#{o.activity_id} {o.day} {o.sport}".rstrip()
    if o.status == "merged":
        return None  # said by its merge line
    if o.status in ("updated", "unchanged"):
        parts = [p for p in map(_change, o.changes) if p is not None]
        also = list(dict.fromkeys(_ALSO.get(k, k.replace("_", " ")) for k in o.also_changed))
        if also:
            parts.append(f"{'also ' if parts else ''}{', '.join(also)}")
        if not parts:
            return f"  same    {head}"
        return f"  updated {head}: {'; '.join(parts)}"
    if o.status == "not_kept":
        return f"  not kept {head}: its original file is not kept; import the file again"
    return f"  {o.status.replace('_', ' ')} {head}: {o.reason}"


def totals(report: ReprocessReport) -> dict[str, int]:
    """What the summary line counts, for ``--json`` too."""
    return {
        "re_derived": report.count("updated") + report.count("unchanged") + report.count("merged"),
        "changed": report.count("updated"),
        "same": report.count("unchanged"),
        "merged": len(report.merges),
        "not_kept": report.count("not_kept"),
        "failed": report.count("failed"),
        "files_retried": len(report.retried),
        "files_still_failing": report.still_failing,
    }


def _print(report: ReprocessReport) -> None:
    verb = "would re-derive" if report.dry_run else "re-derived"
    merged = "would merge" if report.dry_run else "merged"
    for a in report.athletes:
        mine = [o for o in report.activities if o.athlete_id == a.athlete_id]
        if (
            not mine
            and not a.log_rows
            and not any(m.athlete_id == a.athlete_id for m in report.merges)
        ):
            continue
        console.print(f"[bold]{a.athlete}[/]", highlight=False)
        for o in mine:
            line = _line(o)
            if line is not None:
                console.print(line, markup=False, highlight=False)
        for m in report.merges:
            if m.athlete_id == a.athlete_id:
                console.print(f"  {merged} #{m.dropped} into #{m.kept}: {m.how}",
                              markup=False, highlight=False)  # fmt: skip
        if a.log_rows:
            console.print(
                f"  {a.log_rows} training-log row(s) kept as logged: no file to re-derive from",
                markup=False,
            )
        if a.loads_moved:
            console.print(
                f"  TRIMP of {a.loads_moved} other activit(ies) moved with the heart-rate basis",
                markup=False,
            )
        if a.reevaluate_from is not None and not report.dry_run:
            console.print(
                f"  flags and series re-evaluated from {a.reevaluate_from} at the next evaluation",
                markup=False,
            )
    for r in report.retried:
        ids = ", ".join(f"#{i}" for i in r.activity_ids)
        what = "would import" if report.dry_run else r.status
        if r.was == "failed":
            why = "failed before, this version reads it"
        else:  # import's own words: "replaced a worse copy: same activity as #N (…)"
            why = f"kept as a duplicate before; {r.reason or 'now the better copy'}"
        label = f"{r.file} ({ids})" if ids else r.file
        console.print(f"  {what} {label}: {why}", markup=False, highlight=False)
    if report.retried or report.still_failing:
        console.print(
            f"{len(report.retried)} file(s) that failed or lost to another copy before "
            f"{'would be' if report.dry_run else 'were'} imported from their kept bytes; "
            f"{report.still_failing} failed file(s) still fail",
            markup=False,
        )
    if not report.activities:
        console.print("nothing to re-derive: every activity is derived by this version")
        if report.merges:  # --duplicates
            into = "to merge" if report.dry_run else "merged"
            console.print(
                f"{len(report.merges)} {into} into a better copy of the same activity",
                markup=False,
            )
        return
    t = totals(report)
    n = t["re_derived"]
    # Only what was re-derived is counted as such: one whose file is not kept was not.
    line = (
        f"{verb} {n} activit{'y' if n == 1 else 'ies'}: {t['changed']} changed, "
        f"{t['same']} the same"
    )
    if t["merged"]:
        into = "to merge" if report.dry_run else "merged"
        line += f", {t['merged']} {into} into a better copy of the same activity"
    if t["not_kept"]:
        line += f"; {t['not_kept']} not re-derived: original file not kept (import it again)"
    if t["failed"]:
        line += f"; {t['failed']} failed"
    console.print(line, markup=False)


@app.command()
def reprocess(
    athlete: Annotated[
        str | None,
        typer.Option("--athlete", "-a", metavar="NAME", help="Only this athlete's activities."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every athlete's activities.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decode and compare; change nothing.")
    ] = False,
    duplicates: Annotated[
        bool,
        typer.Option(
            "--duplicates",
            help="Also check every activity and every file kept as a duplicate against "
            "today's duplicate rules, not only the re-derived ones (a store reprocessed "
            "before those rules).",
        ),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Re-derive the activities an older loadwatch stored from their kept original files, in
    place (same ids; relabels, names and RPE kept), and re-evaluate from the earliest changed
    day.  Run after an upgrade when `status` says some were derived by an older version; a
    second run does nothing.  Exit 1 when any activity failed."""
    from loadwatch.cli.progress import progress_bar
    from loadwatch.services.reprocess import reprocess as run
    from loadwatch.services.reprocess import stale_count

    with handle_errors():
        if (athlete is None) == (not all_):
            raise InvalidRequest("give --athlete NAME or --all")
        store = open_store(get_settings())
        try:
            ids = [athlete_id_of(store, athlete)] if athlete is not None else None
            total = stale_count(store, ids[0] if ids else None)
            with progress_bar(total=total) as bar:
                task = bar.add_task("re-deriving", total=total)
                report = run(
                    store,
                    ids,
                    dry_run=dry_run,
                    progress=lambda n: bar.advance(task, n),
                    duplicates=duplicates,
                )
        finally:
            store.close()
    if json:
        print_json({**asdict(report), "totals": totals(report)})
    else:
        _print(report)
    if report.count("failed"):
        raise typer.Exit(1)
