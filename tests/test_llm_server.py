"""The LLM answerer against real models: a llama.cpp OpenAI-compatible server on loopback and
the same GGUF in-process.

SmolLM2-135M invents facts, so nothing here checks that an answer is right; the tests check the
pipeline's guarantees: tokens stream, every citation quotes a given passage verbatim at the
right offsets, unsupported sentences never reach the answer (or the extractive fallback is
used), and an unreachable server is a clear error. Time to first token is written to
``test-artifacts/llm-ttft.json``.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from assistant.answerer import final_answer
from assistant.llm import condense_question, make_llm_answerer
from assistant.types import Answer, History, Passage
from core.errors import LLMUnavailableError
from core.settings import Settings
from core.types import StoredChunk
from ingest.chunking import ChunkLimits, chunk_spans
from ingest.clean import clean_text
from ingest.pipeline import count_tokens
from testing.servers import free_port

pytestmark = [pytest.mark.llm, pytest.mark.slow]
# before llama_cpp loads in this process, as assistant.llm would set it (see _load_gguf)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ARTICLE = Path(__file__).resolve().parent.parent / "data" / "articles" / "derna-siege.txt"
QUESTION = "Why does Haftar target the DMSC?"
SECOND = "Who is Martin Kobler?"
MAX_TOKENS = 80  # keeps each answer to a few seconds on a shared 2-core machine
CONTEXT_TOKENS = 600
TIMINGS: dict[str, Any] = {}


@pytest.fixture(scope="module")
def document() -> str:
    return clean_text(ARTICLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def passages(document: str) -> list[Passage]:
    spans = chunk_spans(document, ChunkLimits(120, 0, count_tokens))
    title = document.splitlines()[0]
    chunks = [
        StoredChunk(f"c{i}", "derna-siege.txt", title, document[s:e], i, s, e)
        for i, (s, e) in enumerate(spans)
    ]
    # most relevant first, as retrieval would hand them over: the Al Qaeda passage leads
    chunks.sort(key=lambda c: "Al Qaeda" not in c.text)
    return [Passage(c, 1 / (i + 1)) for i, c in enumerate(chunks)]


def reranked(passages: list[Passage]) -> list[Passage]:
    """The same passages ranked in reverse, as retrieval for another question might."""
    return [Passage(p.chunk, 1 - p.score) for p in passages]


class FakeExtractive:
    name = "extractive"

    def __init__(self) -> None:
        self.calls = 0

    def stream(
        self, question: str, passages: list[Passage], history: History | None = None
    ) -> Iterator[str | Answer]:
        self.calls += 1
        yield Answer(text="Extractive answer.", refused=False, question=question)


def timed_stream(parts: Iterator[str | Answer]) -> tuple[list[str], Answer, dict[str, float]]:
    started = time.perf_counter()
    partials: list[str] = []
    first: float | None = None
    final: Answer | None = None
    for part in parts:
        if isinstance(part, Answer):
            final = part
            continue
        if first is None:
            first = time.perf_counter()
        partials.append(part)
    done = time.perf_counter()
    assert final is not None, "the stream ends with an Answer"
    figures = {"total_s": round(done - started, 3), "partials": len(partials)}
    if first is not None:
        figures["ttft_s"] = round(first - started, 3)
        if len(partials) > 1 and done > first:
            figures["pieces_per_s"] = round((len(partials) - 1) / (done - first), 1)
    return partials, final, figures


def check_guarantees(
    answer: Answer, partials: list[str], passages: list[Passage], document: str, fallback: Any
) -> None:
    assert len(partials) > 1, "tokens stream"
    assert all(b.startswith(a) for a, b in pairwise(partials))
    if answer.mode != "llm":  # nothing was supported: the extractive answer stands in
        assert fallback.calls == 1 and answer.text == "Extractive answer."
        return
    assert fallback.calls == 0
    given = {p.chunk.source: p.chunk for p in passages}
    texts = [p.chunk.text for p in passages]
    for c in answer.citations:
        assert c.source in given
        assert any(c.quote in t for t in texts), "the quote is copied from a given passage"
        assert document[c.start : c.end] == c.quote, "offsets point into the document"
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert sorted(set(markers)) == [c.n for c in answer.citations]
    assert markers[:1] in ([], [1]), "renumbered in order of appearance"
    for dropped in answer.unsupported:
        assert dropped not in answer.text
    if answer.refused:
        assert not answer.citations


def record(name: str, figures: dict[str, float], artifacts: Path) -> None:
    TIMINGS[name] = figures
    (artifacts / "llm-ttft.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")
    print(f"\n{name}: {figures}")


def test_server_answer_streams_and_is_grounded(
    llm_server: str, passages: list[Passage], document: str, artifacts: Path
) -> None:
    settings = Settings(llm_base_url=llm_server, answer={"context_tokens": CONTEXT_TOKENS})
    fallback = FakeExtractive()
    answerer = make_llm_answerer(settings, fallback, max_tokens=MAX_TOKENS)
    partials, answer, figures = timed_stream(answerer.stream(QUESTION, passages))
    record("server_first", figures, artifacts)
    check_guarantees(answer, partials, passages, document, fallback)
    fallback.calls = 0
    partials, answer, figures = timed_stream(answerer.stream(SECOND, reranked(passages)))
    record("server_second", figures, artifacts)
    check_guarantees(answer, partials, passages, document, fallback)


def test_server_condenses_a_follow_up(llm_server: str) -> None:
    settings = Settings(llm_base_url=llm_server)
    history = [
        {"role": "user", "content": "Who is besieging Derna?"},
        {"role": "assistant", "content": "Khalifa Haftar is besieging Derna [1]."},
    ]
    got = condense_question(settings, "Why is he doing it?", history)
    assert isinstance(got, str) and got.strip() and "\n" not in got


def test_unreachable_server_is_a_clear_error(passages: list[Passage]) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    settings = Settings(llm_base_url=url, llm_model="smollm2")
    answerer = make_llm_answerer(settings, FakeExtractive())
    started = time.perf_counter()
    with pytest.raises(LLMUnavailableError) as info:
        final_answer(answerer.stream(QUESTION, passages))
    assert time.perf_counter() - started < 30, "connection failures are bounded"
    message = str(info.value)
    assert url in message and "ASSISTANT_LLM_BASE_URL" in message and "smollm2" in message


def test_gguf_in_process(
    gguf: Path, passages: list[Passage], document: str, artifacts: Path
) -> None:
    settings = Settings(llm_gguf=gguf, answer={"context_tokens": CONTEXT_TOKENS})
    fallback = FakeExtractive()
    answerer = make_llm_answerer(settings, fallback, max_tokens=MAX_TOKENS)
    # the first answer loads the model; the second shows the warm figure (other passages
    # first, so llama.cpp cannot reuse the first prompt's cached prefix)
    partials, answer, figures = timed_stream(answerer.stream(QUESTION, passages))
    record("in_process_cold", figures, artifacts)
    check_guarantees(answer, partials, passages, document, fallback)
    fallback.calls = 0
    partials, answer, figures = timed_stream(answerer.stream(SECOND, reranked(passages)))
    record("in_process_warm", figures, artifacts)
    check_guarantees(answer, partials, passages, document, fallback)
