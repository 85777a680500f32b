"""The web app under load, on loopback: latency, concurrent users while an ingest runs, a full
queue, and the memory of a long-running process. ``benchmarks/load.py`` runs these phases and
writes the figures; ``tests/test_load.py`` runs them with modest counts.

Starts ``python app.py`` (real MiniLM model, embedded Chroma) as a subprocess on a free port of
127.0.0.1 over a temporary copy of the sample article plus twelve short "library" articles,
each stating a different number of books for a different invented town. Every request asks
about one town, so each answer has exactly one right number. Then:

* **single user**: sequential ``/ask`` calls through ``gradio_client``; p50/p95.
* **under load**: ``--users`` threads, each sending ``--requests`` questions one after another,
  half through ``/ask`` (``gradio_client``), half through the chat handler (the event the page's
  "Ask" button triggers, joined on Gradio's queue over HTTP with a fresh session, its streamed
  updates read to the end), while the app re-scans its articles folder, into which
  ``--ingest-articles`` generated articles were written just before. The ingest runs inside
  the app (its re-scan event): embedded Chroma is not safe for a second process writing the
  same data dir, and such writes would not be seen by the app's in-memory vector index.
  A request is *lost* when no final response arrives within its time limit; *mixed* when the
  response echoes another question (``search_query`` of ``/ask``, the user's message in the
  chat) or carries another town's number; *wrong* when it is its own but lacks the right number.
* **full queue**: more simultaneous joins than ``concurrency_limit + max_queue``; the refused
  ones must come back at once with Gradio's "Queue is full" (HTTP 503), the accepted ones must
  all finish.
* **memory**: ``VmRSS`` of the app process from ``/proc/<pid>/status`` after a warm-up and after
  each batch of mixed ``/ask`` and chat requests (each chat request in a new session); then
  after each batch of ``--sessions`` new visitor sessions (a "New chat" event each), which
  Gradio keeps state for up to the app's session cap.

Every loop is bounded in count and every wait in time; all traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import html
import http.client
import itertools
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testing import corpus
from testing.paths import ROOT, SAMPLE_DIR
from testing.servers import app_env, free_port, stop, wait_for_port
from testing.stats import latency

CALL_TIMEOUT_S = 90.0
"""Longest wait for one response; a request still unanswered then counts as lost."""

TOWNS = [
    "Quellmoor",
    "Vantrel",
    "Ostravin",
    "Pelkarra",
    "Drunmoss",
    "Yselberg",
    "Karnholt",
    "Timbrevale",
    "Asherdun",
    "Brackwyn",
    "Corvessa",
    "Fenlowe",
]


# -- the corpus -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    """One town's library article: the only place its number of books is stated."""

    town: str
    books: int

    @property
    def file(self) -> str:
        return f"library-{self.town.lower()}.txt"

    def question(self, tag: str) -> str:
        """A question only this fact answers; ``tag`` makes it unique among all requests."""
        return f"How many books does the new library in {self.town} hold, reader {tag}?"

    def text(self) -> str:
        return (
            f"{self.town} opens a public library\n\n"
            f"The town of {self.town} opened its first public library on Tuesday. The new "
            f"library in {self.town} holds {self.books} books, the librarian said. Readers "
            f"queued outside before the doors opened, and the mayor of {self.town} thanked the "
            "volunteers who built the shelves.\n"
        )


FACTS = [Fact(town, 1000 + 137 * i) for i, town in enumerate(TOWNS)]


def write_corpus(folder: Path) -> list[Fact]:
    """The sample articles and one library article per town, in ``folder``."""
    shutil.copytree(SAMPLE_DIR, folder, dirs_exist_ok=True)
    for fact in FACTS:
        (folder / fact.file).write_text(fact.text(), encoding="utf-8")
    return FACTS


def write_ingest_batch(folder: Path, count: int, seed: int = 7) -> list[str]:
    """``count`` generated news articles (a few kB each) for the app to ingest under load."""
    articles = list(itertools.islice(corpus.generate(seed), count))
    corpus.write_articles(folder, articles)
    return [a.name for a in articles]


# -- the app --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class App:
    port: int
    pid: int
    data_dir: Path
    articles: Path
    log: Path
    fn_index: dict[str, int]
    """Event ids by function name, from the app's ``/config`` (``ask``, ``respond``, ``rescan``)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@contextmanager
def running_app(
    base: Path, *, concurrency_limit: int = 2, max_queue: int = 16, startup_s: float = 240
) -> Iterator[App]:
    """``python app.py`` over a fresh corpus in ``base``, stopped on exit."""
    articles = base / "articles"
    write_corpus(articles)
    data_dir = base / "index"
    port = free_port()
    # No folder watcher: the load test's own re-scan is the ingest under test (the watcher's
    # arrivals under load are tests/test_watch.py's and benchmarks/arrival.py's).
    web = {"concurrency_limit": concurrency_limit, "max_queue": max_queue, "watch": False}
    env = app_env(data_dir, port, {"ASSISTANT_WEB": json.dumps(web)})
    log = base / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py", str(articles)], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        wait_for_port(port, proc, startup_s)
        config = json.loads(_get(port, "/config"))
        fn_index = {d["api_name"]: int(d["id"]) for d in config["dependencies"]}
        yield App(port, proc.pid, data_dir, articles, log, fn_index)
    finally:
        stop(proc, 20)


def _get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from ``/proc/<pid>/status``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


# -- one request ----------------------------------------------------------------------------------
@dataclass
class Call:
    """One request's fate. ``output`` is the final data; ``status`` the HTTP status of joining."""

    status: int
    output: list[Any] | None = None
    error: str | None = None
    started: float = 0.0
    finished: float = 0.0
    messages: int = 0

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def queue_call(
    port: int,
    fn_index: int,
    data: list[Any],
    timeout: float = CALL_TIMEOUT_S,
    on_message: Callable[[dict[str, Any]], None] | None = None,
) -> Call:
    """Join Gradio's queue as the page does (own session) and read the event stream to its end.

    >>> queue_call(app.port, app.fn_index["ask"], ["Who?", None, None]).output  # doctest: +SKIP
    [{'answer': ..., 'search_query': 'Who?', ...}]
    """
    session = uuid.uuid4().hex[:16]
    started = time.monotonic()
    deadline = started + timeout
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None}
        conn.request(
            "POST",
            "/gradio_api/queue/join",
            body=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            text = body.decode(errors="replace")
            return Call(resp.status, error=text, started=started, finished=time.monotonic())
        conn.request("GET", f"/gradio_api/queue/data?session_hash={session}")
        stream = conn.getresponse()
        call = Call(stream.status, started=started)
        while time.monotonic() < deadline:
            line = stream.fp.readline()
            if not line:
                break
            if not line.startswith(b"data:"):
                continue
            message = json.loads(line[5:])
            call.messages += 1
            if on_message is not None:
                on_message(message)
            if message.get("msg") == "process_completed":
                out = message.get("output") or {}
                if message.get("success"):
                    call.output = out.get("data")
                else:
                    call.error = str(out.get("error") or out)
                break
        else:
            call.error = f"no response within {timeout:.0f} s"
        if call.output is None and call.error is None:
            call.error = "the event stream ended without a result"
        call.finished = time.monotonic()
        return call
    except (OSError, http.client.HTTPException) as exc:
        return Call(
            0, error=f"{type(exc).__name__}: {exc}", started=started, finished=time.monotonic()
        )
    finally:
        conn.close()


def ask_call(client: Any, question: str, timeout: float = CALL_TIMEOUT_S) -> Call:
    """``/ask`` through ``gradio_client``."""
    started = time.monotonic()
    try:
        result = client.submit(question, api_name="/ask").result(timeout=timeout)
        return Call(200, [result], started=started, finished=time.monotonic())
    except Exception as exc:  # lost or refused: counted, never raised
        return Call(
            0, error=f"{type(exc).__name__}: {exc}", started=started, finished=time.monotonic()
        )


def chat_call(app: App, question: str, timeout: float = CALL_TIMEOUT_S) -> Call:
    """The page's "Ask" event (the chat handler) in a new session, extractive mode, k=5."""
    return queue_call(
        app.port, app.fn_index["respond"], [question, None, None, "extractive", 5, "", ""], timeout
    )


def client_for(app: App) -> Any:
    from gradio_client import Client

    return Client(app.url, verbose=False)


# -- checking a response --------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    answered: bool
    mixed: bool = False
    right: bool = False
    note: str = ""


def judge(kind: str, call: Call, fact: Fact, question: str) -> Verdict:
    """Whether ``call`` answered ``question`` (about ``fact``), someone else's, or nothing."""
    if call.output is None:
        return Verdict(False, note=call.error or "no output")
    if kind == "ask":
        result = call.output[0]
        echoed = str(result.get("search_query"))
        answer = str(result.get("answer"))
        sources = " ".join(str(c.get("source")) for c in result.get("citations", []))
    else:
        messages = call.output[1]
        users = [m for m in messages if m["role"] == "user"]
        replies = [m for m in messages if m["role"] == "assistant"]
        if len(users) != 1 or len(replies) != 1:
            return Verdict(True, mixed=True, note=f"{len(messages)} messages in a new chat")
        echoed = html.unescape(_text(users[0]))
        answer = html.unescape(_text(replies[0]))
        sources = html.unescape(str(call.output[4]))
    others = [f for f in FACTS if f != fact]
    if echoed != question or any(str(f.books) in answer for f in others):
        return Verdict(True, mixed=True, note=f"asked {question!r}, got {echoed!r}: {answer!r}")
    right = str(fact.books) in answer and fact.file in sources
    return Verdict(True, right=right, note="" if right else answer[:200])


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


# -- the phases -----------------------------------------------------------------------------------
def single_user(app: App, requests: int, warmup: int = 3) -> dict[str, Any]:
    """Sequential ``/ask`` calls from one client, after ``warmup`` unmeasured ones."""
    client = client_for(app)
    for i in range(warmup):
        ask_call(client, FACTS[i % len(FACTS)].question(f"warm{i}"))
    calls, verdicts = [], []
    for i in range(requests):
        fact = FACTS[i % len(FACTS)]
        question = fact.question(f"s{i}")
        call = ask_call(client, question)
        calls.append(call)
        verdicts.append(judge("ask", call, fact, question))
    return {
        **latency([c.seconds for c in calls if c.output is not None]),
        "lost": sum(not v.answered for v in verdicts),
        "wrong": sum(v.answered and not v.mixed and not v.right for v in verdicts),
    }


@dataclass
class LoadResult:
    users: int
    requests_per_user: int
    sent: int = 0
    answered: int = 0
    lost: int = 0
    mixed: int = 0
    wrong: int = 0
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    all_requests: dict[str, float] = field(default_factory=dict)
    started_during_ingest: int = 0
    """Requests sent before the ingest had finished (all of them, when the ingest is long)."""
    finished_during_ingest: int = 0
    """Of those, the ones answered before it finished."""
    ingest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def under_load(
    app: App, users: int, requests_per_user: int, ingest_articles: int, timeout: float = 300
) -> LoadResult:
    """``users`` threads asking while the app re-scans ``ingest_articles`` new articles."""
    names = write_ingest_batch(app.articles, ingest_articles)
    ingest_started = threading.Event()
    ingest: dict[str, Any] = {"articles": len(names)}

    def on_ingest_message(message: dict[str, Any]) -> None:
        if message.get("msg") in ("process_starts", "progress"):
            ingest_started.set()

    def run_ingest() -> None:
        call = queue_call(
            app.port, app.fn_index["rescan"], ["", "newest", 1], timeout, on_ingest_message
        )
        ingest.update(
            started=call.started,
            finished=call.finished,
            seconds=round(call.seconds, 2),
            report=html.unescape(_strip_tags(str(call.output[0]))) if call.output else None,
            error=call.error,
        )
        ingest_started.set()

    clients = [client_for(app) if u % 2 == 0 else None for u in range(users)]
    ingester = threading.Thread(target=run_ingest, name="ingest")
    ingester.start()
    ingest_started.wait(60)  # the users start once the re-scan is under way

    records: list[tuple[str, Call, Verdict]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + timeout

    def user(u: int) -> None:
        kind = "ask" if u % 2 == 0 else "chat"
        for r in range(requests_per_user):
            if time.monotonic() > deadline:
                break
            fact = FACTS[(u * 5 + r) % len(FACTS)]
            question = fact.question(f"u{u}r{r}")
            client = clients[u]
            call = ask_call(client, question) if client is not None else chat_call(app, question)
            verdict = judge(kind, call, fact, question)
            with lock:
                records.append((kind, call, verdict))

    with ThreadPoolExecutor(users) as pool:
        list(pool.map(user, range(users)))
    ingester.join(timeout)

    result = LoadResult(users, requests_per_user, sent=len(records))
    result.answered = sum(v.answered for _, _, v in records)
    result.lost = result.sent - result.answered + (users * requests_per_user - result.sent)
    result.mixed = sum(v.mixed for _, _, v in records)
    result.wrong = sum(v.answered and not v.mixed and not v.right for _, _, v in records)
    result.problems = [f"{k}: {v.note}" for k, _, v in records if v.mixed or not v.right][:20]
    done = [(k, c) for k, c, v in records if v.answered]
    result.all_requests = latency([c.seconds for _, c in done])
    for kind in ("ask", "chat"):
        result.by_kind[kind] = latency([c.seconds for k, c in done if k == kind])
    if "finished" in ingest:
        during = [c for _, c in done if c.started < ingest["finished"]]
        result.started_during_ingest = len(during)
        result.finished_during_ingest = sum(c.finished <= ingest["finished"] for c in during)
        ingest.pop("started")
        ingest.pop("finished")
    result.ingest = ingest
    return result


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", text).strip()


def full_queue(app: App, joins: int, timeout: float = 120) -> dict[str, Any]:
    """``joins`` simultaneous ``/ask`` events; refused ones must say so at once."""
    barrier = threading.Barrier(joins, timeout=30)

    def one(i: int) -> Call:
        fact = FACTS[i % len(FACTS)]
        barrier.wait()
        return queue_call(
            app.port, app.fn_index["ask"], [fact.question(f"q{i}"), None, None], timeout
        )

    with ThreadPoolExecutor(joins) as pool:
        calls = list(pool.map(one, range(joins)))
    busy = [c for c in calls if c.status == 503]
    accepted = [c for c in calls if c.status == 200]
    return {
        "joins": joins,
        "busy": len(busy),
        "busy_said_queue_full": sum("Queue is full" in (c.error or "") for c in busy),
        "busy_max_ms": round(max((c.seconds for c in busy), default=0) * 1000, 1),
        "accepted": len(accepted),
        "accepted_answered": sum(c.output is not None for c in accepted),
        "accepted_max_ms": round(max((c.seconds for c in accepted), default=0) * 1000, 1),
        "other": [f"{c.status}: {c.error}" for c in calls if c.status not in (200, 503)][:5],
        "busy_message": next((c.error for c in busy), None),
    }


def memory_curve(
    app: App, requests: int, batch: int, warmup: int = 40, parallel: int = 4
) -> dict[str, Any]:
    """RSS after a warm-up and after every ``batch`` requests (3 in 4 ``/ask``, 1 in 4 chat)."""
    clients = [client_for(app) for _ in range(parallel)]
    questions = corpus.sample_questions(list(itertools.islice(corpus.generate(7), 40)), 50, seed=3)

    def one(i: int) -> bool:
        fact = FACTS[i % len(FACTS)]
        question = fact.question(f"m{i}") if i % 2 else questions[i % len(questions)]
        if i % 4 == 3:
            return chat_call(app, question).output is not None
        return ask_call(clients[i % parallel], question).output is not None

    def run(start: int, n: int) -> int:
        with ThreadPoolExecutor(parallel) as pool:
            return sum(pool.map(one, range(start, start + n)))

    answered = run(0, warmup)
    curve = [(0, round(rss_mb(app.pid), 1))]
    done = 0
    while done < requests:
        n = min(batch, requests - done)
        answered += run(warmup + done, n)
        done += n
        curve.append((done, round(rss_mb(app.pid), 1)))
    rss = [mb for _, mb in curve]
    return {
        "warmup_requests": warmup,
        "requests": requests,
        "answered": answered,
        "curve": curve,
        "growth_mb": round(rss[-1] - rss[0], 1),
        "peak_growth_mb": round(max(rss) - rss[0], 1),
        "second_half_growth_mb": round(rss[-1] - rss[len(rss) // 2], 1),
    }


def session_memory(app: App, sessions: int, batch: int, parallel: int = 4) -> dict[str, Any]:
    """RSS after every ``batch`` new visitor sessions (each one "New chat" event, no model).

    Gradio keeps per-session state up to the app's ``state_session_capacity``; past it, RSS
    should stay flat however many visitors come and go.
    """
    fn = app.fn_index["new_chat"]

    def one(_: int) -> bool:
        return queue_call(app.port, fn, []).output is not None

    curve = [(0, round(rss_mb(app.pid), 1))]
    answered = 0
    while curve[-1][0] < sessions:
        n = min(batch, sessions - curve[-1][0])
        with ThreadPoolExecutor(parallel) as pool:
            answered += sum(pool.map(one, range(n)))
        curve.append((curve[-1][0] + n, round(rss_mb(app.pid), 1)))
    return {"sessions": sessions, "answered": answered, "curve": curve}
