"""The public Python API: :class:`Assistant`.

>>> from assistant import Assistant  # doctest: +SKIP
>>> a = Assistant(data_dir="data/index")  # doctest: +SKIP
>>> a.ingest(["data/articles"]).added  # doctest: +SKIP
1
>>> a.ask("Why does Haftar target the DMSC?").citations[0].quote  # doctest: +SKIP
'However, Haftar considers them to be associated with Al Qaeda, ...'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.types import Answer, History, Passage
from ingest.pipeline import ProgressFn, ingest_paths
from ingest.report import IngestReport
from vectorstore.docstore import StoredDocument
from vectorstore.index import Index
from vectorstore.settings import Settings, load_settings


class Assistant:
    """Questions answered from the ingested articles, with citations.

    ``data_dir`` defaults to ``$ASSISTANT_DATA_DIR``, else ``./data/index``. Pass ``settings``
    for full control, or keyword overrides such as ``retrieval={"top_k": 8}``.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        client: Any = None,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = load_settings(data_dir=data_dir, **overrides)
        elif data_dir is not None or overrides:
            settings = settings.model_copy(
                update={"data_dir": Path(data_dir) if data_dir else settings.data_dir, **overrides}
            )
        self.settings = settings
        self.index = Index(settings, client=client)

    # -- ingest ------------------------------------------------------------------------------
    def ingest(
        self, paths: Iterable[str | os.PathLike[str]], progress: ProgressFn | None = None
    ) -> IngestReport:
        """Make the index match the files under ``paths`` (added, changed, removed)."""
        return ingest_paths([Path(p) for p in paths], self.index, progress=progress)

    def remove(self, source: str) -> int:
        """Delete one document and its chunks; returns the number of chunks removed."""
        with self.index.write_lock():
            removed = self.index.delete_source(source)
            self.index.refresh_bm25()
        return removed

    def stats(self) -> dict[str, Any]:
        """``{"documents": n, "chunks": n, ...}``; equal for equal index contents."""
        return self.index.stats()

    def documents(self) -> list[StoredDocument]:
        """Every indexed document (without its text), sorted by title."""
        return self.index.docs.listing()

    def document(self, source: str) -> StoredDocument | None:
        """One document with its cleaned text, which citations' offsets index into."""
        return self.index.document(source)

    # -- answering ---------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        history: History | None = None,
        *,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Passage]:
        raise NotImplementedError

    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        raise NotImplementedError

    def stream(
        self,
        question: str,
        history: History | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        raise NotImplementedError

    def close(self) -> None:
        self.index.close()
