"""Articles arriving while people ask: the folder watcher at 10k and 100k chunks.

    python benchmarks/arrival.py                       # 10k and 100k chunks, 8 users, 200 arrivals
    python benchmarks/arrival.py --sizes 10000 --arrivals 50

For each size an index is built as ``benchmarks/run.py`` builds its large ones (generated
articles chunked for real, written straight to Chroma and the document store with their
keyword entries) but with random unit vectors: the dense part then finds nothing in particular,
and costs what an HNSW query over that many vectors costs. Then, through :class:`Assistant` and
its :class:`FolderWatcher` on an empty folder:

* **landing to answerable**: a new article file is written into the watched folder, and
  ``retrieve`` is asked every 20 ms for its unique phrase until the article comes back (5 times);
* **users while articles arrive** (``--arrivals``, at the largest size only when ``--users``):
  ``--users`` threads ask generated questions without pause while that many articles are written
  into the folder at ~20 a second; every answer is checked (no error; each citation's quote is
  its document's text at those offsets, whenever the store did not move during the answer), and
  the indexed folder is compared, chunk by chunk and keyword entry by entry, with a clean ingest
  of the same folder.

Writes ``benchmarks/results/arrival.json`` with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for var, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}.items():
    os.environ.setdefault(var, value)
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from benchmarks.run import build_corpus, build_reused_index  # noqa: E402
from testing.corpus import generate, sample_questions  # noqa: E402
from testing.stats import percentile, run_record  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
WORK = ROOT / "benchmarks" / "corpora" / "arrival"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ms_stats(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1)}


def folder_snapshot(index: Any, folder: Path) -> dict[str, Any]:
    """What must equal a clean ingest of ``folder``: its documents' chunks and keyword entries."""
    prefix = str(folder.resolve()) + os.sep
    got = index.collection.get(include=["metadatas"])
    mine = [(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True)]
    mine = [(i, m) for i, m in mine if str(m["source"]).startswith(prefix)]
    ids = sorted(i for i, _ in mine)
    keyword = set(index.docs.keywords.chunk_ids())
    states = {s: st for s, (st, _) in index.docs.states().items() if s.startswith(prefix)}
    return {
        "chunks": sorted(
            (Path(m["source"]).name, m["chunk"], m["start"], m["end"], m["hash"]) for _, m in mine
        ),
        "keywords_match": all(i in keyword for i in ids),
        "all_done": all(st == "done" for st in states.values()),
        "documents": sorted(Path(s).name for s in states),
    }


def build(size: int, seed: int, work: Path) -> Path:
    data = work / f"index-{size}"
    stamp = data / ".built"
    if stamp.exists():
        return data
    corpus = build_corpus(size, seed, "/benchmark/corpus")
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(1000, 384)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    built = build_reused_index(data, corpus, base, seed, noise=0.05)
    stamp.write_text(json.dumps(built))
    return data


def landing(assistant: Any, watcher: Any, folder: Path, runs: int = 5) -> list[float]:
    out = []
    stories = generate(991)  # other stories each time, so no two are near-duplicates
    for i in range(runs):
        phrase = f"Quorvath{i} harbour pilots"
        path = folder / f"arrival-{i}.txt"
        story = next(stories)
        path.write_text(f"{story.text}\n\nThe {phrase} struck on Monday over night shifts.")
        started = time.monotonic()
        while True:
            passages = assistant.retrieve(phrase, k=3)
            if any(Path(p.chunk.source).name == path.name for p in passages):
                break
            if time.monotonic() - started > 120:
                raise RuntimeError(f"{path.name} not answerable after 120 s")
            time.sleep(0.02)
        out.append(time.monotonic() - started)
        watcher.wait_idle(60)
    return out


def users_while_arriving(
    assistant: Any, watcher: Any, folder: Path, users: int, arrivals: int, seed: int
) -> dict[str, Any]:
    articles = [a for _, a in zip(range(arrivals), generate(seed + 7), strict=False)]
    questions = sample_questions(articles, 40, seed)
    latencies: list[float] = []
    failures: list[str] = []
    checked = 0
    stop = threading.Event()
    lock = threading.Lock()

    def user(n: int) -> None:
        nonlocal checked
        i = n
        while not stop.is_set():
            question = questions[i % len(questions)]
            i += users
            before = assistant.index.docs.generation()
            started = time.monotonic()
            try:
                answer = assistant.ask(question)
            except Exception as exc:
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            took = time.monotonic() - started
            docs = {c.source: assistant.document(c.source) for c in answer.citations}
            still = assistant.index.docs.generation() == before
            with lock:
                latencies.append(took)
                if still:
                    checked += 1
                    for c in answer.citations:
                        doc = docs[c.source]
                        if doc is None or doc.text[c.start : c.end] != c.quote:
                            failures.append(f"mixed: a citation of {c.source}")

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in threads:
        t.start()
    started = time.monotonic()
    for article in articles:
        (folder / f"{article.name}").write_text(article.text)
        time.sleep(0.05)
    written = time.monotonic() - started
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        names = {Path(d.source).name for d in assistant.documents()}
        if all(a.name in names for a in articles) and watcher.wait_idle(1):
            break
        time.sleep(0.5)
    indexed = time.monotonic() - started
    stop.set()
    for t in threads:
        t.join(120)
    return {
        "users": users,
        "arrivals": arrivals,
        "written_s": round(written, 1),
        "all_indexed_s": round(indexed, 1),
        "answers": len(latencies),
        "answers_checked_against_a_still_store": checked,
        "failed_or_mixed": len(failures),
        "failures": failures[:10],
        "answer_latency": ms_stats(latencies) if latencies else None,
    }


def measure(size: int, args: argparse.Namespace, with_users: bool) -> dict[str, Any]:
    from assistant import Assistant

    data = build(size, args.seed, args.work)
    log(f"{size:,}-chunk index ready in {data}")
    folder = args.work / f"watched-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    assistant = Assistant(data_dir=data)
    try:
        for source in [d.source for d in assistant.documents() if "/watched-" in d.source]:
            assistant.remove(source)  # what an earlier run's watcher left
        assistant.ask("What did the council decide about the harbour?")  # warm up
        watcher = assistant.watch(folder)
        watcher.wait_idle(600)
        result: dict[str, Any] = {"chunks": assistant.stats()["chunks"]}
        times = landing(assistant, watcher, folder)
        result["landing_to_answerable_s"] = [round(t, 2) for t in times]
        result["landing_to_answerable_p50_s"] = round(statistics.median(times), 2)
        log(f"{size:,}: landing to answerable {result['landing_to_answerable_s']} s")
        if with_users:
            load = users_while_arriving(
                assistant, watcher, folder, args.users, args.arrivals, args.seed
            )
            watcher.wait_idle(600)
            clean_dir = args.work / "clean"
            shutil.rmtree(clean_dir, ignore_errors=True)
            clean = Assistant(data_dir=clean_dir)
            clean.ingest([folder])
            load["final_equals_clean_ingest"] = folder_snapshot(
                assistant.index, folder
            ) == folder_snapshot(clean.index, folder)
            clean.close()
            result["users_while_arriving"] = load
            log(f"{size:,}: {json.dumps(load)}")
        watcher.stop()
    finally:
        assistant.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--arrivals", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=RESULTS / "arrival.json")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    results = [measure(s, args, with_users=args.users > 0 and s == sizes[0]) for s in sizes]
    out = {
        "command": " ".join(["python benchmarks/arrival.py", *(argv or sys.argv[1:])]),
        "method": __doc__,
        "sizes": results,
        "target": {"landing_to_answerable_s": ("<=", 2.0), "failed_or_mixed": ("==", 0)},
        **run_record(load_before, started),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    for r in results:
        print(f"{r['chunks']:>7,} chunks: landing to answerable {r['landing_to_answerable_s']} s")
        if "users_while_arriving" in r:
            u = r["users_while_arriving"]
            print(
                f"  {u['users']} users, {u['arrivals']} arrivals: {u['answers']} answers, "
                f"{u['failed_or_mixed']} failed or mixed, latency {u['answer_latency']}, "
                f"final equals a clean ingest: {u['final_equals_clean_ingest']}"
            )
    print(f"load average {load_before} -> {out['machine']['load_average_after']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
