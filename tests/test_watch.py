"""The app's folder watcher (real model, embedded Chroma): files that land, change and go are
ingested exactly as ``python -m ingest`` would; questions are answered meanwhile and never mix
a document's versions; a CLI ingest in another process beside a watching app either waits and
says so or is seen by the app within seconds; a watcher killed mid-ingest converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from ingest.watch import FolderWatcher, changed_paths
from testing.ingest_helpers import article, snapshot, write_articles

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def clean_snapshot(folder: Path, data: Path) -> dict[str, Any]:
    fresh = Assistant(data_dir=data)
    try:
        fresh.ingest([folder])
        return snapshot(fresh.index)
    finally:
        fresh.close()


def until(check: Any, timeout: float, step: float = 0.05) -> float:
    """Seconds until ``check()`` is true; fails after ``timeout``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(step)
    return time.monotonic() - started


def finds(a: Assistant, phrase: str, name: str) -> bool:
    try:
        return any(Path(p.chunk.source).name == name for p in a.retrieve(phrase, k=3))
    except Exception:
        return False


def dense_finds(a: Assistant, vector: list[float], name: str) -> bool:
    return any(Path(c.source).name == name for c, _ in a.index.dense_search(vector, 3))


def test_changed_paths_ignore_hidden_and_outside() -> None:
    folder = Path("/srv/articles")
    got = changed_paths(
        [(1, "/srv/articles/a.txt"), (1, "/srv/articles/.tmp/a.txt"), (1, "/elsewhere/b.txt")],
        folder,
    )
    assert got == [folder / "a.txt"]


def test_watched_folder_follows_adds_changes_and_removals(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, 4)
    a = Assistant(data_dir=tmp_path / "index")
    watcher = a.watch(folder)
    try:
        assert watcher.wait_idle(300)
        assert a.stats()["documents"] == 4 and watcher.status().state == "watching"

        (folder / "zanzibar.txt").write_text(
            "Zanzibar harbour\n\nThe Zanzibar harbour ferry carried 900 passengers on Monday."
        )
        landed = until(lambda: finds(a, "Zanzibar harbour ferry", "zanzibar.txt"), 60)
        print(f"\nnew article answerable {landed:.2f} s after it landed")
        until(lambda: watcher.status().report is not None, 10)

        (folder / "article-001.txt").write_text(article(1) + "\nA late Tobruk correction.")
        (folder / "article-002.txt").unlink()
        (folder / ".draft.txt").write_text("hidden drafts are never ingested")
        until(lambda: "article-002.txt" not in {Path(d.source).name for d in a.documents()}, 60)
        until(lambda: finds(a, "late Tobruk correction", "article-001.txt"), 60)
        assert watcher.wait_idle(60)

        expected = clean_snapshot(folder, tmp_path / "clean")
        assert snapshot(a.index) == expected
    finally:
        watcher.stop()
        a.close()
    assert watcher.status().state == "stopped"


def test_answers_during_a_watched_ingest_never_mix_versions(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, 3)
    a = Assistant(data_dir=tmp_path / "index")
    watcher = a.watch(folder)
    assert watcher.wait_idle(300)
    failures: list[str] = []
    answers = checked = 0
    stop = threading.Event()

    def ask() -> None:
        nonlocal answers, checked
        while not stop.is_set():
            before = a.index.docs.generation()
            try:
                answer = a.ask("What happened in Tobruk on day 3?")
            except Exception as exc:
                failures.append(repr(exc))
                continue
            answers += 1
            docs = {c.source: a.document(c.source) for c in answer.citations}
            if a.index.docs.generation() != before:
                continue  # the store moved meanwhile: the stored text may be a newer version
            checked += 1
            for c in answer.citations:
                doc = docs[c.source]
                if doc is None or doc.text[c.start : c.end] != c.quote:
                    failures.append(f"citation of {c.source} not in its stored text")

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for round_ in range(3):  # rewrite every file, add some: versions change under readers
            for seed in range(3):
                text = article(seed) + f"\nRevision {round_} adds Tobruk notes."
                (folder / f"article-{seed:03d}.txt").write_text(text)
            write_articles(folder, 2, start=10 + 2 * round_)
            time.sleep(0.5)
            assert watcher.wait_idle(120)
        until(lambda: a.stats()["documents"] == 9, 120)
        assert watcher.wait_idle(120)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        watcher.stop()
    print(f"\n{answers} answers during the ingests, {checked} checked against a still store")
    assert failures == [] and checked > 0
    assert snapshot(a.index) == clean_snapshot(folder, tmp_path / "clean")
    a.close()


APP_DRIVER = r"""
import sys, time
from pathlib import Path
import ingest.pipeline as pipeline
pipeline.BATCH_CHUNKS = 8  # many small writes: a kill lands mid-ingest
from assistant import Assistant
folder, data = Path(sys.argv[1]), sys.argv[2]
a = Assistant(data_dir=data)
w = a.watch(folder)
w.wait_idle(600)
print("IDLE", flush=True)
while True:
    s = w.status()
    print(s.state, s.ingests, a.stats()["documents"], flush=True)
    time.sleep(0.2)
"""


def start_app(folder: Path, data: Path, driver: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(folder), str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "IDLE"
    return proc


def cli_ingest(folder: Path, data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", str(folder), "--data-dir", str(data), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )


def test_cli_ingest_beside_a_watching_app_is_seen_or_waits(tmp_path: Path) -> None:
    """Two processes, one data dir: the app (watching) and ``python -m ingest``."""
    folder, other = tmp_path / "articles", tmp_path / "more"
    write_articles(folder, 3)
    write_articles(other, 2, start=30)
    data = tmp_path / "index"
    driver = tmp_path / "app.py"
    driver.write_text(APP_DRIVER)
    app = start_app(folder, data, driver)
    reader = Assistant(data_dir=data)  # stands for the app's answers: a third process's view
    try:
        # the CLI writes another folder; a reader that had already searched (embedded Chroma
        # keeps the vectors it loaded) sees it within seconds, in dense search too
        vector = reader.index.embeddings.embed_query("item 30-3 residents")
        assert not dense_finds(reader, vector, "article-030.txt")
        done = cli_ingest(other, data)
        assert done.returncode == 0, done.stderr
        seen = until(lambda: dense_finds(reader, vector, "article-030.txt"), 10)
        assert finds(reader, "item 30-3", "article-030.txt") and reader.index.reopened >= 1
        print(f"\nCLI ingest seen by another process after {seen:.2f} s")

        # while the app's watcher writes, a CLI ingest waits for it and says so
        write_articles(folder, 12, start=50, sentences=60)
        time.sleep(0.4)
        busy = cli_ingest(folder, data, "--wait", "600")
        assert busy.returncode == 0, busy.stderr
        said = busy.stdout + busy.stderr
        assert "Waiting for another ingest (pid" in said or "added" in said
        until(lambda: reader.stats()["documents"] == 17, 60)

        # a CLI that cannot wait long enough refuses plainly instead of writing beside it
        write_articles(folder, 12, start=80, sentences=60)
        time.sleep(0.4)
        refused = cli_ingest(folder, data, "--wait", "0.1")
        if refused.returncode != 0:
            assert "Another ingest (pid" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(30)
        reader.close()
    # whatever was killed mid-way, a fresh run converges to a clean ingest of both folders
    again = Assistant(data_dir=data)
    try:
        assert again.ingest([folder, other]).ok
        assert snapshot(again.index) == clean_snapshot_many([folder, other], tmp_path / "clean")
    finally:
        again.close()


def clean_snapshot_many(folders: list[Path], data: Path) -> dict[str, Any]:
    fresh = Assistant(data_dir=data)
    try:
        fresh.ingest(folders)
        return snapshot(fresh.index)
    finally:
        fresh.close()


def test_kill_during_a_watched_ingest_converges_on_the_next_start(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, 2)
    data = tmp_path / "index"
    driver = tmp_path / "app.py"
    driver.write_text(APP_DRIVER)
    app = start_app(folder, data, driver)
    assert app.stdout is not None
    write_articles(folder, 10, start=20, sentences=60)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # kill -9 once the watcher is writing the new files
        line = app.stdout.readline().split()
        if line and line[0] == "ingesting" and int(line[2]) > 2:
            break
    app.send_signal(signal.SIGKILL)
    app.wait(30)
    (folder / "article-000.txt").unlink()  # and a removal while nothing watched

    # the next start's watcher catches up on its own
    a = Assistant(data_dir=data)
    watcher = FolderWatcher(folder, a.index).start()
    try:
        assert watcher.wait_idle(300)
        assert a.index.docs.pending() == []
        assert snapshot(a.index) == clean_snapshot(folder, tmp_path / "clean")
    finally:
        watcher.stop()
        a.close()
