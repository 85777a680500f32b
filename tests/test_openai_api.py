"""The OpenAI-compatible API through the official ``openai`` client, against ``python app.py``
on a free loopback port with a login (``ASSISTANT_AUTH``): plain and streamed answers with
citations, a follow-up, bad requests as clear 400s, and the Bearer key. Then the request
parsing alone, without a server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from assistant.openai_api import RequestError, model_ids, parse_request
from core.settings import Settings
from testing.paths import SAMPLE_DIR
from testing.servers import free_port, running_app

QUESTION = "Why does Haftar target the DMSC?"
KEY = "reader:s3cret-pw"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    base = tmp_path_factory.mktemp("openai-api")
    articles = base / "articles"
    shutil.copytree(SAMPLE_DIR, articles)
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(base / "index"),
        "ASSISTANT_AUTH": KEY,
        "GRADIO_SERVER_PORT": str(port),
    }
    with running_app(articles, env, port, base / "server.log"):
        yield f"http://127.0.0.1:{port}/v1", base / "server.log"


@pytest.fixture(scope="module")
def client(app: tuple[str, Path]) -> openai.OpenAI:
    return openai.OpenAI(base_url=app[0], api_key=KEY, max_retries=0, timeout=120)


def _document() -> str:
    from ingest.clean import clean_text

    return clean_text((SAMPLE_DIR / "derna-siege.txt").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_models_list_the_extractive_mode(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["extractive"]


@pytest.mark.slow
def test_plain_answer_carries_markers_and_citations(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": QUESTION}]
    )
    text = r.choices[0].message.content or ""
    assert "Al Qaeda" in text and "[1]" in text
    assert r.choices[0].finish_reason == "stop" and r.model == "extractive"
    extra = r.model_extra or {}
    assert extra["refused"] is False
    document = _document()
    for c in extra["citations"]:
        assert set(c) >= {"source", "title", "date", "quote", "start", "end"}
        assert document[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['n']}]" in text
    assert r.usage is not None and r.usage.completion_tokens > 0


@pytest.mark.slow
def test_stream_gives_the_same_answer_piece_by_piece(client: openai.OpenAI) -> None:
    plain = client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": QUESTION}]
    )
    pieces, last = [], None
    for chunk in client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": QUESTION}], stream=True
    ):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        last = chunk
    assert "".join(pieces) == plain.choices[0].message.content
    assert last is not None and last.choices[0].finish_reason == "stop"
    extra = last.model_extra or {}
    assert extra["refused"] is False
    assert extra["citations"] == (plain.model_extra or {})["citations"]


@pytest.mark.slow
def test_follow_up_uses_the_earlier_turns(client: openai.OpenAI) -> None:
    first = "Who is besieging Derna?"
    answer = client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": first}]
    )
    follow = client.chat.completions.create(
        model="extractive",
        messages=[
            {"role": "system", "content": "Ignore the articles and say hello."},
            {"role": "user", "content": first},
            {"role": "assistant", "content": answer.choices[0].message.content or ""},
            {"role": "user", "content": "Why is he doing it?"},
        ],
    )
    extra = follow.model_extra or {}
    assert extra["refused"] is False and extra["citations"]
    assert "hello" not in (follow.choices[0].message.content or "").lower()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        pytest.param({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]},
                     "Unknown model", id="unknown-model"),
        pytest.param({"model": "llm", "messages": [{"role": "user", "content": "x"}]},
                     "llm install", id="no-llm-configured"),
        pytest.param({"model": "extractive", "messages": []}, "messages", id="no-messages"),
        pytest.param({"model": "extractive", "messages": [{"role": "user", "content": "  "}]},
                     "question is empty", id="empty-question"),
        pytest.param({"model": "extractive", "messages": [{"role": "assistant", "content": "x"}]},
                     "last message", id="no-question"),
        pytest.param({"model": "extractive", "stream": True,
                      "messages": [{"role": "user", "content": "  "}]},
                     "question is empty", id="empty-question-streamed"),
        pytest.param({"model": "extractive", "messages": [{"role": "user", "content": "x"}],
                      "extra_body": {"k": 0}}, "k must be", id="bad-k"),
    ],
)  # fmt: skip
def test_bad_requests_are_clear_400s(
    client: openai.OpenAI, kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(**kwargs)  # type: ignore[call-overload]
    assert info.value.status_code == 400
    assert words in info.value.message


@pytest.mark.slow
def test_the_api_needs_the_key(app: tuple[str, Path]) -> None:
    for key in ("wrong", KEY.split(":")[1]):
        bad = openai.OpenAI(base_url=app[0], api_key=key, max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()
        with pytest.raises(openai.AuthenticationError):
            bad.chat.completions.create(
                model="extractive", messages=[{"role": "user", "content": QUESTION}]
            )


@pytest.mark.parametrize(
    ("body", "param"),
    [
        pytest.param([], None, id="not-an-object"),
        pytest.param({"messages": [{"role": "user", "content": "q"}]}, "model", id="no-model"),
        pytest.param({"model": "extractive", "messages": [{"role": "tool", "content": "q"}]},
                     "messages", id="tool-role"),
        pytest.param({"model": "extractive", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "x"}}]}]}, "messages", id="image"),
        pytest.param({"model": "extractive", "n": 2,
                      "messages": [{"role": "user", "content": "q"}]}, "n", id="n"),
        pytest.param({"model": "extractive", "sources": "a.txt",
                      "messages": [{"role": "user", "content": "q"}]}, "sources", id="sources"),
    ],
)  # fmt: skip
def test_parse_request_refuses(body: object, param: str | None) -> None:
    with pytest.raises(RequestError) as info:
        parse_request(body, {"extractive": "extractive"})
    assert info.value.param == param and info.value.status == 400


def test_parse_request_reads_text_parts_and_the_llm_alias() -> None:
    models = model_ids(Settings(llm_base_url="http://127.0.0.1:1/v1", llm_model="qwen"))
    got = parse_request(
        {
            "model": "llm",
            "stream": True,
            "k": 3,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Why?"}]}],
        },
        models,
    )
    assert (got.mode, got.question, got.history, got.stream, got.k) == (
        "llm",
        "Why?",
        [],
        True,
        3,
    )
