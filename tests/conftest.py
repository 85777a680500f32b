"""Shared fixtures. Real parts (the MiniLM model, Chroma) are session-scoped: loaded once.

The helpers behind them (ports, servers, corpora) live in ``testing/``, which the benchmarks
use too.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.paths import ARTIFACTS, SAMPLE_DIR
from testing.requirements import unavailable
from testing.servers import (
    QUIET_ENV,
    llama_cpp_missing,
    llama_server,
    postgres_bindir,
    postgres_server,
    smollm2_model,
)
from testing.servers import chroma_server as start_chroma_server

for var, value in QUIET_ENV.items():
    os.environ.setdefault(var, value)
for var in [v for v in os.environ if v.startswith("ASSISTANT_")]:
    del os.environ[var]  # tests build their own settings


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def sample_assistant(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An Assistant over the sample articles, ingested once for the whole session (read-only)."""
    from assistant import Assistant

    articles = tmp_path_factory.mktemp("articles")
    for f in SAMPLE_DIR.iterdir():
        shutil.copy(f, articles / f.name)
    a = Assistant(data_dir=tmp_path_factory.mktemp("index"))
    report = a.ingest([articles])
    assert report.ok and report.added == len(list(articles.iterdir()))
    yield a
    a.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` server on loopback; yields its URL."""
    with start_chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture(scope="session")
def gguf() -> Path:
    """The SmolLM2-135M GGUF with llama-cpp-python to run it; skipped without, failed in CI."""
    missing = llama_cpp_missing()
    if missing:
        unavailable(missing)
    model = smollm2_model()
    assert model is not None
    return model


@pytest.fixture(scope="session")
def llm_server(gguf: Path) -> Iterator[str]:
    """``python -m llama_cpp.server`` with SmolLM2 on a free loopback port; yields its /v1 URL."""
    with llama_server(gguf) as url:
        yield url


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A real PostgreSQL for the session (Debian's ``postgresql``); yields its admin URL.
    Skipped without the package, failed in CI."""
    bindir = postgres_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres_server(bindir) as url:
        yield url


@pytest.fixture
def database_url(postgres: str) -> Iterator[str]:
    """A new, empty database on the session's PostgreSQL; yields its SQLAlchemy URL."""
    import sqlalchemy as sa

    name = f"t{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield postgres.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
