"""Pure, sentence-aware chunking with exact character offsets.

Sentences come from :func:`core.text.split_sentences`, the splitter the answerers use too.
A chunk is always ``text[start:end]`` of the cleaned document, so a citation can point back into
it. Sizes are counted with a token counter (tiktoken by default) and every chunk also has to fit
the embedding model's own limit, measured with its tokenizer, so nothing is silently truncated.

>>> text = "Haftar besieges Derna. The DMSC resists. Kobler objects."
>>> [text[s:e] for s, e in split_sentences(text)]
['Haftar besieges Derna.', 'The DMSC resists.', 'Kobler objects.']
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from core.text import Span, split_sentences

TokenCounter = Callable[[str], int]


def _split_long(text: str, span: Span, limits: ChunkLimits) -> list[Span]:
    """Cut one over-long sentence at word boundaries into pieces that each fit the limits.

    Linear in the sentence: it is tokenised once (token start offsets from each counter), word
    runs are packed by counting token starts with bisect, and each piece is checked exactly.
    """
    start, end = span
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    segment = text[start:end]
    soft_starts = [start + o for o in _starts(segment, limits.count, limits.count_starts)]
    hard_starts = (
        [start + o for o in _starts(segment, limits.hard_count, limits.hard_starts)]
        if limits.hard_count
        else []
    )

    def tokens_in(starts: list[int], a: int, b: int) -> int:
        return bisect_left(starts, b) - bisect_left(starts, a)

    pieces: list[Span] = []
    i = 0
    while i < len(words):
        a = words[i][0]
        # the most words from i whose token count stays within both limits (binary search)
        lo, hi = i + 1, len(words)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            b = words[mid - 1][1]
            if tokens_in(soft_starts, a, b) <= limits.max_tokens and (
                not hard_starts or tokens_in(hard_starts, a, b) <= limits.hard_max
            ):
                lo = mid
            else:
                hi = mid - 1
        j = lo
        while j > i + 1 and not limits.fits(text[a : words[j - 1][1]]):
            j -= max(1, (j - i) // 16)  # pieces counted alone differ little from in context
            j = max(j, i + 1)
        if limits.fits(text[a : words[j - 1][1]]):
            pieces.append((a, words[j - 1][1]))
        else:  # one word longer than a chunk: a URL, a blob
            pieces.extend(_split_chars(text, (a, words[j - 1][1]), limits))
        i = j
    return pieces


def _starts(
    text: str, count: TokenCounter | None, starts: Callable[[str], list[int]] | None
) -> list[int]:
    """Token start offsets; without a tokenizer for offsets, one "token" per character."""
    if starts is not None:
        return starts(text)
    return list(range(len(text)))


def _split_chars(text: str, span: Span, limits: ChunkLimits) -> list[Span]:
    """Last resort for a "word" too long to embed (a URL, a base64 blob): the longest slices
    that fit, found by halving from a bounded size; a single character always goes."""
    start, end = span
    pieces: list[Span] = []
    while start < end:
        size = min(end - start, limits.max_tokens * 8)
        while size > 1 and not limits.fits(text[start : start + size]):
            size //= 2
        pieces.append((start, start + size))
        start += size
    return pieces


@dataclass(frozen=True)
class ChunkLimits:
    max_tokens: int
    """Target size, counted with ``count``."""
    overlap_tokens: int
    count: TokenCounter
    hard_count: TokenCounter | None = None
    """The embedding model's own count (no special tokens); chunks stay within ``hard_max``."""
    hard_max: int = 254
    count_starts: Callable[[str], list[int]] | None = None
    """Character offset where each ``count`` token starts (for splitting very long sentences)."""
    hard_starts: Callable[[str], list[int]] | None = None

    def fits(self, piece: str) -> bool:
        if self.count(piece) > self.max_tokens:
            return False
        return self.hard_count is None or self.hard_count(piece) <= self.hard_max


def chunk_spans(text: str, limits: ChunkLimits) -> list[Span]:
    """Pack whole sentences into chunks of at most ``max_tokens``; carry trailing sentences of
    up to ``overlap_tokens`` into the next chunk. Spans are contiguous slices of ``text``.

    >>> lim = ChunkLimits(max_tokens=6, overlap_tokens=0, count=lambda s: len(s.split()))
    >>> t = "One two three. Four five six. Seven."
    >>> [t[s:e] for s, e in chunk_spans(t, lim)]
    ['One two three. Four five six.', 'Seven.']
    """
    units: list[Span] = []
    for span in split_sentences(text):
        if limits.fits(text[span[0] : span[1]]):
            units.append(span)
        else:
            units.extend(_split_long(text, span, limits))
    # Per-sentence counts make packing linear; each finished chunk is then checked exactly.
    soft = [limits.count(text[s:e]) for s, e in units]
    hard = [limits.hard_count(text[s:e]) for s, e in units] if limits.hard_count else None

    chunks: list[Span] = []
    i, last_j = 0, 0
    while i < len(units):
        j, total, htotal = i + 1, soft[i], hard[i] if hard else 0
        while (
            j < len(units)
            and total + soft[j] <= limits.max_tokens
            and (hard is None or htotal + hard[j] <= limits.hard_max)
        ):
            total += soft[j]
            htotal += hard[j] if hard else 0
            j += 1
        while j > i + 1 and not limits.fits(text[units[i][0] : units[j - 1][1]]):
            j -= 1
        if j <= last_j:  # the overlap crowded out every new sentence: start afresh without it
            i = last_j
            continue
        chunks.append((units[i][0], units[j - 1][1]))
        last_j = j
        if j >= len(units):
            break
        k, carried = j, 0
        while k - 1 > i and carried + soft[k - 1] <= limits.overlap_tokens:
            carried += soft[k - 1]
            k -= 1
        i = k
    return chunks
