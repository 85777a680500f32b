"""Scoring of evaluation cases (pure, with fakes) and one real run over the dev set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from assistant.evaluation import (
    EvalCase,
    EvalFileError,
    EvalSet,
    add_arguments,
    citation_faithful,
    evaluate,
    first_hit_rank,
    load_cases,
    missing_groups,
    parse_case,
    resolve_set,
    score_case,
    set_data_dir,
    summarise,
)
from assistant.types import Answer, Citation, History, Passage
from core.types import StoredChunk, StoredDocument

DEV_SET = Path(__file__).resolve().parent.parent / "data" / "eval" / "derna-dev.jsonl"

DOC = "General Haftar calls the DMSC terrorists. The Harish hospital treated the wounded."


# -- matching --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expect", "missing"),
    [
        pytest.param("Al Qaeda terrorists", [["al qaeda"], ["terrorist"]], [], id="all-groups"),
        pytest.param("al-Qaeda", [["Al Qaeda", "al-Qaeda"]], [], id="second-alternative"),
        pytest.param("AL QAEDA", [["al qaeda"]], [], id="case-insensitive"),
        pytest.param("Al\n  Qaeda", [["al qaeda"]], [], id="whitespace-runs"),
        pytest.param("Al Qaeda", [["al qaeda"], ["terrorist"]], [["terrorist"]], id="one-missing"),
        pytest.param("anything", [], [], id="no-groups"),
        pytest.param("", [["x"]], [["x"]], id="empty-answer"),
    ],
)
def test_missing_groups(text: str, expect: list[list[str]], missing: list[list[str]]) -> None:
    assert missing_groups(text, expect) == missing


@pytest.mark.parametrize(
    ("texts", "expect", "rank"),
    [
        pytest.param(["siege of Derna"], [["siege"], ["Derna"]], 1, id="first"),
        pytest.param(
            ["Derna", "siege", "the siege of Derna"],
            [["siege"], ["derna"]],
            3,
            id="groups-split-over-chunks-is-no-hit",
        ),
        pytest.param(["nothing", "here"], [["siege"]], None, id="miss"),
        pytest.param([], [["siege"]], None, id="nothing-retrieved"),
        pytest.param(["siege"], [], None, id="no-groups-nothing-to-find"),
    ],
)
def test_first_hit_rank(texts: list[str], expect: list[list[str]], rank: int | None) -> None:
    assert first_hit_rank(texts, expect) == rank


def _citation(quote: str, start: int, end: int | None = None) -> Citation:
    return Citation(1, "doc", "t", quote, start, start + len(quote) if end is None else end, 0.5)


@pytest.mark.parametrize(
    ("citation", "text", "ok"),
    [
        pytest.param(_citation("Harish hospital", DOC.index("Harish")), DOC, True, id="verbatim"),
        pytest.param(_citation("Harish hospital", 0), DOC, False, id="wrong-offsets"),
        pytest.param(
            _citation("harish hospital", DOC.index("Harish")), DOC, False, id="case-changed"
        ),
        pytest.param(
            _citation("Harish  hospital", DOC.index("Harish"), DOC.index("Harish") + 15),
            DOC,
            False,
            id="whitespace-changed",
        ),
        pytest.param(_citation("", 0), DOC, False, id="empty-quote"),
        pytest.param(_citation("Harish", DOC.index("Harish")), None, False, id="unknown-source"),
    ],
)
def test_citation_faithful(citation: Citation, text: str | None, ok: bool) -> None:
    assert citation_faithful(citation, text) is ok


# -- one case --------------------------------------------------------------------------------
ANSWERABLE = EvalCase("a", "Why?", expect=[["Al Qaeda", "al-Qaeda"], ["terrorist"]])
UNANSWERABLE = EvalCase("u", "Capital of Australia?", answerable=False)


@pytest.mark.parametrize(
    ("case", "text", "refused", "correct", "false_refusal", "missing"),
    [
        pytest.param(
            ANSWERABLE, "Al Qaeda terrorists [1].", False, True, False, [], id="answered-right"
        ),
        pytest.param(
            ANSWERABLE,
            "They are al-Qaeda [1].",
            False,
            False,
            False,
            [["terrorist"]],
            id="answered-partly",
        ),
        pytest.param(
            ANSWERABLE, "I could not find this.", True, False, True, [], id="false-refusal"
        ),
        pytest.param(
            ANSWERABLE,
            "Al Qaeda terrorists? not found",
            True,
            False,
            True,
            [],
            id="refusal-mentioning-terms-is-still-refusal",
        ),
        pytest.param(
            UNANSWERABLE, "I could not find this.", True, True, False, [], id="refused-right"
        ),
        pytest.param(UNANSWERABLE, "Canberra [1].", False, False, False, [], id="guessed"),
    ],
)
def test_score_case(
    case: EvalCase,
    text: str,
    refused: bool,
    correct: bool,
    false_refusal: bool,
    missing: list[list[str]],
) -> None:
    result = score_case(case, text, refused, ["Al Qaeda terrorist"], [True, False])
    assert (result.correct, result.false_refusal, result.missing) == (
        correct,
        false_refusal,
        missing,
    )
    assert (result.citations, result.faithful_citations) == (2, 1)
    if case.answerable:
        assert (result.retrieval_hit, result.hit_rank) == (True, 1)
    else:
        assert (result.retrieval_hit, result.hit_rank) == (None, None)


def test_summary_counts_and_rates() -> None:
    results = [
        score_case(ANSWERABLE, "Al Qaeda terrorist", False, ["x", "Al Qaeda terrorist"], [True]),
        score_case(ANSWERABLE, "no", True, ["x"], []),
        score_case(UNANSWERABLE, "no", True, ["x"], []),
        score_case(UNANSWERABLE, "Canberra", False, [], [False, True]),
    ]
    s = summarise(results)
    assert (s.cases, s.correct, s.answers_correct, s.refusals_correct) == (4, 2, 1, 1)
    assert (s.false_refusals, s.retrieval_cases, s.retrieval_hits) == (1, 2, 1)
    assert s.retrieval_hit_rate == 0.5
    assert s.citation_faithfulness == pytest.approx(2 / 3)
    assert s.as_dict()["accuracy"] == 0.5


def test_summary_of_nothing_has_no_rates() -> None:
    s = summarise([])
    assert (s.retrieval_hit_rate, s.citation_faithfulness, s.accuracy) == (None, None, 0.0)


# -- cases from files ------------------------------------------------------------------------
def test_dev_set_parses() -> None:
    cases = load_cases(DEV_SET)
    assert len(cases) == 7
    assert [c.answerable for c in cases].count(False) == 1
    assert cases[-1].history[0]["role"] == "user"


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("[1, 2]", id="not-an-object"),
        pytest.param('{"id": "x"}', id="no-question"),
        pytest.param('{"question": "?", "expect": ["Derna"]}', id="group-not-a-list"),
        pytest.param('{"question": "?", "expect": [[]]}', id="empty-group"),
        pytest.param('{"question": "?", "answerable": "no"}', id="answerable-not-bool"),
        pytest.param('{"question": "?", "history": [{"role": "bot"}]}', id="bad-history"),
        pytest.param("{not json", id="not-json"),
    ],
)
def test_bad_lines_are_reported_with_their_place(line: str) -> None:
    with pytest.raises(EvalFileError, match=r"q\.jsonl line 3"):
        parse_case(line, "q.jsonl line 3")


def test_duplicate_ids_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "?"}\n\n{"id": "a", "question": "!"}\n')
    with pytest.raises(EvalFileError, match="repeated: a"):
        load_cases(path)
    with pytest.raises(EvalFileError, match="Cannot read"):
        load_cases(tmp_path / "missing.jsonl")


# -- the run loop, with a scripted assistant -------------------------------------------------
def _passage(text: str) -> Passage:
    start = DOC.index(text)
    chunk = StoredChunk("id", "doc", "Derna", text, 0, start, start + len(text))
    return Passage(chunk=chunk, score=1.0)


class FakeAssistant:
    """Answers from a script; records what it was asked."""

    def __init__(self, script: dict[str, Answer], retrieved: list[str]) -> None:
        self.script = script
        self.retrieved = retrieved
        self.calls: list[tuple[str, History | None, str | None, int | None]] = []
        self.as_of: list[str | None] = []

    def ask(
        self,
        question: str,
        history: History | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
        as_of: str | None = None,
    ) -> Answer:
        self.calls.append((question, history, mode, k))
        self.as_of.append(as_of)
        return self.script[question]

    def retrieve(
        self, question: str, history: History | None = None, *, k: int | None = None
    ) -> list[Passage]:
        return [_passage(t) for t in self.retrieved]

    def document(self, source: str) -> StoredDocument | None:
        return StoredDocument(source, "Derna", DOC) if source == "doc" else None


def test_evaluate_with_a_scripted_assistant() -> None:
    start = DOC.index("Harish")
    good = Citation(1, "doc", "Derna", "Harish hospital", start, start + 15, 1.0)
    moved = Citation(2, "doc", "Derna", "Harish hospital", 0, 15, 1.0)
    gone = Citation(3, "elsewhere", "?", "Harish", 0, 6, 1.0)
    cases = [
        EvalCase("h", "Which hospital?", expect=[["Harish"]]),
        EvalCase(
            "f", "Since when?", history=[{"role": "user", "content": "Who?"}], expect=[["May"]]
        ),
        UNANSWERABLE,
    ]
    fake = FakeAssistant(
        {
            "Which hospital?": Answer("The Harish hospital [1][2][3].", False, [good, moved, gone]),
            # The passages an answer carries are the ones judged; retrieve() is not asked.
            "Since when?": Answer(
                "No answer in the articles.", True, passages=[_passage("Harish hospital")]
            ),
            UNANSWERABLE.question: Answer("No answer in the articles.", True),
        },
        retrieved=["General Haftar calls the DMSC terrorists.", "The Harish hospital"],
    )
    seen = []
    report = evaluate(fake, cases, mode="llm", k=2, on_result=seen.append)
    assert [r.id for r in seen] == ["h", "f", "u"]
    assert fake.calls[1] == ("Since when?", cases[1].history, "llm", 2)
    assert fake.calls[2][1] is None  # no history is passed as None, not []
    h, f, u = report.results
    assert (h.correct, h.hit_rank, h.citations, h.faithful_citations) == (True, 2, 3, 1)
    assert (f.false_refusal, f.retrieval_hit) == (True, False)  # "May" is not in its passage
    assert u.correct and u.retrieval_hit is None
    out = report.as_dict()
    assert out["summary"]["citation_faithfulness"] == pytest.approx(0.3333, abs=1e-4)
    assert json.loads(json.dumps(out))["cases"][0]["id"] == "h"


def test_cli_arguments() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["q.jsonl", "--json", "o.json", "--mode", "llm", "--k", "3"])
    assert (args.sets[0], args.json, args.mode, args.k, args.data_dir) == (
        Path("q.jsonl"),
        Path("o.json"),
        "llm",
        3,
        None,
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["q.jsonl", "--mode", "guess"])


# -- the real thing --------------------------------------------------------------------------
@pytest.mark.slow
def test_dev_set_on_the_sample_index(sample_assistant, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from assistant.evaluation import main

    report = evaluate(sample_assistant, load_cases(DEV_SET), mode="extractive", k=5)
    s = report.summary
    assert s.cases == 7 and s.unanswerable == 1
    # Every citation an answer makes must quote its document verbatim at its offsets.
    assert s.citations > 0 and s.faithful_citations == s.citations
    assert s.retrieval_hit_rate is not None and s.retrieval_hit_rate >= 0.6
    assert s.refusals_correct == 1

    # The CLI over the same index writes the same shape as JSON.
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "eval.json"
    args = parser.parse_args(
        [str(DEV_SET), "--json", str(out), "--data-dir", str(sample_assistant.settings.data_dir)]
    )
    assert main(args) == 0
    written = json.loads(out.read_text())
    assert written["summary"]["cases"] == 7 and len(written["cases"]) == 7
    assert "derna-dev (extractive, k=5)" in capsys.readouterr().out


def test_a_case_date_becomes_the_answer_date() -> None:
    case = parse_case(
        '{"id": "d", "question": "Who won this week?", "date": "2023/01/05", "expect": [["x"]]}'
    )
    assert case.date == "2023-01-05"
    with pytest.raises(EvalFileError, match=r"2023-01-05"):
        parse_case('{"question": "Q?", "date": "last week"}')
    fake = FakeAssistant({case.question: Answer("x [1]", False)}, retrieved=["Harish"])
    evaluate(fake, [case], mode="extractive", k=1)
    assert fake.as_of == ["2023-01-05"]


def test_sets_are_files_or_folders(tmp_path: Path) -> None:
    assert resolve_set(DEV_SET) == EvalSet("derna-dev", DEV_SET)
    folder = tmp_path / "week"
    (folder / "articles").mkdir(parents=True)
    with pytest.raises(EvalFileError, match=r"questions\.jsonl"):
        resolve_set(folder)
    (folder / "questions.jsonl").write_text('{"question": "Q?"}\n')
    got = resolve_set(folder)
    assert (got.name, got.questions, got.articles) == (
        "week",
        folder / "questions.jsonl",
        folder / "articles",
    )
    with pytest.raises(EvalFileError, match="does not exist"):
        resolve_set(tmp_path / "nope.jsonl")
    with pytest.raises(EvalFileError, match="not a folder"):
        resolve_set(DEV_SET, tmp_path / "missing")
    # One data dir per folder, stable across runs, different for different folders.
    assert set_data_dir(folder / "articles") == set_data_dir(folder / "articles")
    assert set_data_dir(folder / "articles") != set_data_dir(tmp_path / "articles")
    assert set_data_dir(folder / "articles").name.startswith("week-")


@pytest.mark.slow
def test_a_folder_set_is_indexed_then_scored(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from assistant import evaluation

    folder = tmp_path / "seed"
    (folder / "articles").mkdir(parents=True)
    article = Path(__file__).resolve().parent.parent / "data" / "articles" / "derna-siege.txt"
    (folder / "articles" / article.name).write_text(article.read_text())
    (folder / "questions.jsonl").write_text(DEV_SET.read_text())
    monkeypatch.setattr(evaluation, "EVAL_INDEX_ROOT", tmp_path / "cache")
    monkeypatch.setattr(evaluation.set_data_dir, "__defaults__", (tmp_path / "cache",))
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "out.json"
    assert evaluation.main(parser.parse_args([str(folder), "--json", str(out)])) == 0
    first = json.loads(out.read_text())
    assert first["summary"]["cases"] == 7
    assert first["summary"]["faithful_citations"] == first["summary"]["citations"] > 0
    cached = set_data_dir(folder / "articles", tmp_path / "cache")
    assert (cached / "documents.sqlite").exists()
    # A second run reuses the index: the same scores, nothing re-read.
    assert evaluation.main(parser.parse_args([str(folder), "--json", str(out)])) == 0
    assert json.loads(out.read_text())["summary"] == {
        **first["summary"],
        "seconds": json.loads(out.read_text())["summary"]["seconds"],
    }
    assert "seed (extractive" in capsys.readouterr().out


def test_cli_reports_an_empty_index(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from assistant.evaluation import main

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([str(DEV_SET), "--data-dir", str(tmp_path / "idx")])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Nothing is indexed") and err.count("\n") == 1
