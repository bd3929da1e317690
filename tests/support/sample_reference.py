"""What ``tests/services/test_sample_data.py`` compares sample_data/ with: the digests of the
files ``scripts/make_sample_data.py`` renders, and what plain fitparse reads from each FIT file.

Rendering every file is ~35 CPU-s of fit_tool encoding and fitparse's reading ~15 CPU-s; both
change only with their key (the script, the encoders' and Python's versions for the rendering;
the file's bytes, fitparse's version and this module for the reading).
``services/sample_data_reference.json`` keeps, under those keys, the rendered digests and
fitparse's answers, so a fresh clone compares against the table instead of rendering and
parsing everything again.  An entry
whose key no longer matches is not read: the test computes it (kept in pytest's cache,
``support.cached``), and ``python -m support.sample_reference`` (from ``tests/``) rewrites the
table.  ``LIVE`` files are rendered and read on every run and checked against the table, so it
cannot drift from what the script and fitparse say."""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import sys
import zlib
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import fitparse
import numpy as np

from support.cached import key_of
from support.paths import REPO

SAMPLE = REPO / "sample_data"
TABLE = Path(__file__).resolve().parents[1] / "services" / "sample_data_reference.json"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_sample_data", REPO / "scripts" / "make_sample_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


msd = _load_script()


# What the script renders depends only on its own source, the encoders' versions and zlib
# (``fit.gz``).
RENDER_KEY = key_of(
    (REPO / "scripts" / "make_sample_data.py").read_bytes(),
    sys.version,
    zlib.ZLIB_RUNTIME_VERSION,
    np.__version__,
    *(importlib.metadata.version(d) for d in ("fit-tool", "gpxpy")),
)


def rendered_digests(a: Any, sessions: list[Any]) -> dict[str, str]:
    return {s.filename: hashlib.sha256(msd.render(a, s)).hexdigest() for s in sessions}


def fit_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _messages(data: bytes) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for m in fitparse.FitFile(data).get_messages():
        out.setdefault(m.name, []).append(m.get_values())
    return out


# The fields the check reads of each file_id, session and activity message (every message of
# those kinds is kept: the check insists there is exactly one).
READ_FIELDS = {
    "file_id": ("type",),
    "session": (
        "total_distance",
        "total_ascent",
        "sport",
        "total_timer_time",
        "total_elapsed_time",
        "num_laps",
        "start_time",
    ),
    "activity": ("local_timestamp", "timestamp"),
}


def what_fitparse_read(data: bytes) -> dict[str, Any]:
    """What the check reads of the file_id, session and activity messages, and what it asks
    of the laps and records."""
    msgs = _messages(data)
    records = msgs["record"]
    return {
        **{
            kind: [{f: m.get(f) for f in fields} for m in msgs[kind]]
            for kind, fields in READ_FIELDS.items()
        },
        "laps": len(msgs["lap"]),
        "record": {
            "n": len(records),
            "last_distance": records[-1]["distance"],
            "every_heart_rate": all(r["heart_rate"] is not None for r in records),
            "every_position": all(r["position_lat"] is not None for r in records),
        },
    }


def fitparse_key(data: bytes) -> str:
    return key_of(data, fitparse.__version__, what_fitparse_read)


# fitparse's values as JSON and back: datetimes tagged, tuples as lists (the check compares
# none of them), everything else as it is.
def to_json(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [to_json(x) for x in v]
    return v


def from_json(v: Any) -> Any:
    if isinstance(v, dict):
        if v.keys() == {"datetime"}:
            return datetime.fromisoformat(v["datetime"])
        return {k: from_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_json(x) for x in v]
    return v


def fit_sessions() -> list[tuple[Any, Any]]:
    return [(a, s) for a in msd.ATHLETES for s in msd.plan(a) if s.fmt in ("fit", "fit.gz")]


def kept() -> dict[str, Any]:
    if not TABLE.is_file():
        return {"render_key": None, "rendered": {}, "fitparse": {}}
    table: dict[str, Any] = json.loads(TABLE.read_text())
    return table


def dump(table: dict[str, Any]) -> str:
    """The table as JSON with one file a line: a re-rendered file is a one-line diff."""

    def entries(d: dict[str, Any]) -> str:
        return ",\n".join(
            f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(d.items())
        )

    return (
        f'{{\n "render_key": {json.dumps(table["render_key"])},\n'
        f' "rendered": {{\n{entries(table["rendered"])}\n }},\n'
        f' "fitparse": {{\n{entries(table["fitparse"])}\n }}\n}}\n'
    )


def main() -> None:
    rendered: dict[str, str] = {}
    for a in msd.ATHLETES:
        for name, digest in rendered_digests(a, msd.plan(a)).items():
            rendered[f"{a.slug}/{name}"] = digest
    read: dict[str, Any] = {}
    for a, s in fit_sessions():
        data = fit_bytes(SAMPLE / a.slug / s.filename)
        read[f"{a.slug}/{s.filename}"] = {
            "key": fitparse_key(data),
            "read": to_json(what_fitparse_read(data)),
        }
    TABLE.write_text(dump({"render_key": RENDER_KEY, "rendered": rendered, "fitparse": read}))
    print(f"{TABLE}: {len(rendered)} rendered, {len(read)} read by fitparse")


if __name__ == "__main__":
    main()
