"""Time-aware retrieval: cues, the age prior, the as_of cut, and the reranking they change."""

from __future__ import annotations

import pytest

from assistant.recency import after, asks_recent, recency_prior
from assistant.retrieval import rerank
from assistant.types import Passage
from core.types import StoredChunk


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        pytest.param("Which team won the title this week?", True, id="this-week"),
        pytest.param("Who recently became speaker?", True, id="recently"),
        pytest.param("What is the latest attack?", True, id="latest"),
        pytest.param("Which new variant dominates?", True, id="new"),
        pytest.param("Who was elected in New York?", False, id="new-york-is-a-name"),
        pytest.param("Who is Martin Kobler?", False, id="timeless"),
    ],
)
def test_asks_recent(question: str, expected: bool) -> None:
    assert asks_recent(question) is expected


def test_prior_grows_with_age_and_ignores_undated() -> None:
    week = recency_prior("2023-01-02", "2023-01-09", weight=1.0, days=30)
    years = recency_prior("2015-01-11", "2023-01-09", weight=1.0, days=30)
    assert 0 > week > -0.5 and years < -6
    assert recency_prior(None, "2023-01-09", weight=1.0, days=30) == 0.0
    assert recency_prior("2023-01-20", "2023-01-09", weight=1.0, days=30) == 0.0  # no bonus


def test_after() -> None:
    assert after("2023-01-10", "2023-01-09") and not after("2023-01-09", "2023-01-09")


def test_recent_question_prefers_the_new_article_of_similar_relevance() -> None:
    def p(id_: str, published: str) -> Passage:
        return Passage(StoredChunk(id_, f"{id_}.md", "", "", 0, 0, 1, published=published), 0.5)

    old, new = p("2015", "2015-01-11"), p("2023", "2023-01-10")
    now = "2023-01-13"
    priors = [recency_prior(x.chunk.published, now, weight=1.0, days=30) for x in (old, new)]
    assert rerank([old, new], [8.5, 3.0], 1)[0].chunk.id == "2015"  # relevance alone
    best = rerank([old, new], [8.5, 3.0], 1, priors)[0]
    assert best.chunk.id == "2023" and best.recency == pytest.approx(priors[1], abs=1e-4)
    # much more relevant still wins over a little newer
    assert rerank([old, new], [8.5, -9.0], 1, priors)[0].chunk.id == "2015"
