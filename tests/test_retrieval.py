"""Hybrid retrieval: rank fusion and duplicate collapse with fakes; the real index for truth."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from assistant.retrieval import (
    Retriever,
    collapse_near_duplicates,
    fuse,
    is_near_duplicate,
    jaccard,
    rrf_fuse,
    span_overlap,
    word_set,
)
from assistant.types import Passage
from core.errors import BadQuestionError
from core.settings import load_settings
from core.types import StoredChunk


def chunk(
    id_: str, text: str = "", source: str = "a.txt", start: int = 0, end: int = 0
) -> StoredChunk:
    return StoredChunk(id_, source, "T", text or f"text of {id_}", 0, start, end or start + 100)


# -- pure ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rankings", "expected"),
    [
        pytest.param([["a", "b", "c"]], ["a", "b", "c"], id="one-list-keeps-order"),
        pytest.param([["a", "b"], ["b", "a"]], ["a", "b"], id="tie-first-seen-wins"),
        pytest.param([["a", "b", "c"], ["b"]], ["b", "a", "c"], id="agreement-beats-one-top"),
        pytest.param([[], ["x"]], ["x"], id="empty-dense"),
        pytest.param([[], []], [], id="nothing"),
    ],
)
def test_rrf_order(rankings: list[list[str]], expected: list[str]) -> None:
    assert [i for i, _ in rrf_fuse(rankings, k=60)] == expected


def test_rrf_scores_are_the_formula() -> None:
    scores = dict(rrf_fuse([["a", "b"], ["b"]], k=60))
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)


@pytest.mark.parametrize(
    ("a", "b", "duplicate"),
    [
        pytest.param(
            chunk("1", start=0, end=100), chunk("2", start=10, end=100), True, id="contained-span"
        ),
        pytest.param(
            chunk("1", start=0, end=100),
            chunk("2", start=80, end=180),
            False,
            id="adjacent-overlap-kept",
        ),
        pytest.param(
            chunk("1", "Haftar besieges Derna by sea and land", "a.txt"),
            chunk("2", "Haftar besieges Derna by sea and land.", "b.txt", 500),
            True,
            id="same-text-other-file",
        ),
        pytest.param(
            chunk("1", "Haftar besieges Derna", "a.txt"),
            chunk("2", "Kobler condemns the bombing", "b.txt", 500),
            False,
            id="different-text",
        ),
    ],
)
def test_near_duplicates(a: StoredChunk, b: StoredChunk, duplicate: bool) -> None:
    assert is_near_duplicate(a, b, 0.8) is duplicate


def test_span_overlap_and_jaccard() -> None:
    assert span_overlap(chunk("1", start=0, end=100), chunk("2", source="b", start=0, end=100)) == 0
    assert jaccard(word_set("a b"), word_set("B c")) == pytest.approx(1 / 3)
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_collapse_keeps_the_better_ranked_copy() -> None:
    p = [
        Passage(chunk("best", "the siege of Derna goes on"), 0.9),
        Passage(chunk("copy", "The siege of Derna goes on!", source="mirror.txt", start=900), 0.8),
        Passage(chunk("other", "Kobler called for an end", start=400), 0.7),
    ]
    assert [x.chunk.id for x in collapse_near_duplicates(p, 0.8)] == ["best", "other"]


def test_fuse_records_ranks_similarity_and_cuts_to_k() -> None:
    a, b, c = chunk("a", start=0), chunk("b", start=200), chunk("c", start=400)
    out = fuse([(a, 0.9), (b, 0.5)], [(c, 7.0), (b, 3.0)], rrf_k=60, near_duplicate=0.8, top_k=2)
    assert [p.chunk.id for p in out] == ["b", "a"]
    assert (out[0].dense_rank, out[0].bm25_rank, out[0].similarity) == (2, 2, 0.5)
    assert out[1].bm25_rank is None and out[1].similarity == 0.9
    assert out[0].score > out[1].score


# -- the retriever over a fake index ---------------------------------------------------------
class FakeKeywords:
    def __init__(self, hits: list[tuple[str, float]], chunks: dict[str, StoredChunk]) -> None:
        self.hits = hits
        self.chunks = chunks
        self.allowed: list[Any] = []

    def search(
        self,
        query: str,
        k: int,
        *,
        allowed_sources: Any = None,
        excluded_sources: Any = None,
    ) -> list[tuple[str, float]]:
        self.allowed.append(allowed_sources)
        return [
            (i, s)
            for i, s in self.hits
            if (allowed_sources is None or self.chunks[i].source in allowed_sources)
            and self.chunks[i].source not in (excluded_sources or ())
        ][:k]


class FakeEmbeddings:
    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0]


class FakeIndex:
    def __init__(self, chunks: list[StoredChunk], dense: list[str], bm25: list[str]) -> None:
        self.settings = load_settings(data_dir="/nonexistent")
        self.embeddings = FakeEmbeddings()
        self.by_id = {c.id: c for c in chunks}
        self.dense = dense
        self.keywords = FakeKeywords([(i, 1.0) for i in bm25], self.by_id)
        self.fetched: list[list[str]] = []

    def dense_search(
        self, vector: Any, k: int, sources: Any = None, exclude: Any = None
    ) -> list[tuple[StoredChunk, float]]:
        hits = [
            self.by_id[i]
            for i in self.dense
            if (not sources or self.by_id[i].source in sources)
            and self.by_id[i].source not in (exclude or ())
        ]
        return [(c, 0.5) for c in hits[:k]]

    def get_chunks(self, ids: list[str]) -> list[StoredChunk]:
        self.fetched.append(list(ids))
        return [self.by_id[i] for i in ids]


def test_retriever_fetches_only_keyword_only_hits_and_filters_by_source() -> None:
    chunks = [chunk("a1", start=0), chunk("a2", start=300), chunk("b1", source="b.txt")]
    index = FakeIndex(chunks, dense=["a1", "b1"], bm25=["a2", "b1", "a1"])
    retriever = Retriever(index)  # type: ignore[arg-type]
    out = retriever.search("siege", k=3)
    assert {p.chunk.id for p in out} == {"a1", "a2", "b1"}
    assert index.fetched == [["a2"]]  # dense hits already carry their text
    assert index.keywords.allowed == [None]  # no filter unless asked

    only_b = retriever.search("siege", k=3, sources=["b.txt"])
    assert [p.chunk.id for p in only_b] == ["b1"]
    assert index.keywords.allowed[-1] == ["b.txt"]

    # a quarantined source is left out of both searches, not cut from the fused top k
    not_b = retriever.search("siege", k=3, exclude=["b.txt"])
    assert {p.chunk.id for p in not_b} == {"a1", "a2"}
    assert retriever.search("siege", k=3, sources=["b.txt"], exclude=["b.txt"]) == []


# -- the real thing --------------------------------------------------------------------------
@pytest.mark.slow
def test_follow_up_retrieves_for_haftar_and_the_siege(sample_assistant: Any) -> None:
    history = [
        {"role": "user", "content": "Who is besieging Derna?"},
        {"role": "assistant", "content": "General Khalifa Haftar is besieging Derna [1]."},
    ]
    passages = sample_assistant.retrieve("Why is he doing it?", history, k=2)
    top = " ".join(p.chunk.text for p in passages)
    assert "Haftar" in top and "terrorists" in top


@pytest.mark.slow
def test_real_retrieval_ranks_the_answer_first_and_respects_filters(sample_assistant: Any) -> None:
    first = sample_assistant.retrieve("Which hospital treated the wounded?", k=1)
    assert len(first) == 1 and "Al-Harish Hospital" in first[0].chunk.text
    assert first[0].dense_rank is not None and first[0].bm25_rank is not None

    all_passages = sample_assistant.retrieve("Derna siege", k=10)
    ids = [p.chunk.id for p in all_passages]
    assert len(ids) == len(set(ids)) == sample_assistant.stats()["chunks"]
    # best first by the cross-encoder's relevance (the fused score is the order before it)
    assert all(p.relevance is not None for p in all_passages)
    assert all(a.relevance >= b.relevance for a, b in itertools.pairwise(all_passages))  # type: ignore[operator]

    source = all_passages[0].chunk.source
    assert sample_assistant.retrieve("Derna", sources=[source])
    # a source that is not indexed is the user's mistake, said plainly, not an empty result
    with pytest.raises(BadQuestionError, match="is not an indexed document"):
        sample_assistant.retrieve("Derna", sources=["/no/such/file.txt"])


@pytest.mark.slow
def test_retrieval_is_fast_after_load(sample_assistant: Any) -> None:
    sample_assistant.retrieve("warm up")
    times = []
    for q in ["Who is Martin Kobler?", "Operation Volcano", "Al-Harish Hospital", "Sirte"] * 3:
        began = time.perf_counter()
        sample_assistant.retrieve(q)
        times.append(time.perf_counter() - began)
    times.sort()
    assert times[len(times) // 2] < 0.5  # generous: the machine is shared; typical is ~20 ms
