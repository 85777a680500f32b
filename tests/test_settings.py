"""Settings: one entry point, validated sections, environment for locations only."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import RetrievalSettings, load_settings


def test_settings_overrides_are_validated_into_sections(tmp_path: Path) -> None:
    from assistant import Assistant

    base = load_settings(data_dir=tmp_path / "a")
    a = Assistant(settings=base, data_dir=tmp_path / "b", retrieval={"top_k": 8})
    try:
        assert isinstance(a.settings.retrieval, RetrievalSettings)
        assert a.settings.retrieval.top_k == 8 and a.settings.data_dir == tmp_path / "b"
    finally:
        a.close()


def test_environment_supplies_locations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", "http://127.0.0.1:8123")
    settings = load_settings()
    assert settings.data_dir == tmp_path and settings.chroma_url == "http://127.0.0.1:8123"
    assert load_settings(data_dir="other").data_dir == Path("other")  # arguments win


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"retrieval": {"top_k": 0}}, id="top-k-zero"),
        pytest.param({"retrieval": {"typo": 1}}, id="unknown-field"),
        pytest.param({"answer": {"mode": "magic"}}, id="unknown-mode"),
    ],
)
def test_bad_settings_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        load_settings(**bad)
