"""The same ingest against a real ``chroma run`` server, chosen with ASSISTANT_CHROMA_URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from core.errors import StoreUnavailableError
from core.settings import load_settings
from testing.ingest_helpers import snapshot, write_articles

pytestmark = pytest.mark.slow


def test_ingest_against_chroma_server(chroma_server: str, tmp_path: Path, sample_dir: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, 3)
    (folder / "derna.txt").write_text((sample_dir / "derna-siege.txt").read_text())
    server = Assistant(data_dir=tmp_path / "idx-server", chroma_url=chroma_server)
    local = Assistant(data_dir=tmp_path / "idx-local")
    try:
        assert server.stats()["store"] == chroma_server
        first = server.ingest([folder])
        assert (first.added, first.failed) == (4, [])
        again = server.ingest([folder])
        assert (again.added, again.skipped, again.chunks_added) == (0, 4, 0)
        (folder / "article-000.txt").unlink()
        assert server.ingest([folder]).deleted == 1

        local.ingest([folder])
        assert snapshot(server.index) == snapshot(local.index)
        # dense search runs on the server
        vector = server.index.embeddings.embed_query("Why does Haftar target the DMSC?")
        top, _score = server.index.dense_search(vector, 1)[0]
        assert top.source.endswith("derna.txt")
    finally:
        server.close()
        local.close()


def test_cli_uses_chroma_url_from_environment(chroma_server: str, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, 2)
    env = {
        "ASSISTANT_CHROMA_URL": chroma_server,
        "ASSISTANT_DATA_DIR": str(tmp_path / "d"),
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ingest", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert f'"store": "{chroma_server}"' in done.stdout


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from testing.servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match="Cannot reach the Chroma server"):
        Assistant(settings=load_settings(data_dir=tmp_path, chroma_url=url))
