"""The keyword index before SQLite FTS5, kept to compare against: bm25s over every chunk,
rebuilt from all of them after each ingest (``benchmarks/keywords.py``)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def tokenize(texts: list[str], as_tuple: bool = False) -> Any:
    """bm25s' word tokenizer with English stop words: ``["The siege"]`` -> ``[["siege"]]``."""
    from bm25s.tokenization import Tokenizer

    return Tokenizer(stopwords="en").tokenize(
        texts, return_as="tuple" if as_tuple else "string", show_progress=False
    )


@dataclass
class Bm25Index:
    ids: list[str]
    generation: int
    _retriever: Any | None

    @classmethod
    def build(cls, ids: list[str], texts: list[str], generation: int) -> Bm25Index:
        import bm25s

        retriever = None
        if texts:
            retriever = bm25s.BM25()
            retriever.index(tokenize(texts, as_tuple=True), show_progress=False)
        return cls(list(ids), generation, retriever)

    def search(
        self,
        query: str,
        k: int,
        allowed: set[str] | None = None,
        exclude: set[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Chunk ids and scores, best first; only positive scores. ``allowed`` restricts ids,
        ``exclude`` leaves ids out (quarantined documents' chunks)."""
        if self._retriever is None or not self.ids:
            return []
        vocab = self._retriever.vocab_dict
        words = [w for w in tokenize([query])[0] if w in vocab]
        if not words:
            return []
        mask = None
        if allowed is not None or exclude:
            keep = allowed if allowed is not None else set(self.ids)
            if exclude:
                keep = keep - exclude
            mask = np.fromiter((i in keep for i in self.ids), dtype=bool, count=len(self.ids))
            if not mask.any():
                return []
        k = min(k, len(self.ids))
        docs, scores = self._retriever.retrieve(
            [words], k=k, show_progress=False, n_threads=1, weight_mask=mask
        )
        return [
            (self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0
        ]

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(tmp / "bm25"), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps({"generation": self.generation, "ids": self.ids}))
        # Swap in whole: a reader or a crash sees the old index or the new one, never half.
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> Bm25Index | None:
        import bm25s

        try:
            meta = json.loads((folder / "ids.json").read_text())
            retriever = None
            if meta["ids"]:
                retriever = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
            return cls(meta["ids"], int(meta["generation"]), retriever)
        except (OSError, ValueError, KeyError):
            return None
