"""The web app under load: ``python app.py`` (real model, embedded Chroma) on a loopback port.

Modest counts of the phases in :mod:`testing.load` (``python benchmarks/load.py`` runs larger
ones and writes the figures): one user's latency; eight users, half on ``/ask`` and half on the chat
handler, each getting the answer to their own question while the app ingests 60 articles; a
full queue refused at once with "Queue is full"; the app's resident memory flat across
requests. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testing import load

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

CONCURRENCY = 2
MAX_QUEUE = 12
USERS, REQUESTS = 8, 5
INGEST_ARTICLES = 60
MEMORY_BOUND_MB = 150
"""Allowed RSS growth over the memory test's 160 requests after warm-up (the app starts at
about 1.07 GB). Some growth is expected and bounded: the extractive answerer's LRU cache of
sentence vectors holds up to 20,000 x 384 floats (about 31 MB) and fills as new questions
arrive; allocator arenas of Gradio's worker threads and torch's buffers move RSS by tens of MB.
A leak of what one request handles (its passages, vectors and token tensors, about 1 MB)
would cross the bound within the run."""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[load.App]:
    with load.running_app(
        tmp_path_factory.mktemp("load"), concurrency_limit=CONCURRENCY, max_queue=MAX_QUEUE
    ) as running:
        yield running


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return {}


def test_corpus_questions_have_one_right_answer_each() -> None:
    assert len({f.books for f in load.FACTS}) == len(load.FACTS)
    assert not any(str(a.books) in str(b.books) for a in load.FACTS for b in load.FACTS if a != b)
    fact = load.FACTS[0]
    call = load.Call(200, [{"search_query": fact.question("t"), "answer": f"{fact.books} [1]"}])
    assert load.judge("ask", call, fact, fact.question("t")).mixed is False
    assert load.judge("ask", call, fact, fact.question("other")).mixed is True
    other = load.FACTS[1]
    wrong = load.Call(200, [{"search_query": fact.question("t"), "answer": f"{other.books}"}])
    assert load.judge("ask", wrong, fact, fact.question("t")).mixed is True
    assert load.judge("ask", load.Call(0, error="x"), fact, "q").answered is False


def test_single_user_latency(app: load.App, figures: dict[str, Any]) -> None:
    single = load.single_user(app, 15)
    figures["single"] = single
    print(f"\nsingle user /ask: {single}")
    assert single["n"] == 15 and single["lost"] == 0 and single["wrong"] == 0


def test_users_get_their_own_answers_while_an_ingest_runs(
    app: load.App, figures: dict[str, Any]
) -> None:
    result = load.under_load(app, USERS, REQUESTS, INGEST_ARTICLES)
    print(
        f"\nunder load: {result.all_requests} (ask {result.by_kind['ask']}, "
        f"chat {result.by_kind['chat']}); single user {figures.get('single')}; "
        f"ingest {result.ingest}; sent during it {result.started_during_ingest}, "
        f"answered during it {result.finished_during_ingest}"
    )
    assert result.ingest["error"] is None
    assert f"Added {INGEST_ARTICLES}," in result.ingest["report"]
    assert result.sent == USERS * REQUESTS
    assert (result.lost, result.mixed) == (0, 0), result.problems
    assert result.wrong == 0, result.problems
    assert result.started_during_ingest >= USERS  # every user's first request met the ingest
    assert result.all_requests["max_ms"] < load.CALL_TIMEOUT_S * 1000


def test_a_full_queue_is_refused_at_once_and_the_rest_answered(app: load.App) -> None:
    joins = CONCURRENCY + MAX_QUEUE + 12
    busy = load.full_queue(app, joins)
    print(f"\nfull queue: {busy}")
    assert busy["busy"] >= 1 and busy["other"] == []
    assert busy["busy_said_queue_full"] == busy["busy"]
    assert busy["busy_max_ms"] < 5000  # refused on arrival, not after waiting in line
    assert busy["accepted"] + busy["busy"] == joins
    assert busy["accepted_answered"] == busy["accepted"]  # nobody accepted is left hanging


def test_launch_options_cap_the_sessions_kept_in_memory(tmp_path: Path) -> None:
    from assistant.webui import MAX_SESSIONS, launch_options
    from core.settings import load_settings

    assert launch_options(load_settings(data_dir=tmp_path))["state_session_capacity"] == 1000
    assert MAX_SESSIONS == 1000


def test_memory_stays_flat_as_visitors_come_and_go(app: load.App) -> None:
    """Past the session cap, new visitors replace old ones instead of adding ~60 kB each."""
    filled = load.session_memory(app, sessions=1200, batch=600)
    more = load.session_memory(app, sessions=600, batch=600)
    print(f"\nmemory by new sessions (MB): {filled['curve']} then {more['curve']}")
    assert filled["answered"] == 1200 and more["answered"] == 600
    [(_, before), (_, after)] = more["curve"]
    assert after - before < 15  # 600 more kept sessions would add about 36 MB


def test_memory_stays_flat_across_requests(app: load.App) -> None:
    memory = load.memory_curve(app, requests=160, batch=40, warmup=40)
    print(f"\nmemory (requests after warm-up, MB): {memory['curve']}")
    assert memory["answered"] == 200
    assert memory["growth_mb"] < MEMORY_BOUND_MB
    assert memory["peak_growth_mb"] < MEMORY_BOUND_MB
