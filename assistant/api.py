"""The public Python API: :class:`Assistant`.

>>> from assistant import Assistant  # doctest: +SKIP
>>> a = Assistant(data_dir="data/index")  # doctest: +SKIP
>>> a.ingest(["data/articles"]).added  # doctest: +SKIP
1
>>> a.ask("Why does Haftar target the DMSC?").citations[0].quote  # doctest: +SKIP
'However, Haftar considers them to be associated with Al Qaeda, ...'
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.answerer import Answerer, final_answer
from assistant.extractive import ExtractiveAnswerer
from assistant.followup import rewrite_followup
from assistant.quarantine import excluded_sources, leading, left_out
from assistant.recency import asks_recent
from assistant.requests import Request, recognise
from assistant.retrieval import Retriever
from assistant.types import Answer, History, Passage
from core.dates import DateLike, user_date
from core.errors import BadQuestionError, IndexMissingError, LLMUnavailableError
from core.settings import Settings, load_settings
from core.types import StoredDocument
from ingest.pipeline import ProgressFn, ingest_paths
from ingest.report import IngestReport
from ingest.watch import FolderWatcher
from vectorstore.index import Index
from vectorstore.reranker import cross_encoder


class Assistant:
    """Questions answered from the ingested articles, with citations.

    ``data_dir`` defaults to ``$ASSISTANT_DATA_DIR``, else ``./data/index``. Pass ``settings``
    for full control, or keyword overrides such as ``retrieval={"top_k": 8}``.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        client: Any = None,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = load_settings(data_dir=data_dir, **overrides)
        elif data_dir is not None or overrides:
            # validated, so a section given as a dict becomes its settings model
            merged = {**settings.model_dump(), **overrides}
            if data_dir is not None:
                merged["data_dir"] = Path(data_dir)
            settings = Settings.model_validate(merged)
        self.settings = settings
        self.index = Index(settings, client=client)
        # The extractive answerer's vector cache also serves the retriever's query embedding,
        # so a question is embedded once.
        # One cross-encoder, loaded on first use, reorders the candidates and scores sentences.
        reranker = lambda: cross_encoder(settings.rerank)  # noqa: E731
        self._extractive = ExtractiveAnswerer(
            lambda: self.index.embeddings, settings.answer, reranker=reranker
        )
        self.retriever = Retriever(
            self.index,
            settings,
            embed_query=lambda q: self._extractive.vectors([q])[0].tolist(),
            reranker=reranker,
        )
        self._llm: Answerer | None = None
        self._topics: tuple[tuple[int, tuple[str, ...]], list[Any]] | None = None
        self._newest: tuple[int, str | None] | None = None

    # -- ingest ------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | os.PathLike[str]],
        progress: ProgressFn | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> IngestReport:
        """Make the index match the files under ``paths`` (added, changed, removed).

        Another writer to the data dir makes it wait up to 30 s; ``on_wait`` hears why, once.
        """
        return ingest_paths(
            [Path(p) for p in paths], self.index, progress=progress, on_wait=on_wait
        )

    def watch(self, folder: str | os.PathLike[str]) -> FolderWatcher:
        """Start a thread that keeps the index matching ``folder`` (see :mod:`ingest.watch`);
        questions are answered meanwhile. ``stop()`` it when done."""
        return FolderWatcher(Path(folder), self.index).start()

    def remove(self, source: str) -> int:
        """Delete one document and its chunks; returns the number of chunks removed."""
        with self.index.write_lock():
            return self.index.delete_source(source)

    def stats(self) -> dict[str, Any]:
        """``{"documents": n, "chunks": n, ...}``; equal for equal index contents."""
        return self.index.stats()

    def documents(self) -> list[StoredDocument]:
        """Every indexed document (without its text), sorted by title."""
        return self.index.docs.listing()

    def document(self, source: str) -> StoredDocument | None:
        """One document with its cleaned text, which citations' offsets index into."""
        return self.index.document(source)

    # -- answering ---------------------------------------------------------------------------
    def search_query(self, question: str, history: History | None = None) -> str:
        """What is searched for ``question``: itself, or rewritten with the chat's context."""
        return rewrite_followup(check_question(question), history)

    def retrieve(
        self,
        question: str,
        history: History | None = None,
        *,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> list[Passage]:
        """The ``k`` best passages for the question (best first), optionally from ``sources``
        and from articles published between ``since`` and ``until`` (ISO dates, inclusive)."""
        sources = self.sources_between(since, until, sources)
        return self._retrieve(
            self.search_query(question, history), k, sources, self.excluded(sources)
        )

    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        since: DateLike = None,
        until: DateLike = None,
        as_of: str | None = None,
    ) -> Answer:
        """Answer from the articles with citations, or refuse when they do not say.

        ``since``/``until`` (``"2023-01-01"``, inclusive) keep to articles published then.
        ``as_of`` (ISO date) is when the question is asked: "this week" and "latest" are
        relative to it; by default, to the newest indexed article.
        """
        return final_answer(
            self.stream(
                question,
                history,
                mode=mode,
                k=k,
                sources=sources,
                since=since,
                until=until,
                as_of=as_of,
            )
        )

    def stream(
        self,
        question: str,
        history: History | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        since: DateLike = None,
        until: DateLike = None,
        as_of: str | None = None,
    ) -> Iterator[str | Answer]:
        """The answer text so far (cumulative) while it is produced, then the final Answer."""
        began = time.perf_counter()
        question = check_question(question)
        as_of = user_date(as_of, "as_of")
        self._check_index()
        sources = self.sources_between(since, until, sources)
        mode = mode or self.settings.answer.mode
        answerer = self.answerer(mode)
        request = recognise(question)
        if request.is_summary:
            for part in self._summary(request, question, history, mode, sources, as_of):
                if isinstance(part, Answer):
                    part.seconds = round(time.perf_counter() - began, 4)
                yield part
            return
        if mode == "llm":
            from assistant.llm import condense_question

            query = condense_question(self.settings, question, history) if history else question
        else:
            query = rewrite_followup(question, history)
        excluded = self.excluded(sources)
        now = as_of or self.newest_date()
        passages = self._retrieve(
            query, k, sources, excluded, now=now, recent=asks_recent(query), as_of=as_of
        )
        for part in answerer.stream(question, passages, history):
            if isinstance(part, Answer):
                part.question = question
                part.search_query = query
                part.passages = passages
                # with sources named, only those were asked for, and none of them is excluded
                part.flagged_left_out = self._left_out(query, passages, excluded, k, sources)
                part.seconds = round(time.perf_counter() - began, 4)
            yield part

    # -- summaries, the latest, the collection ------------------------------------------------
    def summarize(
        self,
        question: str,
        history: History | None = None,
        *,
        mode: str | None = None,
        sources: Sequence[str] | None = None,
        since: DateLike = None,
        until: DateLike = None,
        as_of: str | None = None,
    ) -> Answer:
        """A summary, the latest or the collection's topics for ``question`` as a request of
        that kind even when it is worded otherwise ("Derna" summarises the topic Derna)."""
        question = check_question(question)
        request = recognise(question)
        if not request.is_summary:
            request = Request("topic", question)
        self._check_index()
        sources = self.sources_between(since, until, sources)
        return final_answer(
            self._summary(
                request,
                question,
                history,
                mode or self.settings.answer.mode,
                sources,
                user_date(as_of, "as_of"),
            )
        )

    def _summary(
        self,
        request: Request,
        question: str,
        history: History | None,
        mode: str,
        sources: Sequence[str] | None,
        as_of: str | None,
    ) -> Iterator[str | Answer]:
        from assistant import summaries

        excluded = self.excluded(sources)
        query = question
        passages: list[Passage] = []
        if request.kind == "overview":
            from assistant.topics import overview

            topics = self.topics(sources)
            docs = {t.central: d for t in topics if (d := self.document(t.central))}
            answer = overview(topics, docs, total=self.topic_articles(sources))
        elif request.kind == "article":
            doc = self._article(request, sources, excluded)
            answer = summaries.summarize_article(doc, self._extractive.vectors, request.length)
            query = request.topic or doc.title
        else:
            query = rewrite_followup(request.topic, history)
            k = TOPIC_PASSAGES[request.length]
            passages = self._retrieve(query, k, sources, excluded)
            docs = {s: d for s in {p.chunk.source for p in passages} if (d := self.document(s))}
            if as_of:  # "the latest" as of the day asked: later articles did not exist yet
                passages = [p for p in passages if (p.chunk.published or "") <= as_of]
            answer = summaries.summarize_topic(
                query,  # the topic, with the conversation's terms when it is "him" or "that"
                passages,
                docs,
                summaries.extractive_scorer(self._extractive.score),
                self._extractive.vectors,
                self._extractive.threshold,
                length=request.length,
                latest=request.kind == "latest",
                leads=lambda names: [Passage(c, 0.0) for c in self.index.first_chunks(names)],
            )
            answer.flagged_left_out = self._left_out(query, passages, excluded, k, sources)
        answer.question = question
        answer.search_query = query
        answer.mode = "extractive"
        if mode == "llm" and request.kind != "overview" and not answer.refused:
            if request.kind == "article":
                chunks = self.index.source_chunks(answer.citations[0].source)
                held = [Passage(c, 1.0 / (1 + i)) for i, c in enumerate(chunks)]
            else:
                held = summaries.holding_passages(answer, passages)
            for part in summaries.llm_summary(
                self.answerer("llm"), request.kind, query, request.length, held, answer
            ):
                if isinstance(part, Answer):
                    part.search_query = query
                    part.flagged_left_out = answer.flagged_left_out
                yield part
            return
        yield answer.text
        yield answer

    def topic_articles(self, sources: Sequence[str] | None = None) -> int:
        """How many articles :meth:`topics` groups (those in no topic included)."""
        self.topics(sources)
        return len(self._topics[0][1]) if self._topics is not None else 0

    def topics(self, sources: Sequence[str] | None = None) -> list[Any]:
        """The collection's topics (:class:`assistant.topics.Topic`), largest first; only of
        ``sources`` when given; never of documents flagged as addressed to an assistant.
        Kept until the index changes."""
        from assistant.topics import find_topics

        excluded = set(self.excluded(sources))
        listing = [d for d in self.documents() if d.source not in excluded]
        if sources:
            wanted = set(sources)
            listing = [d for d in listing if d.source in wanted]
        key = (self.index.docs.generation(), tuple(sorted(d.source for d in listing)))
        if self._topics is not None and self._topics[0] == key:
            return self._topics[1]
        names, vectors = self.index.document_vectors([d.source for d in listing])
        by_source = {d.source: d for d in listing}
        found = find_topics(names, vectors, by_source)
        self._topics = (key, found)
        return found

    def _article(
        self, request: Request, sources: Sequence[str] | None, excluded: Sequence[str]
    ) -> StoredDocument:
        """The one article a summary request means: the only one indexed or selected, else
        the one the request's words pick out (its title and its best passages)."""
        banned = set(excluded)
        names = list(sources) if sources else [d.source for d in self.documents()]
        names = [s for s in names if s not in banned]
        chosen: str | None = names[0] if len(names) == 1 else None
        if chosen is None and request.topic and names:
            chosen = self._best_match(request.topic, sources, excluded)
        if chosen is None:
            if not names:
                raise BadQuestionError(
                    "No article can be summarised: the selected ones are all flagged as "
                    "addressed to an assistant; release one first."
                )
            raise BadQuestionError(
                f"{len(names)} articles are indexed; say which one to summarise (for example "
                '"summarize the article about the storm") or choose it as the source.'
            )
        doc = self.document(chosen)
        if doc is None:
            raise BadQuestionError(f"{chosen} is not an indexed document.")
        return doc

    def _best_match(
        self, words: str, sources: Sequence[str] | None, excluded: Sequence[str]
    ) -> str | None:
        """The source whose title and passages best match ``words``."""
        from core.text import content_stems

        wanted = content_stems(words)
        passages = self._retrieve(words, 10, sources, excluded)
        score: dict[str, float] = {}
        for p in passages:  # the best passage, so a long article does not win by its length
            score[p.chunk.source] = max(score.get(p.chunk.source, 0.0), p.score)
        for p in passages:  # a title naming every word wins outright
            title = content_stems(p.chunk.title)
            if wanted:
                score[p.chunk.source] += len(wanted & title) / len(wanted) / 10
        return max(score, key=lambda s: score[s]) if score else None

    # -- quarantine --------------------------------------------------------------------------
    def flagged(self) -> list[StoredDocument]:
        """Documents that read as addressed to an assistant, released or not (with reasons)."""
        return [d for d in self.documents() if d.risk]

    def release(self, source: str, released: bool = True) -> StoredDocument:
        """Let a flagged document be used as evidence (``released=False`` quarantines it
        again). Returns the document; an unknown source is the user's mistake, said plainly."""
        if not self.index.docs.set_released(source, released):
            raise BadQuestionError(
                f"{source} is not an indexed document; list them with Assistant.documents() "
                "or the web app's Documents tab."
            )
        doc = self.index.docs.get(source)
        assert doc is not None
        return doc

    def excluded(self, sources: Sequence[str] | None = None) -> list[str]:
        """The quarantined sources a question with these ``sources`` must not use."""
        return excluded_sources(
            self.index.docs.quarantined(), sources, self.settings.answer.use_flagged
        )

    def _left_out(
        self,
        query: str,
        passages: Sequence[Passage],
        excluded: Sequence[str],
        k: int | None,
        sources: Sequence[str] | None = None,
    ) -> list[str]:
        """The excluded documents this query would have drawn passages from."""
        if sources:
            excluded = [s for s in excluded if s in sources]
        if not excluded:
            return []
        k = k or self.settings.retrieval.top_k
        vector = self.retriever.embed_query(query)  # cached: the retriever just embedded it
        dense = self.index.dense_search(vector, k, sources=list(excluded))
        keyword = self.index.keywords.search(query, leading(k))
        ids = [id_ for id_, _ in keyword]
        flagged_ids = set(excluded)
        keyword_sources = [c.source for c in self.index.get_chunks(ids) if c.source in flagged_ids]
        return left_out(
            [p.similarity for p in passages],
            [(c.source, sim) for c, sim in dense],
            keyword_sources,
            k,
        )

    def answerer(self, mode: str | None = None) -> Answerer:
        """The answerer for ``mode`` ("extractive" or "llm"; default from the settings)."""
        mode = mode or self.settings.answer.mode
        if mode not in ("extractive", "llm"):
            raise BadQuestionError(f"Unknown answer mode {mode!r}: use 'extractive' or 'llm'.")
        if mode == "extractive":
            return self._extractive
        if self._llm is None:
            try:
                from assistant.llm import make_llm_answerer
            except ImportError as exc:
                raise LLMUnavailableError(
                    "The LLM answer mode is not available in this installation "
                    f"({exc}). Use --mode extractive."
                ) from exc
            self._llm = make_llm_answerer(self.settings, self._extractive)
        return self._llm

    def sources_between(
        self, since: DateLike, until: DateLike, sources: Sequence[str] | None = None
    ) -> list[str] | None:
        """``sources`` (default: every document) narrowed to those published in the range.

        ``None`` when no range is given (no filter). Undated documents are outside every range.
        """
        if since is None and until is None:
            return list(sources) if sources else None
        low, high = user_date(since, "since"), user_date(until, "until")
        if low and high and low > high:
            raise BadQuestionError(f"The date range is empty: {low} is after {high}.")
        allowed = set(sources) if sources else None
        within = [
            d.source
            for d in self.index.docs.listing()
            if d.published
            and (allowed is None or d.source in allowed)
            and (low is None or d.published >= low)
            and (high is None or d.published <= high)
        ]
        if not within:
            raise BadQuestionError(
                f"No indexed article is dated {_range_words(low, high)}; widen the date range "
                "or leave it out."
            )
        return within

    def newest_date(self) -> str | None:
        """The publication date of the newest indexed article: what "this week" means when
        the question gives no ``as_of``. Read again only after the index changes."""
        generation = self.index.docs.generation()
        if self._newest is None or self._newest[0] != generation:
            dates = [d.published for d in self.index.docs.listing() if d.published]
            self._newest = (generation, max(dates) if dates else None)
        return self._newest[1]

    def _retrieve(
        self,
        query: str,
        k: int | None,
        sources: Sequence[str] | None,
        excluded: Sequence[str] = (),
        *,
        now: str | None = None,
        recent: bool = False,
        as_of: str | None = None,
    ) -> list[Passage]:
        self._check_index()
        if k is not None and not 1 <= k <= MAX_K:
            raise BadQuestionError(f"k must be between 1 and {MAX_K}, not {k}.")
        if sources:
            indexed = self.index.docs.states()
            unknown = [s for s in sources if indexed.get(s, ("",))[0] != "done"]
            if unknown:
                raise BadQuestionError(
                    f"{unknown[0]} is not an indexed document; list them with Assistant.documents()"
                    " or the web app's Documents tab, and pass a citation's 'source'."
                )
        # A document being written (by this process or another) is left out until it is done,
        # so no answer mixes its old and new chunks or cites text its stored row lacks.
        hidden = [*excluded, *self.index.docs.pending()]
        # Only a given as_of leaves out later articles; the newest indexed date has none after.
        return self.retriever.search(
            query, k=k, sources=sources, exclude=hidden, now=now, recent=recent, as_of=as_of
        )

    def _check_index(self) -> None:
        if self.index.chunk_count() == 0:
            raise IndexMissingError(
                f"Nothing is indexed in {self.settings.data_dir} yet. Add articles first with: "
                f"python -m ingest data/articles --data-dir {self.settings.data_dir}"
            )

    # -- LangChain -----------------------------------------------------------------------------
    def as_retriever(self, *, k: int | None = None, sources: Sequence[str] | None = None) -> Any:
        """A LangChain ``BaseRetriever``: ``invoke(query)`` gives ``Document``s (see chains)."""
        from assistant.chains import AssistantRetriever

        return AssistantRetriever(assistant=self, k=k, sources=list(sources) if sources else None)

    def as_chain(self, *, mode: str | None = None, k: int | None = None) -> Any:
        """A LangChain ``Runnable``: ``invoke`` gives the Answer, ``stream`` the growing text."""
        from assistant.chains import AnswerChain

        return AnswerChain(self, mode=mode, k=k)

    def close(self) -> None:
        self.index.close()


def _range_words(low: str | None, high: str | None) -> str:
    if low and high:
        return f"between {low} and {high}"
    return f"on or after {low}" if low else f"on or before {high}"


MAX_QUESTION_CHARS = 2000
MAX_K = 50
TOPIC_PASSAGES = {"short": 30, "default": 40, "long": 50}
"""Passages retrieved for a topic summary: the articles it can draw on (a topic's articles
each give one or two of them)."""


def check_question(question: str) -> str:
    """The question stripped; a blank or huge one is the user's mistake, said plainly."""
    if not isinstance(question, str) or not question.strip():
        raise BadQuestionError("Ask a question: the question is empty.")
    question = question.strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestionError(
            f"Ask a shorter question: it has {len(question)} characters, "
            f"the limit is {MAX_QUESTION_CHARS}."
        )
    return question
