"""Incremental ingest against the real embedding model and an embedded Chroma."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from testing.ingest_helpers import article, snapshot, write_articles
from testing.pdfgen import make_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_articles(tmp_path / "articles", 4)
    return tmp_path / "articles"


@pytest.fixture
def assistant(tmp_path: Path):  # type: ignore[no-untyped-def]
    a = Assistant(data_dir=tmp_path / "index")
    yield a
    a.close()


def clean_snapshot(folder: Path, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    fresh = Assistant(data_dir=tmp_path / f"clean-{len(list(tmp_path.iterdir()))}")
    try:
        fresh.ingest([folder])
        return snapshot(fresh.index)
    finally:
        fresh.close()


def test_new_changed_removed_unchanged(folder: Path, assistant: Assistant, tmp_path: Path) -> None:
    first = assistant.ingest([folder])
    assert (first.added, first.updated, first.skipped, first.deleted, first.failed) == (
        4,
        0,
        0,
        0,
        [],
    )
    assert first.chunks_added == assistant.stats()["chunks"] > 4

    again = assistant.ingest([folder])
    assert (again.added, again.updated, again.deleted, again.chunks_added) == (0, 0, 0, 0)
    assert again.skipped == 4 and again.chunks_deleted == 0

    (folder / "article-001.txt").write_text(article(1) + "\nA late correction was added.")
    (folder / "article-002.txt").unlink()
    write_articles(folder, 1, start=50)
    third = assistant.ingest([folder])
    assert (third.added, third.updated, third.skipped, third.deleted) == (1, 1, 2, 1)
    assert third.chunks_added > 0 and third.chunks_deleted > 0

    snap = snapshot(assistant.index)
    assert snap == clean_snapshot(folder, tmp_path)
    assert "article-002.txt" not in snap["documents"]
    assert snap["records_match_store"] and snap["all_done"]
    # the changed file's text is the new one, and its chunks quote it exactly
    source = str((folder / "article-001.txt").resolve())
    doc = assistant.document(source)
    assert doc is not None and doc.text.endswith("A late correction was added.")
    got = assistant.index.collection.get(
        where={"source": source}, include=["documents", "metadatas"]
    )
    for text, meta in zip(got["documents"], got["metadatas"], strict=True):
        assert doc.text[meta["start"] : meta["end"]] == text


def test_unchanged_rerun_does_not_embed(folder: Path, assistant: Assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assistant.ingest([folder])
    calls = []
    original = assistant.index.embeddings.embed_documents
    monkeypatch.setattr(
        assistant.index.embeddings, "embed_documents", lambda t: calls.append(t) or original(t)
    )
    report = assistant.ingest([folder])
    assert report.skipped == 4 and not calls


def test_cleanup_is_scoped_to_the_paths_given(tmp_path: Path, assistant: Assistant) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_articles(a, 2)
    write_articles(b, 2, start=10)
    assistant.ingest([a])
    assistant.ingest([b])
    assert assistant.stats()["documents"] == 4
    (b / "article-010.txt").unlink()
    report = assistant.ingest([b])  # only b's removal counts; a is untouched
    assert report.deleted == 1 and assistant.stats()["documents"] == 3
    for f in a.iterdir():
        f.unlink()
    assert assistant.ingest([a]).deleted == 2
    assert assistant.stats()["documents"] == 1


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path: Path, assistant: Assistant) -> None:
    folder = tmp_path / "mixed"
    write_articles(folder, 2)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(os.urandom(4096))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(100))
    (folder / "good.pdf").write_bytes(make_pdf(["Zanzibar harbour reopened in March."]))
    (folder / "good.html").write_text(
        "<html><body><article><p>The Qatrun oasis festival drew four thousand visitors "
        "this spring, organisers said, the largest crowd in a decade.</p></article></body></html>"
    )
    (folder / "outside-link.txt").symlink_to("/etc/hostname")
    report = assistant.ingest([folder])
    failed = {Path(p).name: reason for p, reason in report.failed}
    assert set(failed) == {"empty.txt", "binary.txt", "broken.pdf", "photo.jpg", "outside-link.txt"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["binary.txt"]
    assert "PDF" in failed["broken.pdf"] and "unsupported" in failed["photo.jpg"]
    assert "link" in failed["outside-link.txt"]
    assert report.added == 4 and assistant.stats()["documents"] == 4
    # the good files are searchable
    hits = assistant.index.keywords.search("Zanzibar harbour", 3)
    assert hits and "good.pdf" in assistant.index.get_chunks([hits[0][0]])[0].source
    # a file that breaks after being ingested keeps its previous version
    (folder / "good.html").write_bytes(b"")
    again = assistant.ingest([folder])
    assert "good.html" in {Path(p).name for p, _ in again.failed}
    assert again.deleted == 0 and assistant.stats()["documents"] == 4


def test_missing_path_is_reported(tmp_path: Path, assistant: Assistant) -> None:
    report = assistant.ingest([tmp_path / "nope"])
    assert report.failed == [(str(tmp_path / "nope"), "does not exist; check the path")]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd or Path(__file__).parent.parent,
    )


def test_cli_summary_table_and_exit_codes(tmp_path: Path, folder: Path) -> None:
    data = tmp_path / "cli-index"
    ok = run_cli(str(folder), "--data-dir", str(data))
    assert ok.returncode == 0, ok.stderr
    assert "Ingest summary" in ok.stdout and "4 documents" in ok.stdout

    (folder / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    bad = run_cli(str(folder), "--data-dir", str(data), "--json")
    assert bad.returncode == 1
    report = json.loads(bad.stdout)["report"]
    assert report["skipped"] == 4 and report["failed"][0]["path"].endswith("bad.txt")
    assert "Traceback" not in bad.stderr


def test_second_writer_waits_then_fails_clearly(tmp_path: Path, folder: Path) -> None:
    data = tmp_path / "locked"
    holder = Assistant(data_dir=data)
    try:
        with holder.index.write_lock():
            blocked = run_cli(str(folder), "--data-dir", str(data), "--wait", "1")
        assert blocked.returncode == 2
        assert (
            blocked.stderr.startswith("error: Another ingest") and "is writing to" in blocked.stderr
        )
        assert blocked.stderr.count("\n") == 1  # one line, whatever the terminal width
        assert "Traceback" not in blocked.stdout + blocked.stderr
        assert holder.stats()["chunks"] == 0  # nothing was written behind the lock
        after = run_cli(str(folder), "--data-dir", str(data), "--wait", "1")
        assert after.returncode == 0, after.stdout + after.stderr
    finally:
        holder.close()


def test_two_processes_at_once_leave_one_consistent_index(tmp_path: Path, folder: Path) -> None:
    data = tmp_path / "race"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ingest", str(folder), "--data-dir", str(data), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    reports = sorted((json.loads(o)["report"] for o, _ in outs), key=lambda r: r["added"])
    assert (reports[0]["added"], reports[0]["skipped"]) == (0, 4)  # the second one waited
    assert (reports[1]["added"], reports[1]["skipped"]) == (4, 0)
    a = Assistant(data_dir=data)
    try:
        assert snapshot(a.index) == clean_snapshot(folder, tmp_path)
    finally:
        a.close()


def test_a_data_dir_from_before_keyword_entries_gets_them_once(
    folder: Path, tmp_path: Path
) -> None:
    """A data dir whose keyword index was a rebuilt ``bm25/`` folder: opened by this version, its
    chunks get keyword entries from the stored chunks, and the folder is removed."""
    import sqlite3

    data = tmp_path / "old"
    a = Assistant(data_dir=data)
    a.ingest([folder])
    expected = snapshot(a.index)
    a.close()
    with sqlite3.connect(data / "documents.sqlite") as db:  # what an older version left
        db.executescript("DROP TABLE keyword_text; DROP TABLE keyword_chunks;")
    (data / "bm25").mkdir()
    (data / "bm25" / "ids.json").write_text("{}")

    b = Assistant(data_dir=data)
    try:
        assert snapshot(b.index) == expected
        assert not (data / "bm25").exists()
        assert len(b.index.keywords.search("residents", 3)) == 3
        assert not b.index.docs.keywords_missing()
        assert b.ingest([folder]).chunks_added == 0  # nothing re-embedded
    finally:
        b.close()
