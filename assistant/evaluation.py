"""``python -m assistant eval SET...``: how well the assistant answers question sets.

A set is a JSON-lines question file (answered from the index in ``--data-dir``), or a folder
holding ``questions.jsonl`` and ``articles/``: the folder's articles are ingested into a data
dir of its own under ``data/eval-index/`` (kept between runs, so only changed files are read
again) and its questions are answered from there. One case a line: ``id``, ``question``,
optional ``history``, ``answerable``, ``expect`` (groups of alternatives) and ``date`` (when the
question was asked: "this week" is relative to it). Each case is scored by pure functions over
strings and the typed answer:

* **correct**: for an answerable case, the answer is not a refusal and contains at least one
  alternative of every ``expect`` group (case-insensitive, runs of whitespace counted as one
  space); for an unanswerable case, the answer is a refusal.
* **false refusal**: an answerable case that was refused.
* **retrieval hit at k**: among the top ``k`` passages the answerer was given
  (``Answer.passages``: the search for the question, rewritten for a follow-up as the answer
  mode does it; :meth:`Assistant.retrieve` is asked only when an answer carries none), one
  single chunk contains at least one alternative of every group; ``hit_rank`` is the 1-based
  rank of the first such chunk. Unanswerable cases and cases without groups have no hit
  (``None``) and are left out of the rate.
* **citation faithfulness**: the share of citations whose ``quote`` is non-empty and equals
  ``document(source).text[start:end]`` exactly.

>>> r = score_case(EvalCase("c", "Who?", expect=[["haftar"]]), "Haftar [1].", False, ["Haftar"], [])
>>> r.correct, r.refused, r.retrieval_hit, r.hit_rank
(True, False, True, 1)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.types import Answer, Citation, History, Passage
from core.dates import parse_date
from core.errors import AssistantError
from core.types import StoredDocument

Groups = list[list[str]]


class EvalFileError(AssistantError):
    """The question file is missing or a line of it is not a valid case."""


# -- cases -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalCase:
    id: str
    question: str
    history: History = field(default_factory=list)
    answerable: bool = True
    expect: Groups = field(default_factory=list)
    date: str | None = None
    """When the question was asked, ISO ``YYYY-MM-DD``; answers take it as their ``as_of``."""


def parse_case(line: str, where: str = "") -> EvalCase:
    """One JSON line -> :class:`EvalCase`; a wrong line raises :class:`EvalFileError`.

    >>> parse_case('{"id": "a", "question": "Why?", "expect": [["x", "y"]]}').expect
    [['x', 'y']]
    """
    try:
        raw = json.loads(line)
        if not isinstance(raw, dict):
            raise ValueError("a line must be a JSON object")
        question = raw["question"]
        if not isinstance(question, str) or not question.strip():
            raise ValueError('"question" must be a non-empty string')
        expect = raw.get("expect", [])
        if not (
            isinstance(expect, list)
            and all(
                isinstance(g, list) and g and all(isinstance(a, str) and a for a in g)
                for g in expect
            )
        ):
            raise ValueError('"expect" must be a list of non-empty lists of strings')
        history = raw.get("history") or []
        if not all(
            isinstance(t, dict) and t.get("role") in ("user", "assistant") and "content" in t
            for t in history
        ):
            raise ValueError('"history" turns need a "role" (user or assistant) and "content"')
        answerable = raw.get("answerable", True)
        if not isinstance(answerable, bool):
            raise ValueError('"answerable" must be true or false')
        date = None
        if raw.get("date") is not None:
            date = parse_date(str(raw["date"]))
            if date is None:
                raise ValueError('"date" must look like 2023-01-05')
        return EvalCase(
            id=str(raw.get("id") or where or question[:30]),
            question=question,
            history=[{"role": t["role"], "content": str(t["content"])} for t in history],
            answerable=answerable,
            expect=[list(g) for g in expect],
            date=date,
        )
    except (ValueError, KeyError, TypeError) as exc:
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise EvalFileError(f"{where or 'question'} is not a valid case: {detail}") from None


def load_cases(path: Path) -> list[EvalCase]:
    """Every case of a JSON-lines file; blank lines are skipped and ids must be unique."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalFileError(f"Cannot read the question file {path}: {exc.strerror}") from None
    cases = [
        parse_case(line, f"{path.name} line {n}") for n, line in enumerate(lines, 1) if line.strip()
    ]
    if not cases:
        raise EvalFileError(f"The question file {path} holds no cases.")
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise EvalFileError(f"Case ids must be unique in {path}; repeated: {', '.join(dupes)}")
    return cases


# -- pure scoring ----------------------------------------------------------------------------
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).casefold()


def missing_groups(text: str, expect: Groups) -> Groups:
    """The groups none of whose alternatives occur in ``text`` (case-insensitive).

    >>> missing_groups("Al  Qaeda, they say", [["al qaeda", "al-Qaeda"], ["terrorist"]])
    [['terrorist']]
    """
    haystack = _norm(text)
    return [g for g in expect if not any(_norm(alt) in haystack for alt in g)]


def first_hit_rank(chunk_texts: Sequence[str], expect: Groups) -> int | None:
    """1-based rank of the first text holding an alternative of every group, else None.

    >>> first_hit_rank(["Derna", "siege of Derna"], [["siege"], ["derna"]])
    2
    """
    if not expect:
        return None
    for rank, text in enumerate(chunk_texts, 1):
        if not missing_groups(text, expect):
            return rank
    return None


def citation_faithful(citation: Citation, document_text: str | None) -> bool:
    """The quote is non-empty and stands verbatim in its document at ``[start:end]``.

    >>> c = Citation(1, "s", "t", "siege", 4, 9, 1.0)
    >>> citation_faithful(c, "The siege goes on"), citation_faithful(c, "The Siege goes on")
    (True, False)
    """
    if document_text is None or not citation.quote or citation.start < 0:
        return False
    return document_text[citation.start : citation.end] == citation.quote


@dataclass(frozen=True)
class CaseResult:
    id: str
    question: str
    answerable: bool
    answer: str
    correct: bool
    refused: bool
    false_refusal: bool
    retrieval_hit: bool | None
    """A retrieved chunk holds every group; None for unanswerable cases or ones without groups."""
    hit_rank: int | None
    """Rank of the first retrieved chunk holding every group; None when none does."""
    citations: int
    faithful_citations: int
    missing: Groups = field(default_factory=list)
    """Expected groups the answer lacks (empty when correct or refused)."""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_case(
    case: EvalCase,
    answer_text: str,
    refused: bool,
    retrieved_texts: Sequence[str],
    citation_checks: Sequence[bool],
    seconds: float = 0.0,
) -> CaseResult:
    """Score one answer. ``citation_checks`` holds :func:`citation_faithful` per citation."""
    missing = [] if refused else missing_groups(answer_text, case.expect)
    correct = (not refused and not missing) if case.answerable else refused
    judged = case.answerable and bool(case.expect)
    rank = first_hit_rank(retrieved_texts, case.expect) if judged else None
    return CaseResult(
        id=case.id,
        question=case.question,
        answerable=case.answerable,
        answer=answer_text,
        correct=correct,
        refused=refused,
        false_refusal=case.answerable and refused,
        retrieval_hit=(rank is not None) if judged else None,
        hit_rank=rank,
        citations=len(citation_checks),
        faithful_citations=sum(citation_checks),
        missing=missing if case.answerable else [],
        seconds=seconds,
    )


@dataclass(frozen=True)
class EvalSummary:
    cases: int
    correct: int
    answerable: int
    answers_correct: int
    unanswerable: int
    refusals_correct: int
    false_refusals: int
    retrieval_cases: int
    retrieval_hits: int
    citations: int
    faithful_citations: int
    seconds: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.cases if self.cases else 0.0

    @property
    def retrieval_hit_rate(self) -> float | None:
        return self.retrieval_hits / self.retrieval_cases if self.retrieval_cases else None

    @property
    def citation_faithfulness(self) -> float | None:
        return self.faithful_citations / self.citations if self.citations else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "accuracy": round(self.accuracy, 4),
            "retrieval_hit_rate": _round(self.retrieval_hit_rate),
            "citation_faithfulness": _round(self.citation_faithfulness),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def summarise(results: Sequence[CaseResult]) -> EvalSummary:
    """Totals over the cases; rates are properties so they are never out of step."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    judged = [r for r in answerable if r.retrieval_hit is not None]
    return EvalSummary(
        cases=len(results),
        correct=sum(r.correct for r in results),
        answerable=len(answerable),
        answers_correct=sum(r.correct for r in answerable),
        unanswerable=len(unanswerable),
        refusals_correct=sum(r.correct for r in unanswerable),
        false_refusals=sum(r.false_refusal for r in results),
        retrieval_cases=len(judged),
        retrieval_hits=sum(bool(r.retrieval_hit) for r in judged),
        citations=sum(r.citations for r in results),
        faithful_citations=sum(r.faithful_citations for r in results),
        seconds=round(sum(r.seconds for r in results), 3),
    )


@dataclass(frozen=True)
class EvalReport:
    mode: str
    k: int
    questions: str
    summary: EvalSummary
    results: list[CaseResult]

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "k": self.k,
            "questions": self.questions,
            "summary": self.summary.as_dict(),
            "cases": [r.as_dict() for r in self.results],
        }


# -- running against an assistant -------------------------------------------------------------
class Answering(Protocol):
    """The part of :class:`assistant.Assistant` an evaluation uses."""

    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
        as_of: str | None = None,
    ) -> Answer: ...

    def retrieve(
        self, question: str, history: History | None = None, *, k: int | None = None
    ) -> list[Passage]: ...

    def document(self, source: str) -> StoredDocument | None: ...


def evaluate_case(assistant: Answering, case: EvalCase, mode: str, k: int) -> CaseResult:
    """Ask one case and check its passages and every citation against its document."""
    history = case.history or None
    started = time.perf_counter()
    answer = assistant.ask(case.question, history, mode=mode, k=k, as_of=case.date)
    seconds = time.perf_counter() - started
    passages = answer.passages or assistant.retrieve(case.question, history, k=k)
    passages = passages[:k]
    texts: dict[str, str | None] = {}
    checks = []
    for citation in answer.citations:
        if citation.source not in texts:
            doc = assistant.document(citation.source)
            texts[citation.source] = doc.text if doc is not None else None
        checks.append(citation_faithful(citation, texts[citation.source]))
    return score_case(
        case, answer.text, answer.refused, [p.chunk.text for p in passages], checks, seconds
    )


def evaluate(
    assistant: Answering,
    cases: Sequence[EvalCase],
    *,
    mode: str,
    k: int,
    questions: str = "",
    on_result: Callable[[CaseResult], None] | None = None,
) -> EvalReport:
    results = []
    for case in cases:
        result = evaluate_case(assistant, case, mode, k)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return EvalReport(mode, k, questions, summarise(results), results)


# -- presentation -----------------------------------------------------------------------------
def _short(text: str, width: int) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def cases_table(report: EvalReport) -> Any:
    from rich.table import Table

    table = Table(title=f"Evaluation ({report.mode}, k={report.k})", show_lines=False)
    table.add_column("case", style="bold", no_wrap=True)
    table.add_column("question", max_width=34)
    table.add_column("answer", max_width=60)
    table.add_column("result", no_wrap=True)
    table.add_column("retrieval", justify="right")
    table.add_column("citations ok", justify="right")
    table.add_column("s", justify="right")
    for r in report.results:
        if r.correct:
            verdict = "[green]refused ok[/]" if r.refused else "[green]correct[/]"
        elif r.false_refusal:
            verdict = "[red]false refusal[/]"
        elif not r.answerable:
            verdict = "[red]should refuse[/]"
        else:
            verdict = "[red]wrong[/]"
        hit = {None: "-", True: f"hit @{r.hit_rank}", False: "[red]miss[/]"}[r.retrieval_hit]
        table.add_row(
            r.id,
            _short(r.question, 80),
            _short(r.answer, 160),
            verdict,
            hit,
            f"{r.faithful_citations}/{r.citations}",
            f"{r.seconds:.2f}",
        )
    return table


def summary_table(summary: EvalSummary, title: str = "Summary") -> Any:
    from rich.table import Table

    table = Table(title=title)
    table.add_column("measure", style="bold")
    table.add_column("value", justify="right")
    table.add_row("answers correct", f"{summary.answers_correct}/{summary.answerable}")
    table.add_row("refusals correct", f"{summary.refusals_correct}/{summary.unanswerable}")
    table.add_row("false refusals", str(summary.false_refusals))
    table.add_row("all correct", f"{summary.correct}/{summary.cases} ({_pct(summary.accuracy)})")
    table.add_row(
        "retrieval hit rate",
        f"{summary.retrieval_hits}/{summary.retrieval_cases} ({_pct(summary.retrieval_hit_rate)})",
    )
    table.add_row(
        "citations verbatim",
        f"{summary.faithful_citations}/{summary.citations} ({_pct(summary.citation_faithfulness)})",
    )
    table.add_row("answer time", f"{summary.seconds:.2f} s")
    return table


# -- sets -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalSet:
    """One question set: its name, its cases, and the articles to index first (for a folder)."""

    name: str
    questions: Path
    articles: Path | None = None


def resolve_set(path: Path, articles: Path | None = None) -> EvalSet:
    """A question file (with the ``articles`` to index for it, if given), or a folder with
    ``questions.jsonl`` and ``articles/``.

    >>> resolve_set(Path("data/eval/derna-dev.jsonl")).name
    'derna-dev'
    """
    if path.is_dir():
        questions, articles = path / "questions.jsonl", path / "articles"
        if not questions.is_file() or not articles.is_dir():
            raise EvalFileError(
                f"{path} is a folder, so it needs questions.jsonl and an articles/ folder in it."
            )
        return EvalSet(path.resolve().name, questions, articles)
    if not path.exists():
        raise EvalFileError(
            f"{path} does not exist; give a question file (.jsonl) or a folder holding "
            "questions.jsonl and articles/."
        )
    if articles is not None and not articles.is_dir():
        raise EvalFileError(f"--articles {articles} is not a folder of articles.")
    return EvalSet(path.stem, path, articles)


EVAL_INDEX_ROOT = Path("data/eval-index")
"""Where a folder set's articles are indexed, one data dir per folder, kept between runs."""


def set_data_dir(articles: Path, root: Path = EVAL_INDEX_ROOT) -> Path:
    """A stable data dir for a folder of articles: its name plus a hash of its full path.

    >>> set_data_dir(Path("/x/news-dev/articles"), Path("idx")).name.startswith("news-dev-")
    True
    """
    resolved = articles.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
    name = resolved.parent.name if resolved.name == "articles" else resolved.name
    return root / f"{name}-{digest}"


# -- CLI --------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sets",
        nargs="+",
        type=Path,
        metavar="SET",
        help="a JSON-lines question file, or a folder holding questions.jsonl and articles/",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results here")
    parser.add_argument(
        "--mode", choices=["extractive", "llm"], help="answer mode (default: the settings')"
    )
    parser.add_argument("--k", type=int, help="passages to retrieve (default: the settings')")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the index for question files (default: $ASSISTANT_DATA_DIR); a folder set is "
        "indexed under data/eval-index/",
    )
    parser.add_argument(
        "--articles",
        type=Path,
        metavar="DIR",
        help="for question files: index DIR under data/eval-index/ and answer from there",
    )
    parser.add_argument("--cases", action="store_true", help="also print one row per case (wide)")


def run_set(
    eval_set: EvalSet,
    *,
    data_dir: Path | None,
    mode: str | None,
    k: int | None,
    status: Any = None,
) -> EvalReport:
    """Index a folder set's articles if it has them, then answer and score its cases."""
    from assistant.api import Assistant
    from core.errors import IndexMissingError

    cases = load_cases(eval_set.questions)
    if k is not None and k < 1:
        raise EvalFileError("--k must be at least 1.")
    if eval_set.articles is not None:
        data_dir = set_data_dir(eval_set.articles)
    assistant = Assistant(data_dir=data_dir)
    try:
        if eval_set.articles is not None:
            if status is not None:
                status.update(f"indexing {eval_set.articles} into {data_dir}")
            report = assistant.ingest([eval_set.articles])
            if report.failed:
                path, reason = report.failed[0]
                raise EvalFileError(f"{path} could not be indexed: {reason}")
        elif assistant.stats()["chunks"] == 0:
            raise IndexMissingError(
                f"Nothing is indexed in {assistant.settings.data_dir}. Ingest articles first:"
                " python -m ingest data/articles"
            )
        mode = mode or assistant.settings.answer.mode
        k = k or assistant.settings.retrieval.top_k
        if status is not None:
            status.update(f"{eval_set.name}: loading the models")
        # Load the models before the clock starts, so case 1 is timed like the rest.
        assistant.ask(cases[0].question, mode="extractive", k=k)

        def tick(result: CaseResult) -> None:
            if status is not None:
                status.update(f"{eval_set.name}: evaluated {result.id}")

        return evaluate(
            assistant, cases, mode=mode, k=k, questions=str(eval_set.questions), on_result=tick
        )
    finally:
        assistant.close()


def main(args: argparse.Namespace) -> int:
    """Run the evaluation; 0 when it ran (whatever the score), 2 on an error the user can fix."""
    from rich.console import Console

    console = Console()
    reports: dict[str, EvalReport] = {}
    try:
        sets = [resolve_set(p, getattr(args, "articles", None)) for p in args.sets]
        with console.status("evaluating") as status:
            for eval_set in sets:
                reports[eval_set.name] = run_set(
                    eval_set, data_dir=args.data_dir, mode=args.mode, k=args.k, status=status
                )
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, report in reports.items():
        if getattr(args, "cases", False):
            console.print(cases_table(report))
        console.print(summary_table(report.summary, title=f"{name} ({report.mode}, k={report.k})"))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload: Any = (
            next(iter(reports.values())).as_dict()
            if len(reports) == 1
            else {name: r.as_dict() for name, r in reports.items()}
        )
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        console.print(f"Results written to {args.json}")
    return 0
