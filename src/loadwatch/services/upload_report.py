"""An import's report as the upload's answer (``schemas.uploads.UploadResult``)."""

from __future__ import annotations

from loadwatch.schemas.uploads import (
    ManualEntry,
    ManualError,
    SkippedMember,
    UploadedFile,
    UploadResult,
    UploadTotals,
)
from loadwatch.services.import_report import ImportReport


def upload_result(report: ImportReport) -> UploadResult:
    """What an upload answers: every file and manual entry the import accounted for."""
    counts = report.counts()
    manual = report.manual_counts()
    return UploadResult(
        files=[
            UploadedFile(
                file=o.file,
                status=o.status,
                reason=o.reason,
                activity_ids=o.activity_ids,
                warnings=o.warnings,
            )
            for o in report.outcomes
        ],
        manual=[
            ManualEntry(
                file=m.file,
                line=r.line,
                status="imported" if r.status == "imported" else "duplicate",
                start_time=r.start,
                sport=r.sport,
                distance_m=r.distance_m,
                moving_time_s=r.moving_time_s,
                name=r.name,
                activity_id=r.activity_id,
            )
            for m in report.manual
            for r in m.report.rows
        ],
        manual_errors=[
            ManualError(file=m.file, line=e.line, message=e.message)
            for m in report.manual
            for e in m.report.errors
        ],
        skipped=[SkippedMember(file=f, reason=why) for f, why in report.skipped],
        recovered=[o.file for o in report.recovered()],
        totals=UploadTotals(
            files=len(report.outcomes),
            imported=counts["imported"],
            duplicate=counts["duplicate"],
            not_activity=counts["not_activity"],
            failed=counts["failed"],
            activities=sum(len(o.activity_ids) for o in report.outcomes),
            manual_imported=manual["imported"],
            manual_duplicate=manual["duplicate"],
            manual_failed=manual["failed"],
            skipped=len(report.skipped),
        ),
    )
