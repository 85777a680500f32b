"""The index: Chroma chunks, langchain's record manager, the document store and keyword search,
kept in step.

The record manager and the document store are SQLite files in the data dir, or tables in
PostgreSQL when ``database_url`` is set (see :mod:`vectorstore.postgres`).

Writes go through langchain's indexing API (``index()`` with incremental cleanup keyed on the
chunk's ``source``), so a changed document's stale chunks are removed and an unchanged chunk is
never embedded twice. One writer at a time holds ``data_dir/.write.lock`` (or, with a database,
its advisory lock).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from langchain_core.documents import Document
from sqlalchemy.engine import Engine

from core.errors import IndexBusyError, StoreUnavailableError
from core.settings import Settings
from core.types import StoredChunk, StoredDocument
from vectorstore.client import make_client
from vectorstore.docstore import DocStore, DocumentStore
from vectorstore.embeddings import SentenceEmbeddings
from vectorstore.keywords import KeywordChunk, KeywordStore
from vectorstore.postgres import PostgresDocStore, advisory_lock, make_engine

log = logging.getLogger(__name__)


class Index:
    """Everything stored for one data dir. Pass ``client`` or ``embeddings`` to share them."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: Any = None,
        embeddings: SentenceEmbeddings | None = None,
    ) -> None:
        from langchain_classic.indexes import SQLRecordManager

        self.settings = settings
        self.data_dir = settings.data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._embeddings = embeddings
        # Chroma, the record manager and the document store each create their tables on first
        # open; two processes opening a new data dir at once must not race to do it.
        with open(self.data_dir / ".open.lock", "a") as opening:
            fcntl.flock(opening, fcntl.LOCK_EX)
            self.client = client or make_client(settings.store_dir, settings.chroma_url)
            self.chroma = self._open_collection()
            where = settings.chroma_url or "embedded"
            namespace = f"chroma/{where}/{settings.collection}"
            self._database: Engine | None = None
            if settings.database_url is None:
                self.records = SQLRecordManager(
                    namespace, db_url=f"sqlite:///{(self.data_dir / 'records.sqlite').resolve()}"
                )
                self.records.create_schema()
                docs = DocStore(self.data_dir / "documents.sqlite")
                self.docs: DocumentStore = docs
                if docs.keywords_missing():
                    self._fill_keywords(docs)
            else:
                self._database = make_engine(settings.database_url.get_secret_value())
                self.docs = PostgresDocStore(engine=self._database)
                self.records = SQLRecordManager(namespace, engine=self._database)
                with advisory_lock(self._database, "schema", 60, "the database schema"):
                    self.records.create_schema()
        self.keywords: KeywordStore = self.docs.keywords
        self._count: tuple[int, int] | None = None
        """(document store generation, chunk count) of the last count."""

        # Embedded Chroma keeps the vectors it has loaded: another process's writes stay out of
        # this one's searches until the store is opened again, which a read does when the
        # document store's generation has moved without this process writing (_follow).
        self._reopens = client is None and settings.chroma_url is None
        self._view = self.docs.generation()
        self._writing = 0
        self._view_lock = threading.Lock()

    def _open_collection(self) -> Any:
        from langchain_chroma import Chroma

        try:
            chroma = Chroma(
                client=self.client,
                collection_name=self.settings.collection,
                embedding_function=_LazyEmbeddings(self),
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:
            raise StoreUnavailableError(
                f"Cannot open the Chroma collection {self.settings.collection!r}: {exc}"
            ) from exc
        refuse_stored_embedding_function(chroma._collection)
        return chroma

    def _follow(self) -> None:
        """Reopen embedded Chroma when another process has written to the data dir since this
        one last looked, so answers never come from a stale view of the vectors."""
        if not self._reopens or self._writing:
            return
        generation = self.docs.generation()
        if generation == self._view:
            return
        with self._view_lock:
            if generation == self._view or self._writing:
                return
            from chromadb.api.shared_system_client import SharedSystemClient

            # Dropped from chromadb's per-path cache, not stopped: a search under way on the
            # old client finishes; the next client loads the store from disk.
            with SharedSystemClient._refcount_lock:
                SharedSystemClient._identifier_to_system.pop(self.client._identifier, None)
            self.client = make_client(self.settings.store_dir, None)
            self.chroma = self._open_collection()
            self._count = None
            self._view = generation
            self.reopened += 1

    reopened = 0
    """How many times this index reopened Chroma after another process wrote."""

    # -- parts -------------------------------------------------------------------------------
    @property
    def embeddings(self) -> SentenceEmbeddings:
        if self._embeddings is None:
            self._embeddings = SentenceEmbeddings.from_settings(self.settings.embedding)
        return self._embeddings

    @property
    def collection(self) -> Any:
        return self.chroma._collection

    # -- writing -----------------------------------------------------------------------------
    @contextmanager
    def write_lock(
        self, wait_s: float = 30.0, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[None]:
        """Hold the data dir's writer lock, waiting up to ``wait_s`` for another writer; with
        ``database_url``, the database's advisory lock, which holds across machines."""
        if self._database is not None:
            what = f"the collection {self.settings.collection!r} in the shared database"
            with advisory_lock(self._database, "write", wait_s, what):
                yield
            return
        path = self.data_dir / ".write.lock"
        with open(path, "a+") as handle:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if on_wait is not None:  # once: say why nothing happens yet
                        handle.seek(0)
                        holder = handle.read().strip() or "another process"
                        on_wait(
                            f"Waiting for another ingest ({holder}) to finish writing to "
                            f"{self.data_dir} (up to {wait_s:.0f} s)"
                        )
                        on_wait = None
                    if time.monotonic() >= deadline:
                        handle.seek(0)
                        holder = handle.read().strip() or "another process"
                        raise IndexBusyError(
                            f"Another ingest ({holder}) is writing to {self.data_dir}. "
                            "Wait for it to finish and run the command again."
                        ) from None
                    time.sleep(0.2)
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
            self._follow()  # what another writer did before this one, first
            self._writing += 1
            try:
                yield
            finally:
                self._view = self.docs.generation()  # this process's own writes
                self._writing -= 1
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def write_chunks(self, chunks: Sequence[Document]) -> dict[str, int]:
        """Index whole documents' chunks; stale chunks of the same sources are deleted.

        All chunks of a source must be in ``chunks``: incremental cleanup runs per call.
        """
        from langchain_core.indexing import index

        if not chunks:
            return {"num_added": 0, "num_updated": 0, "num_skipped": 0, "num_deleted": 0}
        self._count = None
        result = index(
            list(chunks),
            self.records,
            self.chroma,
            cleanup="incremental",
            source_id_key="source",
            batch_size=len(chunks),  # one batch, so cleanup never splits a source
            key_encoder="sha256",
        )
        self._count = None  # a count taken by another thread during the write may be partial
        return {
            "num_added": result["num_added"],
            "num_updated": result["num_updated"],
            "num_skipped": result["num_skipped"],
            "num_deleted": result["num_deleted"],
        }

    def delete_source(self, source: str) -> int:
        """Remove every chunk of ``source``, even ones the record manager never saw."""
        self._count = None
        keys = self.records.list_keys(group_ids=[source])
        if keys:
            self.chroma.delete(ids=keys)
        # A crash between Chroma's write and the record manager's can leave unrecorded chunks.
        self.collection.delete(where={"source": source})
        if keys:
            self.records.delete_keys(keys)
        self.docs.remove(source)
        return len(keys)

    # -- reading -----------------------------------------------------------------------------
    def chunk_count(self) -> int:
        """Chunks in the collection. Chroma's ``count()`` scans (8 ms at 100k chunks), so the
        answer is kept until this index writes or the document store's generation moves, which
        every ingest and removal does, from any process."""
        self._follow()
        generation = self.docs.generation()  # read first: a later write can only invalidate
        cached = self._count
        if cached is not None and cached[0] == generation:
            return cached[1]
        n = int(self.collection.count())
        self._count = (generation, n)
        return n

    def get_chunks(self, ids: Sequence[str]) -> list[StoredChunk]:
        self._follow()
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {
            i: StoredChunk.from_chroma(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }
        return [by_id[i] for i in ids if i in by_id]

    def all_chunks(self, page: int = 5000) -> Iterator[StoredChunk]:
        offset = 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield StoredChunk.from_chroma(i, d, m)
            if len(got["ids"]) < page:
                return
            offset += page

    def source_chunks(self, source: str) -> list[StoredChunk]:
        """Every chunk of one document, in document order."""
        got = self.collection.get(where={"source": source}, include=["documents", "metadatas"])
        chunks = [
            StoredChunk.from_chroma(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: c.start)

    def first_chunks(self, sources: Sequence[str]) -> list[StoredChunk]:
        """The first chunk of each of ``sources`` (where the article's story starts)."""
        if not sources:
            return []
        where = {"$and": [{"source": {"$in": list(sources)}}, {"chunk": 0}]}
        got = self.collection.get(where=where, include=["documents", "metadatas"])
        return [
            StoredChunk.from_chroma(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def document_vectors(
        self, sources: Sequence[str] | None = None, page: int = 5000
    ) -> tuple[list[str], Any]:
        """(sources, unit vectors): each document's normalised mean of its stored chunk
        vectors, from Chroma (nothing is embedded). Only ``sources`` when given."""
        import numpy as np

        wanted = set(sources) if sources is not None else None
        sums: dict[str, Any] = {}
        offset = 0
        while True:
            got = self.collection.get(
                include=["embeddings", "metadatas"], limit=page, offset=offset
            )
            for vector, meta in zip(got["embeddings"], got["metadatas"], strict=True):
                source = str(meta["source"])
                if wanted is not None and source not in wanted:
                    continue
                v = np.asarray(vector, dtype=np.float32)
                sums[source] = sums[source] + v if source in sums else v
            if len(got["ids"]) < page:
                break
            offset += page
        names = sorted(sums)
        if not names:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.stack([sums[s] for s in names])
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return names, matrix

    def dense_search(
        self,
        vector: Sequence[float],
        k: int,
        sources: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks to a query vector with cosine similarity, best first; only from
        ``sources`` when given, never from ``exclude``."""
        self._follow()
        # No count() first: Chroma returns what it has when asked for more, and [] when empty.
        where = _source_filter(sources, exclude)
        got = self.collection.query(
            query_embeddings=[list(vector)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (StoredChunk.from_chroma(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(
                got["ids"][0],
                got["documents"][0],
                got["metadatas"][0],
                got["distances"][0],
                strict=True,
            )
        ]

    def keyword_chunks(self, sources: Sequence[str]) -> dict[str, list[KeywordChunk]]:
        """What keyword search holds for these sources: their stored chunks, as written."""
        where = _source_filter(list(sources))
        got = self.collection.get(where=where, include=["documents", "metadatas"])
        out: dict[str, list[KeywordChunk]] = {s: [] for s in sources}
        for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            chunk = StoredChunk.from_chroma(i, d, m)
            out.setdefault(chunk.source, []).append(keyword_chunk(chunk))
        return out

    def _fill_keywords(self, docs: DocStore) -> None:
        """Keyword entries for a data dir made before they were kept in the document store
        (it had a ``bm25/`` folder, rebuilt after every ingest): once, from the stored chunks."""
        log.warning("Indexing the stored chunks for keyword search (once, after an upgrade)...")
        started = time.perf_counter()
        n = docs.fill_keywords((c.source, keyword_chunk(c)) for c in self.all_chunks())
        shutil.rmtree(self.data_dir / "bm25", ignore_errors=True)
        log.warning("... %d chunks in %.1f s.", n, time.perf_counter() - started)

    def document(self, source: str) -> StoredDocument | None:
        return self.docs.get(source)

    def stats(self) -> dict[str, Any]:
        """Counts that are equal whenever the index contents are equal."""
        return {
            "documents": self.docs.count(),
            "chunks": self.chunk_count(),
            "data_dir": str(self.data_dir),
            "store": self.settings.chroma_url or "embedded",
            "database": "sqlite"
            if self._database is None
            else self._database.url.render_as_string(),
            "collection": self.settings.collection,
        }

    def close(self) -> None:
        self.docs.close()


def keyword_chunk(chunk: StoredChunk) -> KeywordChunk:
    """A stored chunk as keyword search indexes it: its title, then its text."""
    return KeywordChunk(chunk.id, f"{chunk.title}\n{chunk.text}")


_SAFE_EF_TYPES = {None, "legacy", "unknown"}


def refuse_stored_embedding_function(collection: Any) -> None:
    """Refuse a collection whose stored configuration names an embedding function.

    Chroma builds such a function from the stored settings on every add/upsert, passing its
    kwargs through (``trust_remote_code`` included: GHSA-f4j7-r4q5-qw2c, no fixed release). Our
    collections store none — vectors are computed here — so a stored one was planted by
    someone else, on a shared server or in a copied store directory.
    """
    found: list[str] = []
    config = (collection.configuration_json or {}).get("embedding_function")
    if isinstance(config, dict) and config.get("type") not in _SAFE_EF_TYPES:
        found.append(str(config.get("name") or config.get("type")))
    schema = collection.get_model().serialized_schema
    for ef in _embedding_function_entries(schema):
        if ef.get("type") not in _SAFE_EF_TYPES:
            found.append(str(ef.get("name") or ef.get("type")))
    if found:
        raise StoreUnavailableError(
            f"The Chroma collection {collection.name!r} is configured with an embedding function "
            f"({', '.join(sorted(set(found)))}) that this assistant never sets; it will not "
            "write to it, since Chroma would build that function from stored settings. Use a "
            "new collection or data dir, or delete that collection on the server."
        )


def _embedding_function_entries(node: Any) -> Iterator[dict[str, Any]]:
    """Every ``{"embedding_function": {...}}`` value anywhere in a serialised schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "embedding_function" and isinstance(value, dict):
                yield value
            else:
                yield from _embedding_function_entries(value)
    elif isinstance(node, list):
        for value in node:
            yield from _embedding_function_entries(value)


def _source_filter(
    sources: Sequence[str] | None, exclude: Sequence[str] | None = None
) -> dict[str, Any] | None:
    """A Chroma ``where`` on the chunk's source.

    >>> _source_filter(["a"]), _source_filter(None, ["b", "c"])
    ({'source': 'a'}, {'source': {'$nin': ['b', 'c']}})
    """
    if sources and exclude:
        sources = [s for s in sources if s not in set(exclude)] or ["\x00none"]
    if sources:
        if len(sources) == 1:
            return {"source": sources[0]}
        return {"source": {"$in": list(sources)}}
    if exclude:
        if len(exclude) == 1:
            return {"source": {"$ne": exclude[0]}}
        return {"source": {"$nin": list(exclude)}}
    return None


class _LazyEmbeddings(SentenceEmbeddings):
    """Loads the model on first use, so opening an index to read stats costs nothing."""

    def __init__(self, owner: Index) -> None:
        self._owner = owner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._owner.embeddings.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._owner.embeddings.embed_query(text)
