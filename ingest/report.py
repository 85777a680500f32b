"""What an ingest did, as typed results."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestReport:
    """Counts are of files; ``chunks_*`` count chunks written to or removed from the store."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) for every file that could not be ingested; the rest went in."""
    chunks_added: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0
    flagged: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    """(source, reasons) for every document written in this run that reads as addressed to an
    assistant: it is quarantined (not used as evidence) until released."""

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "deleted": self.deleted,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "chunks_added": self.chunks_added,
            "chunks_deleted": self.chunks_deleted,
            "seconds": round(self.seconds, 3),
            "flagged": [{"source": s, "reasons": list(r)} for s, r in self.flagged],
        }


@dataclass(frozen=True)
class Progress:
    """Sent to a progress callback after each file is read and after each batch is stored."""

    files_done: int
    files_total: int
    chunks_written: int
    current: str = ""
