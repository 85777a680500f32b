"""The web app under load, on loopback: latency, concurrent users while an ingest runs, a full
queue, and the memory of a long-running process.

    python benchmarks/load.py                  # 8 users x 5 requests, 300 requests for memory
    python benchmarks/load.py --users 12 --requests 10 --memory-requests 600

The corpus, the requests, how each is judged and the phases are in ``testing/load.py`` (the
tests run the same phases with modest counts). Prints the figures and writes them to
``benchmarks/results/load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from testing import load as harness  # noqa: E402
from testing.load import (  # noqa: E402
    CALL_TIMEOUT_S,
    full_queue,
    memory_curve,
    rss_mb,
    running_app,
    session_memory,
    single_user,
    under_load,
)

RESULTS = ROOT / "benchmarks" / "results" / "load.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=30, help="sequential /ask requests")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--requests", type=int, default=5, help="requests per user under load")
    parser.add_argument("--ingest-articles", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=2, help="the app's concurrency_limit")
    parser.add_argument("--max-queue", type=int, default=12)
    parser.add_argument("--memory-requests", type=int, default=300)
    parser.add_argument("--memory-batch", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=2000, help="new visitor sessions")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.users >= args.max_queue:
        parser.error("--users must stay below --max-queue, so the load itself is never refused")

    with (
        tempfile.TemporaryDirectory(prefix="load-") as tmp,
        running_app(Path(tmp), concurrency_limit=args.concurrency, max_queue=args.max_queue) as app,
    ):
        started_rss = rss_mb(app.pid)
        single = single_user(app, args.single)
        print(f"single user /ask: {_fmt(single)}", flush=True)
        load = under_load(app, args.users, args.requests, args.ingest_articles)
        print(
            f"under load ({args.users} users x {args.requests}, ingesting "
            f"{args.ingest_articles} articles): {_fmt(load.all_requests)}; lost {load.lost}, "
            f"mixed {load.mixed}, wrong {load.wrong}; {load.started_during_ingest} sent and "
            f"{load.finished_during_ingest} answered during the ingest "
            f"({load.ingest.get('seconds')} s)",
            flush=True,
        )
        joins = args.concurrency + args.max_queue + 12
        busy = full_queue(app, joins)
        print(
            f"full queue: {busy['busy']} of {joins} refused with 503 in at most "
            f"{busy['busy_max_ms']} ms; {busy['accepted_answered']} of {busy['accepted']} "
            "accepted answered",
            flush=True,
        )
        memory = memory_curve(app, args.memory_requests, args.memory_batch)
        print(
            f"memory: {memory['curve']} (MB after n requests); growth {memory['growth_mb']} MB",
            flush=True,
        )
        sessions = session_memory(app, args.sessions, max(1, args.sessions // 8))
        print(f"memory by new sessions: {sessions['curve']} (MB after n sessions)", flush=True)
    out = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {
            "concurrency_limit": args.concurrency,
            "max_queue": args.max_queue,
            "call_timeout_s": CALL_TIMEOUT_S,
        },
        "app_rss_after_start_mb": round(started_rss, 1),
        "single_user": single,
        "under_load": asdict(load),
        "full_queue": busy,
        "memory": memory,
        "session_memory": sessions,
        "method": harness.__doc__,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


def _fmt(stats: dict[str, Any]) -> str:
    return f"n={stats['n']} p50 {stats['p50_ms']} ms, p95 {stats['p95_ms']} ms"


if __name__ == "__main__":
    sys.exit(main())
