"""The history store of exports: ``store`` keeps the posts in SQLite (schema, transactions,
queries), ``ingest`` reads export files into it (folders, hashing, loading, outcomes)."""

from posttime.enums import FileStatus
from posttime.history.ingest import (
    FileOutcome,
    IngestReport,
    expand_sources,
    ingest_file,
    ingest_sources,
)
from posttime.history.store import (
    DB_NAME,
    HistoryStore,
    HistorySummary,
    StoreBusyError,
    StoredFile,
    default_path,
    store_path,
)

__all__ = [
    "DB_NAME", "FileOutcome", "FileStatus", "HistoryStore", "HistorySummary", "IngestReport",
    "StoreBusyError", "StoredFile", "default_path", "expand_sources", "ingest_file",
    "ingest_sources", "store_path",
]
