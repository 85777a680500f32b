"""The extractive answerer: pure scoring and composing with fakes; the real model for answers."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.answerer import final_answer
from assistant.extractive import (
    ExtractiveAnswerer,
    candidate_sentences,
    compose,
    definition_focus,
    expansion_in,
    needs_previous,
    question_type,
    select,
    stem,
    type_match,
)
from assistant.types import Answer, Passage
from core.settings import AnswerSettings
from core.types import StoredChunk

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "data" / "eval" / "derna-dev.jsonl"
EXTRA = Path(__file__).with_name("extra_questions.jsonl")

KNOWN_MISSES = {
    # Decided wrongly by the refusal model fitted on news-dev and the seed sets together
    # (assistant/refusal.py): its figures include them. Kept in the file so that the misses stay
    # visible in the measurement.
    "x-u11": "How many people have died in the siege of Derna?",  # answered with the injured
    "p-a08": "Are there US troops in Libya?",  # refused: score 0.40, logit -0.6
}

BORDERLINE = {
    # Near the refusal decision: the int8 models' scores differ slightly between CPUs (their
    # integer kernels differ by instruction set), and these go one way on some and the other way
    # on others. Either outcome passes; the totals below still count them.
    "x-a02": "What damage did the air strikes cause?",  # the houses sentence's logit is near 0
    "p-u10": "Who is the leader of the DMSC?",  # answered with the acronym's definition on some
}

EXTRA_AT_LEAST = {"answers": 40, "refusals": 26}
"""The extra questions' totals (42 answerable, 28 not), whatever the CPU: measured 40/42 and
27/28 on one machine, 41/42 and 26/28 on another (``python -m assistant eval
tests/extra_questions.jsonl --articles data/articles``)."""


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def correct(case: dict[str, Any], answer: Answer) -> bool:
    if answer.refused != (not case["answerable"]):
        return False
    text = answer.text.lower()
    return all(any(alt.lower() in text for alt in group) for group in case.get("expect", []))


# -- fakes -----------------------------------------------------------------------------------
class BagOfWords:
    """A deterministic stand-in for MiniLM: hashed, normalised word counts."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace("?", " ").replace(".", " ").split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


DOC = (
    "Haftar besieges Derna. The siege began in May 2016. He considers the council terrorists. "
    "Kobler called for an end to the bombing. DMSC stands for Derna Mujahideen Shura Council."
)


def doc_passages(*cuts: tuple[int, int]) -> list[Passage]:
    return [
        Passage(StoredChunk(f"c{i}", "doc.txt", "Siege", DOC[s:e], i, s, e), 1.0 / (i + 1))
        for i, (s, e) in enumerate(cuts)
    ]


# -- pure ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        pytest.param("Why does Haftar target the DMSC?", "why", id="why"),
        pytest.param("Who is Martin Kobler?", "who", id="who"),
        pytest.param("What position does he hold?", "who", id="position-is-who"),
        pytest.param("Since when?", "when", id="since-when"),
        pytest.param("In what year did it start?", "when", id="what-year"),
        pytest.param("Where did the LNA retreat to?", "where", id="where"),
        pytest.param("How many houses were destroyed?", "quantity", id="how-many"),
        pytest.param("What does DMSC stand for?", "stand_for", id="stand-for"),
        pytest.param("What is Operation Volcano?", "what", id="definition"),
        pytest.param("What is the GNA?", "stand_for", id="what-is-an-acronym"),
        pytest.param("Did the UN act?", "other", id="yes-no"),
        pytest.param("And why?", "why", id="leading-and"),
    ],
)
def test_question_type(question: str, expected: str) -> None:
    assert question_type(question) == expected


@pytest.mark.parametrize(
    ("qtype", "sentence", "question", "expected"),
    [
        pytest.param("when", "It began back in May.", "", 1.0, id="month"),
        pytest.param("when", "It began in 2014.", "", 1.0, id="year"),
        pytest.param("when", "It began recently.", "", 0.5, id="vague"),
        pytest.param("when", "It began with an attack.", "", 0.0, id="no-date"),
        pytest.param(
            "quantity",
            "Two civilians were injured.",
            "How many civilians?",
            1.0,
            id="number-and-unit",
        ),
        pytest.param(
            "quantity", "Two houses burned.", "How many civilians?", 0.5, id="number-other-unit"
        ),
        pytest.param("quantity", "A six-year old was hurt.", "How old is he?", 1.0, id="age"),
        pytest.param(
            "quantity", "Two houses burned.", "How old is he?", 0.0, id="number-is-no-age"
        ),
        pytest.param("why", "He considers them terrorists.", "", 1.0, id="reason"),
        pytest.param("why", "The siege goes on.", "", 0.0, id="no-reason"),
        pytest.param("who", "The envoy Martin Kobler spoke.", "Who spoke?", 1.0, id="new-name"),
        pytest.param(
            "who",
            "The envoy Martin Kobler spoke.",
            "Who is Martin Kobler?",
            0.6,
            id="name-already-asked",
        ),
        pytest.param(
            "who", "Kobler spoke.", "Who is the prime minister?", 0.0, id="role-asked-missing"
        ),
        pytest.param("where", "They retreated to Karsa.", "", 1.0, id="place"),
        pytest.param(
            "stand_for",
            "DMSC stands for Derna Mujahideen Shura Council.",
            "What does DMSC stand for?",
            1.0,
            id="stands-for",
        ),
        pytest.param(
            "stand_for",
            "the Government of National Accord said",
            "What does GNA stand for?",
            1.0,
            id="initials",
        ),
        pytest.param(
            "stand_for", "The GNA did nothing.", "What does GNA stand for?", 0.0, id="acronym-alone"
        ),
        pytest.param(
            "what", "Operation Volcano is a siege.", "What is Operation Volcano?", 1.0, id="defines"
        ),
        pytest.param("what", "Volcano goes on.", "What is Operation Volcano?", 0.5, id="mentions"),
    ],
)
def test_type_match(qtype: Any, sentence: str, question: str, expected: float) -> None:
    assert type_match(qtype, sentence, question) == expected


@pytest.mark.parametrize(
    ("acronym", "text", "expected"),
    [
        pytest.param(
            "LNA",
            "forces of Haftar's Libyan National Army that",
            "Libyan National Army",
            id="initials",
        ),
        pytest.param("UN", "the United Nations said", "United Nations", id="two-words"),
        pytest.param("GNA", "no expansion here", None, id="none"),
    ],
)
def test_expansion_in(acronym: str, text: str, expected: str | None) -> None:
    assert expansion_in(acronym, text) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        pytest.param("In any event he considers them terrorists.", True, id="connector-then-he"),
        pytest.param("This group was instrumental.", True, id="demonstrative"),
        pytest.param("However, Haftar considers them allies.", True, id="them-early"),
        pytest.param("Haftar considers the DMSC terrorists.", False, id="named-subject"),
        pytest.param("“It could be worse.”", True, id="quoted-it"),
    ],
)
def test_needs_previous(sentence: str, expected: bool) -> None:
    assert needs_previous(sentence) is expected


def test_stem_and_focus() -> None:
    assert stem("besieged") == stem("besieging") and stem("damage") == stem("damaged")
    assert definition_focus("What does DMSC stand for?") == "DMSC"
    assert definition_focus("Who is the UN envoy?") == "UN envoy"


def test_overlapping_chunks_give_each_sentence_once() -> None:
    passages = doc_passages((0, DOC.index(" Kobler")), (DOC.index("The siege"), len(DOC)))
    sentences = candidate_sentences(passages)
    texts = [s.text for s in sentences]
    assert len(texts) == len(set(texts)) == 5
    for s in sentences:
        assert DOC[s.doc_start : s.doc_end] == s.text
        assert passages[s.passage].chunk.text[s.start : s.end] == s.text


def test_pronoun_sentence_brings_its_antecedent_and_one_citation_covers_both() -> None:
    passages = doc_passages((0, len(DOC)))
    answerer = ExtractiveAnswerer(BagOfWords(), threshold=0.0)
    answer = final_answer(answerer.stream("Why does he consider the council terrorists?", passages))
    assert not answer.refused
    assert answer.text.startswith(
        "The siege began in May 2016. He considers the council terrorists."
    )
    quote = answer.citations[0].quote
    assert quote == DOC[answer.citations[0].start : answer.citations[0].end]
    assert quote.startswith("The siege began") and quote.endswith("terrorists.")


def test_compose_numbers_runs_best_first() -> None:
    passages = doc_passages((0, len(DOC)))
    s = candidate_sentences(passages)
    parts = compose([(s[0], 0.4), (s[3], 0.9)], passages)
    assert [c.n for _, c in parts] == [1, 2]
    assert parts[0][0].startswith("Kobler called") and parts[0][0].endswith("[1]")
    assert parts[1][1].quote == "Haftar besieges Derna."


def test_select_refuses_below_threshold_and_keeps_only_close_sentences() -> None:
    passages = doc_passages((0, len(DOC)))
    answerer = ExtractiveAnswerer(BagOfWords())
    sentences, scored = answerer.score("Who called for an end to the bombing?", passages)
    assert select(scored, sentences, 3, threshold=scored[0].score + 0.01) == []
    chosen = select(scored, sentences, 1, threshold=0.0)
    assert [s.text for s, _ in chosen] == ["Kobler called for an end to the bombing."]


def test_refusal_and_stream_shape() -> None:
    passages = doc_passages((0, len(DOC)))
    answerer = ExtractiveAnswerer(BagOfWords(), AnswerSettings(max_sentences=2))
    parts = list(answerer.stream("What is the capital of Australia?", passages))
    assert isinstance(parts[-1], Answer) and parts[-1].refused and not parts[-1].citations
    assert parts[-1].text.startswith("The articles don't say")
    assert all(isinstance(p, str) for p in parts[:-1])

    nothing = final_answer(answerer.stream("Who besieges Derna?", []))
    assert nothing.refused


def test_streamed_text_grows_and_ends_with_the_answer() -> None:
    passages = doc_passages((0, len(DOC)))
    answerer = ExtractiveAnswerer(BagOfWords(), threshold=0.0)
    parts = list(answerer.stream("When did the siege of Derna begin, and what is DMSC?", passages))
    texts = [p for p in parts if isinstance(p, str)]
    assert texts and all(b.startswith(a) for a, b in itertools.pairwise(texts))
    assert isinstance(parts[-1], Answer) and parts[-1].text == texts[-1]


def test_sentence_vectors_are_cached() -> None:
    fake = BagOfWords()
    answerer = ExtractiveAnswerer(fake)
    passages = doc_passages((0, len(DOC)))
    answerer.score("Who is Kobler?", passages)
    answerer.score("Who is Haftar?", passages)
    assert len(fake.calls[2]) == 1  # second question: only the question itself is encoded


def test_embeddings_can_be_loaded_lazily() -> None:
    made: list[BagOfWords] = []

    def factory() -> BagOfWords:
        made.append(BagOfWords())
        return made[-1]

    answerer = ExtractiveAnswerer(factory)
    assert made == []
    answerer.score("Who is Kobler?", doc_passages((0, len(DOC))))
    assert len(made) == 1


# -- the real model over the sample article --------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("case", load(DEV_SET), ids=lambda c: c["id"])
def test_dev_set(sample_assistant: Any, case: dict[str, Any]) -> None:
    answer = sample_assistant.ask(case["question"], case.get("history"))
    assert correct(case, answer), answer.text


@pytest.mark.slow
@pytest.mark.parametrize("case", load(EXTRA), ids=lambda c: c["id"])
def test_extra_questions(sample_assistant: Any, case: dict[str, Any]) -> None:
    answer = sample_assistant.ask(case["question"], case.get("history"))
    if case["id"] in BORDERLINE:
        return
    if case["id"] in KNOWN_MISSES:
        assert not correct(case, answer), "fixed: remove it from KNOWN_MISSES"
        return
    assert correct(case, answer), answer.text


@pytest.mark.slow
def test_extra_questions_totals(sample_assistant: Any) -> None:
    cases = load(EXTRA)
    right = [c for c in cases if correct(c, sample_assistant.ask(c["question"], c.get("history")))]
    answers = sum(c["answerable"] for c in right)
    assert answers >= EXTRA_AT_LEAST["answers"], [c["id"] for c in cases if c not in right]
    assert len(right) - answers >= EXTRA_AT_LEAST["refusals"], [
        c["id"] for c in cases if c not in right
    ]


@pytest.mark.slow
def test_citations_quote_the_document_verbatim(sample_assistant: Any) -> None:
    questions = [c for c in load(DEV_SET) + load(EXTRA) if c["answerable"]]
    cited = 0
    for case in questions:
        answer = sample_assistant.ask(case["question"], case.get("history"))
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
        for c in answer.citations:
            document = sample_assistant.document(c.source)
            assert document is not None
            assert c.quote == document.text[c.start : c.end]
            assert f"[{c.n}]" in answer.text
            cited += 1
        assert answer.search_query and answer.mode == "extractive" and answer.passages
    assert cited >= len(questions)


@pytest.mark.slow
def test_stream_through_the_api(sample_assistant: Any) -> None:
    parts = list(sample_assistant.stream("Why does Haftar target the DMSC?"))
    final = parts[-1]
    assert isinstance(final, Answer) and not final.refused and final.seconds > 0
    assert [p for p in parts[:-1] if isinstance(p, str)][-1] == final.text


@pytest.mark.slow
def test_refusal_signals_are_the_recorded_ones(sample_assistant: Any) -> None:
    """The seed-set signals the refusal model was fitted on (benchmarks/results/answers.json,
    written by benchmarks/answers.py) are what the answerer measures today."""
    from assistant.extractive import signals

    recorded = json.loads((ROOT / "benchmarks" / "results" / "answers.json").read_text())
    answerer = sample_assistant.answerer("extractive")
    logit_moves: list[float] = []
    for name, path in (("derna-dev", DEV_SET), ("extra", EXTRA)):
        rows = {r["id"]: r for r in recorded["cases"][name]}
        for case in load(path):
            history = case.get("history")
            passages = sample_assistant.retrieve(case["question"], history)
            s = signals(answerer.score(case["question"], passages, history)[1])
            row = rows[case["id"]]
            assert s.score == pytest.approx(row["score"], abs=CPU_SCORE_MOVE), case["id"]
            if row["cross"] is None:
                assert s.cross is None, case["id"]
            else:
                assert s.cross is not None, case["id"]
                logit_moves.append(abs(s.cross - row["cross"]))
                assert logit_moves[-1] <= CPU_LOGIT_MOVE, case["id"]
    assert sorted(logit_moves)[len(logit_moves) // 2] <= CPU_LOGIT_MEDIAN_MOVE


CPU_SCORE_MOVE, CPU_LOGIT_MOVE, CPU_LOGIT_MEDIAN_MOVE = 0.03, 0.6, 0.2
"""How far the seed sets' signals may move from the recorded ones: the int8 models' integer
kernels differ by instruction set, so another CPU gives slightly other scores. Measured between
the machine that recorded them and an AMD EPYC with AVX2: sentence score at most 0.018,
cross-encoder logit at most 0.45 and 0.09 at the median. A change to the scoring itself moves
most cases."""


# -- with a cross-encoder (a fake: logits from shared words) -----------------------------------
class WordCross:
    """Stands in for the cross-encoder: +2 per question word the text holds, from -6."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        q = {w.strip("?.,").lower() for w in query.split()}
        return np.array(
            [-6.0 + 2.0 * len(q & {w.strip("?.,").lower() for w in t.split()}) for t in texts]
        )


def test_cross_encoder_reads_the_best_passages_sentences_and_carries_recency() -> None:
    from dataclasses import replace

    from assistant.tuning import TUNING

    cuts = [(0, 22), (23, 50), (51, 87), (88, 129), (130, len(DOC))]
    passages = doc_passages(*cuts)
    passages[0] = replace(passages[0], recency=-3.0)
    cross = WordCross()
    answerer = ExtractiveAnswerer(BagOfWords(), reranker=lambda: cross)
    sentences, scored = answerer.score("Who besieges Derna?", passages)
    assert {s.passage for s in sentences} == set(range(TUNING.cross_passages))
    assert len(cross.calls) == 1 and len(cross.calls[0]) == len(sentences)
    first = next(s for s in scored if s.sentence.text == "Haftar besieges Derna.")
    assert first.cross == pytest.approx(-6.0 + 2 * 2 - 3.0)  # two shared words, then the prior


def test_refusal_follows_the_fitted_model_with_the_cross_encoder() -> None:
    from assistant.extractive import signals
    from assistant.refusal import REFUSAL

    passages = doc_passages((0, len(DOC)))
    answerer = ExtractiveAnswerer(BagOfWords(), reranker=WordCross)
    for question in ("Who called for an end to the bombing?", "What is the capital of Australia?"):
        _, scored = answerer.score(question, passages)
        answer = final_answer(answerer.stream(question, passages))
        assert answer.refused is (not REFUSAL.answers(signals(scored)))
    called = final_answer(answerer.stream("Who called for an end to the bombing?", passages))
    assert not called.refused
    assert final_answer(answerer.stream("What is the capital of Australia?", passages)).refused


QUOTED = (
    'The mayor spoke on Monday. He said: "There can be no justification. '
    'We will not accept it." Then he left.'
)


def test_a_quotation_is_never_cut() -> None:
    chunk = StoredChunk("q", "q.txt", "Quote", QUOTED, 0, 0, len(QUOTED))
    passages = [Passage(chunk, 1.0)]
    sentences = candidate_sentences(passages)
    answerer = ExtractiveAnswerer(BagOfWords(), AnswerSettings(max_sentences=1), threshold=0.0)
    _, scored = answerer.score("Is there no justification?", passages)
    assert scored[0].sentence.text.startswith("He said")  # it opens a quotation
    chosen = select(scored, sentences, 1, 0.0)
    text = " ".join(s.text for s, _ in chosen)
    assert text.count('"') == 2 and text.endswith('accept it."')


def test_parts_from_several_articles_name_their_article_and_date() -> None:
    a = StoredChunk(
        "a", "a.md", "Siege goes on", "Haftar besieges Derna.", 0, 0, 22, None, "2016-11-01"
    )
    b = StoredChunk(
        "b", "b.md", "Envoy speaks", "Kobler called for calm.", 0, 0, 23, None, "2016-11-02"
    )
    passages = [Passage(a, 1.0), Passage(b, 0.9)]
    s = candidate_sentences(passages)
    parts = compose([(s[0], 0.9), (s[1], 0.8)], passages)
    assert parts[0][0] == 'In "Siege goes on" (2016-11-01): Haftar besieges Derna. [1]'
    assert parts[1][0].startswith('In "Envoy speaks" (2016-11-02): Kobler')
    assert [c.quote for _, c in parts] == ["Haftar besieges Derna.", "Kobler called for calm."]
    one = compose([(s[0], 0.9)], passages)
    assert one[0][0] == "Haftar besieges Derna. [1]"
