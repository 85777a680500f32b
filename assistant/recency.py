"""Time-aware retrieval: questions about recent news prefer the newest articles on their topic.

A question that says "this week", "recently", "new", "latest" (:func:`asks_recent`) is about
the news as of some day: the ``as_of`` the caller passes, else the newest article indexed.
Each candidate then gets a log-prior added to its cross-encoder logit,
``-weight * log2(1 + age_days / days)`` (:func:`recency_prior`), so an article of the same
week loses almost nothing and one about the same kind of event years earlier loses a lot;
relevance still decides between articles of similar age. Articles dated after ``as_of`` are
never candidates (:func:`after`), whatever the question: they could not have been read then.

>>> asks_recent("Which team won the Super Bowl this week?"), asks_recent("Who is Kobler?")
(True, False)
>>> round(recency_prior("2023-01-02", "2023-01-09", weight=1.0, days=7), 2)
-1.0
"""

from __future__ import annotations

import datetime as dt
import math
import re

_RECENT = re.compile(
    r"\b(?:this|last|past) (?:week|weekend|month|year)\b|\brecent(?:ly)?\b|\blatest\b|"
    r"\b(?:new|newly)\b|\bnewest\b|\btoday\b|\byesterday\b|\btonight\b|\bcurrently\b|"
    r"\bupcoming\b|\bjust (?:been|announced|released|won|died)\b",
)
"""Lower-case cues; "New York" or "New Year" (capitalised) are names, not cues."""


def asks_recent(question: str) -> bool:
    """Whether the question is about recent news ("this week", "latest", "new", ...).

    >>> asks_recent("The new speaker of the House?"), asks_recent("Who visited New York?")
    (True, False)
    """
    return _RECENT.search(question) is not None


def _date(iso: str | None) -> dt.date | None:
    if not iso:
        return None
    try:
        return dt.date.fromisoformat(iso[:10])
    except ValueError:
        return None


def after(published: str | None, now: str | None) -> bool:
    """Whether an article dated ``published`` appeared after ``now`` (undated: never).

    >>> after("2023-01-10", "2023-01-09"), after(None, "2023-01-09"), after("2023-01-10", None)
    (True, False, False)
    """
    p, n = _date(published), _date(now)
    return p is not None and n is not None and p > n


def recency_prior(published: str | None, now: str | None, *, weight: float, days: float) -> float:
    """The log-prior of an article's age for a question about recent news; 0 when undated.

    An undated article (a file without a date) is neither favoured nor penalised: the model's
    relevance alone places it.

    >>> recency_prior(None, "2023-01-09", weight=1.0, days=7)
    0.0
    """
    p, n = _date(published), _date(now)
    if p is None or n is None:
        return 0.0
    age = max(0, (n - p).days)
    return -weight * math.log2(1.0 + age / days)
