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
from collections import Counter
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
        for token in text_terms(word):
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
CREATE TABLE IF NOT EXISTS keyword_terms (
    term   TEXT PRIMARY KEY,
    chunks INTEGER NOT NULL
) WITHOUT ROWID;
"""
"""``keyword_chunks`` maps FTS5 rowids to chunk ids and sources (indexed, so a source's rows
are found without scanning); ``keyword_text`` holds the searched text under the same rowid;
``keyword_terms`` counts the chunks holding each token, kept with every write, so a search
can choose its terms (:data:`MATCH_BUDGET`) with one lookup each instead of counting matches."""

MATCH_BUDGET = 10_000
"""Chunks one search may score. FTS5's ``bm25()`` costs a few microseconds per matching chunk,
and a question's common words ("which", "team") match tens of thousands of chunks at 100k (a
full match took 390 ms there, load average 10 on 2 cores), so terms are taken rarest first
while their chunk counts add up to at most this (the rarest always); the commonest, whose IDF
is lowest, are left out of the match. On news-dev (7,715 chunks, 2026-12-02) 10,000 and 7,000
keep the full match's 29/30 retrieval hits, 5,000 gives 28 and 2,000 gives 27;
benchmarks/keywords.py measures the latency at 10k and 100k chunks."""


def pick_terms(terms: Sequence[str], counts: dict[str, int], budget: int) -> list[str]:
    """The rarest ``terms`` whose chunk counts sum to at most ``budget`` (at least the rarest
    one), in query order; unknown terms dropped.

    >>> pick_terms(["team", "hamlin", "week", "zzz"], {"team": 900, "hamlin": 40, "week": 300}, 400)
    ['hamlin', 'week']
    """
    known = sorted((counts[t], i) for i, t in enumerate(terms) if counts.get(t))
    kept: list[int] = []
    total = 0
    for n, i in known:
        if kept and total + n > budget:
            break
        kept.append(i)
        total += n
    return [terms[i] for i in sorted(kept)]


def write_source(db: sqlite3.Connection, source: str, chunks: Sequence[KeywordChunk]) -> None:
    """Replace ``source``'s entries inside the caller's transaction on ``db``."""
    delete_source(db, source)
    counts: Counter[str] = Counter()
    for chunk in chunks:
        row = db.execute(
            "INSERT INTO keyword_chunks (chunk_id, source) VALUES (?, ?)", (chunk.id, source)
        ).lastrowid
        db.execute("INSERT INTO keyword_text (rowid, text) VALUES (?, ?)", (row, chunk.text))
        counts.update(set(text_terms(chunk.text)))
    _count_terms(db, counts, +1)


def delete_source(db: sqlite3.Connection, source: str) -> None:
    """Drop ``source``'s entries inside the caller's transaction on ``db``."""
    counts: Counter[str] = Counter()
    for (text,) in db.execute(
        "SELECT text FROM keyword_text WHERE rowid IN "
        "(SELECT rowid FROM keyword_chunks WHERE source = ?)",
        (source,),
    ):
        counts.update(set(text_terms(text)))
    if not counts:
        return
    db.execute(
        "DELETE FROM keyword_text WHERE rowid IN "
        "(SELECT rowid FROM keyword_chunks WHERE source = ?)",
        (source,),
    )
    db.execute("DELETE FROM keyword_chunks WHERE source = ?", (source,))
    _count_terms(db, counts, -1)


def _count_terms(db: sqlite3.Connection, counts: Counter[str], sign: int) -> None:
    db.executemany(
        "INSERT INTO keyword_terms (term, chunks) VALUES (?, ?) "
        "ON CONFLICT(term) DO UPDATE SET chunks = chunks + excluded.chunks",
        [(t, sign * n) for t, n in counts.items()],
    )
    if sign < 0:
        db.execute("DELETE FROM keyword_terms WHERE chunks <= 0")


def recount_terms(db: sqlite3.Connection) -> None:
    """Count every token again from the stored texts (for entries written before counts were
    kept), inside the caller's transaction."""
    counts: Counter[str] = Counter()
    for (text,) in db.execute("SELECT text FROM keyword_text"):
        counts.update(set(text_terms(text)))
    db.execute("DELETE FROM keyword_terms")
    _count_terms(db, counts, +1)


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
        db = self._connection()
        terms = pick_terms(terms, self._counts(db, terms), MATCH_BUDGET)
        if not terms:
            return []
        sql = (
            "SELECT rowid, -bm25(keyword_text) AS score FROM keyword_text "
            "WHERE keyword_text MATCH ?"
        )
        params: list[object] = [match_expression(terms)]
        # "+rowid": filter the matched rows; a plain rowid constraint would make FTS5 look each
        # allowed rowid up under the MATCH, re-running the match per row.
        within = "SELECT rowid FROM keyword_chunks WHERE source IN (SELECT value FROM json_each(?))"
        if allowed_sources is not None:
            sql += f" AND +rowid IN ({within})"
            params.append(json.dumps(sorted(allowed_sources)))
        if excluded_sources:
            sql += f" AND +rowid NOT IN ({within})"
            params.append(json.dumps(sorted(excluded_sources)))
        sql += " ORDER BY score DESC LIMIT ?"
        params.append(int(k))
        scored = [(r, s) for r, s in db.execute(sql, params) if s > 0]
        if not scored:
            return []
        ids = dict(
            db.execute(
                "SELECT rowid, chunk_id FROM keyword_chunks WHERE rowid IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps([r for r, _ in scored]),),
            )
        )
        return [(str(ids[r]), float(s)) for r, s in scored if r in ids]

    def _counts(self, db: sqlite3.Connection, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each term (absent: none)."""
        marks = ",".join("?" * len(terms))
        rows = db.execute(f"SELECT term, chunks FROM keyword_terms WHERE term IN ({marks})", terms)
        return {t: int(n) for t, n in rows}

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
