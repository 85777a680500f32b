"""The benchmark code on tiny corpora, so it keeps working between real benchmark runs.

The corpus generator and the figures come from the shared harness; the benchmark itself runs
as its users run it, ``python benchmarks/run.py``.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from testing import corpus
from testing.paths import ROOT
from testing.stats import percentile


def test_articles_are_deterministic_and_varied() -> None:
    a = list(itertools.islice(corpus.generate(3), 20))
    b = list(itertools.islice(corpus.generate(3), 20))
    assert [x.text for x in a] == [x.text for x in b]
    assert len({x.name for x in a}) == 20
    assert len({x.name.split("-")[0] for x in a}) >= 4  # several topics
    words = {w for x in a for w in x.text.split()}
    assert len(words) > 600
    first = a[0].text.split("\n\n")
    assert first[0] == a[0].title and len(first) >= 5  # headline, then paragraphs
    assert all(s[:1].isupper() or s[:1] == '"' for p in first[1:] for s in p.split(". ")[:1])


def test_questions_come_from_the_articles() -> None:
    articles = list(itertools.islice(corpus.generate(5), 10))
    qs = corpus.sample_questions(articles, 12, seed=1)
    assert len(qs) == 12 and all(q.endswith("?") for q in qs)
    assert qs == corpus.sample_questions(articles, 12, seed=1)


def test_percentile() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5.0], 95) == 5.0


@pytest.mark.slow
def test_tiny_benchmark_run(tmp_path: Path) -> None:
    """Ingest ~50 chunks for real, a ~120-chunk reused-vector index, both latency passes."""
    out = tmp_path / "results"
    args = [
        "--sizes",
        "50,120",
        "--questions",
        "2",
        "--max-questions",
        "3",
        "--no-llm",
        "--no-onnx",
        "--work",
        str(tmp_path / "work"),
        "--out",
        str(out),
    ]
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads((out / "latest.json").read_text())
    for key in (
        "n_chunks",
        "encode_chunks_per_s",
        "ingest_chunks_per_s",
        "ingest_overhead_ratio",
        "retrieval_p50_ms",
        "retrieval_p95_ms",
        "answer_p50_ms",
    ):
        assert isinstance(result[key], int | float), key
    small, large = result["sizes"]
    assert small["vectors"] == "embedded" and large["vectors"] == "reused"
    assert 50 <= small["chunks"] < 120 <= large["chunks"] < 200
    assert large["latency"]["torch"]["retrieval"]["n"] == 3
    assert result["n_chunks"] == large["chunks"]
    assert "reused" in result["figures_from"]["n_chunks, retrieval_*, answer_*"]
    assert (out / "latency.png").stat().st_size > 10_000
    assert not (out / "partial.json").exists()


@pytest.mark.slow
def test_tiny_keyword_stores_run(tmp_path: Path, postgres: str) -> None:
    """Both keyword stores through the benchmark, on ~300 chunks (``postgres``: needs the
    package, so the run is skipped, or failed in CI, the way the scale-out tests are)."""
    out = tmp_path / "keyword_stores.json"
    script = ROOT / "benchmarks" / "keyword_stores.py"
    done = subprocess.run(
        [sys.executable, str(script), "--sizes", "300", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [r["store"] for r in rows] == ["sqlite-fts5", "postgresql"]
    assert all(r["chunks"] >= 300 and r["search"]["n"] == 200 for r in rows)
