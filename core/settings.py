"""Typed settings for every stage, read once from the environment and arguments.

They live in the lowest layer so that ``ingest``, ``vectorstore`` and ``assistant`` can all take
them without one stage importing a later one. The environment supplies only locations,
endpoints and secrets (``ASSISTANT_DATA_DIR``, ``ASSISTANT_CHROMA_URL``,
``ASSISTANT_DATABASE_URL``, ``ASSISTANT_LLM_*``, ``ASSISTANT_AUTH``); everything else is a
tuning knob with a measured default.

>>> load_settings(data_dir="/tmp/x").store_dir.name
'chroma'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddingSettings(_Section):
    model: str | None = None
    """A sentence-transformers folder or name; None means the packaged all-MiniLM-L6-v2."""
    backend: Literal["torch", "onnx"] = "onnx"
    """``onnx``: int8, exported locally from the model on first use (2.6-6.5x faster encodes,
    same dev-set answers, see benchmarks/README.md); ``torch``: sentence-transformers as is."""
    batch_size: int = Field(32, ge=1, le=1024)


class ChunkingSettings(_Section):
    chunk_tokens: int = Field(200, ge=32, le=2000)
    """Target chunk size in cl100k tokens."""
    overlap_tokens: int = Field(40, ge=0, le=500)
    """Whole sentences carried over from the end of one chunk to the start of the next."""
    max_file_mb: float = Field(50.0, gt=0)
    parse_timeout_s: float = Field(60.0, gt=0)
    max_pdf_pages: int = Field(2000, ge=1)


class RetrievalSettings(_Section):
    top_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(30, ge=1, le=500)
    """How many hits each of dense and BM25 search contributes before fusion."""
    rrf_k: int = Field(60, ge=1)
    near_duplicate: float = Field(0.8, gt=0, le=1)
    """Token-set Jaccard above which two hits count as the same passage."""


class RerankSettings(_Section):
    """The cross-encoder that reorders the fused candidates and scores answer sentences
    (vectorstore/reranker.py). Defaults measured on news-dev (see benchmarks/README.md)."""

    enabled: bool = True
    """Off: the fused order is kept and the extractive answerer scores sentences without it."""
    candidates: int = Field(6, ge=1, le=100)
    """Fused passages the cross-encoder reads; the best ``top_k`` of them are kept."""
    max_tokens: int = Field(128, ge=32, le=512)
    """Word pieces per (question, text) pair; the text is cut, never the question. 6 x 128
    measured as good as 8 x 192 on news-dev (26 and 25 of 30 answered, 13 of 16 refused
    either way), 430 -> 292 ms p50 (README, Evaluation and benchmarks)."""
    batch_size: int = Field(4, ge=1, le=256)
    threads: int = Field(0, ge=0, le=64)
    """ONNX Runtime intra-op threads; 0 means one per core."""
    recency_weight: float = Field(0.5, ge=0)
    recency_days: float = Field(30.0, gt=0)
    """For a question about recent news, ``-recency_weight * log2(1 + age / recency_days)``
    is added to each candidate's logit: a week costs 0.15, a year 1.9, eight years 3.3
    (assistant/recency.py; news-dev: 25 of 30 answered with 0.5, 23 with 1.0)."""


class AnswerSettings(_Section):
    mode: Literal["extractive", "llm"] = "extractive"
    max_sentences: int = Field(3, ge=1, le=8)
    context_tokens: int = Field(1500, ge=200)
    use_flagged: bool = False
    """Use documents flagged as addressed to an assistant (prompt injection) as evidence. Off:
    they are left out of retrieval until released (``Assistant.release``) or named in
    ``sources=[...]``."""


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: float = Field(20.0, gt=0)
    concurrency_limit: int = Field(2, ge=1)
    max_queue: int = Field(32, ge=1)
    watch: bool = True
    """Watch the articles folder and ingest new, changed and removed files as they land
    (``python app.py --no-watch`` turns it off; the re-scan button still works)."""


class Settings(BaseSettings):
    """Every setting of the product. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", extra="forbid", frozen=True, env_ignore_empty=True
    )

    data_dir: Path = Path("data/index")
    chroma_url: str | None = None
    """``http://host:port`` of a ``chroma run`` server; unset means embedded Chroma in data_dir."""
    database_url: SecretStr | None = None
    """SQLAlchemy URL of a PostgreSQL database (``postgresql+psycopg://user:pw@host/db``) for the
    record manager, document texts and keyword index; unset means SQLite files in data_dir.
    With ``chroma_url`` too, nothing shared stays in data_dir: replicas can share a collection."""
    collection: str = "articles"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_gguf: Path | None = None
    auth: SecretStr | None = None
    """``user:password`` for the web app's login."""

    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    rerank: RerankSettings = RerankSettings()
    answer: AnswerSettings = AnswerSettings()
    web: WebSettings = WebSettings()

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_gguf)


def load_settings(**overrides: Any) -> Settings:
    """Environment first, then explicit arguments; ``None`` arguments are ignored.

    >>> load_settings(data_dir="idx", retrieval={"top_k": 3}).retrieval.top_k
    3
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)
