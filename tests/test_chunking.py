"""Chunking and cleaning are pure: offsets, limits and boilerplate, with properties and cases."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunking import ChunkLimits, chunk_spans, split_sentences
from ingest.clean import clean_text, cut_tail_boilerplate, normalise, strip_hidden
from ingest.pipeline import count_tokens


def words(s: str) -> int:
    return len(s.split())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("One. Two.", ["One.", "Two."], id="two-sentences"),
        pytest.param(
            "Dr. Smith met Gen. Haftar. Then left.",
            ["Dr. Smith met Gen. Haftar.", "Then left."],
            id="abbreviations",
        ),
        pytest.param(
            "He said: “Stop.” Then he left.",
            ["He said: “Stop.”", "Then he left."],
            id="closing-quote",
        ),
        pytest.param(
            "Title line\nBody starts here. Ends.",
            ["Title line", "Body starts here.", "Ends."],
            id="line-is-boundary",
        ),
        pytest.param(
            "The U.S. and U.K. units. Next.",
            ["The U.S. and U.K. units.", "Next."],
            id="initialisms",
        ),
        pytest.param("It cost 3.5 million. Fine.", ["It cost 3.5 million.", "Fine."], id="decimal"),
        pytest.param("   ", [], id="blank"),
        pytest.param("no end mark", ["no end mark"], id="no-terminal"),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


sentence = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=80
).map(lambda s: s.strip() or "x")
documents = st.lists(
    st.tuples(sentence, st.sampled_from([". ", "! ", "? ", "\n", "\n\n", " ", ".\n"])),
    min_size=1,
    max_size=60,
).map(lambda parts: "".join(s + sep for s, sep in parts).strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, max_tokens=st.integers(8, 120), overlap=st.integers(0, 30))
def test_chunks_are_exact_slices_within_limits(text: str, max_tokens: int, overlap: int) -> None:
    limits = ChunkLimits(max_tokens, overlap, count_tokens, hard_count=len, hard_max=max_tokens * 6)
    spans = chunk_spans(text, limits)
    for start, end in spans:
        piece = text[start:end]
        assert piece == piece.strip() and piece
        assert count_tokens(piece) <= max_tokens
        assert len(piece) <= max_tokens * 6
    # in order, and every non-space character is covered by some chunk
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)
    covered = [False] * len(text)
    for start, end in spans:
        for i in range(start, end):
            covered[i] = True
    assert all(covered[i] for i, c in enumerate(text) if not c.isspace())


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), size=st.integers(5, 30))
def test_overlap_repeats_whole_sentences_and_always_progresses(n: int, size: int) -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(n))
    limits = ChunkLimits(size, size // 2, words)
    spans = chunk_spans(text, limits)
    ends = [e for _, e in spans]
    assert ends == sorted(set(ends))  # strictly increasing: no loop, no duplicate chunk
    assert spans[-1][1] == len(text)
    for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
        assert s2 <= e1 or text[e1:s2].strip() == ""
        assert text[s2 - 1] == " " or s2 == 0  # chunks start at a sentence boundary


def test_single_huge_line_is_split_within_limits() -> None:
    text = "word " * 20_000 + "x" * 5000
    limits = ChunkLimits(200, 20, count_tokens, hard_count=len, hard_max=1500)
    spans = chunk_spans(text, limits)
    assert all(count_tokens(text[s:e]) <= 200 and e - s <= 1500 for s, e in spans)
    assert spans[-1][1] == len(text.rstrip())


def test_real_model_limit_is_never_exceeded() -> None:
    """MiniLM reads 256 word pieces: chunks of dense rare words must still fit, exactly."""
    from core.settings import load_settings
    from ingest.pipeline import chunk_limits
    from vectorstore.model_files import default_model_path, model_tokenizer

    tok = model_tokenizer(str(default_model_path()))
    # rare words and digits split into many word pieces per cl100k token
    text = " ".join(f"Xq{i}zv{i * 7}kj Ǆđ{i}ŋ." for i in range(3000))
    limits = chunk_limits(load_settings(chunking={"chunk_tokens": 400, "overlap_tokens": 0}))
    spans = chunk_spans(text, limits)
    assert len(spans) > 10
    for s, e in spans:
        assert len(tok(text[s:e])["input_ids"]) <= 256


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a\u200bb\u200dc\u2060d", "abcd", id="zero-width"),
        pytest.param("safe\u202eevil\u202c", "safeevil", id="bidi-override"),
        pytest.param("tag\U000e0041\U000e0042s", "tags", id="unicode-tags"),
        pytest.param("\ufeffbom", "bom", id="bom"),
    ],
)
def test_hidden_characters_removed(raw: str, expected: str) -> None:
    assert strip_hidden(raw) == expected
    assert normalise(raw) == expected


def test_sample_article_popular_posts_block_is_removed(sample_dir) -> None:  # type: ignore[no-untyped-def]
    text = clean_text((sample_dir / "derna-siege.txt").read_text())
    assert "Popular posts" not in text
    assert "Danish company" not in text and "wolf-protection" not in text
    assert text.endswith("helping out in attacks on Derna.")


def test_early_marker_word_does_not_cut_article() -> None:
    text = "Comments\n" + "The body of the article goes on. " * 20
    assert cut_tail_boilerplate(text) == text


def test_windows_line_endings_and_blank_runs() -> None:
    assert normalise("a\r\nb\r\n\r\n\r\n\r\nc  d\t e") == "a\nb\n\nc d e"
