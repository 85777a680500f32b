"""Follow-up rewriting without a language model: pure functions, named cases."""

from __future__ import annotations

import pytest

from assistant.followup import needs_context, rewrite_followup, salient_terms

SIEGE = [
    {"role": "user", "content": "Who is besieging Derna?"},
    {"role": "assistant", "content": "General Khalifa Haftar is besieging Derna [1]."},
]


@pytest.mark.parametrize(
    ("question", "history", "must_have", "must_not_have"),
    [
        pytest.param("Since when?", SIEGE, ["Haftar", "Derna"], [], id="elliptical-when"),
        pytest.param(
            "Why is he doing it?", SIEGE, ["Haftar", "Derna", "besieging"], [], id="pronoun"
        ),
        pytest.param("And the UN?", SIEGE, ["Derna"], [], id="continuation"),
        pytest.param(
            "What did he call for?",
            [
                {"role": "user", "content": "Who is Martin Kobler?"},
                {"role": "assistant", "content": "The UN special envoy Martin Kobler [1]."},
            ],
            ["Martin Kobler"],
            ["Haftar"],
            id="pronoun-other-topic",
        ),
        pytest.param(
            "Why?",
            [
                *SIEGE,
                {"role": "user", "content": "Since when?"},
                {"role": "assistant", "content": "Since May [1]."},
            ],
            ["Derna", "besieging"],
            [],
            id="chain-of-follow-ups-reaches-the-topic",
        ),
        pytest.param(
            "Why?",
            [
                {"role": "user", "content": "Who is Ahmed Maetig?"},
                {"role": "assistant", "content": "The articles don't say: nothing answers it."},
            ],
            ["Ahmed Maetig"],
            ["articles"],
            id="a-refusal-carries-nothing",
        ),
    ],
)
def test_follow_up_carries_the_topic(
    question: str, history: list[dict[str, str]], must_have: list[str], must_not_have: list[str]
) -> None:
    query = rewrite_followup(question, history)
    assert query.startswith(question)
    for term in must_have:
        assert term in query
    for term in must_not_have:
        assert term not in query


@pytest.mark.parametrize(
    ("question", "history"),
    [
        pytest.param("Who is Martin Kobler?", SIEGE, id="names-its-subject"),
        pytest.param("What does DMSC stand for?", SIEGE, id="acronym"),
        pytest.param("Which hospital treated the people hurt in the attack?", SIEGE, id="long"),
        pytest.param("Since when?", None, id="no-history"),
        pytest.param("Since when?", [], id="empty-history"),
    ],
)
def test_self_contained_question_is_unchanged(
    question: str, history: list[dict[str, str]] | None
) -> None:
    assert rewrite_followup(question, history) == question


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        pytest.param("Why is he doing it?", True, id="he"),
        pytest.param("What did they do there?", True, id="they-there"),
        pytest.param("Since when?", True, id="short"),
        pytest.param("and what about France?", True, id="continuation"),
        pytest.param("Who is Martin Kobler?", False, id="name"),
        pytest.param("Why does Haftar target the DMSC?", False, id="names"),
    ],
)
def test_needs_context(question: str, expected: bool) -> None:
    assert needs_context(question) is expected


def test_salient_terms_puts_names_first_and_drops_markers() -> None:
    terms = salient_terms("The UN envoy Martin Kobler condemned the bombing [2].")
    assert terms[:2] == ["UN", "Martin Kobler"]
    assert "condemned" in terms and "bombing" in terms
    assert not any("[" in t or t.isdigit() for t in terms)


def test_history_with_odd_turns_is_tolerated() -> None:
    history = [{"role": "user"}, {"role": "assistant", "content": ""}, {"content": "Derna siege"}]
    assert rewrite_followup("Why?", history).startswith("Why?")
