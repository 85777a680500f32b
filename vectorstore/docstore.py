"""The record of every ingested document: its cleaned text, title, date and fingerprint.

Kept in SQLite beside the Chroma store so that citations can quote a document by character
offset, and so an unchanged file is recognised without reading or embedding it again.

A document row goes ``pending`` before its chunks are written and ``done`` after, so a crash
leaves a marker that the next ingest repairs. The chunks' keyword entries (FTS5, see
:mod:`vectorstore.keywords`) live in the same file and are written in the same transaction as
the ``done`` row, and deleted in the same transaction as the row.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

from core.types import StoredDocument
from vectorstore import keywords
from vectorstore.keywords import KeywordChunk, KeywordStore, SqliteKeywords

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    source      TEXT PRIMARY KEY,
    status      TEXT NOT NULL,          -- 'pending' while its chunks are being written, then 'done'
    fingerprint TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    published   TEXT,
    text        TEXT NOT NULL DEFAULT '',
    pages       TEXT NOT NULL DEFAULT '[]',
    n_chunks    INTEGER NOT NULL DEFAULT 0,
    updated_at  REAL NOT NULL DEFAULT (julianday('now')),
    url         TEXT,
    outlet      TEXT,
    risk        TEXT NOT NULL DEFAULT '[]',  -- JSON list of reasons; '[]' when not flagged
    released    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', '0');
INSERT OR IGNORE INTO meta VALUES ('releases', '0');
"""


_ADDED_COLUMNS = {
    "url": "TEXT",
    "outlet": "TEXT",
    "risk": "TEXT NOT NULL DEFAULT '[]'",
    "released": "INTEGER NOT NULL DEFAULT 0",
}

_COLUMNS = (
    "source, title, text, fingerprint, published, pages, n_chunks, url, outlet, risk, released"
)


def row_to_document(row: Sequence[Any]) -> StoredDocument:
    """A document from a row of the ``documents`` columns, in the order of ``_COLUMNS`` (the
    PostgreSQL store selects the same columns)."""
    return StoredDocument(
        source=row[0],
        title=row[1],
        text=row[2],
        fingerprint=row[3],
        published=row[4],
        pages=[tuple(p) for p in json.loads(row[5])],
        n_chunks=row[6],
        url=row[7],
        outlet=row[8],
        risk=tuple(json.loads(row[9] or "[]")),
        released=bool(row[10]),
    )


class DocStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection per thread: a question answered while an ingest writes reads the last
        # committed state (WAL), never the writer's open transaction.
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._conn.executescript(_SCHEMA)
        new_keywords = not self._has_table("keyword_text")
        new_counts = not self._has_table("keyword_terms")
        self._conn.executescript(keywords.SCHEMA)
        if new_counts and not new_keywords:
            with self._tx() as db:  # entries written before their terms were counted
                keywords.recount_terms(db)
        if new_keywords and self._conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone():
            # A data dir from before keyword search moved here: its chunks need entries.
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('keywords_missing', '1')")
        self._migrate()
        self.keywords = SqliteKeywords(path)
        self._quarantined: tuple[tuple[int, int], list[str]] | None = None
        self._pending: tuple[int, list[str]] | None = None

    @property
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=60, check_same_thread=False, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    def _migrate(self) -> None:
        """Add the columns a data dir made by an older version lacks."""
        have = {row[1] for row in self._conn.execute("PRAGMA table_info(documents)")}
        for column, ddl in _ADDED_COLUMNS.items():
            if column not in have:
                self._conn.execute(f"ALTER TABLE documents ADD COLUMN {column} {ddl}")

    def _has_table(self, name: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        return row is not None

    def keywords_missing(self) -> bool:
        """True for a data dir made before keyword entries were kept here (see Index)."""
        row = self._conn.execute("SELECT 1 FROM meta WHERE key = 'keywords_missing'").fetchone()
        return row is not None

    def fill_keywords(self, chunks: Iterator[tuple[str, KeywordChunk]]) -> int:
        """Write the keyword entries of every ``(source, chunk)`` in one transaction, once."""
        by_source: dict[str, list[KeywordChunk]] = {}
        for source, chunk in chunks:
            by_source.setdefault(source, []).append(chunk)
        with self._tx() as db:
            for source, group in by_source.items():
                keywords.write_source(db, source, group)
            db.execute("DELETE FROM meta WHERE key = 'keywords_missing'")
        return sum(len(g) for g in by_source.values())

    @contextmanager
    def _tx(
        self, counter: Literal["generation", "releases"] = "generation"
    ) -> Iterator[sqlite3.Connection]:
        """One write transaction that also bumps ``counter``: the ``generation`` when indexed
        contents change, ``releases`` when only flags or releases do (readers key their
        quarantine list on both)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
            self._conn.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ?", (counter,)
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def mark_pending(self, sources: dict[str, str]) -> None:
        """Record that these sources (with their new fingerprints) are about to be written."""
        with self._tx() as db:
            db.executemany(
                "INSERT INTO documents (source, status, fingerprint) VALUES (?, 'pending', ?) "
                "ON CONFLICT(source) DO UPDATE "
                "SET status='pending', fingerprint=excluded.fingerprint",
                list(sources.items()),
            )

    def mark_done(
        self,
        docs: list[StoredDocument],
        chunks: dict[str, list[KeywordChunk]] | None = None,
    ) -> None:
        """Mark ``docs`` done and, in the same transaction, make ``chunks[source]`` each
        source's keyword entries (sources missing from ``chunks`` keep theirs)."""
        with self._tx() as db:
            for source, group in (chunks or {}).items():
                keywords.write_source(db, source, group)
            # A release survives a re-ingest that finds the same risk reasons; new reasons
            # (the text changed) need a new release.
            db.executemany(
                "INSERT INTO documents (source, status, fingerprint, title, published, "
                "text, pages, n_chunks, url, outlet, risk, released) "
                "VALUES (?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(source) DO UPDATE SET status='done', "
                "fingerprint=excluded.fingerprint, title=excluded.title, "
                "published=excluded.published, text=excluded.text, pages=excluded.pages, "
                "n_chunks=excluded.n_chunks, url=excluded.url, outlet=excluded.outlet, "
                "released=CASE WHEN documents.risk = excluded.risk AND excluded.risk != '[]' "
                "THEN documents.released ELSE excluded.released END, risk=excluded.risk",
                [
                    (
                        d.source,
                        d.fingerprint,
                        d.title,
                        d.published,
                        d.text,
                        json.dumps(d.pages),
                        d.n_chunks,
                        d.url,
                        d.outlet,
                        json.dumps(list(d.risk)),
                        int(d.released),
                    )
                    for d in docs
                ],
            )

    def set_released(self, source: str, released: bool) -> bool:
        """Allow (or stop allowing) a flagged document as evidence; False if it is unknown."""
        # Not the generation: the indexed contents did not change.
        with self._tx("releases") as db:
            cur = db.execute(
                "UPDATE documents SET released = ? WHERE source = ? AND status = 'done'",
                (int(released), source),
            )
        return cur.rowcount > 0

    def quarantined(self) -> list[str]:
        """Sources of flagged documents not released, sorted; cached until a write or release."""
        key = (self.generation(), self._releases())
        cached = self._quarantined
        if cached is not None and cached[0] == key:
            return cached[1]
        rows = self._conn.execute(
            "SELECT source FROM documents WHERE status = 'done' AND risk != '[]' "
            "AND released = 0 ORDER BY source"
        )
        sources = [row[0] for row in rows]
        self._quarantined = (key, sources)
        return sources

    def meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def reassess(
        self, reasons_of: Callable[[str], tuple[str, ...]], rules: str
    ) -> list[tuple[str, tuple[str, ...]]]:
        """Re-run the risk assessment over every stored text when ``rules`` (the assessment's
        version) differs from the one the stored reasons came from; no chunk is touched.

        Returns (source, reasons) for each document now flagged with new reasons. As on a
        re-ingest, a release survives only where the reasons stay the same.
        """
        if self.meta("risk_rules") == rules:
            return []
        rows = self._conn.execute("SELECT source, text, risk FROM documents WHERE status = 'done'")
        changed = []
        for source, text, stored in rows.fetchall():
            reasons = tuple(reasons_of(text))
            if json.dumps(list(reasons)) != stored:
                changed.append((source, reasons))
        with self._tx("releases") as db:
            db.executemany(
                "UPDATE documents SET risk = ?, released = 0 WHERE source = ?",
                [(json.dumps(list(r)), s) for s, r in changed],
            )
            db.execute(
                "INSERT INTO meta VALUES ('risk_rules', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (rules,),
            )
        return [(s, r) for s, r in changed if r]

    def _releases(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'releases'").fetchone()
        return int(row[0]) if row else 0

    def remove(self, source: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM documents WHERE source = ?", (source,))
            keywords.delete_source(db, source)

    def states(self) -> dict[str, tuple[str, str]]:
        """source -> (status, fingerprint) for every known source."""
        rows = self._conn.execute("SELECT source, status, fingerprint FROM documents")
        return {s: (st, fp) for s, st, fp in rows}

    def get(self, source: str) -> StoredDocument | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE source = ? AND status = 'done'", (source,)
        ).fetchone()
        return None if row is None else row_to_document(row)

    def listing(self) -> list[StoredDocument]:
        """Every finished document, without its text (for lists in the UI)."""
        columns = _COLUMNS.replace("text,", "'' AS text,").replace("pages,", "'[]' AS pages,")
        rows = self._conn.execute(
            f"SELECT {columns} FROM documents WHERE status = 'done' ORDER BY title, source"
        )
        return [row_to_document(row) for row in rows]

    def count(self) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM documents WHERE status = 'done'").fetchone()
        return int(row[0])

    def generation(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    def pending(self) -> list[str]:
        """Sources whose chunks are being written (or were, when a writer died), sorted;
        cached until the generation moves. Readers leave them out until they are done."""
        generation = self.generation()
        cached = self._pending
        if cached is not None and cached[0] == generation:
            return cached[1]
        rows = self._conn.execute(
            "SELECT source FROM documents WHERE status = 'pending' ORDER BY source"
        )
        sources = [row[0] for row in rows]
        self._pending = (generation, sources)
        return sources

    def close(self) -> None:
        """Close every thread's connection."""
        self.keywords.close()
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local = threading.local()


class DocumentStore(Protocol):
    """What the index needs of a document store: :class:`DocStore` (SQLite in the data dir) or
    :class:`vectorstore.postgres.PostgresDocStore` (``ASSISTANT_DATABASE_URL``)."""

    @property
    def keywords(self) -> KeywordStore: ...

    def mark_pending(self, sources: dict[str, str]) -> None: ...
    def mark_done(
        self, docs: list[StoredDocument], chunks: dict[str, list[KeywordChunk]] | None = None
    ) -> None: ...
    def set_released(self, source: str, released: bool) -> bool: ...
    def quarantined(self) -> list[str]: ...
    def reassess(
        self, reasons_of: Callable[[str], tuple[str, ...]], rules: str
    ) -> list[tuple[str, tuple[str, ...]]]: ...
    def pending(self) -> list[str]: ...
    def remove(self, source: str) -> None: ...
    def states(self) -> dict[str, tuple[str, str]]: ...
    def get(self, source: str) -> StoredDocument | None: ...
    def listing(self) -> list[StoredDocument]: ...
    def count(self) -> int: ...
    def generation(self) -> int: ...
    def close(self) -> None: ...
