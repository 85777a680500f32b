"""LangChain's own interfaces over the assistant: a retriever and a runnable answer chain.

>>> retriever = Assistant().as_retriever(k=3)  # doctest: +SKIP
>>> [d.metadata["source"] for d in retriever.invoke("Operation Volcano")]  # doctest: +SKIP
>>> chain = Assistant().as_chain()  # doctest: +SKIP
>>> chain.invoke("Why does Haftar target the DMSC?").citations  # doctest: +SKIP
>>> chain.invoke({"question": "Since when?", "history": history})  # doctest: +SKIP
>>> for text in chain.stream("Who is besieging Derna?"): ...  # grows  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict

from assistant.types import Answer, History, Passage
from core.errors import BadQuestionError

if TYPE_CHECKING:
    from assistant.api import Assistant

ChainInput = str | dict[str, Any]
"""A question, or ``{"question": ..., "history": [...]}``."""


def passage_document(p: Passage) -> Document:
    """A retrieved passage as a LangChain ``Document`` (chunk text; where it is, its score)."""
    c = p.chunk
    return Document(
        page_content=c.text,
        metadata={
            "source": c.source,
            "title": c.title,
            "date": c.published,
            "start": c.start,
            "end": c.end,
            "page": c.page,
            "score": p.score,
        },
    )


class AssistantRetriever(BaseRetriever):
    """The assistant's hybrid search as a ``BaseRetriever``: ``invoke(query) -> [Document]``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any
    k: int | None = None
    sources: list[str] | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        passages = self.assistant.retrieve(query, k=self.k, sources=self.sources)
        return [passage_document(p) for p in passages]


def _question(value: ChainInput) -> tuple[str, History | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and isinstance(value.get("question"), str):
        return value["question"], value.get("history")
    raise BadQuestionError('Pass a question, or {"question": ..., "history": [...]}.')


class AnswerChain(Runnable[ChainInput, Answer]):
    """The assistant as a ``Runnable``: ``invoke`` returns the :class:`Answer`, ``stream``
    yields the answer text as it grows, ``batch`` answers several questions."""

    def __init__(
        self,
        assistant: Assistant,
        *,
        mode: str | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> None:
        self.assistant = assistant
        self.mode, self.k, self.sources = mode, k, sources

    def _ask(self, value: ChainInput) -> Answer:
        question, history = _question(value)
        return self.assistant.ask(question, history, mode=self.mode, k=self.k, sources=self.sources)

    def invoke(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        return self._call_with_config(self._ask, input, config)

    def stream(  # type: ignore[override]
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str]:
        question, history = _question(input)
        parts = self.assistant.stream(
            question, history, mode=self.mode, k=self.k, sources=self.sources
        )
        last = ""
        for part in parts:
            text = part.text if isinstance(part, Answer) else part
            if text != last:  # the final Answer's checked text, when it differs from the last
                yield text
                last = text
