"""The service side, each figure printed beside a baseline measured in the same run.

    .venv/bin/python benchmarks/service.py [--sizes 100,1000] [--days 365]
        [--history-days 1095] [--repeat 5] [--requests 50] [--http | --no-http]
        [--series-rate 200] [--rates 20,50] [--duration 5] [--api-processes 2]
        [--no-evaluation] [--evaluation-only] [--no-profile] [--postgres URL]

1. **Evaluation** (one athlete, ``--history-days`` of running ending yesterday): the CPU of
   one upload (a one-run training log) stored alone, against stored *and* evaluated (the
   pending request drained: incremental, from the run's day); incremental against full
   evaluation of the whole history; the nightly roll-forward of the unchanged athlete (the
   scheduler's ``roll_days``: from 35 days back, as of tomorrow; median and mean of 28
   consecutive nights, since a roll may compute a batch of nights).  CPU is ``process_time``
   (every thread of this process), median of ``--repeat``.
2. **Dashboard** at each of ``--sizes`` athletes (``--days`` of synthetic running each, from
   ``benchmarks/synthetic.py``, seeded in bulk; the first ``--evaluate`` evaluated, the others
   given the stored view of one of those and their own triage row; a coach linked to all), in
   process on one session per request: the baseline builds every row per request (the
   triage before rows were stored: ``services.dashboard.dashboard`` and its JSON), against
   one page of stored rows (``services.triage.page``: the default page, and every athlete in
   one page of up to 1,000).  p50 / p99 wall time and CPU per request over ``--requests``;
   then the growth from the first size to the last.
3. **One request profiled** (``--profile``, at the last size): the CPU of one series and one
   dashboard request in process beside ``/health`` (the framework's floor), and the handler
   thread's loadwatch functions by cumulative time (``benchmarks/service_load.profile``).
4. **Over HTTP** (``--http``, at the last size): ``--api-processes`` (2) ``loadwatch serve``
   on 127.0.0.1 over one store, requests in round robin (SQLite: the first with the embedded
   scheduler; ``--postgres``: a scratch schema, all ``--no-scheduler``); per endpoint a
   sequential baseline then an open loop per rate (``support.loadgen.open_loop``): the
   dashboard at ``--rates``, an athlete's series at ``--series-rate`` (rotating over the
   evaluated athletes).  Prints p50 / p99 from the scheduled send, errors, the achieved rate,
   the servers' CPU per request (from ``/proc``), and the generator's own lateness and CPU
   (``benchmarks/service_load.drive``: a rate past the cores is driven and reported, not
   refused).

The load generator runs on the same cores as the server.  Activities carry a stored
``fast_distance_m`` and no speed histograms (see ``benchmarks/synthetic.py``).
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


from service_load import answer_cost, drive, profile
from synthetic import synthetic, write_athletes_bulk

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.clock import local_today
from loadwatch.config import Settings
from loadwatch.schemas.dashboard import Dashboard
from loadwatch.schemas.status import Summary
from loadwatch.services import triage
from loadwatch.services.csv_import import import_log
from loadwatch.services.dashboard import dashboard as build_dashboard
from loadwatch.services.evaluation import drain_pending, evaluate_athlete
from loadwatch.store import athletes as athlete_store
from loadwatch.store import views as view_rows
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import User
from support.live import cli_env, scratch_schema, serve
from support.loadgen import API

CHUNK = 100  # athletes generated and written per transaction
ROLL_NIGHTS = 28  # nights rolled per figure: whole forecast batches


def _cpu(fn: Callable[[], object]) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def _pct(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def _ms(s: float) -> str:
    return f"{s * 1000:8.1f} ms"


# --- 1. evaluation -------------------------------------------------------------------------
def evaluation(store: Store, args: argparse.Namespace) -> None:
    today = local_today("UTC")
    start = today - timedelta(days=args.history_days)
    acts = synthetic(900_000, 1, 1, seed=7, start=start, days=args.history_days)
    with store.transaction() as s:
        (aid,) = write_athletes_bulk(s, acts, prefix="Evaluated")
    evaluate_athlete(store, aid)  # the first evaluation writes every flag
    full = [_cpu(lambda: evaluate_athlete(store, aid)) for _ in range(args.repeat)]
    stored, inc = [], []
    for i in range(args.repeat):
        # One new run today (each a distinct log: a file is content-addressed).
        day = today
        log = f"date,distance_km,duration_min\n{day},{8 + i * 0.1:.1f},{44 + i}\n".encode()
        stored.append(_cpu(lambda log=log, i=i: import_log(store, aid, log, f"run-{i}.csv")))
        inc.append(_cpu(lambda: drain_pending(store, athlete_id=aid)))
    # The scheduler's roll: each a new day, nothing changed since the view stored the day
    # before (``job_work.evaluate_athlete`` says so with ``unchanged_since`` where the
    # source under test has it).
    quick = "unchanged_since" in inspect.signature(evaluate_athlete).parameters
    # Four weeks of nights, not a handful: a roll may compute several nights at once
    # (``services/forecast.py``) and serve the next ones from that batch, so the mean over
    # whole batches is what a night costs a scheduler; the median is one served night's.
    roll = []
    for i in range(max(args.repeat, ROLL_NIGHTS)):
        day = today + timedelta(days=1 + i)
        extra = {"unchanged_since": day - timedelta(days=1)} if quick else {}
        roll.append(
            _cpu(
                lambda day=day, extra=extra: evaluate_athlete(
                    store, aid, from_date=day - timedelta(days=35), today=day, **extra
                )
            )
        )
    f, i_, st = statistics.median(full), statistics.median(inc), statistics.median(stored)
    r, r_mean = statistics.median(roll), statistics.mean(roll)
    years = args.history_days / 365
    print(
        f"evaluation, one athlete with {years:.1f} years of running (CPU, median of {args.repeat}):"
    )
    print(f"  upload stored alone (import)           {_ms(st)}")
    print(f"  upload stored and evaluated            {_ms(st + i_)}  (x{(st + i_) / st:.1f} alone)")
    print(f"  full evaluation (baseline)             {_ms(f)}")
    print(
        f"  incremental, one new run               {_ms(i_)}  (x{i_ / f:.2f} full; target < 20 ms)"
    )
    print(f"  nightly roll-forward, unchanged        {_ms(r)}  (x{r / f:.2f} full; target < 5 ms)")
    print(
        f"    mean of {len(roll)} consecutive nights     {_ms(r_mean)}  (x{r_mean / f:.2f} full; "
        "what a scheduler pays a night)"
    )
    print(flush=True)


# --- 2. dashboard in process ---------------------------------------------------------------
def _clone_views(store: Store, ids: list[int], templates: list[int]) -> None:
    """Give ``ids`` the stored view of an evaluated athlete (round robin over ``templates``)
    and their own triage row built from it (their own name, flags and uploads): the
    dashboard's read path costs the same whatever the numbers in the rows, and evaluating
    1,000 athletes on a shared 2-core machine takes longer than the whole benchmark."""
    with store.transaction() as s:
        for k, aid in enumerate(ids):
            src = view_rows.get(s, templates[k % len(templates)])
            assert src is not None
            view_rows.put(
                s, aid, as_of=src.as_of, summary=src.summary, days=src.days, weeks=src.weeks
            )
            summary = Summary.model_validate(src.summary)
            triage.keep(s, athlete_store.get_athlete(s, aid), summary)


def seed(
    store: Store,
    first: int,
    n: int,
    days: int,
    coach_id: int | None,
    evaluate: int,
    template_ids: list[int],
) -> tuple[int, str, list[int]]:
    """``n`` more athletes with ``days`` days of history ending yesterday, linked to the coach
    (created when ``coach_id`` is None): the first ``evaluate`` athletes of the population
    evaluated, the others given an evaluated athlete's view (``_clone_views``).  Returns the
    coach's id and token (empty when the coach existed) and the new athletes' ids."""
    start = local_today("UTC") - timedelta(days=days)
    t = time.perf_counter()
    ids: list[int] = []
    for lo in range(first, first + n, CHUNK):
        acts = synthetic(lo, min(CHUNK, first + n - lo), 1, seed=lo, start=start, days=days)
        with store.transaction() as s:
            ids += write_athletes_bulk(s, acts)
    written = time.perf_counter() - t
    t = time.perf_counter()
    real = ids[: max(0, evaluate - first)]
    for aid in real:
        evaluate_athlete(store, aid)
    evaluated = time.perf_counter() - t
    template_ids += real
    clones = ids[len(real) :]
    if clones:
        _clone_views(store, clones, template_ids)
    token = ""
    with store.transaction() as s:
        if coach_id is None:
            coach, token = auth.create_user(s, "bench-coach", "coach")
        else:
            found = s.get(User, coach_id)
            assert found is not None
            coach = found
        for aid in ids:
            auth.link_coach(s, coach, athlete_store.get_athlete(s, aid))
        coach_id = coach.id
    print(
        f"seeded {n} athletes x {days} days: written in {written:.1f} s (bulk); {len(real)} "
        f"evaluated in {evaluated:.1f} s ({evaluated / max(1, len(real)) * 1000:.0f} ms each, "
        f"wall), {len(clones)} given an evaluated athlete's view",
        flush=True,
    )
    return coach_id, token, ids


def _timed(
    store: Store, coach_id: int, fn: Callable[..., object], n: int
) -> tuple[float, float, float]:
    """p50, p99 wall and mean CPU of ``fn(session, coach)``, one session per request."""
    walls, cpus = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        with store.sessions() as s:
            coach = s.get(User, coach_id)
            fn(s, coach)
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return _pct(walls, 0.5), _pct(walls, 0.99), statistics.fmean(cpus)


def _rebuilt(session: object, coach: User) -> bytes:
    # What the route answered before rows were stored: every row built, then its JSON.
    return build_dashboard(session, coach).model_dump_json().encode()  # type: ignore[arg-type]


def dashboard(store: Store, coach_id: int, n: int, args: argparse.Namespace) -> dict[str, float]:
    with store.sessions() as s:
        coach = s.get(User, coach_id)
        body = triage.page(s, coach, limit=min(n, triage.MAX_LIMIT))  # type: ignore[arg-type]
    rows = Dashboard.model_validate_json(body).data
    assert len(rows) == min(n, triage.MAX_LIMIT), "the coach must see every athlete"
    assert not any(r.evaluating for r in rows), "every athlete was evaluated"
    base = _timed(store, coach_id, _rebuilt, max(3, args.requests // 5))
    page = _timed(store, coach_id, lambda s, c: triage.page(s, c), args.requests)
    every = _timed(
        store, coach_id, lambda s, c: triage.page(s, c, limit=triage.MAX_LIMIT), args.requests
    )
    print(f"dashboard, {n} athletes, in process (p50 / p99 wall, mean CPU per request):")
    for what, (p50, p99, cpu) in (
        ("rows built per request (baseline)", base),
        (f"stored rows, default page ({triage.DEFAULT_LIMIT})", page),
        (f"stored rows, all in one page (<= {triage.MAX_LIMIT})", every),
    ):
        print(
            f"  {what:42s} p50 {_ms(p50)}  p99 {_ms(p99)}  CPU {_ms(cpu)}  "
            f"(p99 x{p99 / base[1]:.3f} the baseline)"
        )
    print(flush=True)
    return {
        "page": page[1],
        "every": every[1],
        "page_cpu": page[2],
        "every_cpu": every[2],
        "base": base[1],
        "base_cpu": base[2],
    }


def run(label: str, database_url: str | None, args: argparse.Namespace) -> None:
    print(f"== {label} ==", flush=True)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        data = Path(tmp) / "data"
        store = open_store(Settings(data_dir=data, database_url=database_url))
        try:
            if args.evaluation:
                evaluation(store, args)
            if args.evaluation_only:
                return
            coach_id: int | None = None
            token = ""
            seeded = 0
            seen: dict[int, dict[str, float]] = {}
            ids: list[int] = []
            templates: list[int] = []
            for n in args.sizes:
                cid, tok, new = seed(
                    store, seeded, n - seeded, args.days, coach_id, args.evaluate, templates
                )
                ids += new
                coach_id, token, seeded = cid, token or tok, n
                seen[n] = dashboard(store, coach_id, n, args)
            lo, hi = args.sizes[0], args.sizes[-1]
            if hi > lo:
                print(
                    f"dashboard growth {lo} -> {hi} athletes (p99): stored rows, all in one "
                    f"page x{seen[hi]['every'] / seen[lo]['every']:.2f}; default page "
                    f"x{seen[hi]['page'] / seen[lo]['page']:.2f}; baseline "
                    f"x{seen[hi]['base'] / seen[lo]['base']:.2f} (target <= 1.5x)",
                    flush=True,
                )
                print(
                    f"dashboard growth {lo} -> {hi} athletes (CPU per request): default page "
                    f"x{seen[hi]['page_cpu'] / seen[lo]['page_cpu']:.2f}; all in one page "
                    f"x{seen[hi]['every_cpu'] / seen[lo]['every_cpu']:.2f}; baseline "
                    f"x{seen[hi]['base_cpu'] / seen[lo]['base_cpu']:.2f}",
                    flush=True,
                )
            if args.profile:
                print("one request profiled:")
                answer_cost(store, templates[0], args.requests)
        finally:
            store.close()
        h = {"Authorization": f"Bearer {token}"}
        dash = f"{API}/dashboard?limit={triage.MAX_LIMIT}"
        # The evaluated athletes only: a cloned view is not for its athlete's own activities.
        series = [f"{API}/athletes/{aid}/series?period=week" for aid in templates]
        if args.profile:
            settings = Settings(data_dir=data, database_url=database_url, jobs="inline")
            profile(
                create_app(settings),
                h,
                {"GET /athletes/{id}/series?period=week": series[0], f"GET {dash}": dash},
                args.requests,
                args.profile_top,
            )
        if not args.http:
            return
        extra = {"LOADWATCH_DATABASE_URL": database_url} if database_url else {}
        env = cli_env(data, **extra)
        # Two API processes on one store, as a scaled-out deployment runs them: the first
        # with the embedded scheduler on SQLite (one per deployment), the rest without.
        first_args = ("--no-scheduler",) if database_url else ()
        bases = [stack.enter_context(serve(env, *first_args))]
        bases += [
            stack.enter_context(serve(env, "--no-scheduler")) for _ in range(args.api_processes - 1)
        ]
        print(f"{label}: {len(bases)} API process(es) at {', '.join(bases)}", flush=True)
        first = httpx.get(bases[0] + dash, headers=h, timeout=600)
        first.raise_for_status()
        drive(
            f"GET /dashboard (all {args.sizes[-1]} in one page)", bases, h, [dash], args.rates, args
        )
        drive("GET /athletes/{id}/series?period=week", bases, h, series, [args.series_rate], args)
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def _floats(v: str) -> list[float]:
    return [float(x) for x in v.split(",")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], default=[100, 1000])
    ap.add_argument("--days", type=int, default=365, help="history of each dashboard athlete")
    ap.add_argument(
        "--evaluate", type=int, default=100, help="athletes evaluated; the rest get a clone"
    )
    ap.add_argument("--history-days", type=int, default=1095, help="the evaluated athlete's")
    ap.add_argument("--repeat", type=int, default=5, help="evaluations measured per figure")
    ap.add_argument("--requests", type=int, default=50, help="dashboard requests per figure")
    ap.add_argument("--http", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--rates", type=_floats, default=[20.0, 50.0], help="dashboard req/s")
    ap.add_argument("--series-rate", type=float, default=200.0)
    ap.add_argument("--duration", type=float, default=5.0, help="seconds of load per rate")
    ap.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    ap.add_argument("--timeout", type=float, default=10.0, help="s from the scheduled send")
    ap.add_argument("--baseline", type=int, default=20, help="sequential requests alone")
    ap.add_argument(
        "--api-processes", type=int, default=2, help="loadwatch serve processes, round robin"
    )
    ap.add_argument("--evaluation", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--profile-top", type=int, default=12, help="functions listed per profile")
    ap.add_argument("--postgres", help="PostgreSQL URL: a scratch schema, two API processes")
    ap.add_argument(
        "--evaluation-only", action="store_true", help="section 1 only (no dashboard, no HTTP)"
    )
    args = ap.parse_args()
    if args.postgres:
        with scratch_schema(args.postgres) as url:
            run("PostgreSQL", url, args)
    else:
        run("SQLite", None, args)


if __name__ == "__main__":
    main()
