"""The one writer: every prepared member in input order, a batch per transaction; a conflict
writes the batch again file by file, as a serial import would have."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import date

from loadwatch.errors import Conflict
from loadwatch.services.decode_ahead import Lookahead
from loadwatch.services.decode_worker import PackedFile
from loadwatch.services.import_batch import Batch, Written
from loadwatch.services.import_prepare import ImportAthlete, Prepared, name_key, prepare_member
from loadwatch.services.import_report import FileOutcome, ImportReport
from loadwatch.services.upload_budget import UploadBudget
from loadwatch.store.db import Store

# The logger keeps the name it had when the writer lived in ``importing``: log lines read as before.
log = logging.getLogger("loadwatch.services.importing")


def write_batch(
    store: Store, athlete_id: int, batch: Sequence[Prepared]
) -> list[tuple[FileOutcome, date | None]]:
    """The batch's rows in one transaction; each outcome and the earliest day it touched.  A
    conflict (another process stored the same file or activity meanwhile) rolls the batch
    back: it is written again one file per transaction, as a serial import would have."""
    decoded = [p.decoded for p in batch if p.decoded is not None]
    keys = [p.row.key for p in batch if p.row is not None] + [d.sha for d in decoded]
    starts = [a.summary.start_time for d in decoded for a in d.packed.activities]
    try:
        with store.transaction() as session:
            writer = Batch(store, session, athlete_id, keys, starts)
            written: list[Written | None] = []
            for p in batch:
                if p.row is not None:
                    writer.add_file_row(p.row)
                written.append(writer.add_decoded(p.decoded) if p.decoded is not None else None)
            writer.finish()
    except Conflict:
        if len(batch) > 1:
            return [out for p in batch for out in write_batch(store, athlete_id, [p])]
        # Another process stored the same file (or activity) between our check and commit.
        name = batch[0].outcome.file
        size = batch[0].outcome.size
        why = "imported concurrently by another import"
        return [(FileOutcome(name, "duplicate", why, size=size), None)]
    out: list[tuple[FileOutcome, date | None]] = []
    for p, w in zip(batch, written, strict=True):
        if w is None:
            out.append((p.outcome, None))
            continue
        o = p.outcome
        done = FileOutcome(o.file, w.status, w.reason, w.ids, w.warnings, o.sha256, o.size)
        out.append((done, w.earliest))
    return out


class ImportWriter:
    """The one writer: every member in input order, ``size`` per transaction."""

    def __init__(
        self,
        store: Store,
        report: ImportReport,
        athlete_id: int,
        budget: UploadBudget | None,
        progress: Callable[[FileOutcome], None] | None,
        size: int,
    ) -> None:
        self.store, self.report, self.athlete_id = store, report, athlete_id
        self.budget, self.progress, self.size = budget, progress, size
        self.batch: list[Prepared] = []
        self.keys: set[str] = set()

    def run(
        self,
        ahead: Lookahead[ImportAthlete],
        on_decoded: Callable[[str, PackedFile], ImportAthlete],
        want_zone: Callable[[], bool],
    ) -> None:
        budget = self.budget
        measure = budget.measure if budget is not None else contextlib.nullcontext
        try:
            while True:
                read = ahead.next()
                # Expanding an archive is lazy: reading the member is work the budget pays
                # for, now that its turn has come (it may have been read ahead).
                if budget is not None:
                    budget.cpu_used += read.cpu_s
                member = read.member
                if member is None:
                    break
                keys = {read.sha or name_key(member), name_key(member)}
                with measure():
                    if keys & self.keys:
                        # The same bytes (or name) again: decided once the first is stored, as
                        # a serial import would.
                        self.write()
                    if budget is not None and budget.cpu_spent:
                        reason = budget.cpu_reason()
                        prepared = Prepared(FileOutcome(member.name, "failed", reason))
                    else:
                        athlete = ahead.athlete()
                        prepared = prepare_member(
                            self.store, athlete, read, on_decoded, budget, want_zone()
                        )
                    prepared.outcome.size = len(member.data or b"")
                    self.batch.append(prepared)
                    self.keys |= keys
                    if len(self.batch) >= self.size:
                        self.write()
                if budget is not None and prepared.outcome.reason == budget.cpu_reason():
                    break  # the rest of this input is not even read
        except BaseException:
            # Whatever stopped the import (the store failing on this member, a bug, Ctrl-C),
            # the members already prepared are stored, as one transaction per file would have
            # left them.  When the write itself failed, its batch is gone and this is a no-op.
            self.write()
            raise
        with measure():
            self.write()

    def write(self) -> None:
        if not self.batch:
            return
        batch, self.batch, self.keys = self.batch, [], set()
        report = self.report
        for outcome, day in write_batch(self.store, self.athlete_id, batch):
            if outcome.status == "failed":
                log.info("import failed: %s: %s", outcome.file, outcome.reason)
            report.outcomes.append(outcome)
            if day is not None:
                prev = report.touched.get(self.athlete_id)
                report.touched[self.athlete_id] = day if prev is None else min(prev, day)
            if self.progress is not None:
                self.progress(outcome)
