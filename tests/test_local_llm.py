"""The packaged offline LLM: joining split wheels with the sha256 check (small wheels made
here), then the real Qwen2.5-0.5B served by the llama.cpp server the assistant starts itself.

The real model is the one ``make test`` (``make test-model``) installs into ``data/index``;
when it is missing the test fails and says how to install it.
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from assistant import local_llm
from assistant.local_llm import MODELS, PackagedModel
from core.errors import AssistantError
from core.settings import Settings
from testing.paths import ROOT

QUESTION = "Why does Haftar target the DMSC?"


def _fake_parts(tmp: Path, blobs: list[bytes]) -> tuple[PackagedModel, list[local_llm.Source]]:
    sources: list[local_llm.Source] = []
    for i, blob in enumerate(blobs, 1):
        wheel = tmp / f"fake_part{i}-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            z.writestr(f"fake_part{i}/__init__.py", "")
            z.writestr(f"fake_part{i}/data/part{i:02d}.bin", blob)
        sources.append((wheel, f"fake_part{i}/data/part{i:02d}.bin"))
    whole = b"".join(blobs)
    spec = PackagedModel(
        "fake", "Fake", "fake.gguf", "fake-part", len(blobs), "1.0", len(whole),
        hashlib.sha256(whole).hexdigest(),
    )  # fmt: skip
    return spec, sources


@pytest.mark.parametrize("tampered", [False, True], ids=["verified", "tampered"])
def test_install_joins_parts_in_order_and_checks_the_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tampered: bool
) -> None:
    spec, sources = _fake_parts(tmp_path, [b"GGUF" + b"a" * 5000, b"b" * 3000, b"c" * 7])
    if tampered:
        spec = replace(spec, sha256="0" * 64)
    monkeypatch.setitem(MODELS, "fake", spec)
    monkeypatch.setattr(local_llm, "_installed_parts", lambda s: None)
    monkeypatch.setattr(local_llm, "_download_parts", lambda s, work: sources)
    settings = Settings(data_dir=tmp_path / "index")
    target = local_llm.model_path(settings, "fake")
    if tampered:
        with pytest.raises(AssistantError, match="Nothing was installed"):
            local_llm.install(settings, "fake", progress=lambda m: None)
        assert not target.exists() and not list(target.parent.glob("*.partial"))
        return
    assert local_llm.install(settings, "fake", progress=lambda m: None) == target
    assert target.read_bytes() == b"GGUF" + b"a" * 5000 + b"b" * 3000 + b"c" * 7
    assert local_llm.installed_model(settings) == (spec, target)
    said: list[str] = []
    local_llm.install(settings, "fake", progress=said.append)  # kept: the hash matches
    assert "is installed" in said[-1]


def test_nothing_installed_leaves_settings_alone(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert local_llm.with_packaged_llm(settings) is settings


def packaged_model() -> Path:
    path = local_llm.model_path(Settings(data_dir=ROOT / "data" / "index"), "qwen-0.5b")
    assert path.is_file(), f"{path} is missing: install it with `make llm` (make test does)"
    return path


@pytest.mark.slow
@pytest.mark.llm
def test_packaged_model_answers_through_its_own_server(
    sample_dir: Path, tmp_path: Path, artifacts: Path
) -> None:
    from assistant import Assistant

    data_dir = tmp_path / "index"
    models = data_dir / "models"
    models.mkdir(parents=True)
    (models / MODELS["qwen-0.5b"].file).symlink_to(packaged_model())
    a = Assistant(data_dir=data_dir, answer={"context_tokens": 600})
    try:
        a.ingest([sample_dir])
        started = time.perf_counter()
        first: float | None = None
        answer = None
        for part in a.stream(QUESTION, mode="llm"):
            if isinstance(part, str) and first is None:
                first = time.perf_counter() - started
            answer = part
        assert answer is not None and not isinstance(answer, str)
        assert answer.mode in ("llm", "extractive")  # extractive when nothing was supported
        for c in answer.citations:
            assert a.document(c.source).text[c.start : c.end] == c.quote
        for dropped in answer.unsupported:
            assert dropped not in answer.text
        (artifacts / "packaged-llm.json").write_text(
            json.dumps({"ttft_s": first, "mode": answer.mode, "text": answer.text}) + "\n"
        )
    finally:
        a.close()
        for server in list(local_llm._SERVERS.values()):
            server.stop()
