"""Scale-out on real engines: a ``chroma run`` server and a PostgreSQL started by the tests.

Two ``python app.py`` replicas, each with an empty data dir of its own, share one collection
through ``ASSISTANT_CHROMA_URL`` and ``ASSISTANT_DATABASE_URL``: the same answers from either
over ``/v1/chat/completions``, and an ingest through a third process (new, changed and removed
files) seen by both and exact. Then the writer lock across processes, and the PostgreSQL
index against the SQLite one in-process.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from core.settings import load_settings
from testing.ingest_helpers import snapshot, write_articles
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


def test_two_replicas_share_one_collection(
    chroma_server: str, database_url: str, tmp_path: Path
) -> None:
    articles = tmp_path / "articles"
    write_articles(articles, 3)
    shutil.copy(SAMPLE_DIR / "derna-siege.txt", articles / "derna.txt")
    shared = {"ASSISTANT_CHROMA_URL": chroma_server, "ASSISTANT_DATABASE_URL": database_url}
    replicas = {name: tmp_path / f"replica-{name}" for name in ("a", "b")}
    ports = {name: free_port() for name in replicas}

    def env(name: str) -> dict[str, str]:
        return app_env(replicas[name], ports[name], shared)

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

    # the shared index is exactly a clean ingest of the folder, keyword entries included
    shared_index = Index(
        load_settings(
            data_dir=tmp_path / "check", chroma_url=chroma_server, database_url=database_url
        )
    )
    clean = Assistant(data_dir=tmp_path / "clean")
    try:
        assert clean.ingest([articles]).added == 4
        got = snapshot(shared_index)
        assert got == snapshot(clean.index)
        assert got["records_match_store"] and got["all_done"]
        stored = sorted(shared_index.collection.get(include=[])["ids"])
        assert shared_index.docs.keywords.chunk_ids() == stored  # type: ignore[attr-defined]
    finally:
        shared_index.close()
        clean.close()
    # nothing shared was kept on the replicas' disks
    for data_dir in replicas.values():
        kept = {p.name for p in data_dir.iterdir()} if data_dir.exists() else set()
        assert not kept & {"chroma", "documents.sqlite", "records.sqlite", "bm25"}, kept


def test_writer_lock_holds_across_processes(
    chroma_server: str, database_url: str, tmp_path: Path
) -> None:
    """The lock is PostgreSQL's, not a file's: a writer with another data dir still waits."""
    folder = tmp_path / "articles"
    write_articles(folder, 2)
    holder = Index(
        load_settings(
            data_dir=tmp_path / "holder", chroma_url=chroma_server, database_url=database_url
        )
    )
    shared = {"ASSISTANT_CHROMA_URL": chroma_server, "ASSISTANT_DATABASE_URL": database_url}
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
