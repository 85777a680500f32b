"""The ONNX int8 embedder against the PyTorch one, on the real packaged model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vectorstore.onnx_backend import mean_pool

SENTENCES = [
    "Who besieges Derna?",
    "General Khalifa Haftar's forces have besieged the eastern city since May.",
    "The Derna Mujahideen Shura Council denies any link to Al Qaeda.",
    "What is the capital of Australia?",
    "Wounded civilians were taken to the Harish hospital after the air strike.",
    "x",
    " ".join(["a very long sentence that runs past the model's limit"] * 60),
]


@pytest.mark.parametrize(
    ("hidden", "mask", "expected"),
    [
        pytest.param([[[3.0, 0.0], [0.0, 9.0]]], [[1, 0]], [[1.0, 0.0]], id="padding-ignored"),
        pytest.param([[[1.0, 0.0], [0.0, 1.0]]], [[1, 1]], [[0.7071, 0.7071]], id="mean-then-norm"),
        pytest.param([[[0.0, 0.0]]], [[1]], [[0.0, 0.0]], id="zero-vector-no-nan"),
    ],
)
def test_mean_pool(hidden: list, mask: list, expected: list) -> None:
    got = mean_pool(np.array(hidden, dtype=np.float32), np.array(mask))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-4)


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from vectorstore.embeddings import TorchBackend
    from vectorstore.model_files import default_model_path
    from vectorstore.onnx_backend import OnnxBackend

    path = str(default_model_path())
    cache = tmp_path_factory.mktemp("onnx-cache")
    return OnnxBackend(path, batch_size=4, cache_dir=cache), TorchBackend(path, 4), cache


@pytest.mark.slow
def test_onnx_matches_torch(backends) -> None:  # type: ignore[no-untyped-def]
    onnx, torch, _ = backends
    a, b = onnx.encode_batch(SENTENCES), torch.encode_batch(SENTENCES)
    assert a.shape == b.shape == (len(SENTENCES), 384)
    assert a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    # int8 dynamic quantisation: per-sentence agreement measured 0.978-0.994 on these texts
    assert cosines.min() >= 0.97, cosines


@pytest.mark.slow
def test_onnx_order_and_batching_do_not_matter(backends) -> None:  # type: ignore[no-untyped-def]
    onnx, _, _ = backends
    whole = onnx.encode_batch(SENTENCES)
    one_by_one = np.concatenate([onnx.encode_batch([s]) for s in SENTENCES])
    # Dynamic quantization scales activations per batch, so batch mates shift a vector a little.
    assert (whole * one_by_one).sum(axis=1).min() >= 0.96  # 0.972 measured for "x"
    assert onnx.encode_batch([]).shape[0] == 0


@pytest.mark.slow
def test_export_is_cached_and_reused(backends) -> None:  # type: ignore[no-untyped-def]
    from vectorstore.model_files import default_model_path
    from vectorstore.onnx_backend import export_int8

    onnx, _, cache = backends
    files = list(Path(cache).glob("*/model.int8.onnx"))
    assert files == [onnx.onnx_path]
    mtime = onnx.onnx_path.stat().st_mtime_ns
    assert export_int8(str(default_model_path()), cache) == onnx.onnx_path
    assert onnx.onnx_path.stat().st_mtime_ns == mtime
