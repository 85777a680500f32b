"""The shared text helpers: one stemmer, one word regex, one sentence splitter for every stage."""

from __future__ import annotations

import pytest

from assistant import followup, grounding
from core.text import STOP_WORDS, content_stems, count_tokens, split_sentences, stem, words


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("studies", "study", id="ies"),
        pytest.param("cities", "city", id="short-ies"),
        pytest.param("besieged", "besieging", id="ed-ing"),
        pytest.param("siege", "sieges", id="e-es"),
        pytest.param("Haftar's", "Haftar", id="possessive"),
    ],
)
def test_stem_conflates_inflections(a: str, b: str) -> None:
    assert stem(a) == stem(b)


def test_acronym_keeps_case() -> None:
    assert stem("IS") == "IS" and stem("is") == "is"


def test_words_keep_numbers_and_inner_punctuation() -> None:
    assert words("al-Qaeda's 1,200 fighters, U.S. says") == [
        "al-Qaeda's",
        "1,200",
        "fighters",
        "U.S",
        "says",
    ]


def test_every_stage_uses_the_same_stems() -> None:
    text = "The studies of besieged cities"
    assert grounding.words(text) == content_stems(text) == {"study", "besieg", "city"}
    assert followup.terms(text) == words(text)
    assert "the" in STOP_WORDS and "according" in STOP_WORDS


def test_sentences_and_tokens() -> None:
    text = 'Dr. Smith left. He said: "We won." Then\nnew line'
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Dr. Smith left.",
        'He said: "We won."',
        "Then",
        "new line",
    ]
    assert count_tokens("Haftar besieges Derna.") == 7
