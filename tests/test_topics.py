"""Topics of the collection: clustering, naming, dates, and the overview answer."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.topics import Topic, find_topics, overview, short_name, topic_count
from core.types import StoredDocument


def _docs() -> tuple[list[str], np.ndarray, dict[str, StoredDocument]]:
    rng = np.random.default_rng(0)
    storm, football = np.eye(8)[0], np.eye(8)[1]
    rows, docs, sources = [], {}, []
    for i in range(6):
        for name, axis, day in (("storm", storm, 20 + i), ("pele", football, 1 + i)):
            noise = 0.05 * rng.standard_normal(8) * (3 if i == 5 else 1)
            rows.append(axis + noise)
            source = f"/n/{name}-{i}.txt"
            sources.append(source)
            title = f"{name.title()} report {i}"
            text = f"{title}\nThe {name} story goes on for day {i} with many more details."
            docs[source] = StoredDocument(source, title, text, published=f"2022-12-{day:02d}")
    vectors = np.array(rows)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return sources, vectors, docs


def test_topics_are_clusters_named_by_their_central_article_with_dates() -> None:
    sources, vectors, docs = _docs()
    topics = find_topics(sources, vectors, docs, k=2)
    assert sorted(t.count for t in topics) == [6, 6]
    for t in topics:
        kind = "storm" if "storm" in t.central else "pele"
        assert all(kind in s for s in t.sources)
        assert "-5" not in t.central  # the noisiest article is not the most central
        assert t.name == docs[t.central].title
    storm = next(t for t in topics if "storm" in t.central)
    assert storm.dates == "2022-12-20 to 2022-12-25"
    assert topics[0].last == "2022-12-25"  # equal counts: the more recent topic first


def test_overview_cites_each_topic_from_its_central_article() -> None:
    sources, vectors, docs = _docs()
    topics = find_topics(sources, vectors, docs, k=2)
    answer = overview(topics, docs)
    assert answer.request == "overview" and not answer.refused
    assert answer.text.startswith("The 12 articles fall into 2 topics")
    assert [c.source for c in answer.citations] == [t.central for t in topics]
    for c in answer.citations:
        assert docs[c.source].text[c.start : c.end] == c.quote


def test_one_article_is_one_topic() -> None:
    doc = StoredDocument("/a.txt", "Siege of Derna", "Siege of Derna\nHaftar besieges Derna now.")
    topics = find_topics(["/a.txt"], np.ones((1, 4)) / 2, {"/a.txt": doc})
    assert [(t.name, t.count, t.dates) for t in topics] == [("Siege of Derna", 1, "undated")]
    assert overview(topics, {"/a.txt": doc}).text.startswith("The 1 article forms one topic")


@pytest.mark.parametrize(
    ("n", "k"),
    [
        pytest.param(1, 1, id="one"),
        pytest.param(50, 7, id="fifty"),
        pytest.param(5000, 12, id="cap"),
    ],
)
def test_topic_count(n: int, k: int) -> None:
    assert topic_count(n) == k


def test_short_name_drops_outlet_and_ellipsis() -> None:
    assert short_name("Pelé buried at cemetery in Brazilian city | CNN") == (
        "Pelé buried at cemetery in Brazilian city"
    )
    assert Topic("X", 2, "/x").label == "X · 2 articles · undated"
