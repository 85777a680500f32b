"""Files -> clean text -> chunks (with offsets and hashes) -> index. No answering here."""

from ingest.pipeline import ingest_paths
from ingest.report import IngestReport, Progress

__all__ = ["IngestReport", "Progress", "ingest_paths"]
