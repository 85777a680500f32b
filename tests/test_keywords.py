"""Contract tests for keyword search (SQLite FTS5 in documents.sqlite; the store contract also
for PostgreSQL): adding twice is harmless, removing removes (and removing what is not there is
fine), source filters hold, a query never reads as FTS5 syntax, and the document store writes
the entries with its rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.text import FUNCTION_WORDS, STOP_WORDS
from core.types import StoredDocument
from vectorstore.docstore import DocStore
from vectorstore.keywords import KeywordChunk, SqliteKeywords, match_expression, query_terms

CHUNKS = {
    "a.txt": [
        KeywordChunk("a0", "Siege\nHaftar's forces besieged Derna in 2016."),
        KeywordChunk("a1", "Siege\nThe Derna siege cut water and power to the city."),
    ],
    "b.txt": [KeywordChunk("b0", "Floods\nStorm Daniel broke two dams above Derna.")],
    "c.txt": [KeywordChunk("c0", "Harbour\nZanzibar harbour reopened after the storm.")],
}


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.slow),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqliteKeywords]:
    """The same contract for SQLite FTS5 and for PostgreSQL (a real server, see conftest)."""
    engine = None
    if request.param == "sqlite":
        s = SqliteKeywords(tmp_path / "documents.sqlite")
    else:
        from vectorstore.postgres import PostgresDocStore, make_engine

        engine = make_engine(request.getfixturevalue("database_url"))
        s = PostgresDocStore(engine).keywords  # type: ignore[assignment]
    for source, chunks in CHUNKS.items():
        s.add(source, chunks)
    yield s
    if engine is not None:
        engine.dispose()


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [i for i, _ in hits]


def test_ranks_by_bm25_and_only_positive_scores(store: SqliteKeywords) -> None:
    hits = store.search("Why was Derna besieged by Haftar?", 10)
    assert ids(hits)[0] == "a0"
    assert set(ids(hits)) == {"a0", "a1", "b0"}
    assert all(score > 0 for _, score in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert store.search("the of and", 5) == []  # function words only
    assert store.search("unheard-of-word", 5) == []
    assert len(store.search("Derna", 1)) == 1


def test_adding_twice_is_harmless_and_replaces(store: SqliteKeywords) -> None:
    store.add("a.txt", CHUNKS["a.txt"])
    assert store.chunk_ids() == ["a0", "a1", "b0", "c0"]
    store.add("a.txt", [KeywordChunk("a9", "Siege\nA ceasefire was agreed.")])
    assert store.chunk_ids() == ["a9", "b0", "c0"]
    assert ids(store.search("ceasefire", 5)) == ["a9"]
    assert "a0" not in ids(store.search("Haftar", 5))


def test_removing_removes_and_unknown_is_fine(store: SqliteKeywords) -> None:
    store.remove("a.txt")
    store.remove("a.txt")
    store.remove("never-there.txt")
    assert store.chunk_ids() == ["b0", "c0"]
    assert ids(store.search("Derna siege", 5)) == ["b0"]


def test_source_filters(store: SqliteKeywords) -> None:
    assert set(ids(store.search("Derna", 5, allowed_sources=["b.txt", "c.txt"]))) == {"b0"}
    assert set(ids(store.search("Derna", 5, excluded_sources={"a.txt"}))) == {"b0"}
    assert store.search("Derna", 5, allowed_sources=[]) == []
    both = store.search("Derna", 5, allowed_sources=["a.txt", "b.txt"], excluded_sources=["a.txt"])
    assert ids(both) == ["b0"]


@pytest.mark.parametrize(
    "query",
    [
        pytest.param('"Derna', id="open-quote"),
        pytest.param("Derna AND NOT siege OR", id="operators"),
        pytest.param("text: Derna*", id="column-and-prefix"),
        pytest.param("NEAR(Derna siege)", id="near"),
        pytest.param("-Derna ^siege {text}", id="punctuation"),
    ],
)
def test_a_query_is_words_never_fts5_syntax(store: SqliteKeywords, query: str) -> None:
    assert "a1" in ids(store.search(query, 5)) or "b0" in ids(store.search(query, 5))


def test_query_terms_split_like_the_index() -> None:
    assert query_terms("Haftar's LNA, 2016: al-Qaeda?") == ["haftar", "lna", "2016", "al", "qaeda"]
    assert FUNCTION_WORDS <= STOP_WORDS  # one list inside the other, both in core.text
    assert match_expression(['a"b']) == '"a""b"'


def test_docstore_writes_entries_with_rows_and_deletes_them_with_rows(tmp_path: Path) -> None:
    docs = DocStore(tmp_path / "documents.sqlite")
    doc = StoredDocument("a.txt", "Siege", "Haftar's forces besieged Derna.", "fp", n_chunks=1)
    docs.mark_pending({"a.txt": "fp"})
    docs.mark_done([doc], {"a.txt": CHUNKS["a.txt"]})
    assert ids(docs.keywords.search("Haftar", 5)) == ["a0"]
    # a second process (here: a second store on the same file) sees the commit
    other = DocStore(tmp_path / "documents.sqlite")
    assert ids(other.keywords.search("Haftar", 5)) == ["a0"]
    docs.remove("a.txt")
    assert other.keywords.search("Haftar", 5) == []
    assert other.keywords.chunk_ids() == []
    other.close()
    docs.close()


def test_a_failed_transaction_leaves_no_entries(tmp_path: Path) -> None:
    docs = DocStore(tmp_path / "documents.sqlite")
    bad = StoredDocument("a.txt", "Siege", "text", "fp", n_chunks=1)
    object.__setattr__(bad, "pages", object())  # json.dumps fails inside the transaction
    with pytest.raises(TypeError):
        docs.mark_done([bad], {"a.txt": CHUNKS["a.txt"]})
    assert docs.keywords.chunk_ids() == [] and docs.count() == 0
    docs.close()


def test_searches_from_threads_see_committed_state(store: SqliteKeywords) -> None:
    seen: list[list[str]] = []

    def search() -> None:
        seen.append(ids(store.search("Zanzibar", 5)))

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [["c0"]] * 4
    store.close()


def test_common_terms_beyond_the_budget_are_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vectorstore import keywords

    store = SqliteKeywords(tmp_path / "documents.sqlite")
    for source, chunks in CHUNKS.items():
        store.add(source, chunks)
    monkeypatch.setattr(keywords, "MATCH_BUDGET", 2)
    # "derna" is in 3 chunks, over the budget of 2: only "zanzibar" (1 chunk) is matched
    assert ids(store.search("Derna Zanzibar", 5)) == ["c0"]
    assert len(store.search("Derna", 5)) == 3  # the rarest term is always kept
