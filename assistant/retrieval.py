"""Hybrid retrieval: dense search in Chroma plus BM25, fused by reciprocal rank fusion, then
reordered by a cross-encoder that reads the query and each candidate together.

The fusion, the near-duplicate collapse and the reordering are pure functions over ids, passages
and scores; only :class:`Retriever` touches the index and the model. Per query it does one
embedding, one Chroma query, one keyword (BM25) search, at most one Chroma ``get`` for the
keyword-only hits and one cross-encoder pass over ``rerank.candidates`` passages, so its cost
does not grow with the number of chunks in Python.

>>> rrf_fuse([["a", "b"], ["b", "c"]], k=60)[0][0]
'b'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from assistant.recency import after, recency_prior
from assistant.types import Passage
from core.settings import Settings
from core.text import words
from core.types import StoredChunk
from vectorstore.index import Index


def rrf_fuse(rankings: Sequence[Sequence[str]], k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: each id scores ``sum(1 / (k + rank))`` over the rankings.

    Ties keep the order in which ids were first seen (the first ranking wins).

    >>> [(id_, round(score, 3)) for id_, score in rrf_fuse([["a", "b"], ["b"]], k=1)]
    [('b', 0.833), ('a', 0.5)]
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, id_ in enumerate(ranking, start=1):
            scores[id_] = scores.get(id_, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def word_set(text: str) -> frozenset[str]:
    """Lower-cased word tokens: ``"The siege, the SIEGE"`` -> ``{"the", "siege"}``."""
    return frozenset(w.lower() for w in words(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """``|a & b| / |a | b|``; 0 for two empty sets."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def span_overlap(a: StoredChunk, b: StoredChunk) -> float:
    """Shared characters of two chunks of one document over the shorter one's length.

    >>> c = lambda s, e: StoredChunk("x", "doc", "", "", 0, s, e)
    >>> span_overlap(c(0, 100), c(50, 150)), span_overlap(c(0, 100), c(10, 60))
    (0.5, 1.0)
    """
    if a.source != b.source:
        return 0.0
    shared = min(a.end, b.end) - max(a.start, b.start)
    shorter = min(a.end - a.start, b.end - b.start)
    return max(0, shared) / shorter if shorter > 0 else 0.0


def is_near_duplicate(a: StoredChunk, b: StoredChunk, threshold: float) -> bool:
    """Same passage twice: mostly overlapping spans of one document, or near-identical text
    (the same article ingested under two names, a syndicated copy)."""
    if span_overlap(a, b) >= threshold:
        return True
    return jaccard(word_set(a.text), word_set(b.text)) >= threshold


def collapse_near_duplicates(
    passages: Sequence[Passage], threshold: float, limit: int | None = None
) -> list[Passage]:
    """Keep the first (best) of each group of near-duplicates, preserving order, stopping once
    ``limit`` are kept.

    Adjacent chunks that only share their overlap sentences are both kept: they hold different
    text. Each kept passage is compared with the kept ones only, so this is ``O(n * kept)``.
    """
    kept: list[Passage] = []
    words: list[frozenset[str]] = []
    for passage in passages:
        if limit is not None and len(kept) >= limit:
            break
        w = word_set(passage.chunk.text)
        if any(
            span_overlap(passage.chunk, other.chunk) >= threshold or jaccard(w, ow) >= threshold
            for other, ow in zip(kept, words, strict=True)
        ):
            continue
        kept.append(passage)
        words.append(w)
    return kept


def fuse(
    dense: Sequence[tuple[StoredChunk, float]],
    keyword: Sequence[tuple[StoredChunk, float]],
    *,
    rrf_k: int,
    near_duplicate: float,
    top_k: int,
) -> list[Passage]:
    """Fused, de-duplicated passages, best first, from two ranked hit lists.

    ``dense`` holds (chunk, cosine similarity) and ``keyword`` (chunk, BM25 score), each best
    first. A chunk found by both keeps the dense similarity.
    """
    chunks: dict[str, StoredChunk] = {}
    dense_rank: dict[str, int] = {}
    similarity: dict[str, float] = {}
    for rank, (chunk, sim) in enumerate(dense, start=1):
        chunks.setdefault(chunk.id, chunk)
        dense_rank.setdefault(chunk.id, rank)
        similarity.setdefault(chunk.id, sim)
    bm25_rank: dict[str, int] = {}
    for rank, (chunk, _score) in enumerate(keyword, start=1):
        chunks.setdefault(chunk.id, chunk)
        bm25_rank.setdefault(chunk.id, rank)
    fused = rrf_fuse([list(dense_rank), list(bm25_rank)], rrf_k)
    passages = [
        Passage(
            chunk=chunks[id_],
            score=score,
            dense_rank=dense_rank.get(id_),
            bm25_rank=bm25_rank.get(id_),
            similarity=similarity.get(id_),
        )
        for id_, score in fused
    ]
    return collapse_near_duplicates(passages, near_duplicate, limit=top_k)


def rerank(
    passages: Sequence[Passage],
    logits: Sequence[float],
    top_k: int,
    priors: Sequence[float] | None = None,
) -> list[Passage]:
    """The ``top_k`` passages by cross-encoder logit plus log-prior (the recency prior of a
    question about recent news), each carrying the sum as ``relevance`` and its prior as
    ``recency``; ties keep the fused order.

    >>> c = lambda i: StoredChunk(i, "doc", "", "", 0, 0, 1)
    >>> two = [Passage(c("a"), 0.5), Passage(c("b"), 0.4)]
    >>> ids = lambda ps: [p.chunk.id for p in ps]
    >>> ids(rerank(two, [-2.0, 3.0], 1)), ids(rerank(two, [1, 3], 1, priors=[0, -4]))
    (['b'], ['a'])
    """
    prior = list(priors) if priors is not None else [0.0] * len(passages)
    total = [float(logit) + p for logit, p in zip(logits, prior, strict=True)]
    order = sorted(range(len(passages)), key=lambda i: -total[i])[:top_k]
    return [
        replace(passages[i], relevance=round(total[i], 4), recency=round(prior[i], 4))
        for i in order
    ]


class Scorer(Protocol):
    """A relevance model: one score per text for a query (the cross-encoder)."""

    def score(self, query: str, texts: Sequence[str]) -> Any: ...


class Retriever:
    """Hybrid search over one :class:`~vectorstore.index.Index`, reranked when ``reranker``
    (a function returning the cross-encoder, or None when it is turned off) is given."""

    def __init__(
        self,
        index: Index,
        settings: Settings | None = None,
        *,
        embed_query: Callable[[str], Sequence[float]] | None = None,
        reranker: Callable[[], Scorer | None] | None = None,
    ) -> None:
        self.index = index
        self.settings = settings or index.settings
        self.embed_query = embed_query or (lambda text: index.embeddings.embed_query(text))
        self.reranker = reranker

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
        now: str | None = None,
        recent: bool = False,
        as_of: str | None = None,
    ) -> list[Passage]:
        """The ``k`` best passages for ``query``, optionally only from ``sources``; never from
        ``exclude`` (quarantined documents), in both searches, so ``k`` passages still come.

        ``now`` (ISO date) is when the question is asked: with ``recent`` (the question asks
        about recent news) the reranker prefers the newest articles on the topic
        (assistant/recency.py). Articles published after ``as_of`` are left out."""
        opts = self.settings.retrieval
        top_k = k or opts.top_k
        # Enough candidates that collapsing duplicates still leaves k passages.
        n = max(opts.candidates, 2 * top_k)
        sources = list(sources) if sources else None
        exclude = [s for s in exclude or () if not sources or s in sources]
        if sources and exclude:
            sources = [s for s in sources if s not in exclude]
            if not sources:
                return []
        vector = self.embed_query(query)
        dense = self.index.dense_search(vector, n, sources=sources, exclude=exclude)
        keyword_hits = self.index.keywords.search(
            query, n, allowed_sources=sources, excluded_sources=exclude
        )
        known = {chunk.id: chunk for chunk, _ in dense}
        missing = [id_ for id_, _ in keyword_hits if id_ not in known]
        known.update((c.id, c) for c in self.index.get_chunks(missing))
        keyword = [(known[id_], score) for id_, score in keyword_hits if id_ in known]
        if as_of is not None:
            dense = [(c, s) for c, s in dense if not after(c.published, as_of)]
            keyword = [(c, s) for c, s in keyword if not after(c.published, as_of)]
        model = self.reranker() if self.reranker is not None else None
        ranks = self.settings.rerank
        pool = max(top_k, ranks.candidates) if model is not None else top_k
        fused = fuse(
            dense, keyword, rrf_k=opts.rrf_k, near_duplicate=opts.near_duplicate, top_k=pool
        )
        if model is None:
            return fused
        priors = None
        if recent and now is not None:
            priors = [
                recency_prior(
                    p.chunk.published, now, weight=ranks.recency_weight, days=ranks.recency_days
                )
                for p in fused
            ]
        logits = model.score(query, [p.chunk.text for p in fused])
        return rerank(fused, logits, top_k, priors)
