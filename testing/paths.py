"""Where the repository keeps what tests and benchmarks read and write."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "articles"
DERNA = SAMPLE_DIR / "derna-siege.txt"
DEV_SET = ROOT / "data" / "eval" / "derna-dev.jsonl"
ARTIFACTS = ROOT / "test-artifacts"
