"""A folder of 50+ hostile files: every bad one reported, nothing hangs or crashes, the good
ones are searchable, and the index stays consistent."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import build

from assistant import Assistant
from core.settings import load_settings
from ingest.loaders import LoadError
from ingest.pipeline import Preparer
from testing.ingest_helpers import snapshot
from testing.pdfgen import make_pdf

pytestmark = pytest.mark.slow


@pytest.mark.timeout(600)
def test_hostile_folder(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    bad, maybe, good = build(folder, tmp_path / "outside")
    assert len(bad) + len(maybe) >= 50
    a = Assistant(
        data_dir=tmp_path / "index",
        chunking={"max_file_mb": 5, "parse_timeout_s": 45, "max_pdf_pages": 2000},
    )
    try:
        report = a.ingest([folder])
        failed = {Path(p).name: reason for p, reason in report.failed}
        for name, fragment in bad.items():
            assert name in failed, f"{name} was not reported"
            assert fragment.lower() in failed[name].lower(), (name, failed[name])
            assert "Traceback" not in failed[name] and len(failed[name]) < 400
        for name in good:
            assert name not in failed, (name, failed.get(name))
        assert report.added == len(good) + len([m for m in maybe if m not in failed])

        stored = {Path(d.source).name for d in a.documents()}
        assert set(good) <= stored
        assert not stored & set(bad)
        assert not any("SECRET" in c.text or c.text == "outside" for c in a.index.all_chunks())
        for phrase in good.values():
            hits = a.index.keywords.search(phrase, 3)
            assert hits, phrase
            top = a.index.get_chunks([hits[0][0]])[0]
            assert phrase.split()[0] in top.text
        mixed = next(d for d in a.documents() if d.source.endswith("good-mixed-encoding.txt"))
        text = a.document(mixed.source).text  # type: ignore[union-attr]
        assert "Café owners" in text and "“good news”" in text and "Naïve hopes" in text

        snap = snapshot(a.index)
        assert snap["records_match_store"] and snap["all_done"]
        again = a.ingest([folder])  # a second run changes nothing and reports the same files
        assert (again.added, again.updated, again.deleted) == (0, 0, 0)
        assert {Path(p).name for p, _ in again.failed} == set(failed)
    finally:
        a.close()


def test_parse_time_is_bounded(tmp_path: Path) -> None:
    """A file that takes longer than the limit to prepare is stopped and reported."""
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(make_pdf([f"Page {i} text about many things." for i in range(1500)]))
    preparer = Preparer(load_settings(chunking={"parse_timeout_s": 0.5}))
    try:
        with pytest.raises(LoadError, match="took longer than"):
            preparer.prepare(slow, str(slow))
        assert preparer._proc is None  # the worker was killed, not left behind
        good = tmp_path / "fine.txt"
        good.write_text("A short file is still prepared after a timeout.")
        article, chunks = preparer.prepare(good, str(good))
        assert chunks and article.text.startswith("A short file")
    finally:
        preparer.close()
