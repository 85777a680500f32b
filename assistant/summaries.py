"""Extractive summaries with citations: of one article, and of a topic across articles.

A summary is made only of quoted sentences, each cited with its offsets in the document.

* **One article**: every sentence is embedded with the index's model; a sentence's worth is
  its centrality (cosine with the article's mean vector) plus a lead prior (news puts the
  story first); maximal marginal relevance (MMR) picks sentences that cover the article
  without repeating each other; they are quoted in the article's order.
* **A topic**: the topic is retrieved like a question and every sentence of the passages is
  scored against it by the extractive answerer's scorer. An article takes part when its best
  sentence passes the answerer's refusal threshold, so nothing is quoted from an unrelated
  article. Copies of one story (the same wire text in two outlets) are collapsed to the
  first; each article gives its best sentences by MMR, and the articles are grouped (title,
  date, outlet) in date order. "The latest" takes the newest articles first instead.

The length follows the request: :data:`SIZES` per ``short`` / ``default`` / ``long``.

>>> import numpy as np
>>> v = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]])
>>> mmr(np.array([1.0, 0.95, 0.5]), v, 2)  # the near-copy of the first is passed over
[0, 2]
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.answerer import cite
from assistant.extractive import needs_previous
from assistant.requests import Length
from assistant.types import Answer, Citation, Passage
from core.text import content_stems, split_sentences, words
from core.types import StoredChunk, StoredDocument

Vectors = Callable[[Sequence[str]], np.ndarray]
"""Texts -> unit vectors, one row each (the extractive answerer's cached ``vectors``)."""


@dataclass(frozen=True)
class Size:
    """How much a summary says: sentences of one article; articles and sentences per article
    of a topic."""

    article_sentences: int
    topic_articles: int
    per_article: int
    lead: float = 0.35
    """Share of the lead prior in an article sentence's worth (the rest is centrality)."""


SIZES: dict[str, Size] = {
    "short": Size(article_sentences=2, topic_articles=3, per_article=1),
    "default": Size(article_sentences=4, topic_articles=5, per_article=2),
    "long": Size(article_sentences=8, topic_articles=10, per_article=3, lead=0.2),
}
"""A long summary leans less on the lead so that it covers the whole article: on the first 100
BBC News articles (20 per section), the 8 sentences span more than half of the article in 81 %
of them with a lead share of 0.35, 96 % with 0.2 (median span 63 % -> 77 %; 2026-12-02)."""

MMR_DIVERSITY = 0.3
"""MMR weight of redundancy against relevance: 0.3 keeps relevance first and still passes over
a sentence that restates one already chosen."""
REDUNDANT = 0.85
"""Cosine similarity at which a sentence counts as a restatement and is never added."""
LEAD_DECAY = 6.0
"""The lead prior is ``1 / (1 + position / LEAD_DECAY)``: the 6th sentence has half."""
MAX_ARTICLE_SENTENCES = 160
"""Sentences of one article considered (the first ones): bounds the cost of very long pages
(live blogs) at about 0.5 s of embedding on two cores."""
MIN_SUMMARY_WORDS = 6
"""Shorter lines (datelines, bylines, "Follow every game: ...") are not summary material."""
SAME_STORY = 0.5
"""Share of the shorter article's 5-word shingles found in the other at which two articles are
one story (a wire copy, a re-published update); copies edited for another outlet keep most of
their shingles while two reports of one event share few (below 0.1 in news-dev)."""
W_TOPIC = 0.7
"""Share of the topic score in a topic sentence's worth; the rest is the lead prior of its
place in the article, so an article's own account of the story comes before a side remark."""
SENTENCE_FLOOR = 0.6
"""A further sentence of a taking-part article is quoted when it scores at least this share of
the article's best, so the rest of a long article's off-topic paragraphs stay out."""

_BOILERPLATE = re.compile(
    r"^(?:advertisement|related|read more|read next|more:|sign up|subscribe|follow (?:us|every)|"
    r"click|watch|listen|share this|copyright|©|photo:|image:|getty|editor'?s note|"
    r"this story (?:has been|was) updated|(?:the )?associated press contributed|"
    r"a version of this story (?:first )?appeared|from usa today network|"
    r"here'?s (?:our|the) latest coverage|sign up for)",
    re.IGNORECASE,
)


# -- pure helpers ----------------------------------------------------------------------------
def mmr(
    relevance: np.ndarray,
    vectors: np.ndarray,
    k: int,
    diversity: float = MMR_DIVERSITY,
    redundant: float = REDUNDANT,
    chosen: Sequence[np.ndarray] = (),
) -> list[int]:
    """Indices of up to ``k`` items by maximal marginal relevance, in the order picked.

    Each pick maximises ``(1 - diversity) * relevance - diversity * max similarity to the
    picked ones`` (``chosen`` holds vectors already picked elsewhere); an item at least
    ``redundant`` similar to a picked one is never picked.
    """
    n = len(relevance)
    picked: list[int] = []
    if n == 0 or k <= 0:
        return picked
    sims = np.full(n, -1.0)
    if len(chosen):
        sims = (vectors @ np.stack(list(chosen)).T).max(axis=1)
    available = np.ones(n, dtype=bool)
    while len(picked) < k:
        value = (1 - diversity) * relevance - diversity * np.maximum(sims, 0.0)
        value = np.where(available & (sims < redundant), value, -np.inf)
        best = int(np.argmax(value))
        if not np.isfinite(value[best]):
            break
        picked.append(best)
        available[best] = False
        sims = np.maximum(sims, vectors @ vectors[best])
    return picked


def centrality(vectors: np.ndarray) -> np.ndarray:
    """Cosine of each unit vector with their normalised mean.

    >>> centrality(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])).round(2).tolist()
    [0.89, 0.89, 0.45]
    """
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return vectors @ (mean / norm) if norm else np.zeros(len(vectors))


def lead_prior(n: int) -> np.ndarray:
    """``1 / (1 + i / LEAD_DECAY)`` for positions ``0..n-1``: ``lead_prior(7)[6] == 0.5``."""
    return 1.0 / (1.0 + np.arange(n) / LEAD_DECAY)


def summary_sentences(text: str, title: str = "") -> list[tuple[int, int]]:
    """(start, end) of the sentences of ``text`` worth quoting in a summary: not the headline,
    not a dateline or byline, not boilerplate ("Read more: ..."); the first
    :data:`MAX_ARTICLE_SENTENCES`.

    >>> t = "Storm hits Buffalo\\nBy Ann Lee\\nThe storm killed 27 people in Buffalo this week."
    >>> [t[s:e] for s, e in summary_sentences(t, "Storm hits Buffalo")]
    ['The storm killed 27 people in Buffalo this week.']
    """
    out = []
    for s, e in split_sentences(text):
        if not quotable(text[s:e], title):
            continue
        out.append((s, e))
        if len(out) >= MAX_ARTICLE_SENTENCES:
            break
    return out


def quotable(sentence: str, title: str = "") -> bool:
    """Is ``sentence`` summary material: long enough, not the headline, a byline, a label
    ("Related:") or boilerplate ("Read more: ...")?

    >>> quotable("Storm hits Buffalo", "Storm hits Buffalo"), quotable("Read more: the storm")
    (False, False)
    """
    flat = " ".join(sentence.split())
    if len(words(flat)) < MIN_SUMMARY_WORDS or _BOILERPLATE.match(flat):
        return False
    head = " ".join(title.split()).lower().rstrip(".")
    if head and flat.lower().rstrip(".").startswith(head):
        return False  # the headline repeated as the first line
    return not (flat.endswith(":") or flat.startswith(("By ", "BY ")))


def with_antecedents(
    text: str, spans: Sequence[tuple[int, int]], picked: Sequence[int]
) -> list[tuple[int, int]]:
    """The picked spans in text order, each that opens with a pronoun or connector ("He ...",
    "However, ...") joined to the sentence before it when that is not picked already.

    >>> t = "Haftar besieges Derna. He calls them terrorists. Talks failed."
    >>> spans = [(0, 22), (23, 48), (49, 62)]
    >>> [t[s:e] for s, e in with_antecedents(t, spans, [1, 2])]
    ['Haftar besieges Derna. He calls them terrorists.', 'Talks failed.']
    """
    chosen = sorted(set(picked))
    out: list[tuple[int, int]] = []
    for i in chosen:
        start, end = spans[i]
        if i > 0 and i - 1 not in chosen and needs_previous(text[start:end]):
            start = spans[i - 1][0]
        out.append((start, end))
    return out


def shingles(text: str, n: int = 5) -> frozenset[int]:
    """Hashes of the lower-cased ``n``-word windows of ``text``."""
    tokens = [w.lower() for w in words(text)]
    return frozenset(hash(tuple(tokens[i : i + n])) for i in range(max(0, len(tokens) - n + 1)))


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """``|a & b|`` over the smaller set's size; 0 when either is empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def collapse_same_stories(
    ranked: Sequence[str], texts: dict[str, str], threshold: float = SAME_STORY
) -> tuple[list[str], dict[str, str]]:
    """Sources with copies of an earlier-ranked one left out, and each left-out -> its kept one.

    >>> story = "the bills safety collapsed on the field and was taken to hospital in cincinnati"
    >>> collapse_same_stories(["a", "b", "c"], {"a": story, "b": "CNN: " + story, "c": "other"})
    (['a', 'c'], {'b': 'a'})
    """
    kept: list[str] = []
    marks: list[frozenset[int]] = []
    copies: dict[str, str] = {}
    for source in ranked:
        mark = shingles(texts.get(source, ""))
        twin = next(
            (k for k, m in zip(kept, marks, strict=True) if containment(mark, m) >= threshold),
            None,
        )
        if twin is None:
            kept.append(source)
            marks.append(mark)
        else:
            copies[source] = twin
    return kept, copies


def document_passage(doc: StoredDocument) -> Passage:
    """The whole document as one passage, so :func:`cite` offsets are document offsets."""
    chunk = StoredChunk(
        id=f"{doc.source}#document",
        source=doc.source,
        title=doc.title,
        text=doc.text,
        chunk=0,
        start=0,
        end=len(doc.text),
        published=doc.published,
    )
    return Passage(chunk, 1.0)


def heading(doc: StoredDocument | None, title: str, published: str | None) -> str:
    """``"Title (2023-01-05, CNN)"``: how a summary introduces an article.

    >>> heading(None, "Storm hits Buffalo", "2022-12-27")
    'Storm hits Buffalo (2022-12-27)'
    """
    title = " ".join((title or (doc.title if doc else "") or "Untitled").split())
    meta = [published or (doc.published if doc else None), doc.outlet if doc else None]
    shown = ", ".join(m for m in meta if m)
    return f"{title} ({shown})" if shown else title


@dataclass(frozen=True)
class Quote:
    """A sentence chosen for a summary: where it is and the passage that holds it."""

    passage: Passage
    start: int
    """Offsets in ``passage.chunk.text``."""
    end: int

    @property
    def source(self) -> str:
        return self.passage.chunk.source

    @property
    def doc_start(self) -> int:
        return self.passage.chunk.start + self.start


@dataclass(frozen=True)
class Group:
    """One article's part of a summary."""

    heading: str
    quotes: list[Quote]


def compose(groups: Sequence[Group], lead: str = "") -> tuple[str, list[Citation]]:
    """The summary text (one paragraph per article, a heading then quoted sentences with
    markers) and its citations, numbered in reading order."""
    paragraphs = [lead] if lead else []
    citations: list[Citation] = []
    for group in groups:
        parts = []
        for q in sorted(group.quotes, key=lambda q: q.doc_start):
            n = len(citations) + 1
            citations.append(cite(n, q.passage, q.start, q.end))
            parts.append(f"{_flat(q.passage.chunk.text[q.start : q.end])} [{n}]")
        paragraphs.append(f"{group.heading}: " + " ".join(parts) if parts else group.heading)
    return "\n\n".join(paragraphs), citations


def _flat(text: str) -> str:
    return " ".join(text.split())


def with_pages(citations: list[Citation], docs: dict[str, StoredDocument]) -> list[Citation]:
    """Citations of paged documents (PDF) get the page their quote starts on."""
    out = []
    for c in citations:
        doc = docs.get(c.source)
        page = doc.page_at(c.start) if doc is not None and doc.pages else c.page
        out.append(replace(c, page=page))
    return out


# -- one article -----------------------------------------------------------------------------
def summarize_article(
    doc: StoredDocument, vectors: Vectors, length: Length = "default", question: str = ""
) -> Answer:
    """An extractive summary of ``doc``: central, non-redundant sentences in article order."""
    spans = summary_sentences(doc.text, doc.title)
    passage = document_passage(doc)
    if not spans:  # a very short note: its one real line is the summary
        spans = split_sentences(doc.text)[:1]
    if not spans:
        text = f"{doc.title or doc.source} has no text to summarise."
        return Answer(text, True, [], question=question, request="article")
    k = SIZES[length].article_sentences
    if len(spans) <= k:
        picked = list(range(len(spans)))
    else:
        v = vectors([_flat(doc.text[s:e]) for s, e in spans])
        lead = SIZES[length].lead
        worth = (1 - lead) * centrality(v) + lead * lead_prior(len(spans))
        picked = mmr(worth, v, k)
    quotes = [Quote(passage, *span) for span in with_antecedents(doc.text, spans, picked)]
    text, citations = compose([Group(heading(doc, doc.title, doc.published), quotes)])
    return Answer(
        text,
        False,
        with_pages(citations, {doc.source: doc}),
        question=question,
        passages=[passage],
        request="article",
    )


# -- a topic ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A scored sentence of a retrieved passage."""

    quote: Quote
    score: float


Scorer = Callable[[str, Sequence[Passage]], list[tuple[Quote, float]]]
"""(topic, passages) -> every sentence of the passages with its score against the topic."""


def extractive_scorer(score: Callable[..., tuple[list, list]]) -> Scorer:
    """A :data:`Scorer` from the extractive answerer's ``score(question, passages)``."""

    def scorer(topic: str, passages: Sequence[Passage]) -> list[tuple[Quote, float]]:
        _, scored = score(topic, list(passages))
        return [
            (Quote(passages[s.sentence.passage], s.sentence.start, s.sentence.end), s.score)
            for s in scored
        ]

    return scorer


def article_order(
    by_source: dict[str, list[Candidate]],
    docs: dict[str, StoredDocument],
    latest: bool,
) -> list[str]:
    """Sources best first: by best sentence score, or for "latest" by date, newest first
    (undated ones last, by score)."""
    best = {s: max(c.score for c in cands) for s, cands in by_source.items()}
    by_score = sorted(best, key=lambda s: -best[s])
    if not latest:
        return by_score
    dated = [s for s in by_score if docs.get(s) and docs[s].published]
    undated = [s for s in by_score if s not in set(dated)]
    dated.sort(key=lambda s: docs[s].published or "", reverse=True)  # stable: ties by score
    return dated + undated


def summarize_topic(
    topic: str,
    passages: Sequence[Passage],
    docs: dict[str, StoredDocument],
    scorer: Scorer,
    vectors: Vectors,
    threshold: float,
    *,
    length: Length = "default",
    latest: bool = False,
    question: str = "",
    leads: Callable[[Sequence[str]], list[Passage]] | None = None,
) -> Answer:
    """A summary of what the passages' articles say about ``topic``, grouped by article.

    ``docs`` maps each passage's source to its document (for the date, outlet and the
    same-story check); ``threshold`` is the score an article's best sentence must reach;
    ``leads(sources)`` gives those articles' first passages.
    """
    kind = "latest" if latest else "topic"
    size = SIZES[length]
    order = source_order(passages, docs, latest)
    # Articles are scored a few at a time, in retrieval (or date) order, until enough distinct
    # stories take part: the cost follows the summary's length, not the passages retrieved.
    by_source: dict[str, list[Candidate]] = {}
    relevant: dict[str, list[Candidate]] = {}
    kept: list[str] = []
    done = 0
    must = content_stems(topic)
    names = content_stems(" ".join(w for w in words(topic) if w[:1].isupper()))
    while done < len(order) and len(kept) < size.topic_articles:
        batch = order[done : done + size.topic_articles + BATCH_EXTRA]
        done += len(batch)
        # an article that lacks the topic's words ("sesame allergy") or its names ("Seoul
        # Halloween") is not about it: all of one or two, half of more
        stems = {s: content_stems(_text(docs, s)) for s in batch}
        batch = [s for s in batch if names_enough(must, stems[s]) and names_enough(names, stems[s])]
        chosen = best_passages(passages, batch)
        if leads is not None:  # an article's opening tells its story; add it when not retrieved
            have = {p.chunk.id for p in chosen}
            chosen += [p for p in leads(batch) if p.chunk.id not in have]
        for quote, score in scorer(topic, chosen):
            if quotable(
                quote.passage.chunk.text[quote.start : quote.end], quote.passage.chunk.title
            ):
                by_source.setdefault(quote.source, []).append(Candidate(quote, score))
        relevant = {s: c for s, c in by_source.items() if max(x.score for x in c) >= threshold}
        ranked = article_order(relevant, docs, latest)
        kept, _copies = collapse_same_stories(ranked, {s: _text(docs, s) for s in ranked})
    if not relevant:
        text = f'The articles don\'t say: nothing in the indexed articles is about "{topic}".'
        return Answer(text, True, [], question=question, passages=list(passages), request=kind)
    chosen_sources = kept[: size.topic_articles]

    groups: list[tuple[str, Group]] = []
    picked_vectors: list[np.ndarray] = []
    for source in chosen_sources:
        cands = relevant[source]
        best = max(c.score for c in cands)
        cands = [c for c in cands if c.score >= best * SENTENCE_FLOOR]
        doc = docs.get(source)
        starts = [s for s, _ in split_sentences(doc.text)] if doc else []
        place = np.array([_position(starts, c.quote.doc_start) for c in cands])
        v = vectors([_flat(c.quote.passage.chunk.text[c.quote.start : c.quote.end]) for c in cands])
        rel = W_TOPIC * np.array([c.score for c in cands]) + (1 - W_TOPIC) * lead_prior_at(place)
        picks = mmr(rel, v, size.per_article, chosen=picked_vectors)
        if not picks:
            continue
        picked_vectors += [v[i] for i in picks]
        first = cands[0].quote.passage.chunk
        quotes = merge_overlaps([_with_antecedent(cands[i].quote) for i in picks])
        group = Group(heading(doc, first.title, first.published), quotes)
        groups.append((source, group))
    if not latest:  # a topic reads as a story in date order; undated articles last
        groups.sort(key=lambda g: (docs[g[0]].published or "9999") if g[0] in docs else "9999")
    lead = ""
    if latest:
        lead = f"The latest on {topic}, newest first:"
    text, citations = compose([g for _, g in groups], lead)
    return Answer(
        text,
        False,
        with_pages(citations, docs),
        question=question,
        passages=list(passages),
        request=kind,
    )


BATCH_EXTRA = 2
"""Articles scored at once beyond those the summary needs, for the ones that fall out."""
PASSAGES_PER_ARTICLE = 1
"""An article's best retrieved passages that are scored sentence by sentence, besides its
opening (sentence embeddings are most of a topic summary's time). On four news-dev topics with
cold vectors: two passages embed 130-213 sentences in 1.3-3.3 s, one 94-164 in 1.0-2.6 s,
quoting the same articles (load average 9 on two cores, 2026-12-02)."""


def best_passages(
    passages: Sequence[Passage], sources: Sequence[str], per_article: int | None = None
) -> list[Passage]:
    """The first ``per_article`` (:data:`PASSAGES_PER_ARTICLE`) passages, best first, of each
    of ``sources``."""
    per_article = per_article or PASSAGES_PER_ARTICLE
    wanted = set(sources)
    taken: dict[str, int] = {}
    out = []
    for p in passages:
        source = p.chunk.source
        if source in wanted and taken.get(source, 0) < per_article:
            taken[source] = taken.get(source, 0) + 1
            out.append(p)
    return out


def names_enough(names: frozenset[str], stems: frozenset[str]) -> bool:
    """Does a text with these ``stems`` name the topic? All of one or two of its content words
    ("sesame allergy"); at least half of more (a topic named by a whole headline).

    >>> names_enough(frozenset({"buffalo"}), frozenset({"storm"}))
    False
    >>> names_enough(frozenset({"germany", "ceo", "beijing", "scholz"}), frozenset({"beijing",
    ...              "scholz"}))
    True
    """
    need = len(names) if len(names) <= 2 else math.ceil(len(names) / 2)
    return len(names & stems) >= need


def source_order(
    passages: Sequence[Passage], docs: dict[str, StoredDocument], latest: bool
) -> list[str]:
    """The passages' sources in retrieval order, or for "latest" newest first (undated last,
    ties in retrieval order)."""
    order = list(dict.fromkeys(p.chunk.source for p in passages))
    if latest:
        order.sort(key=lambda s: _negated_date(docs[s].published if s in docs else None))
    return order


def _negated_date(iso: str | None) -> tuple[int, str]:
    """Sorts newest first, undated last: ``(0, "7976-98-94")`` for 2023-01-05."""
    if not iso:
        return (1, "")
    return (0, iso.translate(str.maketrans("0123456789", "9876543210")))


def _text(docs: dict[str, StoredDocument], source: str) -> str:
    doc = docs.get(source)
    return doc.text if doc is not None else ""


def merge_overlaps(quotes: Sequence[Quote]) -> list[Quote]:
    """Quotes of one article in text order, overlapping ones (a sentence quoted alone and
    again with its antecedent) joined into one when one passage holds both, else the later
    dropped."""
    out: list[Quote] = []
    for q in sorted(quotes, key=lambda q: q.doc_start):
        last = out[-1] if out else None
        if last is None or q.doc_start >= last.doc_start + (last.end - last.start):
            out.append(q)
        elif q.passage.chunk.id == last.passage.chunk.id:
            out[-1] = replace(last, end=max(last.end, q.end))
    return out


def lead_prior_at(positions: np.ndarray) -> np.ndarray:
    """:func:`lead_prior` of given positions."""
    return 1.0 / (1.0 + positions / LEAD_DECAY)


def _position(starts: Sequence[int], offset: int) -> int:
    """How many sentences of the document start before ``offset``."""
    import bisect

    return bisect.bisect_left(list(starts), offset)


def _with_antecedent(quote: Quote) -> Quote:
    """The quote, with the sentence before it in its chunk when it opens with a pronoun."""
    text = quote.passage.chunk.text
    if not needs_previous(text[quote.start : quote.end]):
        return quote
    before = [s for s, e in split_sentences(text[: quote.start])]
    return replace(quote, start=before[-1]) if before else quote


# -- with a language model -------------------------------------------------------------------
LLM_SENTENCES = {"short": 2, "default": 4, "long": 8}
"""Sentences the summary prompt asks for, per requested length."""


def llm_request_words(kind: str, topic: str) -> str:
    """What the summary prompt asks the model to write.

    >>> llm_request_words("latest", "Covid")
    'the latest news about Covid, newest first'
    """
    if kind == "article":
        return "a summary of the article"
    if kind == "latest":
        return f"the latest news about {topic}, newest first"
    return f"a summary of what the articles report about {topic}, in the order it happened"


def llm_summary(
    llm: object,
    kind: str,
    topic: str,
    length: Length,
    passages: Sequence[Passage],
    fallback: Answer,
) -> Iterator[str | Answer]:
    """The summary from the LLM answerer's model (:class:`assistant.llm.LLMAnswerer`), every
    sentence held to the support check; the extractive ``fallback`` when none passes.

    Yields the model's text so far, then the final :class:`Answer`.
    """
    from langchain_core.messages import HumanMessage, SystemMessage

    from assistant.grounding import format_passages, ground, looping
    from assistant.llm import stream_text
    from prompts import render

    pack = getattr(llm, "pack", None)
    packed = pack(passages) if callable(pack) else []
    if not packed:
        yield fallback
        return
    what = llm_request_words(kind, topic)
    messages = [
        SystemMessage(render("summary_system")),
        HumanMessage(
            render(
                "summary_user",
                passages=format_passages(packed),
                what=what,
                sentences=str(LLM_SENTENCES[length]),
            )
        ),
    ]
    text = ""
    pieces = stream_text(llm.model, messages, llm.settings)  # type: ignore[attr-defined]
    for piece in pieces:
        text += piece
        yield text
        if any(c in piece for c in ".]\n") and looping(text):
            pieces.close()
            break
    checked = ground(text, packed, embed=getattr(llm, "embed", None), question=topic)
    if not checked.supported:
        fallback.unsupported = [*checked.unsupported, *fallback.unsupported]
        yield fallback
        return
    yield Answer(
        checked.text,
        False,
        checked.citations,
        question=fallback.question,
        mode="llm",
        passages=list(passages),
        unsupported=checked.unsupported,
        request=kind,
    )


def holding_passages(answer: Answer, passages: Sequence[Passage]) -> list[Passage]:
    """The passages that hold the answer's quotes, in citation order, each once, scored so
    that packing keeps that order."""
    out: list[Passage] = []
    seen: set[str] = set()
    for c in answer.citations:
        for p in passages:
            chunk = p.chunk
            if chunk.source == c.source and chunk.start <= c.start and c.end <= chunk.end:
                if chunk.id not in seen:
                    seen.add(chunk.id)
                    out.append(replace(p, score=1.0 / (1 + len(out))))
                break
    return out
