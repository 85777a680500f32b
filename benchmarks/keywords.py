"""Keyword search: SQLite FTS5 entries per article against the old bm25s rebuild.

    python benchmarks/keywords.py                  # 10k and 100k chunks (part of make bench)
    python benchmarks/keywords.py --sizes 2000     # smoke size

Chunks are made from real news text: the news-dev articles (``../shared/eval/news-dev``) split
into chunks of whole sentences of about 900 characters (the size a 200-token chunk has). Beyond
those ~7.7k chunks, copies follow in which every word rarer than 1 in 50 chunks gets a suffix
of its own per copy ("Hamlin" -> "Hamlinqb"): common words keep their real frequencies, and
names and rare words grow with the collection as in a real news archive, instead of one
event's words repeating in every copy. The questions are the news-dev questions.

For each size:

* **add one article** (10 chunks): new: its keyword entries written with its document row in
  one transaction (``DocStore.mark_done``); old: ``Bm25Index.build`` over every chunk plus
  ``save`` (what ``refresh_bm25`` did after each ingest, without even reading the chunks back
  from Chroma, so the old figure is a lower bound); then **remove** it (new only);
* **search** p50/p95 of ``search(question, 30)`` (the retriever's candidate count), unfiltered,
  with 5 quarantined sources excluded, and restricted to 20 sources; the old index unfiltered.

Writes ``benchmarks/results/keywords.json`` with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.text import split_sentences  # noqa: E402
from core.types import StoredDocument  # noqa: E402
from testing.stats import run_record  # noqa: E402
from vectorstore.docstore import DocStore  # noqa: E402
from vectorstore.keywords import KeywordChunk  # noqa: E402

NEWS_DEV = ROOT.parent / "shared" / "eval" / "news-dev"
RESULTS = ROOT / "benchmarks" / "results"
WORK = ROOT / "benchmarks" / "corpora" / "keywords"
SIZES = (10_000, 100_000)
CHUNK_CHARS = 900
RARE = 1 / 50
"""Words in fewer than this share of the base chunks get a per-copy suffix."""
ARTICLE_CHUNKS = 10
TOKEN = re.compile(r"[^\W_]+")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: ``percentile([1, 2, 3, 4], 50)`` -> 2."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def stats(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2)}


def base_articles(news_dev: Path) -> list[tuple[str, str, list[str]]]:
    """(name, title, chunks) for every news-dev article."""
    out = []
    for path in sorted((news_dev / "articles").glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        title = next((ln[6:].strip(' "') for ln in raw.splitlines() if ln.startswith("title:")), "")
        body = raw.split("---", 2)[-1].strip()
        chunks, current = [], ""
        for start, end in split_sentences(body):
            current = f"{current} {body[start:end]}".strip()
            if len(current) >= CHUNK_CHARS:
                chunks.append(current)
                current = ""
        if current:
            chunks.append(current)
        out.append((path.stem, title, chunks))
    return out


def suffix(copy: int) -> str:
    """A letter suffix per copy: 1 -> "qb", 27 -> "rb"."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "q" + letters[copy % 26] + (letters[copy // 26 % 26] if copy >= 26 else "")


def corpus(news_dev: Path, n_chunks: int) -> list[tuple[str, str, list[str]]]:
    """Articles (source, title, chunk texts) holding about ``n_chunks`` chunks (module doc)."""
    base = base_articles(news_dev)
    df: Counter[str] = Counter()
    n_base = 0
    for _, _, chunks in base:
        for chunk in chunks:
            df.update({t.lower() for t in TOKEN.findall(chunk)})
            n_base += 1
    rare = {t for t, n in df.items() if n < RARE * n_base}
    out: list[tuple[str, str, list[str]]] = []
    total, copy = 0, 0
    while total < n_chunks:
        tag = suffix(copy)

        def mark(match: re.Match[str], tag: str = tag) -> str:
            word = match.group(0)
            return word + tag if word.lower() in rare else word

        for name, title, chunks in base:
            if total >= n_chunks:
                break
            if copy:
                title, chunks = TOKEN.sub(mark, title), [TOKEN.sub(mark, c) for c in chunks]
            chunks = chunks[: n_chunks - total]
            out.append((f"/news/{copy:03d}/{name}.md", title, chunks))
            total += len(chunks)
        copy += 1
    return out


def keyword_chunks(source: str, title: str, texts: list[str]) -> list[KeywordChunk]:
    return [KeywordChunk(f"{source}#{i}", f"{title}\n{t}") for i, t in enumerate(texts)]


def fill(docs: DocStore, articles: list[tuple[str, str, list[str]]]) -> float:
    started = time.perf_counter()
    for i in range(0, len(articles), 200):
        part = articles[i : i + 200]
        docs.mark_done(
            [StoredDocument(s, t, "", "bench", n_chunks=len(c)) for s, t, c in part],
            {s: keyword_chunks(s, t, c) for s, t, c in part},
        )
    return time.perf_counter() - started


def measure(size: int, news_dev: Path, work: Path, questions: list[str]) -> dict[str, Any]:
    from benchmarks.bm25_rebuild import Bm25Index

    articles = corpus(news_dev, size)
    n = sum(len(c) for _, _, c in articles)
    folder = work / f"fts-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    docs = DocStore(folder / "documents.sqlite")
    fill_s = fill(docs, articles)
    log(f"{n:,} chunks: FTS5 filled in {fill_s:.1f} s")
    rng = random.Random(size)
    new_article = [
        f"Arrival {i}: the council in Tobruk approved the harbour plan after a long night."
        for i in range(ARTICLE_CHUNKS)
    ]
    add_s, remove_s = [], []
    for i in range(5):
        source = f"/news/new/arrival-{i}.md"
        doc = StoredDocument(source, "Arrival", "", "bench", n_chunks=ARTICLE_CHUNKS)
        t0 = time.perf_counter()
        docs.mark_pending({source: "bench"})
        docs.mark_done([doc], {source: keyword_chunks(source, "Arrival", new_article)})
        t1 = time.perf_counter()
        docs.remove(source)
        add_s.append(t1 - t0)
        remove_s.append(time.perf_counter() - t1)
    sources = [s for s, _, _ in articles]
    excluded = rng.sample(sources, 5)
    allowed = rng.sample(sources, 20)
    store = docs.keywords
    for q in questions[:3]:  # warm the page cache
        store.search(q, 30)
    timings: dict[str, list[float]] = {"all": [], "excluding_5": [], "within_20": []}
    for q in questions:
        for name, kwargs in (
            ("all", {}),
            ("excluding_5", {"excluded_sources": excluded}),
            ("within_20", {"allowed_sources": allowed}),
        ):
            t0 = time.perf_counter()
            store.search(q, 30, **kwargs)  # type: ignore[arg-type]
            timings[name].append((time.perf_counter() - t0) * 1000)
    docs.close()

    ids = [f"{s}#{i}" for s, _, c in articles for i in range(len(c))]
    texts = [f"{t}\n{x}" for _, t, c in articles for x in c]
    t0 = time.perf_counter()
    old = Bm25Index.build(ids + ["new"] * ARTICLE_CHUNKS, texts + new_article, 1)
    old.save(work / f"bm25-{size}")
    rebuild_s = time.perf_counter() - t0
    old_ms = []
    for q in questions:
        t0 = time.perf_counter()
        old.search(q, 30)
        old_ms.append((time.perf_counter() - t0) * 1000)
    shutil.rmtree(work / f"bm25-{size}", ignore_errors=True)
    add = statistics.median(add_s)
    result = {
        "chunks": n,
        "articles": len(articles),
        "fts5_fill_s": round(fill_s, 2),
        "add_article_s": {"fts5": round(add, 4), "bm25s_rebuild": round(rebuild_s, 3)},
        "add_speedup": round(rebuild_s / add, 1),
        "remove_article_s": round(statistics.median(remove_s), 4),
        "search": {
            "fts5": {name: stats(ms) for name, ms in timings.items()},
            "bm25s": stats(old_ms),
        },
        "search_slowdown_p50": round(
            percentile(timings["all"], 50) / max(percentile(old_ms, 50), 1e-6), 2
        ),
    }
    log(json.dumps(result))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="chunk counts")
    parser.add_argument("--news-dev", type=Path, default=NEWS_DEV)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=RESULTS / "keywords.json")
    args = parser.parse_args(argv)
    questions = [
        json.loads(line)["question"]
        for line in (args.news_dev / "questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    sizes = [measure(int(s), args.news_dev, args.work, questions) for s in args.sizes.split(",")]
    result = {
        "command": " ".join(["python benchmarks/keywords.py", *(argv or sys.argv[1:])]),
        "method": __doc__,
        "questions": len(questions),
        "sizes": sizes,
        "target": {"search_p50_ms_at_100k": ("<=", 30.0)},
        **run_record(load_before, started),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for s in sizes:
        fts, old = s["search"]["fts5"], s["search"]["bm25s"]
        print(
            f"{s['chunks']:>7,} chunks: add one article {s['add_article_s']['fts5'] * 1000:.1f} ms"
            f" vs rebuild {s['add_article_s']['bm25s_rebuild']:.2f} s ({s['add_speedup']}x);"
            f" search p50/p95 {fts['all']['p50_ms']}/{fts['all']['p95_ms']} ms"
            f" (excluding 5: {fts['excluding_5']['p50_ms']}, within 20:"
            f" {fts['within_20']['p50_ms']}) vs bm25s {old['p50_ms']}/{old['p95_ms']} ms"
        )
    print(f"load average {load_before} -> {result['machine']['load_average_after']}")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
