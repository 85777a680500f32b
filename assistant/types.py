"""Typed results passed between layers and returned to users."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from core.types import StoredChunk

Role = Literal["user", "assistant"]
History = list[dict[str, str]]
"""Earlier turns: ``[{"role": "user" | "assistant", "content": "..."}]``."""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score and where each retriever ranked it (1 = best)."""

    chunk: StoredChunk
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    similarity: float | None = None
    """Cosine similarity of the chunk to the query, when dense search found it."""
    relevance: float | None = None
    """The cross-encoder's logit for (query, chunk) plus ``recency``, when it reranked."""
    recency: float = 0.0
    """The log-prior for the article's age (<= 0) when the question asks about recent news
    (assistant/recency.py); 0 otherwise."""


@dataclass(frozen=True)
class Citation:
    """One numbered source: ``quote == document.text[start:end]`` of the cited document."""

    n: int
    source: str
    title: str
    quote: str
    start: int
    end: int
    score: float
    page: int | None = None
    published: str | None = None
    """The cited document's publication date (ISO), when it has one."""


@dataclass
class Answer:
    text: str
    """The answer, with inline markers ``[1]``, ``[2]`` matching ``citations[i].n``."""
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    question: str = ""
    mode: str = "extractive"
    search_query: str = ""
    """What was actually searched (the question, rewritten with context for follow-ups)."""
    passages: list[Passage] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    """LLM sentences dropped because the cited passage does not support them."""
    seconds: float = 0.0
    flagged_left_out: list[str] = field(default_factory=list)
    """Sources of quarantined documents (read as instructions to an assistant) that the
    question reached but that were not used as evidence."""
    request: str = "fact"
    """What was asked (:mod:`assistant.requests`): ``fact``, ``article`` (a summary of one
    article), ``topic``, ``latest`` or ``overview``."""

    @property
    def notice(self) -> str:
        """What to tell the user besides the answer: ``""``, or that flagged documents were
        left out."""
        from assistant.quarantine import notice

        return notice(self.flagged_left_out)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``python -m assistant ask --json`` and the web API."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [asdict(c) for c in self.citations],
            "mode": self.mode,
            "search_query": self.search_query,
            "unsupported": list(self.unsupported),
            "flagged_left_out": list(self.flagged_left_out),
            "notice": self.notice,
            "request": self.request,
        }
