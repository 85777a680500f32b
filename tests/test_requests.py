"""Request recognition: which chat messages are summaries, latest, overviews or facts."""

from __future__ import annotations

import json

import pytest

from assistant.requests import Request, names_something, recognise
from testing.paths import DEV_SET, ROOT

CASES = [
    # one article
    pytest.param("Summarize the article.", Request("article"), id="summarize-the-article"),
    pytest.param("Give me a summary of the article.", Request("article"), id="give-summary"),
    pytest.param("What is the article about?", Request("article"), id="what-is-it-about"),
    pytest.param("what is this article about?", Request("article"), id="this-article"),
    pytest.param(
        "Give me a summary of the Derna article", Request("article", "Derna"), id="named-article"
    ),
    pytest.param(
        "Summarize the Derna article in detail",
        Request("article", "Derna", "long"),
        id="named-in-detail",
    ),
    pytest.param(
        "Can you summarize the story about the Seoul crush briefly?",
        Request("article", "the Seoul crush", "short"),
        id="story-about-briefly",
    ),
    pytest.param("tl;dr", Request("article", "", "short"), id="tldr"),
    pytest.param("Tell me about the article", Request("article"), id="tell-me-about-article"),
    # a topic across articles
    pytest.param("What happened to Damar Hamlin?", Request("topic", "Damar Hamlin"), id="to-name"),
    pytest.param(
        "What happened with the Meta layoffs?", Request("topic", "the Meta layoffs"), id="with"
    ),
    pytest.param("What happened in Derna?", Request("topic", "Derna"), id="in-place"),
    pytest.param("Tell me about Pelé", Request("topic", "Pelé"), id="tell-me-about"),
    pytest.param(
        "Tell me about the siege of Derna in detail",
        Request("topic", "the siege of Derna", "long"),
        id="tell-me-in-detail",
    ),
    pytest.param(
        "Summarize the articles about Meta layoffs",
        Request("topic", "Meta layoffs"),
        id="summarize-articles-about",
    ),
    pytest.param(
        "Summarize the news on Sears in detail", Request("topic", "Sears", "long"), id="news-on"
    ),
    pytest.param("What do the articles say about sesame?", Request("topic", "sesame"), id="say"),
    pytest.param("tell me about it", Request("topic", "it"), id="follow-up-pronoun"),
    pytest.param("Tell me more about him", Request("topic", "him"), id="tell-me-more"),
    # the latest
    pytest.param(
        "What's the latest on the Buffalo snow storm?",
        Request("latest", "the Buffalo snow storm"),
        id="latest-on",
    ),
    pytest.param("What is new about Meta?", Request("latest", "Meta"), id="new-about"),
    pytest.param("Any updates on Damar Hamlin?", Request("latest", "Damar Hamlin"), id="updates"),
    # the collection
    pytest.param("What topics do these articles cover?", Request("overview"), id="topics"),
    pytest.param("What are these articles about?", Request("overview"), id="articles-about"),
    pytest.param("What's in the collection?", Request("overview"), id="collection"),
    # facts keep their path
    pytest.param("What happened to the two houses?", Request("fact"), id="fact-what-happened"),
    pytest.param("Why does Haftar target the DMSC?", Request("fact"), id="fact-why"),
    pytest.param("What issues did Hamlin have?", Request("fact"), id="fact-issues"),
    pytest.param("What topics did the summit discuss?", Request("fact"), id="fact-topics"),
    pytest.param(
        "How many houses were hit in the latest attack?", Request("fact"), id="fact-latest-attack"
    ),
    pytest.param("What is the DMSC?", Request("fact"), id="fact-what-is"),
]


@pytest.mark.parametrize(("question", "expected"), CASES)
def test_recognise(question: str, expected: Request) -> None:
    assert recognise(question) == expected


def _questions(path: str) -> list[str]:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def test_the_factual_dev_sets_stay_facts() -> None:
    """Every question of the seed dev set, the extra questions and news-dev is a fact."""
    questions = _questions(str(DEV_SET.relative_to(ROOT))) + _questions(
        "tests/extra_questions.jsonl"
    )
    news_dev = ROOT.parent / "shared" / "eval" / "news-dev" / "questions.jsonl"
    if news_dev.exists():
        questions += [json.loads(x)["question"] for x in news_dev.read_text().splitlines() if x]
    wrong = [q for q in questions if recognise(q).kind != "fact"]
    assert not wrong


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        pytest.param("Damar Hamlin", True, id="name"),
        pytest.param("inflation", True, id="bare-noun"),
        pytest.param("the two houses", False, id="thing-in-an-article"),
        pytest.param("it", False, id="pronoun"),
    ],
)
def test_names_something(topic: str, expected: bool) -> None:
    assert names_something(topic) is expected
