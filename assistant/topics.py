"""What the collection covers: topics found by clustering article embeddings.

An article's vector is the normalised mean of its chunks' stored vectors (nothing is embedded
again). k-means (scikit-learn) groups them into :func:`topic_count` topics; each topic is named
by its most central article's title (the one nearest the cluster's centre) and comes with its
article count and the range of their dates. The overview answer lists the topics, largest
first, each with the central article's lead sentence quoted and cited.

>>> topic_count(1), topic_count(8), topic_count(40), topic_count(2225)
(1, 3, 6, 12)
>>> short_name("Damar Hamlin updates: Buffalo Bills player asked in writing if team ... | CNN")
'Damar Hamlin updates'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.summaries import (
    Group,
    Quote,
    compose,
    document_passage,
    summary_sentences,
    with_pages,
)
from assistant.types import Answer
from core.types import StoredDocument

MAX_TOPICS = 12
"""At most this many topics: a list a reader takes in at a glance."""
SHOWN_TOPICS = 8
"""Topics the overview answer lists (the largest); the web panel lists them all."""


@dataclass(frozen=True)
class Topic:
    """A group of similar articles, named by its most central one."""

    name: str
    count: int
    central: str
    """Source of the article nearest the topic's centre (the one that names it)."""
    sources: list[str] = field(default_factory=list)
    first: str | None = None
    """Earliest publication date (ISO) among the topic's dated articles."""
    last: str | None = None

    @property
    def dates(self) -> str:
        """``"2022-12-24 to 2023-01-05"``, one date, or ``"undated"``."""
        if not self.first or not self.last:
            return "undated"
        return self.first if self.first == self.last else f"{self.first} to {self.last}"

    @property
    def label(self) -> str:
        """``"Storm hits Buffalo · 12 articles · 2022-12-24 to 2022-12-30"``."""
        return f"{self.name} · {_articles(self.count)} · {self.dates}"

    @property
    def question(self) -> str:
        """What asking about the topic sends: ``"Tell me about <name>"``."""
        return f"Tell me about {self.name}"


def topic_count(n: int) -> int:
    """``round(sqrt(n))`` topics for ``n`` articles, between 1 and :data:`MAX_TOPICS`.

    On 40 BBC News articles (8 from each of 5 sections), ``sqrt(n / 2)`` (4 topics) left 29 of
    40 in their section's topic, ``sqrt(n)`` (6) keeps 37 (measured 2026-12-02).
    """
    return max(1, min(MAX_TOPICS, round(math.sqrt(n)), n))


_OUTLET_SUFFIX = re.compile(r"\s*(?:\||–|—| - )\s*[\w .,'’&-]{1,40}$")


def short_name(title: str, max_words: int = 12) -> str:
    """A title's head: without the outlet suffix, the trailing ellipsis, or what follows its
    first colon or full stop, at most ``max_words`` words.

    >>> short_name("Golden Globes 2023: 'Banshees of Inisherin' wins best comedy, 'The ...")
    'Golden Globes 2023'
    """
    name = " ".join(title.split())
    name = _OUTLET_SUFFIX.sub("", name) or name
    name = re.sub(r"\s*(?:\.\.\.|…)$", "", name)
    head = re.split(r"(?<=\w)[:.] ", name, maxsplit=1)[0]
    if len(head.split()) >= 2:
        name = head
    tokens = name.split()
    return " ".join(tokens[:max_words]) if tokens else title


def cluster(vectors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """A topic label per row of unit ``vectors`` (k-means, deterministic for a seed)."""
    if k <= 1 or len(vectors) <= 1:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import KMeans

    return np.asarray(KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors))


def find_topics(
    sources: Sequence[str],
    vectors: np.ndarray,
    docs: dict[str, StoredDocument],
    k: int | None = None,
) -> list[Topic]:
    """Topics of the articles (``vectors[i]`` is ``sources[i]``'s unit vector), largest first
    (ties: the more recent first)."""
    if not len(sources):
        return []
    labels = cluster(vectors, topic_count(len(sources)) if k is None else k)
    topics = []
    for label in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == label)
        centre = vectors[rows].mean(axis=0)
        central = sources[int(rows[int(np.argmax(vectors[rows] @ centre))])]
        members = [sources[int(i)] for i in rows]
        dates = sorted(d for s in members if (d := docs[s].published if s in docs else None))
        doc = docs.get(central)
        title = (doc.title if doc else "") or central
        topics.append(
            Topic(
                name=short_name(title),
                count=len(members),
                central=central,
                sources=members,
                first=dates[0] if dates else None,
                last=dates[-1] if dates else None,
            )
        )
    topics.sort(key=lambda t: (-t.count, "" if not t.last else _negate(t.last)))
    return topics


def _negate(iso: str) -> str:
    """A key that sorts later dates first: ``"2023-01-05"`` -> ``"7976-98-94"``."""
    return iso.translate(str.maketrans("0123456789", "9876543210"))


def overview(
    topics: Sequence[Topic], docs: dict[str, StoredDocument], question: str = ""
) -> Answer:
    """The collection's topics as an answer: each topic's name, count and dates, with the lead
    sentence of its central article quoted and cited."""
    total = sum(t.count for t in topics)
    if not topics:
        text = "No articles are indexed yet."
        return Answer(text, True, [], question=question, request="overview")
    shown = list(topics[:SHOWN_TOPICS])
    groups = []
    for i, topic in enumerate(shown, start=1):
        doc = docs.get(topic.central)
        title = f"{i}. {topic.name} — {_articles(topic.count)}, {topic.dates}"
        if doc is None:
            continue
        spans = summary_sentences(doc.text, doc.title)[:1]
        quotes = [Quote(document_passage(doc), *spans[0])] if spans else []
        groups.append(Group(title, quotes))
    rest = len(topics) - len(shown)
    if len(topics) == 1:
        verb = "forms" if total == 1 else "form"
        lead = f"The {_articles(total)} {verb} one topic, named by its most central article:"
    else:
        largest = f"; the {len(shown)} largest" if rest > 0 else ""
        lead = (
            f"The {_articles(total)} fall into {len(topics)} topics{largest}, each named by its "
            "most central article:"
        )
    text, citations = compose(groups, lead)
    return Answer(
        text,
        False,
        with_pages(citations, docs),
        question=question,
        passages=[document_passage(docs[t.central]) for t in shown if t.central in docs],
        request="overview",
    )


def _articles(n: int) -> str:
    """``"1 article"``, ``"12 articles"``."""
    return f"{n} article{'s' if n != 1 else ''}"
