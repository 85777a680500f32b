"""Helpers for ingest tests: small generated articles and an exact snapshot of an index."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

PLACES = ["Derna", "Benghazi", "Tobruk", "Sirte", "Misrata", "Tripoli", "Ajdabiya", "Bayda"]
ACTORS = ["the council", "the army", "the envoy", "the ministry", "local elders", "the mayor"]
VERBS = ["met", "criticised", "praised", "questioned", "visited", "supplied", "warned"]


def article(seed: int, sentences: int = 30) -> str:
    """A deterministic news-like article of ``sentences`` sentences with a title line."""
    rng = random.Random(seed)
    place = PLACES[seed % len(PLACES)]
    lines = [f"Report {seed} from {place}", ""]
    for i in range(sentences):
        lines.append(
            f"On day {i} {rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(ACTORS)} in "
            f"{rng.choice(PLACES)} about item {seed}-{i} and {rng.randint(2, 900)} residents."
        )
        if i % 6 == 5:
            lines.append("")
    return "\n".join(lines)


def write_articles(folder: Path, count: int, start: int = 0, sentences: int = 30) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(start, start + count):
        path = folder / f"article-{seed:03d}.txt"
        path.write_text(article(seed, sentences))
        paths.append(path)
    return paths


def snapshot(index: Any) -> dict[str, Any]:
    """Everything that must be equal between two indexes holding the same files."""
    got = index.collection.get(include=["metadatas"])
    chunks = sorted(
        (m["source"].rsplit("/", 1)[-1], m["chunk"], m["start"], m["end"], m["hash"])
        for m in got["metadatas"]
    )
    ids = set(got["ids"])
    recorded = set(index.records.list_keys())
    states = index.docs.states()
    return {
        "chunks": chunks,
        "n_ids": len(ids),
        "records_match_store": recorded == ids,
        "keywords_match_store": index.docs.keywords.chunk_ids() == sorted(ids),
        "all_done": all(status == "done" for status, _ in states.values()),
        "documents": sorted(s.rsplit("/", 1)[-1] for s in states),
        "stats": {k: v for k, v in index.stats().items() if k in ("documents", "chunks")},
    }
