"""Shared fixtures. Real parts (the MiniLM model, Chroma) are session-scoped: loaded once."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
for var in [v for v in os.environ if v.startswith("ASSISTANT_")]:
    del os.environ[var]  # tests build their own settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "articles"
DEV_SET = ROOT / "data" / "eval" / "derna-dev.jsonl"
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def stop(proc: subprocess.Popen[bytes], wait_s: float = 15) -> None:
    """Terminate a server process, killing it if it does not exit in ``wait_s``."""
    proc.terminate()
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_app(
    articles: Path, env: dict[str, str], port: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``python app.py ARTICLES`` as a user starts it, listening on ``port``; output to ``log``."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py", str(articles)], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        wait_for_port(port, proc, timeout=180)
        yield proc
    finally:
        stop(proc)


def http_get(port: int, raw_path: str) -> tuple[int, dict[str, str], bytes]:
    """GET a raw path, exactly as written (no client-side normalisation of ``..`` or ``%``)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", raw_path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


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
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
