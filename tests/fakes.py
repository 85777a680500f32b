"""Fakes shared by the fast tests: deterministic stand-ins for logic tests, never for claims
about the real parts (those use the real model, Chroma and browser; see conftest)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.topics import Topic
from assistant.types import Answer, Citation
from core.settings import load_settings
from core.types import StoredDocument
from ingest.report import IngestReport

TEXT = 'Intro <img src=x onerror="alert(1)">. Haftar calls them <script>x()</script> terrorists.'
"""A document whose text is full of markup; :data:`QUOTE` is a sentence of it."""
QUOTE = "Haftar calls them <script>x()</script> terrorists."


def citation(n: int = 1, source: str = "/srv/data/articles/a <b>.txt", **kw: Any) -> Citation:
    """A citation of :data:`QUOTE` inside :data:`TEXT`."""
    start = TEXT.index(QUOTE)
    fields: dict[str, Any] = {"title": "Title <i>T</i>", "page": 2, **kw}
    return Citation(
        n, source, quote=QUOTE, start=start, end=start + len(QUOTE), score=0.5, **fields
    )


class FakeAssistant:
    """The parts of :class:`assistant.Assistant` the web handlers use, over ``docs``.

    ``stream`` yields "Haftar calls", then an answer quoting :data:`QUOTE` from the first
    document; ``fail`` makes it raise instead. Calls are recorded in ``asked``, ``ingested``
    and ``removed``; ``release`` sets a document's ``released``.
    """

    def __init__(self, data_dir: Path, fail: Exception | None = None, **settings: Any) -> None:
        self.settings = load_settings(data_dir=data_dir, **settings)
        self.fail = fail
        self.docs = [StoredDocument("/srv/a.txt", "A", TEXT, outlet="Libya Herald")]
        self.asked: list[tuple[str, list[dict[str, str]]]] = []
        self.ingested: list[list[Path]] = []
        self.removed: list[str] = []
        self.options: list[dict[str, Any]] = []
        """The keyword arguments of each ``stream`` call (mode, k, since, until)."""

    def documents(self) -> list[StoredDocument]:
        return list(self.docs)

    def document(self, source: str) -> StoredDocument | None:
        return next((d for d in self.docs if d.source == source), None)

    def stream(self, question: str, history: Any = None, **kw: Any) -> Iterator[str | Answer]:
        self.asked.append((question, list(history or [])))
        self.options.append(kw)
        if self.fail is not None:
            raise self.fail
        yield "Haftar calls"
        cited = citation(source=self.docs[0].source, title=self.docs[0].title, page=None)
        yield Answer(QUOTE + " [1]", False, [cited], question=question)

    def topics(self) -> list[Topic]:
        """One topic per document, named by its title."""
        return [Topic(d.title, 1, d.source, [d.source]) for d in self.docs]

    def ingest(
        self, paths: Iterable[str | os.PathLike[str]], progress: Any = None, on_wait: Any = None
    ) -> IngestReport:
        paths = [Path(p) for p in paths]
        self.ingested.append(paths)
        files = [p for p in paths if p.is_file()]
        for p in files:
            self.docs.append(StoredDocument(str(p), p.stem, p.read_text()))
        return IngestReport(added=len(files))

    def remove(self, source: str) -> int:
        self.removed.append(source)
        self.docs = [d for d in self.docs if d.source != source]
        return 1

    def release(self, source: str, released: bool = True) -> StoredDocument:
        doc = next(d for d in self.docs if d.source == source)
        self.docs = [replace(d, released=released) if d is doc else d for d in self.docs]
        return replace(doc, released=released)
