"""The web app as a server: ``python app.py`` on a free loopback port over a copy of the sample.

``/ask`` through ``gradio_client``; the file routes probed with absolute paths, ``..`` runs,
encoded and mixed-case variants (nothing outside the upload area is served); the upload size
limit; a full queue answered with "busy" instead of a hang.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.paths import ROOT, SAMPLE_DIR
from testing.servers import free_port, http_get, running_app

pytestmark = pytest.mark.slow

QUESTION = "Why does Haftar target the DMSC?"
MAX_UPLOAD_MB = 1
MAX_QUEUE = 4


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    data_dir: Path
    articles: Path
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("web-api")
    articles = base / "articles"
    shutil.copytree(SAMPLE_DIR, articles)
    data_dir = base / "index"
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_WEB": json.dumps(
            {"max_upload_mb": MAX_UPLOAD_MB, "concurrency_limit": 1, "max_queue": MAX_QUEUE}
        ),
        "GRADIO_SERVER_PORT": str(port),
        "SECRET_MARKER_FOR_PROBES": "leaked-environment",
    }
    env.pop("ASSISTANT_AUTH", None)
    log = base / "server.log"
    with running_app(articles, env, port, log):
        yield Server(f"http://127.0.0.1:{port}/", port, data_dir, articles, log)


def _upload(port: int, name: str, content: bytes) -> tuple[int, bytes]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/gradio_api/upload",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# -- the server -----------------------------------------------------------------------------------
def test_listens_on_loopback_and_indexed_the_articles_on_first_start(server: Server) -> None:
    log = server.log.read_text(errors="replace")
    assert f"http://127.0.0.1:{server.port}" in log
    assert (
        "Indexed 1 article." in log and "Index: 1 article, 3 chunks in " in log
    )  # before listening
    assert (server.data_dir / "documents.sqlite").exists()


# -- /ask -----------------------------------------------------------------------------------------
def test_ask_returns_the_cli_json_with_citations(server: Server) -> None:
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {
        "/ask"
    }
    result = client.predict(QUESTION, api_name="/ask")
    assert set(result) >= {"answer", "refused", "citations", "mode", "search_query"}
    assert result["refused"] is False
    assert result["mode"] == "extractive"
    assert result["citations"], result
    first = result["citations"][0]
    assert set(first) >= {"n", "source", "title", "quote", "start", "end", "score", "page"}
    assert f"[{first['n']}]" in result["answer"]
    assert first["source"].endswith("derna-siege.txt")
    assert first["end"] - first["start"] == len(first["quote"])
    assert any("Qaeda" in c["quote"] for c in result["citations"])


def test_ask_takes_k_and_mode(server: Server) -> None:
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    result = client.predict(question=QUESTION, k=1, mode="extractive", api_name="/ask")
    assert result["mode"] == "extractive"
    assert {c["source"] for c in result["citations"]} <= {
        str((server.articles / "derna-siege.txt").resolve())
    }


def test_ask_refuses_what_the_articles_do_not_say(server: Server) -> None:
    from gradio_client import Client

    result = Client(server.url, verbose=False).predict(
        "What is the recipe for a sourdough bread starter?", api_name="/ask"
    )
    assert result["refused"] is True
    assert result["citations"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param((QUESTION, 3, "poetry"), "Unknown answer mode", id="unknown-mode"),
        pytest.param((QUESTION, 3, "llm"), "No language model is configured", id="llm-not-set"),
        pytest.param(("   ", None, None), "the question is empty", id="empty-question"),
        pytest.param((QUESTION, 500, None), "k must be between", id="k-out-of-range"),
    ],
)
def test_ask_errors_are_one_clear_sentence(
    server: Server, args: tuple[object, ...], message: str
) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        Client(server.url, verbose=False).predict(*args, api_name="/ask")
    text = str(info.value)
    assert message in text
    assert "Traceback" not in text and 'File "' not in text


def test_concurrent_askers_each_get_their_own_answer(server: Server) -> None:
    from gradio_client import Client

    questions = [
        QUESTION,
        "Who called for an end to the bombing?",
        "What did the Shura Council fighters repel?",
    ]
    client = Client(server.url, verbose=False)
    jobs = [client.submit(q, api_name="/ask") for q in questions]  # all queued at once
    results = [job.result(timeout=120) for job in jobs]
    assert [r["search_query"] for r in results] == questions


# -- file routes ----------------------------------------------------------------------------------
ROUTES = ["/gradio_api/file=", "/file=", "/gradio_api/file/", "/file/", "/static/", "/assets/"]


def _targets(server: Server) -> list[tuple[str, bytes]]:
    """(path as sent, bytes that would prove it was served)."""
    docs = str(server.data_dir / "documents.sqlite")
    pyproject = str(ROOT / "pyproject.toml")
    article = str(server.articles / "derna-siege.txt")
    upload = server.data_dir / "uploads" / "private-note.txt"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("private-note-contents")
    sqlite = b"SQLite format 3"
    return [
        ("/etc/passwd", b"root:"),
        ("/ETC/passwd", b"root:"),
        ("/etc/./passwd", b"root:"),
        ("%2Fetc%2Fpasswd", b"root:"),
        ("%2fEtc%2f..%2fetc%2fpasswd", b"root:"),
        ("../../../../../../../../etc/passwd", b"root:"),
        ("..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", b"root:"),
        ("%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", b"root:"),
        ("..%252f..%252f..%252f..%252fetc%252fpasswd", b"root:"),
        ("....//....//....//etc/passwd", b"root:"),
        ("file:///etc/passwd", b"root:"),
        ("/proc/self/environ", b"leaked-environment"),
        (pyproject, b"[project]"),
        (pyproject.upper(), b"[project]"),
        ("pyproject.toml", b"[project]"),
        ("./PyProject.toml", b"[project]"),
        (docs, sqlite),
        (str(server.data_dir / "records.sqlite"), sqlite),
        (str(server.data_dir / "chroma" / "chroma.sqlite3"), sqlite),
        (str(server.data_dir / "uploads" / ".gradio" / ".." / ".." / "documents.sqlite"), sqlite),
        (docs.replace("/", "%2F"), sqlite),
        (article, b"Haftar"),
        (str(upload), b"private-note-contents"),
        (f"http://127.0.0.1:{server.port}/config", b"dependencies"),
    ]


def test_file_routes_serve_nothing_outside_the_upload_area(server: Server) -> None:
    served = []
    tried = 0
    for route in ROUTES:
        for target, proof in _targets(server):
            status, headers, body = http_get(server.port, route + target)
            tried += 1
            if status == 200 and proof in body:
                served.append((route + target, headers.get("content-type")))
    assert tried >= 100
    assert served == []


def test_uploads_are_limited_in_size_and_served_only_as_downloads(server: Server) -> None:
    status, body = _upload(server.port, "big.txt", b"x" * (MAX_UPLOAD_MB * 1_000_000 + 10))
    assert status == 413, body

    status, body = _upload(server.port, "page.html", b"<script>alert(1)</script>")
    assert status == 200, body
    [path] = json.loads(body)
    assert Path(path).resolve().is_relative_to((server.data_dir / "uploads").resolve())
    status, headers, content = http_get(server.port, "/gradio_api/file=" + path)
    # Gradio's own temporary copy is readable by whoever uploaded it, but never as a page.
    assert status == 200 and content == b"<script>alert(1)</script>"
    assert headers["content-disposition"].startswith("attachment")
    assert "html" not in headers["content-type"]


# -- the queue ------------------------------------------------------------------------------------
def test_a_full_queue_answers_busy_at_once(server: Server) -> None:
    _, _, raw = http_get(server.port, "/config")
    [ask_id] = [d["id"] for d in json.loads(raw)["dependencies"] if d.get("api_name") == "ask"]
    results: list[tuple[int, bytes, float]] = []

    def join(i: int) -> None:
        payload = json.dumps(
            {"data": [f"{QUESTION} ({i})", None, None], "fn_index": ask_id, "session_hash": f"q{i}"}
        ).encode()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        started = time.monotonic()
        conn.request(
            "POST",
            "/gradio_api/queue/join",
            body=payload,
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        results.append((resp.status, resp.read(), time.monotonic() - started))
        conn.close()

    threads = [threading.Thread(target=join, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    busy = [r for r in results if r[0] == 503]
    assert len(results) == 16
    assert busy, [r[:2] for r in results]
    assert all(b"Queue is full" in body for _, body, _ in busy)
    assert max(seconds for _, _, seconds in busy) < 10  # refused at once, not after a wait
    accepted = [r for r in results if r[0] == 200]
    assert accepted and all(b"event_id" in body for _, body, _ in accepted)
