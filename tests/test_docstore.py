"""One contract for both document stores: SQLite in the data dir and PostgreSQL (a real server
started by the tests). Pending then done, fingerprints, releases that survive an unchanged
re-ingest, removal, and the generation every write moves."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant import Assistant
from core.errors import StoreUnavailableError
from core.types import StoredDocument
from vectorstore.docstore import DocStore, DocumentStore
from vectorstore.keywords import KeywordChunk


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.slow),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentStore]:
    if request.param == "sqlite":
        made: DocumentStore = DocStore(tmp_path / "documents.sqlite")
    else:
        from vectorstore.postgres import PostgresDocStore, make_engine

        made = PostgresDocStore(make_engine(request.getfixturevalue("database_url")))
    yield made
    made.close()


def doc(source: str, fingerprint: str = "f1", risk: tuple[str, ...] = ()) -> StoredDocument:
    return StoredDocument(
        source,
        f"Title {source}",
        f"Text of {source}.",
        fingerprint,
        "2024-05-01",
        pages=[(1, 0, 5), (2, 5, 12)],
        n_chunks=2,
        url="https://example.org/a",
        outlet="example.org",
        risk=risk,
    )


def test_pending_then_done(store: DocumentStore) -> None:
    g0 = store.generation()
    store.mark_pending({"/a": "f1", "/b": "f2"})
    assert store.states() == {"/a": ("pending", "f1"), "/b": ("pending", "f2")}
    assert store.get("/a") is None and store.count() == 0 and store.listing() == []
    store.mark_done([doc("/a"), doc("/b", "f2")])
    assert store.states() == {"/a": ("done", "f1"), "/b": ("done", "f2")}
    assert store.get("/a") == doc("/a") and store.count() == 2
    assert [d.source for d in store.listing()] == ["/a", "/b"]
    assert store.listing()[0].text == "" and store.listing()[0].pages == []
    assert store.generation() == g0 + 2
    store.remove("/a")
    assert store.get("/a") is None and set(store.states()) == {"/b"}
    assert store.generation() == g0 + 3
    store.remove("/missing")  # harmless


def test_release_survives_an_unchanged_reingest(store: DocumentStore) -> None:
    store.mark_done([doc("/x", risk=("addressed to an assistant",)), doc("/y")])
    assert store.quarantined() == ["/x"]
    g = store.generation()
    assert store.set_released("/x", True) and not store.set_released("/nope", True)
    assert store.quarantined() == [] and store.get("/x").released  # type: ignore[union-attr]
    assert store.generation() == g  # a release does not rebuild keyword search
    store.mark_done([doc("/x", "f2", risk=("addressed to an assistant",))])
    assert store.quarantined() == []
    store.mark_done([doc("/x", "f3", risk=("a new reason",))])
    assert store.quarantined() == ["/x"]


CHUNKS = [
    KeywordChunk("a0", "Siege\nHaftar's forces besieged Derna in 2016."),
    KeywordChunk("a1", "Siege\nThe Derna siege cut water to the café."),
]


def test_keyword_entries_come_and_go_with_the_rows(store: DocumentStore) -> None:
    store.mark_pending({"/a": "f1"})
    store.mark_done([doc("/a")], {"/a": CHUNKS})
    assert next(i for i, _ in store.keywords.search("Haftar besieged Derna", 5)) == "a0"
    assert [i for i, _ in store.keywords.search("CAFE", 5)] == ["a1"]  # folded like FTS5
    store.mark_done([doc("/a", "f2")], {"/a": CHUNKS[1:]})
    assert [i for i, _ in store.keywords.search("Haftar Derna", 5)] == ["a1"]
    store.remove("/a")
    assert store.keywords.search("Derna", 5) == []


def test_a_failed_write_leaves_no_entries(store: DocumentStore) -> None:
    bad = doc("/a", fingerprint=None)  # type: ignore[arg-type]
    # the row breaks NOT NULL after the entries are written, inside the same transaction
    with pytest.raises((sqlite3.IntegrityError, sa.exc.IntegrityError)):
        store.mark_done([bad], {"/a": CHUNKS})
    assert store.keywords.search("Derna", 5) == [] and store.count() == 0


def test_new_assessment_rules_reassess_the_stored_texts(store: DocumentStore) -> None:
    """A data dir made under older rules gets the new flags without re-embedding anything."""
    store.mark_done([doc("/a"), doc("/b", risk=("old reason",))])
    store.set_released("/b", True)
    g = store.generation()

    def rules(text: str) -> tuple[str, ...]:
        return ("new reason",) if "/a" in text else ()

    assert store.reassess(rules, "rules-1") == [("/a", ("new reason",))]
    assert store.quarantined() == ["/a"]
    assert store.get("/b").risk == () and not store.get("/b").released  # type: ignore[union-attr]
    assert store.generation() == g  # no chunk changed: keyword search is not rebuilt
    assert store.reassess(lambda text: ("other",), "rules-1") == []  # same rules: not re-read
    assert store.quarantined() == ["/a"]


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    from testing.servers import free_port

    url = f"postgresql://reader:s3cret@127.0.0.1:{free_port()}/news"
    with pytest.raises(StoreUnavailableError, match="Cannot reach the database at") as caught:
        Assistant(data_dir=tmp_path, database_url=url)
    assert "s3cret" not in str(caught.value) and "ASSISTANT_DATABASE_URL" in str(caught.value)
    with pytest.raises(StoreUnavailableError, match="must be a PostgreSQL URL"):
        Assistant(data_dir=tmp_path, database_url="mysql://db/news")
