"""When to refuse: a small logistic model over two signals of the best answer sentence.

* ``score``: the extractive evidence score of the best sentence (similarity, term overlap and
  the cross-encoder mixed, times the form the question asks for; see assistant/extractive.py);
* ``cross``: the cross-encoder's best sentence logit, with the recency prior of a question
  about recent news (assistant/recency.py), so an old article about the same kind of event is
  weaker evidence for "this week".

``P(answerable) = sigmoid(W_SCORE * score + W_CROSS * cross + BIAS)``; the answer is a refusal
below 0.5. Without the cross-encoder (turned off in the settings) the score alone is compared
with :data:`SCORE_ONLY_THRESHOLD`.

>>> REFUSAL.answers(Signals(score=0.8, cross=6.0)), REFUSAL.answers(Signals(score=0.2, cross=-9.0))
(True, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Signals:
    """What the refusal decision reads, from the best-scored sentence."""

    score: float
    cross: float | None = None
    """None when the cross-encoder is off."""


@dataclass(frozen=True)
class RefusalModel:
    w_score: float
    w_cross: float
    bias: float
    score_only_threshold: float

    def probability(self, s: Signals) -> float:
        """P(the articles answer the question), by the fitted logistic model."""
        if s.cross is None:
            z = 8.0 * (s.score - self.score_only_threshold)  # a step at the threshold
        else:
            z = self.w_score * s.score + self.w_cross * s.cross + self.bias
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, s: Signals) -> bool:
        return self.probability(s) >= 0.5


SCORE_ONLY_THRESHOLD = 0.292
"""Without the cross-encoder: the earlier threshold, fitted on the seed article's 77 questions
(answerable min 0.298, unanswerable 26 of 29 at most 0.286)."""

REFUSAL = RefusalModel(
    w_score=1.057, w_cross=0.576, bias=-1.130, score_only_threshold=SCORE_ONLY_THRESHOLD
)
"""Fitted PLACEHOLDER."""
