"""The answerer interface shared by the extractive and LLM answerers, and citation building.

An answerer implements one method, :meth:`Answerer.stream`: it yields the answer text so far
(cumulative strings) while it works, then exactly one final :class:`Answer`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from assistant.types import Answer, Citation, History, Passage


class Answerer(Protocol):
    name: str

    def stream(
        self, question: str, passages: list[Passage], history: History | None = None
    ) -> Iterator[str | Answer]:
        """Cumulative answer text while it is produced, then the final :class:`Answer`."""
        ...


def final_answer(parts: Iterator[str | Answer]) -> Answer:
    """Drain a stream and return its final :class:`Answer`."""
    last: Answer | None = None
    for part in parts:
        if isinstance(part, Answer):
            last = part
    if last is None:
        raise RuntimeError("the answerer ended without an Answer")
    return last


def cite(n: int, passage: Passage, start: int, end: int) -> Citation:
    """A citation of ``passage.chunk.text[start:end]``, with offsets moved into the document.

    The chunk is ``document.text[chunk.start:chunk.end]``, so ``chunk.start + start`` is the
    quote's offset in the document's cleaned text.
    """
    chunk = passage.chunk
    return Citation(
        n=n,
        source=chunk.source,
        title=chunk.title,
        quote=chunk.text[start:end],
        start=chunk.start + start,
        end=chunk.start + end,
        score=round(float(passage.score), 6),
        page=chunk.page,
        published=chunk.published,
    )
