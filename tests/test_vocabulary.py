"""Severities and statuses have one home, ``loadwatch.vocabulary``: the code names them, the
store's columns are typed with them, and no module compares against a bare status string."""

from __future__ import annotations

import ast
import io
from types import SimpleNamespace
from typing import get_args, get_type_hints

from sqlalchemy.orm import Mapped

from loadwatch import vocabulary as v
from loadwatch.store.models import Episode, Flag
from support.paths import REPO

SRC = REPO / "src" / "loadwatch"
WORDS = set(get_args(v.Severity)) | set(get_args(v.EpisodeStatus))


def _bare_comparisons(source: str) -> list[str]:
    """``x == "open"``, ``x != "alert"``, ``x in ("historic", "resolved")``: a status or a
    severity spelt out where it is compared."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        for side in [node.left, *node.comparators]:
            consts = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
            for c in consts:
                if isinstance(c, ast.Constant) and c.value in WORDS:
                    found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_a_bare_comparison() -> None:
    assert _bare_comparisons('if f.status == "open": pass') == ["1: f.status == 'open'"]
    assert _bare_comparisons('x = [s for s in a if s not in ("historic", "resolved")]') == [
        "1: s not in ('historic', 'resolved')",
        "1: s not in ('historic', 'resolved')",
    ]
    assert _bare_comparisons("if f.status == OPEN: pass") == []
    # An event kind or a frame column of the same spelling is not a comparison.
    assert _bare_comparisons('changes.count("withdrawn"); pl.col("caution")') == []


def test_no_module_compares_against_a_bare_status_or_severity() -> None:
    files = [p for p in SRC.rglob("*.py") if p.name != "vocabulary.py"]
    assert len(files) > 100  # the walk found the package
    offenders = {
        str(p.relative_to(SRC)): hits
        for p in files
        if (hits := _bare_comparisons(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_store_columns_are_typed_with_the_vocabulary() -> None:
    assert get_type_hints(Flag)["severity"] == Mapped[v.Severity]
    assert get_type_hints(Flag)["status"] == Mapped[v.FlagStatus]
    assert get_type_hints(Episode)["severity"] == Mapped[v.Severity]
    assert get_type_hints(Episode)["status"] == Mapped[v.EpisodeStatus]


def test_the_words() -> None:
    assert v.SEVERITIES == ("caution", "alert")
    assert v.FLAG_STATUSES == ("open", "acknowledged", "resolved", "historic")
    assert v.EPISODE_STATUSES == ("open", "acknowledged", "resolved", "historic", "withdrawn")
    assert set(v.LIVE_EPISODE) == {"open", "acknowledged"}
    # Every episode status but withdrawn is a flag status: an episode's follows its flags'.
    assert set(get_args(v.EpisodeStatus)) - set(get_args(v.FlagStatus)) == {"withdrawn"}


def _js_words(path: str, name: str) -> dict[str, str]:
    import re

    source = (SRC / "api" / "static" / path).read_text()
    body = re.search(rf"const {name} = \{{(.*?)\}};", source, re.S)
    assert body, (path, name)
    return dict(re.findall(r'(\w+): "([^"]*)"', body.group(1)))


def test_every_surface_names_the_dimensions_from_one_vocabulary() -> None:
    """F11: the dashboard, the rehab page and the CLI call "speed" fast km, "hills" climbing
    and "uphill" uphill km, never the API's keys."""
    from loadwatch.status_lines import DIM_LABEL

    assert v.DIMENSION_LABEL == {
        "distance": "distance",
        "speed": "fast km",
        "hills": "climbing",
        "uphill": "uphill km",
        "pain": "pain",
        "rest": "rest",
    }
    assert _js_words("app.js", "DIM_WORD") == v.DIMENSION_LABEL
    tolerance = _js_words("rehab.js", "TOLERANCE_WORD")
    assert tolerance == {k: v.DIMENSION_LABEL[k] for k in tolerance}
    assert DIM_LABEL is v.DIMENSION_LABEL


def test_the_episode_line_names_its_dimensions_as_people_read_them() -> None:
    from datetime import date

    from rich.console import Console

    from loadwatch.status_lines import episode_lines

    episode = SimpleNamespace(
        severity=v.CAUTION,
        first=date(2026, 11, 10),
        last=date(2026, 11, 12),
        status=v.OPEN,
        flags=[],
        acknowledged_count=0,
        dimensions=["speed", "hills", "uphill", "distance"],
    )
    console = Console(width=120, file=io.StringIO(), color_system=None)
    status = SimpleNamespace(episodes=[episode])
    console.print(episode_lines(status))  # type: ignore[arg-type]
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "0 flag(s), fast km, climbing, uphill km, distance" in out


def test_a_pain_trend_says_what_it_covers() -> None:
    from loadwatch.vocabulary import trend_span

    assert trend_span(3, 3, 28) == "in the last 28 days"
    assert trend_span(3, None, 28) == "in the last 28 days"  # a view stored before the count
    assert trend_span(5, 12, 28) == "the last 5 of 12 entries in 28 days"


def test_every_surface_says_none_of_a_dimension_in_one_phrase() -> None:
    """Zero climbing is "no climbing" on the dashboard, the check-in page and in every
    sentence (the dashboard said "flat", the check-in page "climb 0 m"); "flat" is the plan's
    word for up to 10 m per km."""
    from datetime import date

    from loadwatch.rules.messages import tomorrow
    from loadwatch.rules.planned import PlannedRun
    from loadwatch.rules.preflight import Suggestion, _suggestion_words

    assert v.NO_LOAD == {
        "distance": "rest",
        "speed": "no fast running",
        "hills": "no climbing",
        "uphill": "no uphill running",
    }
    assert _js_words("app.js", "NO_LOAD") == v.NO_LOAD
    assert _js_words("checkin.js", "NO_LOAD") == v.NO_LOAD
    for js in ("app.js", "checkin.js"):
        source = (SRC / "api" / "static" / js).read_text()
        assert "NO_LOAD.hills" in source and '"flat"' not in source, js
    assert tomorrow("hills", 0.0, "m") == "no climbing tomorrow"
    assert tomorrow("speed", 0.0, "km") == "no fast running tomorrow"
    run = PlannedRun(date(2026, 12, 8), 8.0, fast_km=0.0, climb_m=0.0)
    assert _suggestion_words(Suggestion(run, "climb")) == "no climbing in it raises nothing"
    assert _suggestion_words(Suggestion(run, "fast")) == "no fast running in it raises nothing"


def test_a_dimension_has_one_name_as_a_heading_and_in_a_sentence() -> None:
    """Trial 10 F5: "Fast running", "Fast distance", "Uphill" and "Climb" headed what the
    rest of loadwatch calls fast km, uphill km and climbing: one word per dimension,
    capitalised as a heading; the running it measures ("7.1 km of fast running") only inside
    a sentence."""
    from datetime import date

    from loadwatch.rules.messages import render
    from loadwatch.services.activity_detail import NUMBERS

    assert v.DIMENSION_HEADING == {
        "distance": "Distance",
        "speed": "Fast km",
        "hills": "Climbing",
        "uphill": "Uphill km",
        "pain": "Pain",
        "rest": "Rest",
    }
    assert v.DIMENSION_NOUN["speed"] == "fast running"
    assert _js_words("app.js", "DIM_HEADING") == v.DIMENSION_HEADING
    ramp = {
        "date": date(2026, 10, 20),
        "rule": "weekly_ramp",
        "dimension": "uphill",
        "value": 3.0,
        "own_baseline": 1.5,
        "baseline": 1.5,
        "ratio": 2.0,
        "threshold": 1.5,
        "window_days": 7,
    }
    assert render(ramp).startswith("Uphill km in the 7 days to Tuesday: 3.0 km, 2.0×")
    labels = {f[0]: f[2] for f in NUMBERS}
    assert labels["fast_distance_m"] == "Fast km"
    assert labels["elevation_gain_m"] == "Climbing"
    assert labels["uphill_distance_m"] == "Uphill km (grade ≥ +3 %)"
    # No page names a dimension in its own words.
    for js in ("app.js", "rehab.js", "activity.js"):
        source = (SRC / "api" / "static" / js).read_text()
        for other in ('"Fast running"', "Weekly fast running", '"Fast"', '"Uphill (', '"Climb"'):
            assert other not in source, (js, other)
