"""Scale-out on real engines: a ``chroma run`` server and a PostgreSQL started by the tests.

Two ``python app.py`` replicas, each with an empty data dir of its own, share one collection
through ``ASSISTANT_CHROMA_URL`` and ``ASSISTANT_DATABASE_URL``: the same answers from either
over ``/v1/chat/completions``, and an ingest through a third process (new, changed and removed
files) seen by both and exact. Then the writer lock across processes, and a writer killed
mid-ingest, after which the next ingest converges to a clean one.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from core.settings import load_settings
from ingest.pipeline import ingest_paths
from testing.ingest_helpers import article, snapshot, write_articles
from testing.paths import ROOT, SAMPLE_DIR
from testing.servers import app_env, free_port, running_app
from vectorstore.index import Index

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Why does Haftar target the DMSC?",
    "Who controls the city of Derna?",
]
NEW_QUESTION = "When did the Qatrun ferry terminal reopen?"
NEW_ARTICLE = (
    "Qatrun ferry terminal reopens\n\n"
    "The Qatrun ferry terminal reopened on 4 March after six weeks of storm repairs, harbour "
    "master Amina Juma said. The first ferry carried two hundred passengers and a cargo of "
    "dates. Juma said the breakwater had been rebuilt with Turkish help.\n"
)
CHANGED_LINE = "\nThe envoy later opened a bakery for the Tobruk lighthouse keepers.\n"


def chat(port: int, question: str) -> dict[str, Any]:
    """One answer through the OpenAI-compatible route: its text and cited (file, start, end)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
    try:
        body = {"model": "extractive", "messages": [{"role": "user", "content": question}]}
        conn.request(
            "POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"}
        )
        resp = conn.getresponse()
        data = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 200, data
    return {
        "text": data["choices"][0]["message"]["content"],
        "refused": data["refused"],
        "cited": [(Path(c["source"]).name, c["start"], c["end"]) for c in data["citations"]],
    }


def run_ingest(folder: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", str(folder), "--json", *extra],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture
def shared(chroma_server: str, database_url: str) -> dict[str, str]:
    """The environment of every process of one deployment: the servers, and a collection of
    its own on the session's ``chroma run`` (other tests use the same server)."""
    return {
        "ASSISTANT_CHROMA_URL": chroma_server,
        "ASSISTANT_DATABASE_URL": database_url,
        "ASSISTANT_COLLECTION": f"scaleout-{uuid.uuid4().hex[:8]}",
    }


def open_index(shared: dict[str, str], data_dir: Path) -> Index:
    """An index in this process on the deployment's servers."""
    return Index(
        load_settings(
            data_dir=data_dir,
            chroma_url=shared["ASSISTANT_CHROMA_URL"],
            database_url=shared["ASSISTANT_DATABASE_URL"],
            collection=shared["ASSISTANT_COLLECTION"],
        )
    )


def assert_converges(shared: dict[str, str], folder: Path, tmp_path: Path) -> None:
    """One more ingest of ``folder`` leaves the deployment's index exactly a clean local ingest
    of it, keyword entries included, and another one has nothing to do."""
    index = open_index(shared, tmp_path / "check")
    clean = Assistant(data_dir=tmp_path / "clean")
    try:
        assert ingest_paths([folder], index).ok
        assert clean.ingest([folder]).ok
        got = snapshot(index)
        assert got == snapshot(clean.index)
        assert got["records_match_store"] and got["all_done"]
        stored = sorted(index.collection.get(include=[])["ids"])
        assert index.docs.keywords.chunk_ids() == stored  # type: ignore[attr-defined]
        again = ingest_paths([folder], index)
        assert (again.added, again.updated, again.deleted, again.chunks_added) == (0, 0, 0, 0)
    finally:
        index.close()
        clean.close()


def test_two_replicas_share_one_collection(shared: dict[str, str], tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    write_articles(articles, 3)
    shutil.copy(SAMPLE_DIR / "derna-siege.txt", articles / "derna.txt")
    replicas = {name: tmp_path / f"replica-{name}" for name in ("a", "b")}
    ports = {name: free_port() for name in replicas}

    def env(name: str) -> dict[str, str]:
        # not watching the folder: the ingest under test is the third process's
        return app_env(replicas[name], ports[name], {**shared, "ASSISTANT_WEB": '{"watch": false}'})

    logs = {name: tmp_path / f"{name}.log" for name in replicas}
    # a indexes the folder on its first start; b starts on what a wrote
    with (
        running_app(articles, env("a"), ports["a"], logs["a"]),
        running_app(articles, env("b"), ports["b"], logs["b"]),
    ):
        assert "First start" in logs["a"].read_text()
        assert "First start" not in logs["b"].read_text()
        for question in QUESTIONS:
            a, b = chat(ports["a"], question), chat(ports["b"], question)
            assert a == b and not a["refused"] and a["cited"][0][0] == "derna.txt"
        before = chat(ports["b"], NEW_QUESTION)
        assert before["refused"] or all(c[0] != "qatrun.txt" for c in before["cited"])

        # new, changed and removed files, through a third process with its own data dir
        (articles / "qatrun.txt").write_text(NEW_ARTICLE)
        with open(articles / "article-001.txt", "a") as changed:
            changed.write(CHANGED_LINE)
        (articles / "article-002.txt").unlink()
        cli = app_env(tmp_path / "cli", free_port(), shared)
        done = run_ingest(articles, cli)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)["report"]
        assert (report["added"], report["updated"], report["deleted"]) == (1, 1, 1)

        a, b = chat(ports["a"], NEW_QUESTION), chat(ports["b"], NEW_QUESTION)
        assert a == b and not a["refused"] and a["cited"][0][0] == "qatrun.txt"
        assert "4 March" in a["text"]
        for question in QUESTIONS:
            assert chat(ports["a"], question) == chat(ports["b"], question)

        again = json.loads(run_ingest(articles, cli).stdout)["report"]
        assert (again["skipped"], again["added"], again["chunks_added"]) == (4, 0, 0)

    assert_converges(shared, articles, tmp_path)
    # nothing shared was kept on the replicas' disks
    for data_dir in replicas.values():
        kept = {p.name for p in data_dir.iterdir()} if data_dir.exists() else set()
        assert not kept & {"chroma", "documents.sqlite", "records.sqlite", "bm25"}, kept


def test_writer_lock_holds_across_processes(shared: dict[str, str], tmp_path: Path) -> None:
    """The lock is PostgreSQL's, not a file's: a writer with another data dir still waits."""
    folder = tmp_path / "articles"
    write_articles(folder, 2)
    holder = open_index(shared, tmp_path / "holder")
    env = app_env(tmp_path / "other", free_port(), shared)
    try:
        with holder.write_lock():
            blocked = run_ingest(folder, env, "--wait", "1")
        assert blocked.returncode == 2
        assert blocked.stderr.startswith("error: Another ingest (assistant pid ")
        assert f"pid {os.getpid()} on " in blocked.stderr and blocked.stderr.count("\n") == 1
        assert holder.docs.count() == 0
        after = run_ingest(folder, env, "--wait", "1")
        assert after.returncode == 0, after.stderr
        assert holder.docs.count() == 2
    finally:
        holder.close()


CRASH_DRIVER = r"""
import sys, time
import ingest.pipeline as pipeline
pipeline.BATCH_CHUNKS = 12  # many small writes, so there is a lot to interrupt
from assistant import Assistant

folder, point = sys.argv[1], sys.argv[2]
a = Assistant()  # the servers and the collection from the environment

def stop(*args, **kwargs):
    print("CRASHPOINT", flush=True)
    time.sleep(60)

setattr(a.index.docs, point, stop)
a.ingest([folder])
"""


@pytest.mark.parametrize(
    "point",
    [
        pytest.param("mark_done", id="changed-files-written-not-done"),
        pytest.param("remove", id="removing-a-deleted-file"),
    ],
)
def test_killed_writer_then_ingest_converges(
    shared: dict[str, str], tmp_path: Path, point: str
) -> None:
    """SIGKILL of a writer mid-ingest: its advisory lock goes with its connection, and the
    next ingest, from another process and data dir, converges to a clean ingest."""
    folder = tmp_path / "articles"
    write_articles(folder, 6, sentences=24)
    first = open_index(shared, tmp_path / "first")
    try:
        assert ingest_paths([folder], first).added == 6
    finally:
        first.close()
    for seed in (0, 3):
        (folder / f"article-{seed:03d}.txt").write_text(article(seed, 24) + f"\nUpdate {seed}.")
    (folder / "article-004.txt").unlink()
    write_articles(folder, 1, start=40, sentences=24)
    driver = tmp_path / "driver.py"
    driver.write_text(CRASH_DRIVER)
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(folder), point],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=app_env(tmp_path / "crashed", free_port(), shared),
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline().strip()
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert line == "CRASHPOINT", proc.stderr.read()
    # the killed writer's lock is gone: this ingest would otherwise fail after 30 s
    assert_converges(shared, folder, tmp_path)
