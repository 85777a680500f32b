"""chromadb GHSA-f4j7-r4q5-qw2c has no fixed release: a collection whose stored configuration
names an embedding function (with ``trust_remote_code``) gets that function built on every
upsert. Our collections store none, and a planted one is refused before anything is written.

A spy stands in for chromadb's sentence-transformer embedding function, so nothing is
downloaded; it records every time chromadb builds it from a stored configuration.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chromadb.api.types import EmbeddingFunction
from chromadb.utils import embedding_functions as chroma_efs

from assistant import Assistant
from core.errors import StoreUnavailableError
from testing.ingest_helpers import write_articles
from vectorstore.client import make_client

pytestmark = pytest.mark.slow

BUILDS: list[dict[str, Any]] = []
PLANTED = {
    "model_name": "attacker/remote-code",
    "device": "cpu",
    "normalize_embeddings": False,
    "kwargs": {"trust_remote_code": True},
}


class SpySentenceTransformer(EmbeddingFunction):  # type: ignore[type-arg]
    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = config or PLANTED

    def __call__(self, input: Any) -> Any:
        return [[0.0] * 384 for _ in input]

    @staticmethod
    def name() -> str:
        return "sentence_transformer"

    def get_config(self) -> dict[str, Any]:
        return self.config

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> SpySentenceTransformer:
        BUILDS.append(config)
        return SpySentenceTransformer(config)

    def default_space(self) -> Any:
        return "cosine"

    def supported_spaces(self) -> Any:
        return ["cosine", "l2", "ip"]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    BUILDS.clear()
    monkeypatch.setitem(
        chroma_efs.known_embedding_functions, "sentence_transformer", SpySentenceTransformer
    )
    return BUILDS


@pytest.fixture(params=["embedded", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "server":
        url = request.getfixturevalue("chroma_server")
        return {"chroma_url": url, "collection": f"c{abs(hash(tmp_path)) % 10**8}"}
    return {}


def test_our_collection_stores_no_embedding_function(spy, store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "articles"
    write_articles(folder, 2)
    a = Assistant(data_dir=tmp_path / "index", **store)
    try:
        a.ingest([folder])
        a.index.dense_search(a.index.embeddings.embed_query("Derna"), 2)
        collection = a.index.collection
        assert collection.configuration_json.get("embedding_function") in (None, {"type": "legacy"})
        schema = json.dumps(collection.get_model().serialized_schema or {})
        assert "sentence_transformer" not in schema and "trust_remote_code" not in schema
        assert spy == []  # chromadb never built an embedding function from stored settings
    finally:
        a.close()


def test_planted_embedding_function_is_refused(spy, store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = make_client(tmp_path / "index" / "chroma", store.get("chroma_url"))
    name = store.get("collection", "articles")
    client.create_collection(name, embedding_function=SpySentenceTransformer())
    spy.clear()  # planting it builds it once; what counts is what our code does next
    with pytest.raises(StoreUnavailableError, match="never sets"):
        Assistant(data_dir=tmp_path / "index", client=client, **store)
    assert spy == []  # refused before any write could build it
