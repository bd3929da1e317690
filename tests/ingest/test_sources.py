"""Sources: files, folders, .gz, .zip (nested, Strava, Garmin) and every refusal path.

Archives are generated here in tmp_path; realistic members come from the corpus when present.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadwatch.config import Settings
from loadwatch.errors import CorruptFile, InputTooLarge, UnsafeInput
from loadwatch.ingest.containers.budget import Budget, read_capped
from loadwatch.ingest.containers.members import IRRELEVANT, OUTSIDE_LINK
from loadwatch.ingest.containers.sources import Member, SourceNotes, iter_path, iter_upload
from loadwatch.ingest.containers.strava_export import parse_strava_csv

# Enough of a FIT header for the sniffer (".FIT" at bytes 8-11); sources never decodes.
FIT = bytes([14, 0x20]) + struct.pack("<HI", 2193, 64) + b".FIT" + b"\x00\x00" + bytes(range(64))
GPX = b'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="t"><trk/></gpx>\n'
TCX = (
    b'<?xml version="1.0"?>\n'
    b'<TrainingCenterDatabase xmlns="x"><Activities/></TrainingCenterDatabase>'
)


def settings(tmp_path: Path, **limits: int | float) -> Settings:
    return Settings(data_dir=tmp_path / "data", **limits)  # type: ignore[arg-type]


def make_zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, (2026, 11, 1, 8, 0, 0)), data, compression)
    return buf.getvalue()


def ok(members: list[Member]) -> dict[str, bytes]:
    assert all(m.error is None for m in members), [(m.name, m.error) for m in members]
    return {m.name: m.data for m in members if m.data is not None}


def summary(members: list[Member]) -> list[tuple[str, str | None]]:
    return [(m.name, None if m.error is None else type(m.error).__name__) for m in members]


def patch_zip(
    data: bytes, member: str, *, flag: int | None = None, size: int | None = None
) -> bytes:
    """Rewrite one member's flag bits / declared uncompressed size in both zip headers."""
    out = bytearray(data)
    encoded = member.encode()
    # local header: sig(4) ver(2) flag(2) meth(2) time(2) date(2) crc(4) csize(4) usize(4) ...
    local = out.index(b"PK\x03\x04" + bytes(out[4:6]))
    while out[local + 30 : local + 30 + len(encoded)] != encoded:
        local = out.index(b"PK\x03\x04", local + 4)
    central = out.index(b"PK\x01\x02")
    while out[central + 46 : central + 46 + len(encoded)] != encoded:
        central = out.index(b"PK\x01\x02", central + 4)
    if flag is not None:
        struct.pack_into("<H", out, local + 6, flag)
        struct.pack_into("<H", out, central + 8, flag)
    if size is not None:
        struct.pack_into("<I", out, local + 22, size)
        struct.pack_into("<I", out, central + 24, size)
    return bytes(out)


# --- plain files and folders ---------------------------------------------------------------


def test_single_file_named_directly_is_always_yielded(tmp_path: Path) -> None:
    (tmp_path / "run.fit").write_bytes(FIT)
    (tmp_path / "notes.txt").write_bytes(b"not an activity")
    s = settings(tmp_path)
    assert ok(list(iter_path(tmp_path / "run.fit", s))) == {"run.fit": FIT}
    # Unknown format named directly: yielded so the decoder can say UnsupportedFormat.
    assert ok(list(iter_path(tmp_path / "notes.txt", s))) == {"notes.txt": b"not an activity"}


def test_folder_recursive_sorted_skips_hidden_irrelevant_and_escaping_links(
    tmp_path: Path,
) -> None:
    root = tmp_path / "watch"
    (root / "2026" / "11").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "b.fit").write_bytes(FIT)
    (root / "a.GPX").write_bytes(GPX)
    (root / "2026" / "11" / "c.tcx.gz").write_bytes(gzip.compress(TCX, mtime=0))
    (root / "2026" / "track.xml").write_bytes(GPX)  # unknown suffix, sniffed as GPX
    (root / "2026" / "summary.json").write_bytes(b'{"laps": []}')  # skipped silently
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (root / ".hidden.fit").write_bytes(FIT)
    (root / ".git" / "x.fit").write_bytes(FIT)
    outside = tmp_path / "outside.fit"
    outside.write_bytes(FIT)
    (root / "escape.fit").symlink_to(outside)
    (root / "inner-link.fit").symlink_to(root / "b.fit")

    notes = SourceNotes()
    members = list(iter_path(root, settings(tmp_path), notes))

    assert [m.name for m in members] == [
        "watch/2026/11/c.tcx.gz",
        "watch/2026/track.xml",
        "watch/a.GPX",
        "watch/b.fit",
        "watch/inner-link.fit",
    ]
    data = ok(members)
    assert data["watch/2026/11/c.tcx.gz"] == TCX
    assert data["watch/2026/track.xml"] == GPX
    assert data["watch/inner-link.fit"] == FIT
    # The escaping link is not followed, but said: a folder of such links is not "empty".
    assert notes.skipped == [
        ("watch/escape.fit", OUTSIDE_LINK),  # said while the folder is listed
        ("watch/2026/summary.json", IRRELEVANT),
        ("watch/photo.jpg", IRRELEVANT),
    ]


def test_oversize_plain_file_and_upload(tmp_path: Path) -> None:
    (tmp_path / "big.fit").write_bytes(FIT + bytes(2000))
    s = settings(tmp_path, max_file_bytes=1000, max_upload_bytes=1500)
    [m] = list(iter_path(tmp_path / "big.fit", s))
    assert m.name == "big.fit" and m.data is None
    assert isinstance(m.error, InputTooLarge)
    assert str(m.error) == "file is 2078 bytes, over 1000 bytes (limit max_file_bytes)"
    [u] = list(iter_upload(FIT + bytes(2000), "uploads/big.fit", s))
    assert u.name == "big.fit" and isinstance(u.error, InputTooLarge)
    assert "limit max_upload_bytes" in str(u.error)


# --- gzip ----------------------------------------------------------------------------------


def test_gz_upload_is_gunzipped_and_keeps_its_name(tmp_path: Path) -> None:
    assert ok(list(iter_upload(gzip.compress(GPX), "a.gpx.gz", settings(tmp_path)))) == {
        "a.gpx.gz": GPX
    }


def test_gzip_bomb_stops_at_max_file_bytes(tmp_path: Path) -> None:
    bomb = gzip.compress(bytes(40 << 20), compresslevel=9)  # 40 MiB of zeros in ~40 KiB
    assert len(bomb) < 100_000
    s = settings(tmp_path, max_file_bytes=1 << 20)
    [m] = list(iter_upload(bomb, "bomb.fit.gz", s))
    assert m.name == "bomb.fit.gz" and m.data is None
    assert isinstance(m.error, InputTooLarge)
    assert str(m.error) == "expands past 1.0 MiB (limit max_file_bytes)"


def test_truncated_gzip_is_corrupt(tmp_path: Path) -> None:
    data = gzip.compress(FIT * 50)[:-20]
    [m] = list(iter_upload(data, "run.fit.gz", settings(tmp_path)))
    assert isinstance(m.error, CorruptFile)
    assert str(m.error).startswith("not a readable gzip file:")


def test_capped_reader_never_reads_far_past_the_cap() -> None:
    class Endless:
        def __init__(self) -> None:
            self.served = 0

        def read(self, size: int = -1, /) -> bytes:
            self.served += size
            return bytes(size)

    stream = Endless()
    budget = Budget(1 << 40)
    with pytest.raises(InputTooLarge):
        read_capped(stream, 3 << 20, budget)
    assert stream.served == 4 << 20  # one chunk past the cap, then stop


# --- zip -----------------------------------------------------------------------------------


def test_zip_and_nested_zips_up_to_the_depth_limit(tmp_path: Path) -> None:
    level3 = make_zip({"deep.fit": FIT, "level4.zip": make_zip({"too-deep.fit": FIT})})
    level2 = make_zip({"mid.gpx": GPX, "level3.zip": level3})
    top = make_zip({"a/top.tcx": TCX, "level2.zip": level2, "readme.txt": b"hello"})
    (tmp_path / "top.zip").write_bytes(top)

    members = list(iter_path(tmp_path / "top.zip", settings(tmp_path)))

    assert summary(members) == [
        ("top.zip/a/top.tcx", None),
        ("top.zip/level2.zip/level3.zip/deep.fit", None),
        ("top.zip/level2.zip/level3.zip/level4.zip", "UnsafeInput"),
        ("top.zip/level2.zip/mid.gpx", None),
    ]
    assert str(members[2].error) == "archives nested more than 3 deep (limit max_archive_depth)"
    assert members[1].data == FIT and members[3].data == GPX and members[0].data == TCX
    # The same bytes as an upload give the same members.
    assert summary(list(iter_upload(top, "top.zip", settings(tmp_path)))) == summary(members)


def test_zip_slip_is_refused_and_the_rest_still_come(tmp_path: Path) -> None:
    data = make_zip({"../x.fit": FIT, "/etc/abs.fit": FIT, "C:/win.fit": FIT, "ok.fit": FIT})
    members = list(iter_upload(data, "evil.zip", settings(tmp_path)))
    assert summary(members) == [
        ("evil.zip/../x.fit", "UnsafeInput"),
        ("evil.zip//etc/abs.fit", "UnsafeInput"),
        ("evil.zip/C:/win.fit", "UnsafeInput"),
        ("evil.zip/ok.fit", None),
    ]
    assert isinstance(members[0].error, UnsafeInput)
    assert str(members[0].error) == "unsafe path in archive: ../x.fit"
    assert str(members[1].error) == "unsafe path in archive: /etc/abs.fit"
    assert members[3].data == FIT


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    data = make_zip({"bomb.fit": bytes(8 << 20), "real.fit": FIT})
    members = list(iter_upload(data, "b.zip", settings(tmp_path)))
    assert summary(members) == [("b.zip/bomb.fit", "InputTooLarge"), ("b.zip/real.fit", None)]
    assert "limit max_compression_ratio" in str(members[0].error)


def test_zip_declared_total_and_member_count(tmp_path: Path) -> None:
    data = make_zip({"a.fit": FIT * 10, "b.fit": FIT * 10, "c.fit": FIT})
    [m] = list(iter_upload(data, "t.zip", settings(tmp_path, max_archive_total_bytes=1000)))
    assert m.name == "t.zip" and isinstance(m.error, InputTooLarge)
    assert len(FIT) == 78  # 21 copies declared in all
    assert str(m.error) == (
        "archive declares 1638 bytes unpacked, over 1000 bytes (limit max_archive_total_bytes)"
    )
    [m] = list(iter_upload(data, "t.zip", settings(tmp_path, max_archive_members=2)))
    assert str(m.error) == "archive has 3 members, over 2 (limit max_archive_members)"


def test_zip_member_larger_than_cap_is_stopped_while_reading(tmp_path: Path) -> None:
    big = os.urandom(300_000)  # incompressible: the ratio check cannot catch it
    data = make_zip({"big.fit": FIT + big, "small.fit": FIT})
    members = list(iter_upload(data, "z.zip", settings(tmp_path, max_file_bytes=100_000)))
    assert summary(members) == [("z.zip/big.fit", "InputTooLarge"), ("z.zip/small.fit", None)]
    assert str(members[0].error) == "expands past 100000 bytes (limit max_file_bytes)"


def test_zip_member_whose_declared_size_lies(tmp_path: Path) -> None:
    # 8 MiB of zeros declared as 1,000 bytes: the declared ratio looks harmless.
    data = patch_zip(make_zip({"liar.fit": bytes(8 << 20), "ok.gpx": GPX}), "liar.fit", size=1000)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("liar.fit")
    assert info.file_size == 1000 and info.compress_size < 10_000
    members = list(iter_upload(data, "lie.zip", settings(tmp_path)))
    assert summary(members) == [("lie.zip/liar.fit", "CorruptFile"), ("lie.zip/ok.gpx", None)]
    assert members[0].data is None  # never the 8 MiB behind the lie


def test_whole_archive_budget_counts_bytes_actually_read(tmp_path: Path) -> None:
    # Each member is under every per-member limit; together they pass the total actually read.
    inner = [make_zip({f"{i}.fit": os.urandom(60_000)}) for i in range(3)]
    data = make_zip({f"part{i}.zip": z for i, z in enumerate(inner)}, zipfile.ZIP_STORED)
    s = settings(tmp_path, max_archive_total_bytes=300_000)
    members = list(iter_upload(data, "parts.zip", s))
    assert summary(members)[-1] == ("parts.zip", "InputTooLarge")
    assert "limit max_archive_total_bytes" in str(members[-1].error)


def test_corrupt_and_encrypted_zips(tmp_path: Path) -> None:
    s = settings(tmp_path)
    [m] = list(iter_upload(b"PK\x03\x04" + bytes(200), "bad.zip", s))
    assert m.name == "bad.zip" and isinstance(m.error, CorruptFile)
    assert str(m.error).startswith("not a readable zip archive:")

    good = make_zip({"a.fit": FIT * 40, "b.fit": FIT})
    broken = bytearray(good)
    start = 30 + len("a.fit") + 10  # inside a.fit's deflated data
    broken[start : start + 20] = bytes(20)
    members = list(iter_upload(bytes(broken), "c.zip", s))
    assert summary(members) == [("c.zip/a.fit", "CorruptFile"), ("c.zip/b.fit", None)]

    locked = patch_zip(good, "a.fit", flag=0x1)
    members = list(iter_upload(locked, "locked.zip", s))
    assert summary(members) == [("locked.zip/a.fit", "CorruptFile"), ("locked.zip/b.fit", None)]
    assert str(members[0].error) == "encrypted archive member (password protected)"


# --- exports -------------------------------------------------------------------------------

STRAVA_CSV = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
    "Elapsed Time,Distance,Filename,Elapsed Time,Distance\n"
    '456,"Nov 1, 2026, 7:00:00 AM",Morning Run,Run,,3600,10.0,activities/456.fit.gz,3600,10000\n'
    '457,"Nov 2, 2026, 7:00:00 AM","Hills, again",Run,,1800,5.0,activities/457.gpx,1800,5000\n'
    '458,"Nov 3, 2026, 7:00:00 AM",Gym,Weight Training,,3600,0,,3600,0\n'
    '459,"Nov 4, 2026, 7:00:00 AM",Ride,Ride,,3600,30,activities/459.tcx.gz,3600,30000\n'
)


def test_strava_export_zip_attaches_meta(tmp_path: Path) -> None:
    data = make_zip(
        {
            "activities.csv": STRAVA_CSV.encode(),
            "activities/456.fit.gz": gzip.compress(FIT),
            "activities/457.gpx": GPX,
            "activities/459.tcx.gz": gzip.compress(TCX),
            "media/1.jpg": b"\xff\xd8\xff\xe0" + bytes(50),
            "profile.json": b'{"name": "x"}',
            "bikes.csv": b"Bike Name\n",
        }
    )
    (tmp_path / "export_123.zip").write_bytes(data)
    members = list(iter_path(tmp_path / "export_123.zip", settings(tmp_path)))
    assert [(m.name, dict(m.meta)) for m in members] == [
        (
            "export_123.zip/activities/456.fit.gz",
            {"title": "Morning Run", "strava_type": "Run", "strava_id": "456"},
        ),
        (
            "export_123.zip/activities/457.gpx",
            {"title": "Hills, again", "strava_type": "Run", "strava_id": "457"},
        ),
        (
            "export_123.zip/activities/459.tcx.gz",
            {"title": "Ride", "strava_type": "Ride", "strava_id": "459"},
        ),
    ]
    assert [m.data for m in members] == [FIT, GPX, TCX]


def test_strava_extracted_folder_in_german(tmp_path: Path) -> None:
    root = tmp_path / "export_9"
    (root / "activities").mkdir(parents=True)
    (root / "activities.csv").write_text(
        "Aktivitäts-ID,Aktivitätsdatum,Aktivitätsname,Aktivitätsart,Dateiname\n"
        "77,01.11.2026,Morgenlauf,Lauf,activities/77.fit\n",
        encoding="utf-8-sig",
    )
    (root / "activities" / "77.fit").write_bytes(FIT)
    [m] = list(iter_path(root, settings(tmp_path)))
    assert m.name == "export_9/activities/77.fit" and m.data == FIT
    assert dict(m.meta) == {"title": "Morgenlauf", "strava_type": "Lauf", "strava_id": "77"}


def test_strava_csv_file_column_found_by_its_values() -> None:
    text = "Kennung,Titel,Datei\n5,Lauf,activities/5.gpx\n6,Rad,\n"
    assert parse_strava_csv(text) == {"activities/5.gpx": {}}
    with pytest.raises(CorruptFile):
        parse_strava_csv("a,b\n1,2\n")


def test_garmin_export_zip_of_zips(tmp_path: Path) -> None:
    uploaded = make_zip({"1001.fit": FIT, "1002.fit": FIT[:-1] + b"\x01", "note.json": b'{"a": 1}'})
    data = make_zip(
        {
            "DI_CONNECT/DI-Connect-Fitness/me_summarizedActivities.json": b"[{}]",
            "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip": uploaded,
            "DI_CONNECT/DI-Connect-User/user_profile.json": b"{}",
        }
    )
    members = list(iter_upload(data, "garmin.zip", settings(tmp_path)))
    prefix = "garmin.zip/DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip"
    assert ok(members) == {f"{prefix}/1001.fit": FIT, f"{prefix}/1002.fit": FIT[:-1] + b"\x01"}


def test_strava_export_with_real_corpus_files(tmp_path: Path, corpus: Path) -> None:
    fit_gz = (corpus / "fit" / "gc_14582164182.fit.gz").read_bytes()
    gpx = (corpus / "gpx" / "fittrackee_test.gpx").read_bytes()
    csv_text = (
        "Activity ID,Activity Date,Activity Name,Activity Type,Filename\n"
        "1,x,Long run,Run,activities/1.fit.gz\n2,x,Loop,Run,activities/2.gpx\n"
    )
    data = make_zip(
        {
            "activities.csv": csv_text.encode(),
            "activities/1.fit.gz": fit_gz,
            "activities/2.gpx": gpx,
        }
    )
    members = list(iter_upload(data, "export.zip", settings(tmp_path)))
    assert ok(members) == {
        "export.zip/activities/1.fit.gz": gzip.decompress(fit_gz),
        "export.zip/activities/2.gpx": gpx,
    }
    assert members[0].data is not None and members[0].data[8:12] == b".FIT"
    assert members[0].meta["title"] == "Long run"


def _count(members: Iterator[Member]) -> int:
    return sum(1 for _ in members)


def test_a_zip_of_irrelevant_files_yields_nothing(tmp_path: Path) -> None:
    data = make_zip({"a.json": b"{}", "b.txt": b"x", ".DS_Store": FIT, "__MACOSX/._a.fit": FIT})
    assert _count(iter_upload(data, "junk.zip", settings(tmp_path))) == 0


def test_strava_folder_with_a_broken_csv_still_yields_its_files(tmp_path: Path) -> None:
    root = tmp_path / "export_5"
    (root / "activities").mkdir(parents=True)
    (root / "activities.csv").write_text("a,b\n1,2\n")
    (root / "activities" / "5.gpx").write_bytes(GPX)
    members = list(iter_path(root, settings(tmp_path)))
    assert summary(members) == [
        ("export_5/activities.csv", "CorruptFile"),
        ("export_5/activities/5.gpx", None),
    ]
    assert str(members[0].error) == "activities.csv has no Filename column"


def test_the_whole_corpus_folder_yields_exactly_its_manifest(tmp_path: Path, corpus: Path) -> None:
    import csv

    with (corpus / "MANIFEST.csv").open(newline="") as f:
        manifest = {row["file"] for row in csv.DictReader(f)}
    members = list(iter_path(corpus, settings(tmp_path)))
    assert [m.error for m in members if m.error is not None] == []
    prefix = f"{corpus.name}/"
    assert {m.name.removeprefix(prefix) for m in members} == manifest
    assert len(members) == len(manifest) == 198
    gz = next(m for m in members if m.name.endswith("gc_14582164182.fit.gz"))
    assert gz.data == gzip.decompress((corpus / "fit" / "gc_14582164182.fit.gz").read_bytes())


def test_strava_folder_row_naming_a_file_not_there_is_a_failed_member(tmp_path: Path) -> None:
    """trial9 F24 for an extracted export: the row is a member failed with its line."""
    root = tmp_path / "export_9"
    (root / "activities").mkdir(parents=True)
    (root / "activities.csv").write_text(
        "Activity ID,Filename\n5,activities/5.gpx\n6,activities/6.fit.gz\n"
    )
    (root / "activities" / "5.gpx").write_bytes(GPX)
    members = list(iter_path(root, settings(tmp_path)))
    assert summary(members) == [
        ("export_9/activities.csv line 3", "MissingFile"),
        ("export_9/activities/5.gpx", None),
    ]
    assert str(members[0].error) == (
        "names activities/6.fit.gz, which is not in the folder: not imported"
    )


def test_a_shifted_row_names_no_missing_file(tmp_path: Path) -> None:
    """An unquoted date ("Jan 01, 2019, 06:00:00 AM") shifts a row's cells, so its Filename
    cell holds the title ("Run 0"): that is no file the export lacks.  Every file of the
    2,000-activity benchmark archive was reported missing so."""
    root = tmp_path / "export_9"
    (root / "activities").mkdir(parents=True)
    (root / "activities.csv").write_text(
        "Activity ID,Activity Date,Activity Name,Activity Type,Filename\n"
        "5,Jan 01, 2019, 06:00:00 AM,Run 0,Run,activities/5.gpx\n"
    )
    (root / "activities" / "5.gpx").write_bytes(GPX)
    assert summary(list(iter_path(root, settings(tmp_path)))) == [
        ("export_9/activities/5.gpx", None)
    ]
