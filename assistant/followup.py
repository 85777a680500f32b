"""Deterministic follow-up rewriting: carry the earlier turns' salient terms into the query.

Without a language model, "Why is he doing it?" cannot be resolved, but it can be searched
together with what the conversation was about. When a question is short, pronoun-led or starts
like a continuation ("and ...", "what about ..."), the names and rare terms of the most recent
turns are appended to it.

>>> rewrite_followup("Since when?", [{"role": "user", "content": "Who is besieging Derna?"}])
'Since when? Derna besieging'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.types import History
from core.text import QUESTION_WORDS, STOP_WORDS, words

MAX_CARRIED = 8
"""At most this many terms are carried over."""
REFUSAL_PREFIX = "The articles don't say"
"""How a refusal starts; a refused answer carries no terms into the next query."""

_MARKER = re.compile(r"\[\d+\]")
_PRONOUNS = {
    "he", "she", "it", "they", "them", "him", "his", "her", "hers", "its", "their", "theirs",
    "this", "that", "these", "those", "there", "then", "one", "ones", "such",
}  # fmt: skip
_CONTINUATIONS = ("and ", "but ", "also ", "so ", "what about", "how about", "and?", "why?")


def terms(text: str) -> list[str]:
    """Word tokens without citation markers: ``"Haftar [1]."`` -> ``["Haftar"]``."""
    return words(_MARKER.sub(" ", text))


def content_words(text: str) -> list[str]:
    """Tokens that are not stop words or question words, in order."""
    return [t for t in terms(text) if t.lower() not in STOP_WORDS | QUESTION_WORDS]


def salient_terms(text: str) -> list[str]:
    """Names (runs of capitalised words), acronyms and other content words, names first.

    >>> salient_terms("General Khalifa Haftar is besieging Derna [1].")
    ['General Khalifa Haftar', 'Derna', 'besieging']
    """
    names: list[str] = []
    others: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", _MARKER.sub(" ", text)):
        run: list[str] = []
        tokens = terms(sentence)
        for i, tok in enumerate(tokens):
            capital = tok[0].isupper() and tok.lower() not in STOP_WORDS | QUESTION_WORDS
            # A capitalised first word is a name only when it is not an ordinary word.
            if capital and (i > 0 or tok.isupper() or tok.lower() not in STOP_WORDS):
                run.append(tok)
                continue
            if run:
                names.append(" ".join(run))
                run = []
            low = tok.lower()
            if low not in STOP_WORDS and low not in QUESTION_WORDS and len(low) > 2:
                others.append(tok)
        if run:
            names.append(" ".join(run))
    out: list[str] = []
    for t in names + others:
        if t.lower() not in {o.lower() for o in out}:
            out.append(t)
    return out


def needs_context(question: str) -> bool:
    """Whether a question leans on earlier turns: short, pronoun-led or a continuation.

    >>> needs_context("Why is he doing it?"), needs_context("Who is Martin Kobler?")
    (True, False)
    """
    q = question.strip().lower()
    if q.startswith(_CONTINUATIONS):
        return True
    words = [t.lower() for t in terms(question)]
    if any(w in _PRONOUNS for w in words):
        return True
    own = content_words(question)
    has_name = any(t[0].isupper() for t in own[1:]) or any(t.isupper() for t in own)
    return not has_name and len(own) <= 2


def rewrite_followup(question: str, history: History | None) -> str:
    """The search query for ``question`` given the earlier turns ``history``.

    A self-contained question is returned unchanged. Otherwise terms are taken from the turns
    newest first until a user turn has contributed at least one, so a chain of follow-ups
    ("Since when?" then "Why?") still reaches back to the topic.

    >>> h = [{"role": "user", "content": "Who is besieging Derna?"},
    ...      {"role": "assistant", "content": "General Khalifa Haftar is besieging Derna [1]."}]
    >>> rewrite_followup("Why is he doing it?", h)
    'Why is he doing it? General Khalifa Haftar Derna besieging'
    """
    question = question.strip()
    if not history or not needs_context(question):
        return question
    # The window: turns newest first, up to the latest user turn that names something.
    user_terms: list[str] = []
    answer_names: list[str] = []
    for turn in _newest_first(history):
        content = turn.get("content", "")
        if turn.get("role") == "user":
            found = salient_terms(content)
            user_terms.extend(found)
            if found:
                break
        elif not content.lstrip().startswith(REFUSAL_PREFIX):
            # An answer contributes only its names: its other words are mostly evidence text.
            answer_names.extend(t for t in salient_terms(content) if t[0].isupper())
    have = {t.lower() for t in terms(question)}
    carried: list[str] = []
    for t in answer_names[:3] + user_terms + answer_names[3:]:
        if t.lower() not in have and len(carried) < MAX_CARRIED:
            carried.append(t)
            have.add(t.lower())
    return " ".join([question, *carried]) if carried else question


def _newest_first(history: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    return [t for t in reversed(history) if isinstance(t, dict)]
