"""Records every stage passes on: a stored chunk and a stored document.

They live in the bottom layer so that ``ingest``, ``vectorstore`` and ``assistant`` share one
definition, and users get them back from :class:`assistant.Assistant`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored: its text is ``document.text[start:end]``."""

    id: str
    source: str
    title: str
    text: str
    chunk: int
    start: int
    end: int
    page: int | None = None
    published: str | None = None
    """The document's publication date, ISO ``YYYY-MM-DD``, when it has one."""

    @classmethod
    def from_chroma(cls, id_: str, text: str, meta: dict[str, Any]) -> StoredChunk:
        page = meta.get("page")
        return cls(
            id=id_,
            source=str(meta["source"]),
            title=str(meta.get("title", "")),
            text=text,
            chunk=int(meta.get("chunk", 0)),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            page=int(page) if page is not None else None,
            published=str(meta["published"]) if meta.get("published") else None,
        )


@dataclass(frozen=True)
class StoredDocument:
    """One ingested document; ``text`` is the cleaned text that citations' offsets index into."""

    source: str
    title: str
    text: str
    fingerprint: str = ""
    published: str | None = None
    """Publication date, ISO ``YYYY-MM-DD``, from the file's own metadata; never guessed."""
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    """(page number, start, end) character spans for paged formats."""
    n_chunks: int = 0
    url: str | None = None
    """Where the article was published, from front matter or HTML metadata."""
    outlet: str | None = None
    """The publisher ("CNN", "usatoday.com"), from metadata or the URL's host."""
    risk: tuple[str, ...] = ()
    """Why the document reads as addressed to an assistant (prompt injection); empty if not."""
    released: bool = False
    """The user has allowed a flagged document to be used as evidence."""

    @property
    def quarantined(self) -> bool:
        """Flagged and not released: nothing from it is used as evidence."""
        return bool(self.risk) and not self.released

    def page_at(self, offset: int) -> int | None:
        """The page holding ``offset``: ``[(1, 0, 10), (2, 10, 20)]`` and 12 -> 2."""
        for number, start, end in self.pages:
            if start <= offset < end:
                return number
        return None
