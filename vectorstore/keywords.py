"""Keyword search over chunk texts, ranked by BM25, kept beside the document rows.

:class:`KeywordStore` is the interface (three methods); :class:`SqliteKeywords` keeps the chunk
texts in an FTS5 table inside ``documents.sqlite``, so the document store writes a document's
row and its keyword entries in one transaction (see :meth:`DocStore.mark_done`): adding or
removing one article costs time in proportion to that article, and a crash leaves both or
neither.

>>> store = SqliteKeywords("documents.sqlite")  # doctest: +SKIP
>>> store.add("a.txt", [KeywordChunk("a#0", "Derna\\nThe siege of Derna")])  # doctest: +SKIP
>>> store.search("siege", 5)  # doctest: +SKIP
[('a#0', 0.41...)]
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.text import FUNCTION_WORDS, words


@dataclass(frozen=True)
class KeywordChunk:
    """One chunk as keyword search sees it: its id and the text searched (title and text)."""

    id: str
    text: str


Hit = tuple[str, float]
"""(chunk id, score), higher is better."""


class KeywordStore(Protocol):
    """Where keyword search lives: SQLite FTS5 here; a server database can sit beside it."""

    def search(
        self,
        query: str,
        k: int,
        *,
        allowed_sources: Collection[str] | None = None,
        excluded_sources: Collection[str] | None = None,
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query``, best first, only positive scores; only from
        ``allowed_sources`` when given, never from ``excluded_sources``."""
        ...

    def add(self, source: str, chunks: Sequence[KeywordChunk]) -> None:
        """Make ``chunks`` the source's entries (replacing any it had): adding twice is harmless."""
        ...

    def remove(self, source: str) -> None:
        """Drop every entry of ``source``; an unknown source is fine."""
        ...


# -- queries ---------------------------------------------------------------------------------
_TOKEN = re.compile(r"[^\W_]+")
"""What FTS5's unicode61 tokenizer counts as one token: a run of letters and digits."""


def text_terms(text: str) -> list[str]:
    """Every token of ``text`` as FTS5's ``unicode61 remove_diacritics 2`` indexes it, in
    order, for stores that index outside FTS5 (PostgreSQL).

    >>> text_terms("Haftar's LNA, in Benghazi's café")
    ['haftar', 's', 'lna', 'in', 'benghazi', 's', 'cafe']
    """
    return [fold(t) for t in _TOKEN.findall(text.lower())]


def fold(token: str) -> str:
    """``token`` without diacritics, as ``remove_diacritics`` does: ``"café"`` -> ``"cafe"``."""
    if token.isascii():
        return token
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


def query_terms(query: str) -> list[str]:
    """The distinct terms searched for, in order: lower case, no function words, no single
    letters. Split like the index splits text ("Haftar's" -> "haftar", "s"), so each can match.

    >>> query_terms("Why does Haftar's LNA besiege Derna, in 2016? Derna!")
    ['why', 'does', 'haftar', 'lna', 'besiege', 'derna', '2016']
    """
    out: dict[str, None] = {}
    for word in words(query):
        for token in _TOKEN.findall(word.lower()):
            if len(token) > 1 and token not in FUNCTION_WORDS:
                out.setdefault(token)
    return list(out)


def match_expression(terms: Sequence[str]) -> str:
    """An FTS5 query matching any of ``terms``, each quoted so none reads as an operator.

    >>> match_expression(["siege", "not"])
    '"siege" OR "not"'
    """
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


# -- SQLite FTS5 -----------------------------------------------------------------------------
SCHEMA = """
CREATE TABLE IF NOT EXISTS keyword_chunks (
    rowid    INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL,
    source   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS keyword_chunks_source ON keyword_chunks (source);
CREATE VIRTUAL TABLE IF NOT EXISTS keyword_text USING fts5(
    text, tokenize = 'unicode61 remove_diacritics 2'
);
"""
"""``keyword_chunks`` maps FTS5 rowids to chunk ids and sources (indexed, so a source's rows
are found without scanning); ``keyword_text`` holds the searched text under the same rowid."""


def write_source(db: sqlite3.Connection, source: str, chunks: Sequence[KeywordChunk]) -> None:
    """Replace ``source``'s entries inside the caller's transaction on ``db``."""
    delete_source(db, source)
    for chunk in chunks:
        row = db.execute(
            "INSERT INTO keyword_chunks (chunk_id, source) VALUES (?, ?)", (chunk.id, source)
        ).lastrowid
        db.execute("INSERT INTO keyword_text (rowid, text) VALUES (?, ?)", (row, chunk.text))


def delete_source(db: sqlite3.Connection, source: str) -> None:
    """Drop ``source``'s entries inside the caller's transaction on ``db``."""
    db.execute(
        "DELETE FROM keyword_text WHERE rowid IN "
        "(SELECT rowid FROM keyword_chunks WHERE source = ?)",
        (source,),
    )
    db.execute("DELETE FROM keyword_chunks WHERE source = ?", (source,))


class SqliteKeywords:
    """FTS5 keyword search in an SQLite file (``documents.sqlite``, beside the documents).

    Searches run on one read connection per thread, so a search during a write sees the last
    committed state, never half a transaction. :meth:`add` and :meth:`remove` are transactions
    of their own; the document store writes through :func:`write_source` and
    :func:`delete_source` inside its transactions instead.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=60, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def add(self, source: str, chunks: Sequence[KeywordChunk]) -> None:
        with self._write() as db:
            write_source(db, source, chunks)

    def remove(self, source: str) -> None:
        with self._write() as db:
            delete_source(db, source)

    def search(
        self,
        query: str,
        k: int,
        *,
        allowed_sources: Collection[str] | None = None,
        excluded_sources: Collection[str] | None = None,
    ) -> list[Hit]:
        terms = query_terms(query)
        if not terms or k < 1 or (allowed_sources is not None and not allowed_sources):
            return []
        # FTS5 drives (CROSS JOIN keeps it outermost): looking a rowid up in FTS5 under a
        # MATCH re-runs the match, which is what a source-first plan would do per row.
        sql = (
            "SELECT c.chunk_id, -bm25(keyword_text) AS score "
            "FROM keyword_text CROSS JOIN keyword_chunks AS c ON c.rowid = keyword_text.rowid "
            "WHERE keyword_text MATCH ?"
        )
        params: list[object] = [match_expression(terms)]
        if allowed_sources is not None:
            sql += " AND c.source IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(allowed_sources)))
        if excluded_sources:
            sql += " AND c.source NOT IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(excluded_sources)))
        sql += " ORDER BY score DESC LIMIT ?"
        params.append(int(k))
        rows = self._connection().execute(sql, params).fetchall()
        return [(str(i), float(s)) for i, s in rows if s > 0]

    def chunk_ids(self) -> list[str]:
        """Every chunk id with keyword entries, sorted (for consistency checks)."""
        rows = self._connection().execute("SELECT chunk_id FROM keyword_chunks ORDER BY chunk_id")
        return [r[0] for r in rows]

    def close(self) -> None:
        """Close every thread's connection (a thread that searches again reopens its own)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local = threading.local()
