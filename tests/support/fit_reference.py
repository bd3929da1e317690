"""Plain fitparse's record columns for a FIT file: the reference of ``test_fit_reference``.

Plain fitparse takes about 50 CPU-s over the corpus (10 s for one multisport file) and its
answer changes only with the file's bytes, fitparse's version and this module, which together
are the key (``support.cached.key_of``). ``fit_reference.json`` beside the tests keeps, per
corpus file, that key and a digest of each column fitparse gave, so a fresh clone compares
against digests instead of re-running fitparse on every file. An entry whose key no longer
matches (a changed file, fitparse upgraded, this module edited) is not read: the test runs
fitparse again, and ``python -m support.fit_reference`` (from ``tests/``) rewrites the table.
``test_the_kept_digests_are_plain_fitparses`` runs fitparse on the smaller files every time
and checks the table against it."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import warnings
from pathlib import Path
from typing import Any

import fitparse
import fitparse.records

from support.cached import key_of
from support.paths import CORPUS, corpus_manifest

COLUMNS = ("ts", "lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")
TABLE = Path(__file__).resolve().parents[1] / "ingest" / "fit_reference.json"

Columns = dict[str, list[Any]]


def fit_files() -> list[str]:
    return sorted(
        r["file"]
        for r in corpus_manifest()
        if r["format"] == "fit" or r["file"].lower().endswith((".fit", ".fit.gz"))
    )


def file_bytes(corpus: Path, rel: str) -> bytes:
    data = (corpus / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


def reference(data: bytes) -> tuple[Columns, str | None]:
    """Plain fitparse's record columns, and why it stopped early (None: it read everything)."""
    # fitparse keeps developer definitions in a module global: start each file clean, as a
    # fresh process would.
    fitparse.records.DEV_TYPES.clear()
    cols: Columns = {c: [] for c in COLUMNS}
    stopped = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for msg in fitparse.FitFile(io.BytesIO(data), check_crc=False).get_messages("record"):
                v = {
                    f.name: (f.raw_value if f.name == "timestamp" else f.value)
                    for f in msg.fields
                    if f.value is not None
                }
                cols["ts"].append(v.get("timestamp"))
                cols["lat"].append(v.get("position_lat"))
                cols["lon"].append(v.get("position_long"))
                cols["distance"].append(v.get("distance"))
                cols["altitude"].append(v.get("enhanced_altitude", v.get("altitude")))
                cols["speed"].append(v.get("enhanced_speed", v.get("speed")))
                cols["heart_rate"].append(v.get("heart_rate"))
                cols["cadence"].append(v.get("cadence"))
    except Exception as e:  # the reference's own failure: compare what it read before it
        stopped = f"{type(e).__name__}: {e}"
    return cols, stopped


def key(data: bytes) -> str:
    return key_of(data, fitparse.__version__, reference)


def column_digest(values: list[Any]) -> str:
    """A digest equal for two columns exactly when they compare equal (``==``) as lists: every
    value as a float (an int and a float of the same value are equal; all are below 2**53),
    in repr's shortest round-trip form, the same on every platform."""
    return hashlib.sha256(repr([_canonical(v) for v in values]).encode()).hexdigest()


def _canonical(v: Any) -> Any:
    if v is None or isinstance(v, str | bytes | bool):
        return v
    if isinstance(v, tuple | list):  # fields with several values; a tuple never equals a list
        return (type(v).__name__, [_canonical(x) for x in v])
    return float(v)


def entry(data: bytes, cols: Columns, stopped: str | None) -> dict[str, Any]:
    return {
        "key": key(data),
        "records": len(cols["ts"]),
        "stopped": stopped,
        "columns": {c: column_digest(v) for c, v in cols.items()},
    }


def kept() -> dict[str, dict[str, Any]]:
    if not TABLE.is_file():
        return {}
    table: dict[str, dict[str, Any]] = json.loads(TABLE.read_text())
    return table


def main() -> None:
    table = {}
    for rel in fit_files():
        data = file_bytes(CORPUS, rel)
        table[rel] = entry(data, *reference(data))
    TABLE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"{TABLE}: {len(table)} files")


if __name__ == "__main__":
    main()
