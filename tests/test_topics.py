"""Topics of the collection: clustering, naming, dates, and the overview answer."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.topics import GROUP_DISTANCE, Topic, find_topics, overview, short_name
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
    topics = find_topics(sources, vectors, docs)
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
    topics = find_topics(sources, vectors, docs)
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


def test_unrelated_articles_share_no_topic() -> None:
    """Two stories of three articles each and four articles on subjects of their own: the
    four are "other articles", never put into a story's topic or into one of their own."""
    rng = np.random.default_rng(1)
    base = np.eye(16)
    rows, sources, docs = [], [], {}
    for i in range(10):
        axis = base[0] if i < 3 else base[1] if i < 6 else base[2 + i]
        rows.append(axis + 0.05 * rng.standard_normal(16))
        source = f"/n/{i}.txt"
        sources.append(source)
        docs[source] = StoredDocument(source, f"Story {i}", f"Story {i}\nSome text about it.")
    vectors = np.array(rows)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    topics = find_topics(sources, vectors, docs)
    assert sorted(sorted(t.sources) for t in topics) == [
        ["/n/0.txt", "/n/1.txt", "/n/2.txt"],
        ["/n/3.txt", "/n/4.txt", "/n/5.txt"],
    ]
    answer = overview(topics, docs, total=len(sources))
    assert answer.text.startswith("The 10 articles fall into 2 topics (4 other articles are in")
    # half-related articles (cosine 0.5, distance 0.5) are farther apart than a topic allows
    half = np.array([[1.0, 0.0], [0.5, np.sqrt(0.75)]])
    assert GROUP_DISTANCE < 0.5
    assert find_topics(["/n/0.txt", "/n/1.txt"], half, docs) == []
    assert overview([], docs, total=2).text.startswith("No two of the 2 articles")


@pytest.mark.parametrize(
    ("title", "name"),
    [
        pytest.param(
            "Death toll in Seoul crush rises to 27 but officials ...",
            "Death toll in Seoul crush rises to 27",
            id="cut-short",
        ),
        pytest.param(
            "Food prices soar, and it's not just because of inflation ...",
            "Food prices soar",
            id="comma",
        ),
        pytest.param(
            "Brittney Griner is released from Russian prison in a prisoner swap with arms dealer "
            "Viktor Bout after months of talks",
            "Brittney Griner is released from Russian prison in a prisoner swap",
            id="long",
        ),
        pytest.param(
            "Pre-Christmas blizzard could become a bomb cyclone in northern US",
            "Pre-Christmas blizzard could become a bomb cyclone in northern US",
            id="whole",
        ),
    ],
)
def test_names_are_not_cut_mid_phrase(title: str, name: str) -> None:
    assert short_name(title) == name


def test_short_name_drops_outlet_and_ellipsis() -> None:
    assert short_name("Pelé buried at cemetery in Brazilian city | CNN") == (
        "Pelé buried at cemetery in Brazilian city"
    )
    assert Topic("X", 2, "/x").label == "X · 2 articles · undated"
