"""Keyword search in SQLite FTS5 and in PostgreSQL, side by side, at 10k and 100k chunks.

    python benchmarks/keyword_stores.py                 # 10k and 100k chunks (about 15 min)
    python benchmarks/keyword_stores.py --sizes 10000   # a quick run

Both stores get the same synthetic news chunks (``testing.corpus``, 150 words each) and the
same 200 questions (``sample_questions``), through the one ``KeywordStore`` interface: search
p50/p95 for the top 30, the same with a 20-source filter and with 5 sources excluded, and the
time to add one new article (with its document row, in one transaction) and to remove it.
PostgreSQL is a throwaway server started with ``initdb``/``pg_ctl`` (Debian's ``postgresql``).

Writes ``benchmarks/results/keyword_stores.json`` (``make bench-keywords``) with the load
average at start and end, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.types import StoredDocument  # noqa: E402
from testing.corpus import SyntheticArticle, generate, sample_questions  # noqa: E402
from testing.servers import postgres_bindir, postgres_server  # noqa: E402
from testing.stats import latency  # noqa: E402
from vectorstore.docstore import DocStore, DocumentStore  # noqa: E402
from vectorstore.keywords import KeywordChunk  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "keyword_stores.json"
WORDS_PER_CHUNK = 150


def chunks_of(article: SyntheticArticle) -> list[KeywordChunk]:
    words = article.text.split()
    parts = [words[i : i + WORDS_PER_CHUNK] for i in range(0, len(words), WORDS_PER_CHUNK)]
    return [
        KeywordChunk(f"{article.name}#{n}", f"{article.title}\n{' '.join(part)}")
        for n, part in enumerate(parts)
    ]


def timed(fn: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def measure(store: DocumentStore, articles: list[SyntheticArticle], fresh: Any) -> dict[str, Any]:
    questions = sample_questions(articles, 200, seed=3)
    rng = random.Random(1)
    allowed = [a.name for a in rng.sample(articles, 20)]
    excluded = [a.name for a in rng.sample(articles, 5)]
    keywords = store.keywords
    for q in questions[:10]:  # warm caches
        keywords.search(q, 30)
    it = iter(questions)
    search = timed(lambda: keywords.search(next(it), 30), len(questions))
    it = iter(questions)
    filtered = timed(lambda: keywords.search(next(it), 30, allowed_sources=allowed), 50)
    it = iter(questions)
    without = timed(lambda: keywords.search(next(it), 30, excluded_sources=excluded), 50)
    adds, removes = [], []
    for _ in range(10):
        article = next(fresh)
        chunks = chunks_of(article)
        doc = StoredDocument(article.name, article.title, article.text, "fp", n_chunks=len(chunks))
        started = time.perf_counter()
        store.mark_pending({article.name: "fp"})
        store.mark_done([doc], {article.name: chunks})
        adds.append(time.perf_counter() - started)
        started = time.perf_counter()
        store.remove(article.name)
        removes.append(time.perf_counter() - started)
    return {
        "search": latency(search),
        "search_20_sources": latency(filtered),
        "search_5_excluded": latency(without),
        "add_one_article": latency(adds),
        "remove_one_article": latency(removes),
    }


def fill(store: DocumentStore, stream: Any, articles: list[SyntheticArticle], target: int) -> int:
    """Add articles (document rows and keyword entries, 200 per write) up to ``target`` chunks."""
    n = sum(len(chunks_of(a)) for a in articles)
    while n < target:
        batch = [next(stream) for _ in range(200)]
        chunks = {a.name: chunks_of(a) for a in batch}
        docs = [StoredDocument(a.name, a.title, a.text, "fp") for a in batch]
        store.mark_pending({a.name: "fp" for a in batch})
        store.mark_done(docs, chunks)
        articles += batch
        n += sum(len(c) for c in chunks.values())
    return n


def run(name: str, store: DocumentStore, sizes: list[int]) -> list[dict[str, Any]]:
    stream, fresh = generate(7), generate(99)
    articles: list[SyntheticArticle] = []
    rows = []
    for size in sizes:
        started = time.perf_counter()
        n = fill(store, stream, articles, size)
        row = {"store": name, "chunks": n, "fill_s": round(time.perf_counter() - started, 1)}
        row.update(measure(store, articles, fresh))
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="chunk counts, comma-separated")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    bindir = postgres_bindir()
    if bindir is None:
        print("PostgreSQL is not installed (apt-get install postgresql)", file=sys.stderr)
        return 2
    from vectorstore.postgres import PostgresDocStore, make_engine

    load_start = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = DocStore(Path(tmp) / "documents.sqlite")
        rows += run("sqlite-fts5", sqlite, sizes)
        sqlite.close()
    with postgres_server(bindir) as url:
        postgres = PostgresDocStore(make_engine(url))
        rows += run("postgresql", postgres, sizes)
        postgres.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "load_average": {"start": load_start, "end": os.getloadavg()},
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
