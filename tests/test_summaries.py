"""Extractive summaries: the pure parts with fake vectors, then the real model on the seed."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.summaries import (
    Quote,
    collapse_same_stories,
    compose,
    mmr,
    summarize_article,
    summarize_topic,
    summary_sentences,
    with_antecedents,
)
from assistant.types import Passage
from core.types import StoredChunk, StoredDocument


def fake_vectors(texts):  # type: ignore[no-untyped-def]
    """A deterministic bag-of-words embedding: texts sharing words get similar vectors."""
    import zlib

    out = np.zeros((len(texts), 256), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            out[i, zlib.crc32(w.strip(".,:").encode()) % 256] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


ARTICLE = (
    "Storm hits Buffalo\n"
    "A historic blizzard buried Buffalo under four feet of snow over the holiday weekend. "
    "At least 27 people died in Erie County as the storm trapped drivers in their cars. "
    "It was the deadliest storm in the county's history, officials said. "
    "Read more: how to prepare for a winter storm this season. "
    "The National Guard was sent in to help clear the roads and rescue residents. "
    "Officials said the storm was the worst in decades for the city of Buffalo."
)


def doc(source: str, text: str, title: str = "", published: str | None = None) -> StoredDocument:
    return StoredDocument(source, title or text.split("\n")[0], text, published=published)


@pytest.mark.parametrize(
    ("relevance", "k", "expected"),
    [
        pytest.param([1.0, 0.95, 0.5], 2, [0, 2], id="skips-near-copy"),
        pytest.param([0.2, 0.9, 0.1], 1, [1], id="most-relevant-first"),
        pytest.param([1.0, 0.9, 0.8], 5, [0, 2], id="never-a-restatement"),
    ],
)
def test_mmr(relevance: list[float], k: int, expected: list[int]) -> None:
    v = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0]])
    assert mmr(np.array(relevance), v, k) == expected


def test_summary_sentences_skip_headline_and_boilerplate() -> None:
    quoted = [ARTICLE[s:e] for s, e in summary_sentences(ARTICLE, "Storm hits Buffalo")]
    assert "Storm hits Buffalo" not in quoted
    assert not any(q.startswith("Read more") for q in quoted)
    assert len(quoted) == 5


def test_pronoun_sentences_bring_their_antecedent() -> None:
    spans = summary_sentences(ARTICLE, "Storm hits Buffalo")
    joined = with_antecedents(ARTICLE, spans, [2])
    assert ARTICLE[joined[0][0] : joined[0][1]].startswith("At least 27 people")


def test_article_summary_quotes_the_article_in_order_with_offsets() -> None:
    d = doc("/a/storm.txt", ARTICLE, published="2022-12-27")
    answer = summarize_article(d, fake_vectors, "short")
    assert not answer.refused and answer.request == "article"
    assert answer.text.startswith("Storm hits Buffalo (2022-12-27): ")
    starts = [c.start for c in answer.citations]
    assert starts == sorted(starts) and 1 <= len(starts) <= 3
    for c in answer.citations:
        assert ARTICLE[c.start : c.end] == c.quote and c.source == d.source


def test_length_follows_the_request() -> None:
    d = doc("/a/storm.txt", ARTICLE)
    short = summarize_article(d, fake_vectors, "short")
    long = summarize_article(d, fake_vectors, "long")
    assert len(long.citations) > len(short.citations)


def test_same_story_in_two_outlets_is_one() -> None:
    wire = ARTICLE.split("\n", 1)[1]
    texts = {
        "a": wire,
        "b": "CNN — " + wire.replace("officials said", "an official said"),
        "c": "x",
    }
    kept, copies = collapse_same_stories(["a", "b", "c"], texts)
    assert kept == ["a", "c"] and copies == {"b": "a"}


def _passage(d: StoredDocument, score: float = 0.5) -> Passage:
    body_start = d.text.index("\n") + 1
    chunk = StoredChunk(
        f"{d.source}#0", d.source, d.title, d.text[body_start:], 0, body_start, len(d.text),
        published=d.published,
    )  # fmt: skip
    return Passage(chunk, score)


def _word_scorer(topic, passages):  # type: ignore[no-untyped-def]
    """Scores a sentence by the share of the topic's words it holds."""
    from core.text import split_sentences

    wanted = {w.lower() for w in topic.split()}
    out = []
    for p in passages:
        for s, e in split_sentences(p.chunk.text):
            have = {w.lower().strip(".,") for w in p.chunk.text[s:e].split()}
            out.append((Quote(p, s, e), len(wanted & have) / len(wanted)))
    return out


def test_topic_summary_groups_by_article_in_date_order_and_leaves_out_unrelated() -> None:
    new = doc("/n/new.txt", "Buffalo digs out\nBuffalo residents dug out of the snow storm "
              "on Thursday as roads reopened.", published="2022-12-29")  # fmt: skip
    old = doc("/n/old.txt", ARTICLE, published="2022-12-26")
    copy = doc(
        "/n/copy.txt", ARTICLE.replace("Storm hits", "Blizzard hits"), published="2022-12-27"
    )
    other = doc("/n/pele.txt", "Pele dies\nThe Brazilian football legend Pele died at 82 in "
                "Sao Paulo on Thursday.", published="2022-12-30")  # fmt: skip
    docs = {d.source: d for d in (new, old, copy, other)}
    passages = [_passage(d) for d in (new, old, copy, other)]
    answer = summarize_topic("Buffalo snow storm", passages, docs, _word_scorer, fake_vectors, 0.5)
    cited = [c.source for c in answer.citations]
    assert "/n/pele.txt" not in cited  # unrelated
    assert len({"/n/old.txt", "/n/copy.txt"} & set(cited)) == 1  # one wire story, once
    paragraphs = answer.text.split("\n\n")
    assert paragraphs[0].startswith("Storm hits Buffalo (2022-12-26)")
    assert paragraphs[-1].startswith("Buffalo digs out (2022-12-29)")
    latest = summarize_topic(
        "Buffalo snow storm", passages, docs, _word_scorer, fake_vectors, 0.5, latest=True
    )
    assert latest.request == "latest"
    assert latest.text.split("\n\n")[1].startswith("Buffalo digs out (2022-12-29)")


def test_topic_summary_refuses_when_no_article_is_about_it() -> None:
    d = doc("/n/pele.txt", "Pele dies\nThe Brazilian football legend Pele died at 82 on Thursday.")
    answer = summarize_topic("Buffalo snow", [_passage(d)], {d.source: d}, _word_scorer,
                             fake_vectors, 0.5)  # fmt: skip
    assert answer.refused and not answer.citations


def test_compose_numbers_in_reading_order() -> None:
    from assistant.summaries import Group

    d = doc("/a/storm.txt", ARTICLE)
    p = _passage(d)
    text, citations = compose([Group("T", [Quote(p, 0, 10), Quote(p, 20, 30)])], "Lead:")
    assert text.startswith("Lead:\n\nT: ") and [c.n for c in citations] == [1, 2]


# -- the real model on the seed article --------------------------------------------------------
SUMMARY_REQUESTS = [
    "Summarize the article.",
    "Give me a summary of the article.",
    "What is the article about?",
    "Give me a summary of the Derna article in detail",
    "What happened in Derna?",
    "Tell me about Haftar's siege",
    "What is the latest on the siege of Derna?",
    "What topics do these articles cover?",
]


@pytest.mark.slow
@pytest.mark.parametrize("question", SUMMARY_REQUESTS)
def test_every_request_kind_is_answered_on_the_seed_article(
    sample_assistant, question: str
) -> None:  # type: ignore[no-untyped-def]
    answer = sample_assistant.ask(question)
    assert not answer.refused and answer.request != "fact"
    assert answer.citations
    for c in answer.citations:
        assert sample_assistant.document(c.source).text[c.start : c.end] == c.quote
    assert answer.seconds < 5


@pytest.mark.slow
def test_article_summary_covers_the_seed_article(sample_assistant) -> None:  # type: ignore[no-untyped-def]
    """The seed's story: Haftar's siege of Derna, the air strikes, the DMSC, the condemnation."""
    answer = sample_assistant.ask("Summarize the article in detail")
    text = answer.text.lower()
    assert all(w in text for w in ("haftar", "derna", "siege", "air strikes"))
    assert len(answer.citations) >= 6
    quotes = [c.quote for c in answer.citations]
    assert len(set(quotes)) == len(quotes)


# -- LLM mode, with a scripted chat model over the real seed index --------------------------------
def _scripted(reply: str):  # type: ignore[no-untyped-def]
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))


@pytest.mark.slow
def test_llm_summary_keeps_supported_sentences_and_falls_back(sample_assistant) -> None:  # type: ignore[no-untyped-def]
    from assistant.llm import LLMAnswerer
    from core.settings import Settings

    a = sample_assistant
    reply = (
        "Haftar continues his siege of the city of Derna [1]. "
        "Air strikes injured two civilians and destroyed two houses [1]. "
        "The mayor of Paris sent 300 tanks to Derna [1]."
    )
    a._llm = LLMAnswerer(Settings(), a._extractive, model=_scripted(reply))
    try:
        parts = list(a.stream("Summarize the article.", mode="llm"))
        answer = parts[-1]
        assert answer.mode == "llm" and answer.request == "article" and not answer.refused
        assert "Paris" not in answer.text and any("Paris" in u for u in answer.unsupported)
        assert len(answer.citations) >= 1
        for c in answer.citations:
            assert a.document(c.source).text[c.start : c.end] == c.quote
        a._llm = LLMAnswerer(Settings(), a._extractive, model=_scripted("Paris is lovely [1]."))
        fallback = a.ask("Summarize the article.", mode="llm")
        assert fallback.mode == "extractive" and fallback.citations and not fallback.refused
        assert fallback.unsupported == ["Paris is lovely."]
    finally:
        a._llm = None


@pytest.mark.slow
def test_summarize_takes_any_wording_as_a_topic(sample_assistant) -> None:  # type: ignore[no-untyped-def]
    answer = sample_assistant.summarize("Haftar's siege")
    assert answer.request == "topic" and not answer.refused and answer.citations
    assert answer.as_dict()["request"] == "topic"


@pytest.mark.slow
def test_the_cli_summarizes_with_the_request_in_its_json(sample_assistant) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    from testing.paths import ROOT

    data_dir = str(sample_assistant.settings.data_dir)
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "Summarize the article.", "--json",
         "--data-dir", data_dir],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    answer = json.loads(out.stdout)
    assert answer["request"] == "article" and not answer["refused"]
    assert len(answer["citations"]) >= 3


@pytest.mark.slow
@pytest.mark.llm
@pytest.mark.timeout(600)
def test_a_real_llm_summary_is_grounded_or_falls_back(sample_assistant, llm_server: str) -> None:  # type: ignore[no-untyped-def]
    """SmolLM2-135M through llama.cpp: whatever it writes, every kept sentence is supported by
    the passage it cites, and when nothing is, the extractive summary answers."""
    from assistant.grounding import parse_markers, split_answer
    from assistant.llm import make_llm_answerer

    a = sample_assistant
    settings = a.settings.model_copy(update={"llm_base_url": llm_server})
    a._llm = make_llm_answerer(settings, a._extractive, max_tokens=160)
    try:
        for question in ("Summarize the article.", "What happened in Derna?"):
            answer = a.ask(question, mode="llm")
            assert not answer.refused and answer.citations, answer
            for c in answer.citations:
                assert a.document(c.source).text[c.start : c.end] == c.quote
            if answer.mode == "llm":
                assert all(parse_markers(s) for s in split_answer(answer.text)), answer.text
    finally:
        a._llm = None


@pytest.mark.slow
def test_a_follow_up_topic_takes_its_subject_from_the_chat(sample_assistant) -> None:  # type: ignore[no-untyped-def]
    history = [
        {"role": "user", "content": "Who is besieging Derna?"},
        {"role": "assistant", "content": "Libyan General Khalifa Haftar continues his siege [1]."},
    ]
    answer = sample_assistant.ask("Tell me more about him", history)
    assert answer.request == "topic" and not answer.refused
    assert "Haftar" in answer.search_query and answer.citations
