"""An ONNX Runtime int8 backend for the embedder, exported locally from the packaged model.

The transformer is exported once with ``torch.onnx`` (the TorchScript exporter: it needs nothing
beyond torch), quantized with ``onnxruntime.quantization.quantize_dynamic`` and cached in
``$ASSISTANT_ONNX_CACHE`` (default ``~/.cache/derna-assistant/onnx``) under a key made of the
model folder, its weights' modification time and the library versions, so a changed model is
exported again and nothing is ever downloaded. Pooling matches sentence-transformers' for
all-MiniLM-L6-v2: the mean of the token vectors under the attention mask, then L2 normalisation.

>>> backend = OnnxBackend(str(default_model_path()), batch_size=32)  # doctest: +SKIP
>>> backend.encode_batch(["Who besieges Derna?"]).shape  # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import MissingExtraError
from vectorstore.model_files import MODEL_MAX_TOKENS, cpu_session, model_tokenizer

OPSET = 17
EXPORT_VERSION = "1"
"""Bump when the export or quantization recipe changes, so caches are rebuilt."""

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_cache_dir() -> Path:
    """Where exported models live: ``$ASSISTANT_ONNX_CACHE``, else the user's cache folder."""
    given = os.environ.get("ASSISTANT_ONNX_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "derna-assistant" / "onnx"


def cache_key(model_path: str) -> str:
    """A short hash of the model folder, its weights' mtimes and the exporter's versions."""
    import onnxruntime
    import torch

    folder = Path(model_path).resolve()
    stamps = sorted(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size)
        for p in folder.iterdir()
        if p.is_file() and p.suffix in {".safetensors", ".bin", ".json"}
    )
    parts = {
        "path": str(folder),
        "files": stamps,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "opset": OPSET,
        "recipe": EXPORT_VERSION,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def export_int8(model_path: str, cache_dir: Path | None = None) -> Path:
    """The cached int8 ONNX file for ``model_path``, exported and quantized first if missing."""
    folder = (cache_dir or onnx_cache_dir()) / cache_key(model_path)
    target = folder / "model.int8.onnx"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    # Two processes starting at once export once: the second waits and finds the file.
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():
                _export(model_path, folder, target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _export(model_path: str, folder: Path, target: Path) -> None:
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_path)
    model.eval()

    class _Hidden(torch.nn.Module):
        """Only the last hidden state: pooling is done in numpy, like sentence-transformers."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dummy = model_tokenizer(model_path)(
        ["a sample sentence to trace", "another"], padding=True, return_tensors="pt"
    )
    fp32 = folder / f"model.fp32.{os.getpid()}.onnx"
    tmp = folder / f"model.int8.{os.getpid()}.onnx"
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}
    axes["token_type_ids"] = {0: "batch", 1: "seq"}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation chatter
            torch.onnx.export(
                _Hidden(model),
                tuple(dummy[name] for name in _INPUTS),
                str(fp32),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={**axes, "last_hidden_state": {0: "batch", 1: "seq"}},
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        # Per-channel int8 on the MatMuls only: per-tensor scales, or quantizing the embedding
        # Gather, cost ~0.03 of cosine to the float model (0.963 vs 0.994 measured here).
        # onnxruntime logs a "consider pre-processing" hint at WARNING on the root logger; it
        # does not apply to dynamic quantization and would alarm a user on first start.
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(
                str(fp32),
                str(tmp),
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                weight_type=QuantType.QInt8,
            )
        finally:
            logging.disable(logging.NOTSET)
        tmp.replace(target)  # atomic: a reader sees no file or the whole file
    finally:
        fp32.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of token vectors where ``mask`` is 1, then unit length (sentence-transformers' way).

    >>> mean_pool(np.array([[[3.0, 0.0], [0.0, 9.0]]]), np.array([[1, 0]])).tolist()
    [[1.0, 0.0]]
    """
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return np.asarray(pooled / norms, dtype=np.float32)


class OnnxBackend:
    """all-MiniLM-L6-v2 (or a compatible BERT model) on ONNX Runtime, int8 weights."""

    def __init__(self, model_path: str, batch_size: int, cache_dir: Path | None = None) -> None:
        try:
            import onnxruntime  # noqa: F401  (cpu_session imports it; missing, this error says so)
        except ImportError as exc:  # pragma: no cover - onnxruntime comes with chromadb
            raise MissingExtraError("onnxruntime", "dev") from exc

        self.model_path = model_path
        self.batch_size = batch_size
        self.max_length = MODEL_MAX_TOKENS
        self.tokenizer = model_tokenizer(model_path)
        self.onnx_path = export_int8(model_path, cache_dir)
        self.session = cpu_session(self.onnx_path)
        self._wanted = {i.name for i in self.session.get_inputs()}
        self.pad_id = int(self.tokenizer.pad_token_id or 0)

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        ids = self.tokenizer(
            texts, truncation=True, max_length=self.max_length, return_attention_mask=False
        )["input_ids"]
        # Batches of equal token length: less padding to compute, and dynamic quantization
        # (whose activation scales cover the padded positions too) sees only real tokens.
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
        rows: list[np.ndarray] = []
        for at in range(0, len(order), self.batch_size):
            picked = [ids[i] for i in order[at : at + self.batch_size]]
            rows.append(self._run(picked))
        stacked = np.concatenate(rows)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(row) for row in ids)
        input_ids = np.full((len(ids), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for r, row in enumerate(ids):
            input_ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._wanted:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        (hidden,) = self.session.run(["last_hidden_state"], feed)
        return mean_pool(hidden, mask)
