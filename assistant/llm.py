"""The LLM answerer and the condense-question step, through langchain chat models.

Two backends, chosen by settings:

* ``ASSISTANT_LLM_GGUF``: a local GGUF file run in-process by llama-cpp-python (two threads,
  temperature 0; the model is loaded once per process and shared).
* ``ASSISTANT_LLM_BASE_URL``: any OpenAI-compatible server (vLLM, llama.cpp server, Ollama,
  OpenAI) through ``langchain_openai.ChatOpenAI``; ``ASSISTANT_LLM_MODEL`` names the model
  (unset: the server's first listed model) and ``ASSISTANT_LLM_API_KEY`` is sent if given.

The answerer packs the passages into the token budget, streams the model's tokens, then keeps
only what the cited passages support (:mod:`assistant.grounding`); when nothing survives, the
fallback (extractive) answer is given instead.

>>> from assistant.llm import make_llm_answerer  # doctest: +SKIP
>>> answerer = make_llm_answerer(settings, fallback=extractive)  # doctest: +SKIP
>>> for part in answerer.stream("Why does Haftar target the DMSC?", passages): ...  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import os
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from assistant.answerer import Answerer, final_answer
from assistant.grounding import (
    EmbedFn,
    PackedPassage,
    TokenCounter,
    format_passages,
    ground,
    looping,
    pack_context,
    parse_markers,
)
from assistant.types import Answer, History, Passage
from core.errors import AssistantError, LLMUnavailableError, MissingExtraError
from core.settings import Settings
from prompts import render

__all__ = [
    "LLMAnswerer",
    "LlamaCppChat",
    "answer_messages",
    "chat_model",
    "clean_condensed",
    "condense_question",
    "make_llm_answerer",
]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
"""Used only for api.openai.com when ``ASSISTANT_LLM_MODEL`` is unset."""
ANSWER_MAX_TOKENS = 256
"""Enough for the one to three sentences the prompt asks for."""
CONDENSE_MAX_TOKENS = 64
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 120.0
"""Longest wait for the first token or between two tokens (a CPU server reading a long prompt)."""
GGUF_THREADS = 2
HISTORY_TURNS = 6
"""Earlier turns shown to the condense step."""

EvidenceGate = Callable[[str, list[Passage], History | None], bool]
"""``(question, passages, history) -> bool``: do the passages hold evidence for the question?"""


# --------------------------------------------------------------------------------------------
# Chat models


def chat_model(settings: Settings, *, max_tokens: int = ANSWER_MAX_TOKENS) -> BaseChatModel:
    """The configured langchain chat model; a GGUF file wins over a server URL."""
    if settings.llm_gguf:
        return _gguf_chat(settings, max_tokens)
    if settings.llm_base_url:
        return _openai_chat(settings, max_tokens)
    raise LLMUnavailableError(
        "No language model is configured. Install the packaged one with: python -m assistant "
        "llm install (or make llm); or set ASSISTANT_LLM_BASE_URL to an OpenAI-compatible "
        "server (and ASSISTANT_LLM_MODEL), or ASSISTANT_LLM_GGUF to a local .gguf file."
    )


def _openai_chat(settings: Settings, max_tokens: int) -> BaseChatModel:
    import httpx
    from langchain_openai import ChatOpenAI

    base_url = str(settings.llm_base_url).rstrip("/")
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    is_openai = "api.openai.com" in base_url
    return ChatOpenAI(
        base_url=base_url,
        model=resolve_model(settings),
        api_key=api_key,
        temperature=0,
        max_completion_tokens=max_tokens,  # what OpenAI reads ...
        # ... which llama.cpp's server and older Ollama ignore; they read max_tokens
        extra_body=None if is_openai else {"max_tokens": max_tokens},
        streaming=True,
        timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        max_retries=1,
    )


def resolve_model(settings: Settings) -> str:
    """``ASSISTANT_LLM_MODEL``, else the server's first listed model (``GET /models``)."""
    if settings.llm_model:
        return settings.llm_model
    base_url = str(settings.llm_base_url or "").rstrip("/")
    if "api.openai.com" in base_url:
        return DEFAULT_OPENAI_MODEL
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    return _first_served_model(base_url, key)


_SERVED: dict[tuple[str, str], str] = {}


def _first_served_model(base_url: str, api_key: str) -> str:
    """The first model id the server lists; remembered only once the server has answered."""
    import openai

    key = (base_url, api_key)
    if key not in _SERVED:
        try:
            client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=5.0, max_retries=0)
            ids = [m.id for m in client.models.list()]
        except openai.OpenAIError:
            return "default"  # the chat request then reports what is wrong, in words
        _SERVED[key] = ids[0] if ids else "default"
    return _SERVED[key]


def _gguf_chat(settings: Settings, max_tokens: int) -> BaseChatModel:
    path = Path(str(settings.llm_gguf)).expanduser()
    n_ctx = max(4096, 2 * settings.answer.context_tokens + 1024)  # cl100k undercounts most vocabs
    llama, lock = _load_gguf(str(path), n_ctx)
    return LlamaCppChat(llama=llama, lock=lock, max_tokens=max_tokens)


@lru_cache(maxsize=2)
def _load_gguf(path: str, n_ctx: int) -> tuple[Any, threading.Lock]:
    # ggml's OpenMP threads spin while they wait; on a busy machine that starves the other
    # thread and made prompt reading 2-4x slower (measured). Read once, when the library loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        from llama_cpp import Llama
    except ImportError:
        raise MissingExtraError("llama-cpp-python", "llamacpp") from None
    if not Path(path).is_file():
        raise LLMUnavailableError(
            f"The model file {path} does not exist. Check ASSISTANT_LLM_GGUF: it must point to "
            "a .gguf file."
        )
    try:
        llama = Llama(
            model_path=path,
            n_ctx=n_ctx,
            n_threads=GGUF_THREADS,
            n_threads_batch=GGUF_THREADS,
            n_batch=512,
            seed=0,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as e:
        raise LLMUnavailableError(
            f"Could not load the model file {path} ({e}). Check that ASSISTANT_LLM_GGUF points "
            "to a complete GGUF file that this llama-cpp-python version supports."
        ) from None
    # Free the model while the interpreter is still whole: llama-cpp-python's own __del__
    # runs too late at exit and prints a TypeError from a half torn-down module.
    atexit.register(llama.close)
    # one Llama context cannot serve two generations at once
    return llama, threading.Lock()


class LlamaCppChat(BaseChatModel):
    """A thin langchain chat model over an already loaded ``llama_cpp.Llama``.

    langchain_community's ChatLlamaCpp loads the file itself and forces settings
    (``rope_freq_base=10000``, ``n_batch=8``) that are wrong or slow for current models.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llama: Any
    lock: Any
    max_tokens: int = ANSWER_MAX_TOKENS
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-python"

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        roles = {"system": "system", "human": "user", "ai": "assistant"}
        return {
            "messages": [{"role": roles.get(m.type, "user"), "content": m.text} for m in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stop": stop,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self.lock:
            out = self.llama.create_chat_completion(**self._request(messages, stop))
        content = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self.lock:
            parts = self.llama.create_chat_completion(**self._request(messages, stop), stream=True)
            for part in parts:
                piece = (part["choices"] or [{}])[0].get("delta", {}).get("content")
                if piece:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                    if run_manager is not None:
                        run_manager.on_llm_new_token(piece, chunk=chunk)
                    yield chunk


def _failure(error: Exception, settings: Settings) -> LLMUnavailableError:
    """The error worded for the user: what failed and which setting to check."""
    if settings.llm_gguf:
        return LLMUnavailableError(
            f"The local model {settings.llm_gguf} failed while answering ({error}). Check "
            "ASSISTANT_LLM_GGUF, or shorten answer.context_tokens if the prompt is too long."
        )
    url, model = settings.llm_base_url, settings.llm_model or "the server's default"
    try:
        import openai
    except ImportError:  # pragma: no cover - langchain-openai depends on it
        openai = None  # type: ignore[assignment]
    if openai is not None and isinstance(error, openai.AuthenticationError):
        return LLMUnavailableError(
            f"The language model server at {url} refused the API key. Check ASSISTANT_LLM_API_KEY."
        )
    if openai is not None and isinstance(error, openai.NotFoundError):
        return LLMUnavailableError(
            f"The language model server at {url} does not know the model {model} or the path. "
            "Check ASSISTANT_LLM_MODEL, and that ASSISTANT_LLM_BASE_URL ends in /v1."
        )
    if openai is not None and isinstance(error, openai.APITimeoutError):
        return LLMUnavailableError(
            f"The language model server at {url} did not answer within {READ_TIMEOUT_S:.0f} s "
            f"(model {model}). Check that it is running and not overloaded."
        )
    if openai is not None and isinstance(error, openai.APIStatusError):
        return LLMUnavailableError(
            f"The language model server at {url} answered with an error "
            f"({error.status_code}) for model {model}. Check ASSISTANT_LLM_MODEL and the "
            "server's log."
        )
    return LLMUnavailableError(
        f"Cannot reach the language model server at {url} (model {model}). Check that it is "
        "running and that ASSISTANT_LLM_BASE_URL is right (it usually ends in /v1)."
    )


def _is_backend_error(error: Exception) -> bool:
    if isinstance(error, AssistantError):
        return False
    try:
        import openai

        if isinstance(error, openai.OpenAIError):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(error, (OSError, ValueError, RuntimeError))


def stream_text(
    model: BaseChatModel, messages: list[BaseMessage], settings: Settings
) -> Generator[str, None, None]:
    """The model's reply piece by piece; backend failures become :class:`LLMUnavailableError`."""
    try:
        for chunk in model.stream(messages):
            piece = chunk.text
            if piece:
                yield str(piece)
    except Exception as e:
        if _is_backend_error(e):
            raise _failure(e, settings) from e
        raise


# --------------------------------------------------------------------------------------------
# Answering


def answer_messages(
    question: str, packed: Sequence[PackedPassage], history: History | None = None
) -> list[BaseMessage]:
    """System rules, then the fenced passages, the recent conversation and the question."""
    from langchain_core.messages import HumanMessage, SystemMessage

    conversation = ""
    if history:
        # so that "he" in a follow-up can be resolved; the passages stay the only source
        conversation = f"\nConversation so far:\n{_transcript(history, 4, 300)}\n"
    user = render(
        "answer_user",
        passages=format_passages(packed),
        conversation=conversation,
        question=question,
    )
    return [SystemMessage(render("answer_system")), HumanMessage(user)]


class LLMAnswerer:
    """Answers from the passages with a chat model, keeping only supported sentences.

    ``model`` replaces the configured chat model (any langchain chat model); ``embed`` adds
    embedding similarity to the support check; ``count`` counts the context budget; ``gate``
    says whether the passages hold evidence for the question at all (when it says no, the
    model is not asked and the fallback answers, which then refuses).
    """

    name = "llm"

    def __init__(
        self,
        settings: Settings,
        fallback: Answerer,
        *,
        model: BaseChatModel | None = None,
        embed: EmbedFn | None = None,
        count: TokenCounter | None = None,
        max_tokens: int = ANSWER_MAX_TOKENS,
        gate: EvidenceGate | None = None,
    ) -> None:
        self.settings = settings
        self.gate = gate
        self.max_tokens = max_tokens
        self.fallback = fallback
        self.embed = embed
        self._model = model
        self._given_model = model
        self._count = count
        self._lock = threading.Lock()

    @property
    def model(self) -> BaseChatModel:
        """The chat model, built (and a GGUF file loaded) on first use."""
        with self._lock:
            if self._model is None:
                self._model = chat_model(self.settings, max_tokens=self.max_tokens)
            return self._model

    def pack(self, passages: Sequence[Passage]) -> list[PackedPassage]:
        if self._count is None:
            from core.text import count_tokens

            self._count = count_tokens
        return pack_context(passages, self.settings.answer.context_tokens, self._count)

    def stream(
        self, question: str, passages: list[Passage], history: History | None = None
    ) -> Iterator[str | Answer]:
        started = time.perf_counter()
        packed = self.pack(passages)
        # Without evidence for the question a small model answers anyway, from its own knowledge
        # that some passage's words happen to support ("The capital of France is Paris" against
        # a planted "... the capital of Libya is Paris"), or by repeating unrelated passages.
        if not packed or (self.gate is not None and not self.gate(question, passages, history)):
            yield self._fall_back(question, passages, history, [])
            return
        text = ""
        model = self.model
        pieces = stream_text(model, answer_messages(question, packed, history), self.settings)
        try:
            for piece in pieces:
                text += piece
                yield text
                if any(c in piece for c in ".]\n") and looping(text):
                    pieces.close()  # small models can repeat a sentence until max_tokens
                    break
        except LLMUnavailableError:
            with self._lock:  # build afresh next time: the server may be back, or renamed
                if self._model is model and self._given_model is None:
                    self._model = None
            raise
        checked = ground(text, packed, embed=self.embed, question=question)
        if checked.refused or checked.supported:
            yield Answer(
                text=checked.text,
                refused=checked.refused,
                citations=checked.citations,
                question=question,
                mode=self.name,
                passages=list(passages),
                unsupported=checked.unsupported,
                seconds=round(time.perf_counter() - started, 3),
            )
        else:
            yield self._fall_back(question, passages, history, checked.unsupported)

    def _fall_back(
        self,
        question: str,
        passages: list[Passage],
        history: History | None,
        unsupported: list[str],
    ) -> Answer:
        answer = final_answer(self.fallback.stream(question, passages, history))
        answer.unsupported = [*unsupported, *answer.unsupported]
        return answer


def make_llm_answerer(
    settings: Settings, fallback: Answerer, *, max_tokens: int = ANSWER_MAX_TOKENS
) -> Answerer:
    """The LLM answerer for ``settings``; nothing is loaded or contacted until the first answer.

    ``max_tokens`` caps the length of the model's reply. When the fallback can tell whether
    the passages hold evidence (the extractive answerer's ``has_evidence``), the model is asked
    only when they do.
    """
    from assistant.local_llm import with_packaged_llm

    settings = with_packaged_llm(settings)  # the packaged model, when nothing else is set
    if not settings.llm_configured:
        chat_model(settings)  # raises the "not configured" error
    gate = getattr(fallback, "has_evidence", None)
    return LLMAnswerer(settings, fallback, max_tokens=max_tokens, gate=gate)


# --------------------------------------------------------------------------------------------
# Follow-up questions

_LEAD = re.compile(r"^(?:standalone question|rewritten question|question)\s*:\s*", re.IGNORECASE)


def clean_condensed(reply: str, question: str) -> str | None:
    """The rewritten question from a model reply, or None when the reply is not a question.

    >>> clean_condensed('Standalone question: "Why is Haftar besieging Derna?"\\nBecause', "Why?")
    'Why is Haftar besieging Derna?'
    >>> clean_condensed("The answer is: Haftar is besieging Derna [1].", "Why?") is None
    True
    """
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return None
    text = _LEAD.sub("", lines[0]).strip().strip("*\"'“”` ").strip()
    if not text or len(text) > max(300, 3 * len(question)) or parse_markers(text):
        return None
    if question.rstrip().endswith("?") and not text.endswith("?"):
        return None  # the model answered instead of rewriting
    return text


def _transcript(history: History, turns: int = HISTORY_TURNS, chars: int = 600) -> str:
    """``User: ...`` / ``Assistant: ...`` lines for the last ``turns`` turns, each cut short."""
    lines = []
    for turn in history[-turns:]:
        who = "User" if turn.get("role") == "user" else "Assistant"
        content = " ".join(str(turn.get("content", "")).split())
        lines.append(f"{who}: {content[:chars]}")
    return "\n".join(lines)


def condense_question(
    settings: Settings,
    question: str,
    history: list[dict[str, str]],
    *,
    model: BaseChatModel | None = None,
) -> str:
    """A follow-up rewritten into a standalone question; unchanged when there is no history.

    When the model's reply is not a question, the deterministic rewrite
    (:func:`assistant.followup.rewrite_followup`) is used instead.

    >>> condense_question(Settings(), "Who besieges Derna?", [])
    'Who besieges Derna?'
    """
    if not history:
        return question
    from langchain_core.messages import HumanMessage

    prompt = render("condense", history=_transcript(history), question=question.strip())
    if model is None:
        from assistant.local_llm import with_packaged_llm

        settings = with_packaged_llm(settings)
    chat = model or chat_model(settings, max_tokens=CONDENSE_MAX_TOKENS)
    reply = "".join(stream_text(chat, [HumanMessage(prompt)], settings))
    rewritten = clean_condensed(reply, question)
    if rewritten is None:  # small models often answer instead: carry the names over instead
        from assistant.followup import rewrite_followup

        return rewrite_followup(question, history)
    return rewritten
