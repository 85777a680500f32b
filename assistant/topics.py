"""What the collection covers: topics found by clustering article embeddings.

An article's vector is the normalised mean of its chunks' stored vectors (nothing is embedded
again). Agglomerative clustering (scikit-learn; cosine distance, average linkage) joins
articles while the mean distance between two groups stays under :data:`GROUP_DISTANCE`, so
only genuinely related articles share a topic; an article that joins no group is counted under
"other articles" rather than put in a topic it does not belong to. Each topic is named by its
most central article's title (the one nearest the group's centre) and comes with its article
count and the range of their dates. The overview answer lists the topics, largest first, each
with the central article's lead sentence quoted and cited.

>>> short_name("Damar Hamlin updates: Buffalo Bills player asked in writing if team ... | CNN")
'Damar Hamlin updates'
>>> short_name("Seoul Halloween crowd crush: death toll rises to 151")
'Seoul Halloween crowd crush'
>>> short_name("Death toll in Seoul Halloween crush rises to 27 but officials ...")
'Death toll in Seoul Halloween crush rises to 27'
"""

from __future__ import annotations

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

GROUP_DISTANCE = 0.35
"""Average-linkage cosine distance under which articles group into a topic (measured
2026-12-02 on the stored vectors). On the 580 news-dev articles, 124 of them labelled with the
story their file names tell (17 stories: Damar Hamlin, the House speaker vote, the Golden
Globes, Pope Benedict, lottery jackpots, the Met Gala, Sears, Pelé, ...): at 0.35 no two
articles of different stories share a topic and 415 of the 586 same-story pairs do (71%);
at 0.30, 390 pairs; at 0.40, 508 but 16 cross-story pairs share one; at 0.50, 540 and 25
(with a topic of 51 articles). 408 of the 580 articles fall into 91 topics, 172 into none."""
NEWS_DEV_PURITY = 1.0
"""Of the labelled news-dev articles in a topic at :data:`GROUP_DISTANCE`, the share whose
topic's majority story is theirs (108 of 108; 112 of 114 at 0.40, 114 of 119 at 0.50)."""
BBC_PURITY = 1.0
"""Of 100 BBC News articles (20 from each of its five sections), the share of those in a topic
at :data:`GROUP_DISTANCE` whose topic's majority section is theirs: 17 of 17, in 8 topics (the
sections are broad and their articles mostly separate stories; 0.50 groups 52 at 51 of 52)."""
SHOWN_TOPICS = 8
"""Topics the overview answer lists (the largest); the web panel lists them all."""


@dataclass(frozen=True)
class Topic:
    """A group of related articles, named by its most central one."""

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


_OUTLET_SUFFIX = re.compile(r"\s*(?:\||–|—| - )\s*[\w .,'’&-]{1,40}$")


_CLAUSE_BREAKS = (
    re.compile(r"\s*(?:[,;]|\s[–—-])\s"),
    re.compile(
        r"\s(?:but|as|after|amid|while|and|with|despite|because|when|where|who|which|that|"
        r"says?|said)\s",
        re.IGNORECASE,
    ),
)
"""Where a headline's phrases end: punctuation first, else a word that starts a clause."""


def short_name(title: str, max_words: int = 14) -> str:
    """A title's head: without the outlet suffix or what follows its first colon or full stop;
    never cut mid-phrase. A title its outlet cut short (``...``) loses its unfinished last
    clause; one longer than ``max_words`` is cut at its last clause break within them (a comma
    or a dash, else "but", "as", "after", ...), or else given whole.

    >>> short_name("Golden Globes 2023: 'Banshees of Inisherin' wins best comedy, 'The ...")
    'Golden Globes 2023'
    """
    name = " ".join(title.split())
    name = _OUTLET_SUFFIX.sub("", name) or name
    cut = re.search(r"\s*(?:\.\.\.|…)$", name)
    name = name[: cut.start()] if cut else name
    head = re.split(r"(?<=\w)[:.] ", name, maxsplit=1)[0]
    if len(head.split()) >= 2:
        if head != name:
            cut = None  # the head is a whole phrase: what was cut short is gone with the rest
        name = head
    if cut or len(name.split()) > max_words:
        limit = len(" ".join(name.split()[:max_words])) if not cut else len(name)
        for pattern in _CLAUSE_BREAKS:
            breaks = [m.start() for m in pattern.finditer(name) if m.start() <= limit]
            breaks = [b for b in breaks if len(name[:b].split()) >= 3]
            if breaks:
                name = name[: breaks[-1]]
                break
    return name.strip(" ,;–—-") or title


def cluster(vectors: np.ndarray, distance: float = GROUP_DISTANCE) -> np.ndarray:
    """A group label per row of unit ``vectors``: agglomerative, cosine distance, average
    linkage, groups merged while their mean distance is under ``distance`` (deterministic)."""
    if len(vectors) <= 1:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return np.asarray(model.fit_predict(vectors))


def find_topics(
    sources: Sequence[str],
    vectors: np.ndarray,
    docs: dict[str, StoredDocument],
    distance: float = GROUP_DISTANCE,
) -> list[Topic]:
    """Topics of the articles (``vectors[i]`` is ``sources[i]``'s unit vector), largest first
    (ties: the more recent first). Only groups of two or more articles are topics (a lone
    article is one topic); the articles in no topic are the "other articles"."""
    if not len(sources):
        return []
    labels = cluster(vectors, distance)
    topics = []
    for label in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == label)
        if len(rows) < 2 and len(sources) > 1:
            continue
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
    topics: Sequence[Topic],
    docs: dict[str, StoredDocument],
    question: str = "",
    total: int | None = None,
) -> Answer:
    """The collection's topics as an answer: each topic's name, count and dates, with the lead
    sentence of its central article quoted and cited; ``total`` articles in all (the ones in no
    topic are counted as "other articles")."""
    grouped = sum(t.count for t in topics)
    total = max(grouped, total or 0)
    other = total - grouped
    if not topics:
        text = (
            f"No two of the {_articles(total)} are about the same story, so they form no topic."
            if total
            else "No articles are indexed yet."
        )
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
    others = f" ({other} other {'article is' if other == 1 else 'articles are'} in none)"
    others = others if other else ""
    if len(topics) == 1:
        verb = "forms" if grouped == 1 else "form"
        lead = (
            f"The {_articles(grouped)}{' of ' + str(total) if other else ''} {verb} one "
            f"topic{others}, named by its most central article:"
        )
    else:
        largest = f"; the {len(shown)} largest" if rest > 0 else ""
        lead = (
            f"The {_articles(total)} fall into {len(topics)} topics{largest}{others}, each "
            "named by its most central article:"
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
