"""Query terms and how a sentence's words match them: stems, IDF-like weights, acronyms.

>>> query_terms("Why does Haftar target the DMSC?")
['haftar', 'target', 'DMSC']
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from core.text import STOP_WORDS as STOPWORDS
from core.text import WORD as _WORD
from core.text import is_acronym as _is_acronym
from core.text import stem

_CAPWORDS = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|for|the|and|in|de|al|[A-Z][\w'’-]*))*")


def expansion_in(acronym: str, text: str) -> str | None:
    """The spelled-out form of ``acronym`` in ``text``, if any.

    >>> expansion_in("GNA", "the Government of National Accord said")
    'Government of National Accord'
    >>> expansion_in("DMSC", "DMSC stands for Derna Mujahideen Shura Council.")
    'Derna Mujahideen Shura Council'
    """
    stands = re.search(rf"\b{re.escape(acronym)} (?:stands|stand) for ([^.;:]+)", text)
    if stands:
        return stands.group(1).strip()
    for match in _CAPWORDS.finditer(text):
        words = match.group().split()
        caps = [w for w in words if w[0].isupper()]
        for i in range(len(caps) - len(acronym) + 1):
            if "".join(w[0] for w in caps[i : i + len(acronym)]) == acronym:
                first = words.index(caps[i])
                last = len(words) - 1 - words[::-1].index(caps[i + len(acronym) - 1])
                return " ".join(words[first : last + 1])
    return None


_PRONOUNS = frozenset({"he", "she", "they", "him", "her", "them", "his", "their"})
"""Kept as query terms: "why is he doing it" should favour the sentence that says "he"."""
_QUESTION_NOISE = (STOPWORDS - _PRONOUNS) | {
    "who", "what", "when", "where", "why", "which", "how", "whom", "whose", "stand", "stands",
    "short", "mean", "means", "happen", "happened", "article", "articles",
}  # fmt: skip


def query_terms(query: str) -> list[str]:
    """Stems of the query's content words, in order, without repeats.

    >>> query_terms("Why does Haftar target the DMSC?")
    ['haftar', 'target', 'DMSC']
    """
    out: list[str] = []
    for word in _WORD.findall(query):
        if word.lower() in _QUESTION_NOISE and not _is_acronym(word):
            continue
        s = stem(word)
        if s not in out:
            out.append(s)
    return out


def sentence_stems(text: str) -> set[str]:
    """Stems of every word; an acronym also in lower case, for a question typed that way."""
    words = _WORD.findall(text)
    return {stem(w) for w in words} | {w.lower() for w in words if _is_acronym(w)}


def _matches(term: str, stems: set[str]) -> bool:
    """``term`` or a close relative is among ``stems``.

    >>> [_matches(t, {"presidential", "besieg"}) for t in ["president", "sieg", "side"]]
    [True, True, False]
    """
    if term in stems:
        return True
    return any(_related(term, s) for s in stems)


def _related(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 6 and long.startswith(short):
        return True  # "president" ~ "presidential", "terror" ~ "terrorist"
    return len(short) >= 4 and len(long) - len(short) <= 2 and long.endswith(short)  # besiege


def term_weights(terms: Sequence[str], sentences: Sequence[set[str]]) -> dict[str, float]:
    """IDF-like weights over the candidate sentences; a term found nowhere weighs the most.

    >>> w = term_weights(["derna", "may"], [{"derna"}, {"derna", "may"}])
    >>> w["may"] > w["derna"]
    True
    """
    n = max(1, len(sentences))
    weights = {}
    for t in terms:
        df = sum(1 for s in sentences if _matches(t, s))
        weights[t] = math.log(1 + n / (1 + df)) if df else math.log(1 + n)
    return weights


def term_overlap(weights: dict[str, float], stems: set[str], aliases: dict[str, set[str]]) -> float:
    """Weighted share of query terms in a sentence; an acronym also matches its expansion."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    got = 0.0
    for term, weight in weights.items():
        alias = aliases.get(term)
        if _matches(term, stems) or (alias and len(alias & stems) >= min(2, len(alias))):
            got += weight
    return got / total


def acronym_aliases(query: str, texts: Sequence[str]) -> dict[str, set[str]]:
    """For each acronym in ``query``, the content stems of its expansion found in ``texts``."""
    out: dict[str, set[str]] = {}
    for acronym in set(re.findall(r"\b[A-Z]{2,}\b", query)):
        for text in texts:
            expansion = expansion_in(acronym, text)
            if expansion:
                out[stem(acronym)] = {
                    stem(w) for w in _WORD.findall(expansion) if w.lower() not in STOPWORDS
                }
                break
    return out
