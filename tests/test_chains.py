"""LangChain's own types over the real assistant (MiniLM, embedded Chroma, the sample article):
the retriever gives ``Document``s that point into the cleaned text, and the runnable answers
with ``invoke``, ``stream`` and ``batch``, also inside a LangChain composition."""

from __future__ import annotations

from itertools import pairwise

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.types import Answer

pytestmark = pytest.mark.slow

QUESTION = "Why does Haftar target the DMSC?"


def test_retriever_gives_documents_with_offsets(sample_assistant) -> None:  # type: ignore[no-untyped-def]
    retriever = sample_assistant.as_retriever(k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("Operation Volcano")
    assert 1 <= len(docs) <= 2 and all(isinstance(d, Document) for d in docs)
    for d in docs:
        assert set(d.metadata) >= {"source", "title", "date", "start", "end", "page", "score"}
        text = sample_assistant.document(d.metadata["source"]).text
        assert text[d.metadata["start"] : d.metadata["end"]] == d.page_content
    assert "Volcano" in docs[0].page_content
    source = docs[0].metadata["source"]
    only = sample_assistant.as_retriever(k=3, sources=[source]).invoke("Haftar")
    assert only and {d.metadata["source"] for d in only} == {source}


def test_chain_invoke_stream_and_batch(sample_assistant) -> None:  # type: ignore[no-untyped-def]
    chain = sample_assistant.as_chain()
    assert isinstance(chain, Runnable)
    answer = chain.invoke(QUESTION)
    assert isinstance(answer, Answer) and not answer.refused and "Al Qaeda" in answer.text
    texts = list(chain.stream(QUESTION))
    assert texts and texts[-1] == answer.text
    assert all(b.startswith(a) for a, b in pairwise(texts))
    history = [
        {"role": "user", "content": "Who is besieging Derna?"},
        {"role": "assistant", "content": chain.invoke("Who is besieging Derna?").text},
    ]
    both = chain.batch([QUESTION, {"question": "Why is he doing it?", "history": history}])
    assert both[0].text == answer.text and both[1].citations
    composed = chain | RunnableLambda(lambda a: [c.quote for c in a.citations])
    assert composed.invoke(QUESTION) == [c.quote for c in answer.citations]
