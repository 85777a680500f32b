"""Which sentences an answer quotes and how they are joined and cited.

The candidate sentences of the passages, the antecedent a pronoun needs, quotations kept whole,
runs of adjacent sentences cited once each, and the article named when parts come from several.

>>> quote_balance('He said: "No.'), needs_previous("He left.")
((True, False), True)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answerer import cite
from assistant.tuning import TUNING
from assistant.types import Citation, Passage
from core.text import split_sentences


@dataclass(frozen=True)
class Sentence:
    """One sentence of the candidate passages, located in both its chunk and its document."""

    passage: int
    """Index of the first passage (best ranked) that holds this sentence."""
    start: int
    """Offsets in ``passages[passage].chunk.text``."""
    end: int
    source: str
    doc_start: int
    doc_end: int
    text: str


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    score: float
    similarity: float
    overlap: float
    type_match: float
    cross: float | None = None
    """The cross-encoder's logit for (query, sentence with its antecedent), when it is on."""


def candidate_sentences(passages: Sequence[Passage]) -> list[Sentence]:
    """Every distinct sentence of the passages (overlapping chunks share some), in rank order.

    >>> from core.types import StoredChunk
    >>> c = StoredChunk("1", "doc", "", "Haftar left. Kobler spoke.", 0, 10, 36)
    >>> [(s.text, s.doc_start) for s in candidate_sentences([Passage(c, 1.0)])]
    [('Haftar left.', 10), ('Kobler spoke.', 23)]
    """
    seen: set[tuple[str, int, int]] = set()
    out: list[Sentence] = []
    for i, passage in enumerate(passages):
        chunk = passage.chunk
        for start, end in split_sentences(chunk.text):
            key = (chunk.source, chunk.start + start, chunk.start + end)
            if key in seen:
                continue
            seen.add(key)
            out.append(Sentence(i, start, end, chunk.source, key[1], key[2], chunk.text[start:end]))
    return out


_CONNECTORS = re.compile(
    r"^(?:however|in any event|in any case|but|yet|and|still|meanwhile|also|moreover|instead|"
    r"nevertheless|even so|at the time|then)\b[,\s]*",
    re.I,
)
_NEEDS_ANTECEDENT = {
    "he", "she", "it", "they", "them", "him", "his", "her", "its", "their", "this", "these",
    "those", "that", "such", "the latter", "the former",
}  # fmt: skip
_POINTING_BACK = re.compile(
    r"\b(?:in|of|at|from|on|during|after|before|since|by|for|with|about) "
    r"(?:that|this|these|those|the same) [a-z]+"
)
"""A demonstrative phrase early in a sentence ("The death toll in that storm was ...") names
something the previous sentence introduced, as a leading pronoun does."""


def needs_previous(sentence: str) -> bool:
    """Whether a sentence opens with a pronoun, or an early phrase such as "in that storm", that
    points back to the one before.

    >>> needs_previous("In any event he considers them terrorists."), needs_previous("Haftar left.")
    (True, False)
    >>> needs_previous("The death toll in that storm was 23 people.")
    True
    """
    rest = _CONNECTORS.sub("", sentence.strip(" \"'“”")).lower()
    words = re.findall(r"[a-z]+", rest)
    if not words:
        return False
    if words[0] in _NEEDS_ANTECEDENT or any(w in ("they", "them") for w in words[1:4]):
        return True
    return _POINTING_BACK.search(" ".join(words[:7])) is not None


def scoring_texts(sentences: Sequence[Sentence]) -> list[str]:
    """The text each sentence is judged by: itself, or with the previous sentence prepended
    when it opens with a pronoun ("In any event he ..."), since it is quoted that way too."""
    out = []
    for s in sentences:
        prev = _previous(s, sentences) if needs_previous(s.text) else None
        out.append(f"{prev.text} {s.text}" if prev is not None else s.text)
    return out


def select(
    scored: Sequence[Scored], sentences: Sequence[Sentence], max_sentences: int, threshold: float
) -> list[tuple[Sentence, float]]:
    """The sentences to quote with their priority, in document order: the best, others close
    to it, and the previous sentence of any that opens with a pronoun or lacks the form asked
    for when the previous one has it (with that one's priority). Empty when the best is too
    weak."""
    if not scored or scored[0].score < threshold:
        return []
    best = scored[0]
    floor = max(threshold, best.score * TUNING.relative_keep)
    # A further sentence must also have the form asked for (a date for "when", ...).
    form = min(best.type_match, TUNING.neutral_type)
    chosen = [best] + [
        s for s in scored[1:max_sentences] if s.score >= floor and s.type_match >= form
    ]
    picked = {(s.sentence.source, s.sentence.doc_start): (s.sentence, s.score) for s in chosen}
    kinds = {(s.sentence.source, s.sentence.doc_start): s.type_match for s in scored}
    for s in chosen:
        prev = _previous(s.sentence, sentences)
        if prev is None:
            continue
        # The antecedent of a pronoun, or the date / place / number the sentence itself lacks
        # ("A mosque was also damaged by the attack." after "... attack in Derna, ...").
        has_form = kinds[(prev.source, prev.doc_start)] >= 1
        lacks_form = s.type_match < TUNING.neutral_type and has_form
        if needs_previous(s.sentence.text) or lacks_form:
            key = (prev.source, prev.doc_start)
            picked[key] = (prev, max(s.score, picked.get(key, (prev, 0.0))[1]))
    # Never cut inside a quotation: a sentence that opens a quote brings the ones up to its
    # close, and one that closes a quote brings the ones back to its opening.
    for sentence, priority in list(picked.values()):
        opened, closed = quote_balance(sentence.text)
        step = _next if opened else _previous if closed else None
        current = sentence
        for _ in range(TUNING.max_quote_sentences if step else 0):
            neighbour = step(current, sentences) if step else None
            if neighbour is None:
                break
            key = (neighbour.source, neighbour.doc_start)
            picked[key] = (neighbour, max(priority, picked.get(key, (neighbour, 0.0))[1]))
            current = neighbour
            if any(quote_balance(neighbour.text)):
                break  # the quote's other end
    order = {s.source: i for i, s in reversed(list(enumerate(sentences)))}
    return sorted(picked.values(), key=lambda p: (order[p[0].source], p[0].doc_start))


def quote_balance(text: str) -> tuple[bool, bool]:
    """(opens a quote it does not close, closes one it did not open).

    >>> quote_balance('Maeitig said: "There can be no justification.'), quote_balance('he said.”')
    ((True, False), (False, True))
    >>> quote_balance('He said "no" twice.'), quote_balance("“Yes,” he said.")
    ((False, False), (False, False))
    """
    depth = unopened = 0
    for i, ch in enumerate(text):
        if ch == "“":
            depth += 1
        elif ch == "”":
            if depth:
                depth -= 1
            else:
                unopened += 1
        elif ch == '"':
            # A straight quote opens after a space or at the start, else it closes.
            opening = i == 0 or text[i - 1] in " (\n—–-:"
            if opening and not depth:
                depth += 1
            elif depth:
                depth -= 1
            else:
                unopened += 1
    return depth > 0, unopened > 0


def _next(s: Sentence, sentences: Sequence[Sentence]) -> Sentence | None:
    """The sentence just after ``s`` in its document, if a candidate passage holds it."""
    best: Sentence | None = None
    for other in sentences:
        later = other.source == s.source and other.doc_start >= s.doc_end
        if later and (best is None or other.doc_start < best.doc_start):
            best = other
    if best is not None and best.doc_start - s.doc_end <= 3:
        return best
    return None


def _previous(s: Sentence, sentences: Sequence[Sentence]) -> Sentence | None:
    """The sentence just before ``s`` in its document, if a candidate passage holds it."""
    best: Sentence | None = None
    for other in sentences:
        before = other.source == s.source and other.doc_end <= s.doc_start
        if before and (best is None or other.doc_end > best.doc_end):
            best = other
    if best is not None and s.doc_start - best.doc_end <= 3:
        return best
    return None


def compose(
    selected: Sequence[tuple[Sentence, float]], passages: Sequence[Passage]
) -> list[tuple[str, Citation]]:
    """Group adjacent sentences of one document into runs, one citation each, best run first.

    ``selected`` is (sentence, priority) in document order, as :func:`select` returns it.
    Returns (answer text of the run with its marker, citation), numbered from 1.
    """
    priority = {(s.source, s.doc_start): p for s, p in selected}
    runs: list[list[Sentence]] = []
    for s, _ in selected:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last.source == s.source
            and s.doc_start - last.doc_end <= 3
            and _holder(passages, s.source, runs[-1][0].doc_start, s.doc_end) is not None
        ):
            runs[-1].append(s)
        else:
            runs.append([s])
    runs.sort(key=lambda run: -max(priority[(s.source, s.doc_start)] for s in run))
    # Parts from different articles say which article (and when) each one quotes.
    several = len({run[0].source for run in runs}) > 1
    out = []
    for n, run in enumerate(runs, start=1):
        start, end = run[0].doc_start, run[-1].doc_end
        i = _holder(passages, run[0].source, start, end)
        assert i is not None  # a single sentence is always inside its own passage
        chunk = passages[i].chunk
        citation = cite(n, passages[i], start - chunk.start, end - chunk.start)
        text = " ".join(_as_sentence(s.text) for s in run)
        lead = attribution(chunk.title, chunk.published) if several else ""
        out.append((f"{lead}{text} [{n}]", citation))
    return out


def attribution(title: str, published: str | None) -> str:
    """``In "Title" (2023-01-10): `` before a part of an answer drawn from several articles.

    >>> attribution("Derna under siege", "2016-11-01"), attribution("", None)
    ('In "Derna under siege" (2016-11-01): ', '')
    """
    title = " ".join(title.split())
    if not title:
        return f"In an article of {published}: " if published else ""
    return f'In "{title}" ({published}): ' if published else f'In "{title}": '


def _as_sentence(text: str) -> str:
    """One line of answer text; a headline without a full stop gets one.

    >>> _as_sentence("Haftar continues his siege")
    'Haftar continues his siege.'
    """
    text = " ".join(text.split())
    return text if re.search(r"[.!?…\"'”’)\]]$", text) else text + "."


def _holder(passages: Sequence[Passage], source: str, start: int, end: int) -> int | None:
    for i, p in enumerate(passages):
        c = p.chunk
        if c.source == source and c.start <= start and end <= c.end:
            return i
    return None
