"""Every tuning value of the extractive answerer, typed and documented in one place.

The evidence score of a sentence is ``relevance * form``. Relevance mixes embedding similarity
and term overlap (``w_similarity + w_overlap = 1``) and, with the cross-encoder on,
``(1 - w_cross) * that + w_cross * sigmoid(logit / cross_temperature)``. Form scales it by how
well the sentence has the form the question wants: ``1 - type_gate[kind] * (1 - type_match)``;
a "when" question answered by a sentence without any date keeps half its relevance.

Values chosen on news-dev plus the seed-article sets (README, Evaluation and benchmarks).

>>> TUNING.w_similarity + TUNING.w_overlap
1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _gates() -> Mapping[str, float]:
    return MappingProxyType(
        {
            "when": 0.5,
            "quantity": 0.5,
            "stand_for": 0.5,
            "why": 0.5,
            "who": 0.3,
            "where": 0.3,
            "what": 0.3,
            "other": 0.0,
        }
    )


@dataclass(frozen=True)
class Tuning:
    w_similarity: float = 0.6
    """Weight of the embedding similarity of question and sentence in relevance."""
    w_overlap: float = 0.4
    """Weight of the rare-word overlap (IDF over the candidate sentences) in relevance."""
    w_cross: float = 0.5
    """Share of the cross-encoder in relevance: the learned model reads question and sentence
    together, while overlap and form keep what it misses on acronyms and reasons."""
    cross_temperature: float = 2.0
    """Logits span about -11..10; /2 keeps sentences between -4 and 4 apart in the sigmoid.
    Not used for "what does X stand for", in the scores nor in the refusal: MS MARCO taught
    the model nothing about letters and their expansion; it ranks "LNA retreated to karsa."
    above "... Haftar's Libyan National Army ..." (seed questions x-a13, x-a14)."""
    cross_passages: int = 3
    """Only the sentences of the best reranked passages are read by the cross-encoder: the best
    three hold the answer sentence as often as the best five (news-dev: 25 of 30 in the best
    three sentences either way) for 60 % of the model's time."""
    cross_sentences: int = 10
    """Of those, only the sentences ranked best by the cheap signals (similarity, overlap,
    form) are read by the cross-encoder; the rest get :attr:`cross_floor`. A cascade: on
    news-dev answers and refusals stayed 25/30 and 13/16 while ``ask`` p50 fell from 586 to
    430 ms (quiet machine); 12 and 14 sentences refused more seed questions wrongly."""
    cross_floor: float = -11.0
    """The logit given to sentences the cross-encoder does not read: what it gives unrelated
    text."""
    type_gate: Mapping[str, float] = field(default_factory=_gates)
    """How much a sentence without the wanted form loses: strict for dates, numbers and
    reasons, mild for names, places and definitions (news is full of both)."""
    neutral_type: float = 0.5
    """The form match of a sentence for a question with no particular form."""
    focus_missing: float = 0.5
    """What a sentence keeps when it lacks the role or property asked about ("who is the
    *mayor*")."""
    carried_weight: float = 0.5
    """Terms carried over from earlier turns count half: they give context, not the question."""
    relative_keep: float = 0.75
    """Further sentences are quoted only when they score at least this share of the best."""
    min_words: int = 3
    """Shorter "sentences" (a dateline, a lone name) are never quoted on their own."""
    instruction_weight: float = 0.5
    """What a sentence keeps when it reads as an instruction to an assistant: a document's
    instruction is not evidence of a fact, so it is quoted only when the question is about it."""
    max_quote_sentences: int = 3
    """A quotation is followed to its other end over at most this many further sentences."""


TUNING = Tuning()
