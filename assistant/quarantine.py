"""Flagged documents are left out of retrieval; this says which of them the question reached.

A document flagged at ingest (``ingest.risk``) is *quarantined*: retrieval excludes it in both
the dense and the keyword search, so no sentence of it reaches an answerer (extractive or LLM)
and the answer still gets its ``k`` passages from the other documents. It is used again when
the user releases it (:meth:`assistant.Assistant.release`), names it in ``sources=[...]``, or
sets ``answer.use_flagged``.

So that a user knows what was withheld, each answer lists the quarantined documents the
question would have reached: those with a chunk that would have ranked in the better half of
the ``k`` passages, by dense similarity or by keywords.

>>> left_out([0.62, 0.55], [("bad.txt", 0.63), ("worse.txt", 0.58)], [], k=2)
['bad.txt']
>>> notice(["bad.txt"]).split(";")[0]
'1 flagged document that reads as instructions to an assistant was left out'
"""

from __future__ import annotations

from collections.abc import Sequence


def excluded_sources(
    quarantined: Sequence[str], sources: Sequence[str] | None, use_flagged: bool
) -> list[str]:
    """What retrieval must leave out: every quarantined source, except the ones the user asked
    for by name, or none when the user asked for flagged documents in general.

    >>> excluded_sources(["a", "b"], ["b", "c"], False), excluded_sources(["a"], None, True)
    (['a'], [])
    """
    if use_flagged:
        return []
    named = set(sources or ())
    return [s for s in quarantined if s not in named]


def left_out(
    used_similarities: Sequence[float | None],
    flagged_dense: Sequence[tuple[str, float]],
    flagged_keyword: Sequence[str],
    k: int,
) -> list[str]:
    """Quarantined sources that would have been among the best passages, in order, no repeats.

    ``used_similarities`` are the passages' dense similarities (None when found by keywords
    only); ``flagged_dense`` is (source, similarity) of the nearest quarantined chunks;
    ``flagged_keyword`` the sources of quarantined chunks in the keyword search's top
    :func:`leading` ``(k)``. A flagged chunk counts when it is at least as similar as the
    ``leading(k)``-th used passage: near enough to be evidence, not merely the fifth of five.
    """
    known = sorted((s for s in used_similarities if s is not None), reverse=True)
    lead = leading(k)
    floor = known[lead - 1] if len(known) >= lead else float("-inf")
    out = [source for source, sim in flagged_dense if sim >= floor]
    out += list(flagged_keyword)
    return list(dict.fromkeys(out))


def leading(k: int) -> int:
    """How many of the ``k`` passages a flagged chunk must rank among: the better half.

    >>> leading(5), leading(1)
    (3, 1)
    """
    return (k + 1) // 2


def notice(sources: Sequence[str]) -> str:
    """One sentence for the user about the flagged documents an answer did not use."""
    n = len(sources)
    if not n:
        return ""
    if n == 1:
        what, were, them = "1 flagged document that reads", "was", "it"
    else:
        what, were, them = f"{n} flagged documents that read", "were", "them"
    return (
        f"{what} as instructions to an assistant {were} left out; to use {them}, release "
        f"{them} in the Documents tab (`python -m assistant release`) or name {them} as a source."
    )
