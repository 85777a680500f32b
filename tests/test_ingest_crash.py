"""A SIGKILL at any moment of an ingest, then a normal re-run, converges to a clean ingest.

A driver process ingests with small batches and stops itself at a chosen point (just before the
record manager is updated, before a document is marked done, inside a cleanup delete, ...) or
after some files; the test kills it there with SIGKILL, re-runs the ingest normally and compares
the index, chunk by chunk, with a fresh ingest of the same files.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from testing.ingest_helpers import article, snapshot, write_articles

pytestmark = pytest.mark.slow

DRIVER = r"""
import sys, time
import ingest.pipeline as pipeline
pipeline.BATCH_CHUNKS = 12          # many small writes, so there is a lot to interrupt
from assistant import Assistant

folder, data, point, nth = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a = Assistant(data_dir=data)
seen = {"n": 0}

def stop_here():
    seen["n"] += 1
    if seen["n"] == nth:
        print("CRASHPOINT", flush=True)
        time.sleep(60)

def hook(obj, name):
    original = getattr(obj, name)
    def wrapped(*args, **kwargs):
        if name == point:
            stop_here()
        return original(*args, **kwargs)
    setattr(obj, name, wrapped)

hook(a.index.records, "update")
hook(a.index.records, "delete_keys")
hook(a.index.chroma, "delete")
hook(a.index.docs, "mark_done")
hook(a.index.docs, "mark_pending")
hook(a.index.docs, "remove")

def progress(p):
    if point == "file" and p.files_done == nth:
        print("CRASHPOINT", flush=True)
        time.sleep(60)

a.ingest([folder], progress=progress)
print("FINISHED", flush=True)
"""


def crash_ingest(folder: Path, data: Path, point: str, nth: int, driver: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(driver), str(folder), str(data), point, str(nth)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert line == "CRASHPOINT", f"never reached {point} #{nth}: {line!r} {proc.stderr.read()}"  # type: ignore[union-attr]


def make_v1(folder: Path) -> None:
    write_articles(folder, 10, sentences=24)


def make_v2(folder: Path) -> None:
    """Three files changed, two removed, two added."""
    for seed in (0, 4, 7):
        (folder / f"article-{seed:03d}.txt").write_text(article(seed, 24) + f"\nUpdate {seed}.")
    for seed in (2, 5):
        (folder / f"article-{seed:03d}.txt").unlink()
    write_articles(folder, 2, start=40, sentences=24)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Snapshots of fresh ingests of version 1 and version 2 of the folder."""
    out = {}
    for version, build in (("v1", [make_v1]), ("v2", [make_v1, make_v2])):
        folder = tmp_path_factory.mktemp(f"clean-{version}") / "articles"
        for step in build:
            step(folder)
        a = Assistant(data_dir=folder.parent / "index")
        a.ingest([folder])
        out[version] = snapshot(a.index)
        out[version]["sources"] = sorted(a.index.docs.states())
        a.close()
    return out


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("driver") / "driver.py"
    path.write_text(DRIVER)
    return path


def converged(folder: Path, data: Path, expected: dict[str, Any]) -> None:
    a = Assistant(data_dir=data)
    try:
        report = a.ingest([folder])
        assert report.ok
        snap = snapshot(a.index)
        expected = {k: v for k, v in expected.items() if k != "sources"}
        assert snap == expected
        # keyword search holds exactly these chunks
        assert a.index.docs.keywords.chunk_ids() == sorted(a.index.collection.get()["ids"])
        # and a second run has nothing left to do
        again = a.ingest([folder])
        assert (again.added, again.updated, again.deleted, again.chunks_added) == (0, 0, 0, 0)
    finally:
        a.close()


@pytest.mark.parametrize(
    ("point", "nth"),
    [
        pytest.param("mark_pending", 2, id="before-second-batch"),
        pytest.param("update", 1, id="after-chroma-write-before-records"),
        pytest.param("mark_done", 3, id="after-records-before-done"),
        pytest.param("file", 6, id="mid-run-after-six-files"),
    ],
)
def test_kill_during_first_ingest(
    tmp_path: Path,
    driver: Path,
    clean: dict[str, dict[str, Any]],
    point: str,
    nth: int,
) -> None:
    folder, data = tmp_path / "articles", tmp_path / "index"
    make_v1(folder)
    crash_ingest(folder, data, point, nth, driver)
    converged(folder, data, clean["v1"])


@pytest.mark.parametrize(
    ("point", "nth"),
    [
        pytest.param("delete", 1, id="inside-stale-chunk-cleanup"),
        pytest.param("delete_keys", 1, id="after-store-delete-before-records"),
        pytest.param("remove", 1, id="removing-a-deleted-file"),
        pytest.param("mark_done", 1, id="changed-files-before-done"),
    ],
)
def test_kill_during_update(
    tmp_path: Path,
    driver: Path,
    clean: dict[str, dict[str, Any]],
    point: str,
    nth: int,
) -> None:
    folder, data = tmp_path / "articles", tmp_path / "index"
    make_v1(folder)
    a = Assistant(data_dir=data)
    a.ingest([folder])
    a.close()
    make_v2(folder)
    crash_ingest(folder, data, point, nth, driver)
    converged(folder, data, clean["v2"])


def test_kill_then_file_removed_before_rerun(tmp_path: Path, driver: Path) -> None:
    """Chunks written but never recorded, and then the file disappears: still cleaned up."""
    folder, data = tmp_path / "articles", tmp_path / "index"
    make_v1(folder)
    crash_ingest(folder, data, "update", 1, driver)
    shutil.rmtree(folder)
    folder.mkdir()
    a = Assistant(data_dir=data)
    try:
        report = a.ingest([folder])
        assert report.ok
        assert a.stats()["chunks"] == 0 and a.stats()["documents"] == 0
        assert a.index.records.list_keys() == []
    finally:
        a.close()
