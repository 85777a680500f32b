"""Calendar dates as the product reads them: from article metadata, settings and user input.

One reader for every place a date comes in (front matter, HTML and PDF metadata, ``since`` and
``until``, ``as_of``, the evaluation's ``date``), so they all accept the same spellings.
"""

from __future__ import annotations

import datetime as dt
import re

from core.errors import BadQuestionError

DateLike = str | dt.date | dt.datetime | None

_MONTH_NAMES = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[T ]\d)")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\.? ([A-Za-z]+)\.?,? (\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$")


def parse_date(value: object) -> str | None:
    """A calendar date written the usual ways, as ISO ``YYYY-MM-DD``; ``None`` if it is not one.

    ``"2023-01-05T10:00:00Z"``, ``"5 January 2023"``, ``"Jan. 5, 2023"`` -> ``"2023-01-05"``;
    a bare year (``"2024"``, as in a copyright line) is not a date and gives ``None``.
    """
    text = " ".join(str(value or "").split()).strip("\"'")
    if not text:
        return None
    year = month = day = 0
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_MONTH_YEAR.match(text):
        day, month, year = int(match[1]), _MONTH_NAMES.get(match[2].lower(), 0), int(match[3])
    elif match := _MONTH_DAY_YEAR.match(text):
        month, day, year = _MONTH_NAMES.get(match[1].lower(), 0), int(match[2]), int(match[3])
    try:
        return dt.date(year, month, day).isoformat() if year >= 1800 else None
    except ValueError:
        return None


def date_number(iso: str | None) -> int | None:
    """An ISO date as the integer ``YYYYMMDD`` that Chroma's ``$gte``/``$lte`` can compare.

    >>> date_number("2023-01-05"), date_number(None)
    (20230105, None)
    """
    if not iso or parse_date(iso) is None:
        return None
    return int(iso[:10].replace("-", ""))


def user_date(value: DateLike, name: str) -> str | None:
    """``value`` as ISO ``YYYY-MM-DD``; a date that cannot be read is the user's mistake.

    >>> user_date("5 January 2023", "since"), user_date(None, "until")
    ('2023-01-05', None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    parsed = parse_date(value)
    if parsed is None:
        raise BadQuestionError(
            f"{name}={value!r} is not a date; write it as YYYY-MM-DD, for example 2023-01-05."
        )
    return parsed
