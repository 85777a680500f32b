"""Pure text cleaning: hidden characters out, line endings normalised, site boilerplate cut.

>>> clean_text("Haftar\\u200b said it again and again.\\r\\n\\r\\n\\r\\n"
...            "Popular posts from this blog\\nA post")
'Haftar said it again and again.'
"""

from __future__ import annotations

import re
import unicodedata

from core.dates import parse_date

# Zero-width, bidirectional controls, the BOM/word joiner, interlinear annotation marks, the
# hieroglyph, shorthand and musical format controls and the Unicode tag block: invisible
# characters that can hide instructions or make a quote differ from what a reader sees.
_HIDDEN = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U0001bca0-\U0001bca3"
    "\U00013430-\U0001343f\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANKS = re.compile(r"\n{3,}")

# Lines that start the non-article tail of a blog or news page. Everything from such a line on
# is cut when it sits in the last part of the document.
_TAIL_MARKERS = re.compile(
    r"^\s*(popular posts( from this blog)?|related (posts|articles|stories)|"
    r"you (may|might) also like|more from this (blog|author)|recent posts|"
    r"read (more|next)|share this( article| post)?:?|leave a (comment|reply)|"
    r"\d+ comments?|comments|subscribe to( our)? newsletter|about the author|"
    r"trending now|most read)\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def strip_hidden(text: str) -> str:
    """Remove invisible formatting characters: ``'a\\u200bb\\u202e'`` -> ``'ab'``."""
    return _HIDDEN.sub("", text)


def normalise(text: str) -> str:
    """NFC, hidden and control characters removed, ``\\n`` line ends, tidy blank lines."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    text = strip_hidden(text)
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def cut_tail_boilerplate(text: str, min_fraction: float = 0.4) -> str:
    """Drop a trailing "Popular posts" / "Related articles" block and what follows it.

    Only a marker past ``min_fraction`` of the text counts, so a short article that mentions
    "comments" early keeps its body.
    """
    for match in _TAIL_MARKERS.finditer(text):
        if match.start() >= len(text) * min_fraction:
            return text[: match.start()].rstrip()
    return text


def clean_text(text: str) -> str:
    return cut_tail_boilerplate(normalise(text))


def outlet_from_url(url: str | None) -> str | None:
    """The publisher's host without ``www.``: ``"https://www.cnn.com/2023/x"`` -> ``"cnn.com"``."""
    from urllib.parse import urlsplit

    if not url:
        return None
    host = (urlsplit(url.strip()).hostname or "").lower()
    host = host.removeprefix("www.").removeprefix("amp.")
    return host if "." in host else None


_DATE_LINE = re.compile(
    r"^\s*(?:(?:published|posted|date|dated|updated)(?: on)?\s*:?\s*)?"
    r"(\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+\.? \d{1,2},? \d{4})\s*$",
    re.MULTILINE | re.IGNORECASE,
)


def find_published(text: str, head_lines: int = 6) -> str | None:
    """A date standing on its own line near the top: ``'Title\\nPublished: 2016-08-03'`` -> date.

    Only a whole date on a line of its own (optionally labelled "Published:", "Posted on", ...)
    counts: a year in a copyright footer, or a date inside a sentence, is never taken for the
    publication date.
    """
    head = "\n".join(text.split("\n")[:head_lines])
    for match in _DATE_LINE.finditer(head):
        found = parse_date(match.group(1))
        if found:
            return found
    return None


def title_from_text(text: str, fallback: str) -> str:
    """The first line when it reads like a headline (short, no final full stop)."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if not line:
            continue
        if len(line) <= 160 and not line.endswith((".", "?", "!", ":")):
            return line
        break
    return fallback
