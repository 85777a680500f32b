"""Shared state in PostgreSQL (``ASSISTANT_DATABASE_URL``): the documents and the writer lock.

With a ``chroma run`` server for the vectors, app replicas on several machines then share one
collection. The ``documents`` table mirrors the SQLite document store (langchain's record
manager keeps its own table in the same database). One database holds one collection.

>>> engine_url("postgresql://app:pw@db/news").drivername
'postgresql+psycopg'
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import URL, Engine, make_url

from core.errors import IndexBusyError, MissingExtraError, StoreUnavailableError
from core.types import StoredDocument
from vectorstore.keywords import Hit, KeywordChunk, KeywordStore

_meta = sa.MetaData()
documents = sa.Table(
    "documents",
    _meta,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),  # 'pending' while chunks are written, 'done'
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("published", sa.Text),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("pages", sa.Text, nullable=False, server_default="[]"),
    sa.Column("n_chunks", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("url", sa.Text),
    sa.Column("outlet", sa.Text),
    sa.Column("risk", sa.Text, nullable=False, server_default="[]"),  # JSON list of reasons
    sa.Column("released", sa.Boolean, nullable=False, server_default=sa.false()),
)
meta = sa.Table(
    "meta",
    _meta,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)
_COLUMNS = (
    documents.c.source,
    documents.c.title,
    documents.c.text,
    documents.c.fingerprint,
    documents.c.published,
    documents.c.pages,
    documents.c.n_chunks,
    documents.c.url,
    documents.c.outlet,
    documents.c.risk,
    documents.c.released,
)


def engine_url(url: str) -> URL:
    """The URL with psycopg (v3) as the driver when none is named."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """A pooled engine; each connection names this process in ``pg_stat_activity``."""
    parsed = engine_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise StoreUnavailableError(
            f"ASSISTANT_DATABASE_URL must be a PostgreSQL URL "
            f"(postgresql+psycopg://user:password@host/db), not {parsed.drivername!r}."
        )
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("psycopg", "postgres") from exc
    name = f"assistant pid {os.getpid()} on {socket.gethostname()}"[:63]
    return sa.create_engine(
        parsed, pool_pre_ping=True, connect_args={"application_name": name, "connect_timeout": 10}
    )


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for ``name``: ``lock_key("a") == lock_key("a")``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(engine: Engine, name: str, wait_s: float, what: str) -> Iterator[None]:
    """Hold the session advisory lock ``name`` for the block, waiting up to ``wait_s``.

    Held by one connection, so it is released when the block ends or the process dies,
    on whichever machine it runs.
    """
    key = lock_key(name)
    with engine.connect() as conn:
        deadline = time.monotonic() + wait_s
        while not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            conn.rollback()
            if time.monotonic() >= deadline:
                holder = conn.execute(
                    sa.text(
                        "SELECT a.application_name FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                        "AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = :k"
                    ),
                    {"k": key},
                ).scalar()
                raise IndexBusyError(
                    f"Another ingest ({holder or 'another process'}) is writing to {what}. "
                    "Wait for it to finish and run the command again."
                )
            time.sleep(0.2)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


def _row_to_document(row: Sequence[Any]) -> StoredDocument:
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


class _NoKeywordSearch:
    """Keyword search is not in PostgreSQL yet: dense search alone answers there."""

    def search(self, query: str, k: int, **_filters: object) -> list[Hit]:
        return []

    def add(self, source: str, chunks: Sequence[KeywordChunk]) -> None:
        return None

    def remove(self, source: str) -> None:
        return None


class PostgresDocStore:
    """The document store in a PostgreSQL database; the same methods as the SQLite one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.keywords: KeywordStore = _NoKeywordSearch()
        self._quarantined: tuple[tuple[int, int], list[str]] | None = None
        try:
            with self.engine.begin() as conn:
                # Replicas starting together must not race to create the tables.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("schema")})
                _meta.create_all(conn)
                for key in ("generation", "releases"):
                    conn.execute(pg_insert(meta).values(key=key, value=0).on_conflict_do_nothing())
        except sa.exc.OperationalError as exc:
            raise StoreUnavailableError(
                f"Cannot reach the database at {self.engine.url.render_as_string()}: "
                f"{exc.orig or exc}. Check ASSISTANT_DATABASE_URL."
            ) from exc

    @contextmanager
    def _tx(self) -> Iterator[sa.Connection]:
        """A write transaction that moves the generation (readers key caches on it)."""
        with self.engine.begin() as conn:
            yield conn
            conn.execute(
                meta.update().where(meta.c.key == "generation").values(value=meta.c.value + 1)
            )

    def mark_pending(self, sources: dict[str, str]) -> None:
        """Record that these sources (with their new fingerprints) are about to be written."""
        if not sources:
            return
        stmt = pg_insert(documents).values(
            [{"source": s, "status": "pending", "fingerprint": fp} for s, fp in sources.items()]
        )
        with self._tx() as conn:
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[documents.c.source],
                    set_={"status": "pending", "fingerprint": stmt.excluded.fingerprint},
                )
            )

    def mark_done(
        self, docs: list[StoredDocument], chunks: dict[str, list[KeywordChunk]] | None = None
    ) -> None:
        if not docs:
            return
        stmt = pg_insert(documents).values(
            [
                {
                    "source": d.source,
                    "status": "done",
                    "fingerprint": d.fingerprint,
                    "title": d.title,
                    "published": d.published,
                    "text": d.text,
                    "pages": json.dumps(d.pages),
                    "n_chunks": d.n_chunks,
                    "url": d.url,
                    "outlet": d.outlet,
                    "risk": json.dumps(list(d.risk)),
                    "released": d.released,
                }
                for d in docs
            ]
        )
        new = stmt.excluded
        # A release survives a re-ingest that finds the same risk reasons; new reasons (the
        # text changed) need a new release.
        keep_release = sa.case(
            (sa.and_(documents.c.risk == new.risk, new.risk != "[]"), documents.c.released),
            else_=new.released,
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[documents.c.source],
            set_={
                **{c: new[c] for c in ("fingerprint", "title", "published", "text", "pages")},
                **{c: new[c] for c in ("n_chunks", "url", "outlet", "risk")},
                "status": "done",
                "released": keep_release,
                "updated_at": sa.func.now(),
            },
        )
        with self._tx() as conn:
            conn.execute(upsert)

    def set_released(self, source: str, released: bool) -> bool:
        """Allow (or stop allowing) a flagged document as evidence; False if it is unknown."""
        with self.engine.begin() as conn:
            n = conn.execute(
                documents.update()
                .where(documents.c.source == source, documents.c.status == "done")
                .values(released=released)
            ).rowcount
            # Not the generation: readers key their quarantine list on both.
            conn.execute(
                meta.update().where(meta.c.key == "releases").values(value=meta.c.value + 1)
            )
        return n > 0

    def quarantined(self) -> list[str]:
        """Sources of flagged documents not released, sorted; cached until a write or release."""
        with self.engine.connect() as conn:
            values = dict(conn.execute(sa.select(meta.c.key, meta.c.value)).all())
            key = (int(values["generation"]), int(values["releases"]))
            cached = self._quarantined
            if cached is not None and cached[0] == key:
                return cached[1]
            sources = list(
                conn.execute(
                    sa.select(documents.c.source)
                    .where(
                        documents.c.status == "done",
                        documents.c.risk != "[]",
                        documents.c.released.is_(False),
                    )
                    .order_by(documents.c.source)
                ).scalars()
            )
        self._quarantined = (key, sources)
        return sources

    def remove(self, source: str) -> None:
        with self._tx() as conn:
            conn.execute(documents.delete().where(documents.c.source == source))

    def states(self) -> dict[str, tuple[str, str]]:
        """source -> (status, fingerprint) for every known source."""
        q = sa.select(documents.c.source, documents.c.status, documents.c.fingerprint)
        with self.engine.connect() as conn:
            return {s: (st, fp) for s, st, fp in conn.execute(q)}

    def get(self, source: str) -> StoredDocument | None:
        q = sa.select(*_COLUMNS).where(documents.c.source == source, documents.c.status == "done")
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else _row_to_document(row)

    def listing(self) -> list[StoredDocument]:
        """Every finished document, without its text (for lists in the UI)."""
        columns = [sa.literal("").label("text") if c is documents.c.text else c for c in _COLUMNS]
        columns = [
            sa.literal("[]").label("pages") if c is documents.c.pages else c for c in columns
        ]
        q = (
            sa.select(*columns)
            .where(documents.c.status == "done")
            .order_by(documents.c.title, documents.c.source)
        )
        with self.engine.connect() as conn:
            return [_row_to_document(row) for row in conn.execute(q)]

    def count(self) -> int:
        q = sa.select(sa.func.count()).select_from(documents).where(documents.c.status == "done")
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def generation(self) -> int:
        q = sa.select(meta.c.value).where(meta.c.key == "generation")
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def close(self) -> None:
        self.engine.dispose()
