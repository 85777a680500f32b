"""The form a question asks for ("when" wants a date, "how many" a number, ...) and how well a
sentence has it.

>>> question_type("Since when?"), type_match("when", "It began in May.")
('when', 1.0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from assistant.terms import _matches, expansion_in, sentence_stems
from assistant.tuning import TUNING
from core.text import STOP_WORDS as STOPWORDS
from core.text import WORD as _WORD
from core.text import is_acronym as _is_acronym
from core.text import stem

QuestionType = Literal["why", "who", "when", "where", "quantity", "stand_for", "what", "other"]


_QUESTION_TYPES: list[tuple[QuestionType, re.Pattern[str]]] = [
    ("stand_for", re.compile(r"\b(stand|stands) for\b|\bshort for\b|\babbreviat|\bacronym")),
    ("quantity", re.compile(
        r"^how (many|much|old|long|far|tall|high|big|large|wide|deep|heavy)\b|"
        r"\bwhat (number|percentage)\b"
    )),
    ("when", re.compile(
        r"^when\b|\bsince when\b|\bwhat (year|date|time|month|day)\b|\bhow long ago\b"
    )),
    ("why", re.compile(
        r"^why\b|\bwhat for\b|\bfor what reason\b|\bwhat is the reason\b|\bwhat made\b"
    )),
    ("where", re.compile(
        r"^where\b|\b(what|which) (city|town|country|place|region|village|area)\b"
    )),
    ("who", re.compile(
        r"^(who|whom|whose)\b|\bwhich (person|people|man|woman|group|organi[sz]ation)\b|"
        r"\bwhat (position|role|job|title|post|office)\b"
    )),
    ("what", re.compile(r"^what (is|are|was|were)\b|^what does\b|^describe\b|^tell me about\b")),
]  # fmt: skip
_LEADING = re.compile(r"^(and|but|so|also|then|ok|okay|well)[, ]+", re.I)


def question_type(question: str) -> QuestionType:
    """The answer form a question asks for.

    >>> [question_type(q) for q in ["Since when?", "Why?", "What does UN stand for?"]]
    ['when', 'why', 'stand_for']
    >>> question_type("What is the GNA?"), question_type("What is Operation Volcano?")
    ('stand_for', 'what')
    """
    q = _LEADING.sub("", question.strip().lower())
    for name, pattern in _QUESTION_TYPES:
        if pattern.search(q):
            if name == "what" and _is_acronym(definition_focus(question)):
                return "stand_for"  # "What is the GNA?" asks what the letters stand for
            return name
    return "other"


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(?:{_MONTHS})\b(?! I\b)|\b(?:1[89]|20)\d\d\b|\b\d{{1,2}}(?:st|nd|rd|th)\b|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)\b",
    re.I,
)
_VAGUE_DATE = re.compile(
    r"\b(?:recently|last (?:week|month|year)|\d+ (?:days|weeks|months|years) ago|earlier this)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|dozens?|several)\b",
    re.I,
)
_REASON = re.compile(
    r"\b(?:because|due to|in order to|so as to|so that|reason|considers?|considered|believes?|"
    r"accus\w+|as a result|blames?|since)\b",
    re.I,
)
_PURPOSE = re.compile(
    r"\b(?:to try to|trying to|tries to|aims? to|in an attempt to|to stop|to end)\b", re.I
)
_ROLE = re.compile(
    r"\b(?:envoy|general|deputy|minister|president|leader|spokes\w+|commander|chief|head|"
    r"official|director|ambassador|secretary|chairman|king|prince|mayor|governor|council|"
    r"forces|army|group|militia|government|party)\b",
    re.I,
)
_NAME_RUN = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b")
_PLACE = re.compile(
    r"\b(?:in|at|near|from|to|into|outside|inside) (?:the )?[A-Z][\w-]+|"
    r"\b(?:city|town|village|hospital|camp|outskirts|entrance|region|district|border|port|"
    r"street|province|capital)\b"
)
_STANDS_FOR = re.compile(r"\bstands? for\b|\bshort for\b", re.I)


def type_match(qtype: QuestionType, sentence: str, question: str = "") -> float:
    """How well ``sentence`` has the form the question type wants, 0..1.

    >>> type_match("when", "It began in May."), type_match("when", "It began.")
    (1.0, 0.0)
    >>> type_match("quantity", "Two houses burned.", "How old is he?")
    0.0
    """
    if qtype == "when":
        return 1.0 if _DATE.search(sentence) else 0.5 if _VAGUE_DATE.search(sentence) else 0.0
    if qtype == "quantity":
        return _quantity_match(question, sentence)
    if qtype == "why":
        return 1.0 if _REASON.search(sentence) else 0.6 if _PURPOSE.search(sentence) else 0.0
    if qtype in ("who", "what") and _misses_focus(question, sentence):
        return 0.0  # "who is the prime minister": a sentence without "minister" is no answer
    if qtype == "who":
        asked = {w.lower() for w in _WORD.findall(question)}
        names = [m.group() for m in _NAME_RUN.finditer(sentence)]
        new_name = any(not {w.lower() for w in n.split()} <= asked for n in names)
        # A name the question does not already hold is the likely answer; a role word less so.
        return 1.0 if new_name else 0.6 if names or _ROLE.search(sentence) else 0.0
    if qtype == "where":
        return 1.0 if _PLACE.search(sentence) else 0.0
    if qtype == "stand_for":
        if _STANDS_FOR.search(sentence):
            return 1.0
        acronyms = re.findall(r"\b[A-Z]{2,}\b", definition_focus(question) or question)
        return 1.0 if any(expansion_in(a, sentence) for a in acronyms) else 0.0
    if qtype == "what":
        focus = definition_focus(question)
        if focus and _is_acronym(focus) and expansion_in(focus, sentence):
            return 1.0  # "What is the IS?" -> "... the Islamic State (IS) ..."
        return 1.0 if focus and _defines(focus, sentence) else TUNING.neutral_type
    return TUNING.neutral_type


def _common_noun_focus(question: str) -> list[str]:
    """The head words of "who/what is the X (of Y)": the role or property asked about.

    >>> _common_noun_focus("Who is the prime minister of Libya?")
    ['prime', 'minister']
    >>> _common_noun_focus("Who is Kobler?")
    []
    """
    m = re.match(
        r"(?i)^(?:who|what)\s+(?:is|are|was|were)\s+(?:the|a|an)\s+([^?]+?)(?:\s+(?:of|in|for|at)\b|\?|$)",
        question.strip(),
    )
    if not m:
        return []
    return [w for w in _WORD.findall(m.group(1)) if w.lower() not in STOPWORDS or _is_acronym(w)]


def _misses_focus(question: str, sentence: str) -> bool:
    head = _common_noun_focus(question)
    return bool(head) and not _mentions(sentence, head)


def _mentions(sentence: str, words: Sequence[str]) -> bool:
    stems = sentence_stems(sentence)
    return any(_matches(stem(w), stems) for w in words)


_AGE = re.compile(r"\b\w+[- ]years?[- ]old\b|\baged? \d+|\b\d+,? (?:is|was) (?:his|her) age", re.I)


_MEASURE = re.compile(
    r"\b\d[\d,.]*\s*(?:m|cm|km|ft|kg|t|metres?|meters?|feet|foot|inch(?:es)?|miles?|"
    r"kilometres?|kilometers?|kilos?|kilograms?|tons?|tonnes?|hours?|days?|weeks?|months?|"
    r"years?|minutes?)\b",
    re.I,
)
_MONEY = re.compile(
    r"[$€£]\s*\d|\b\d[\d,.]*\s*(?:million|billion)?\s*(?:dollars?|euros?|pounds?|dinars?|"
    r"usd|eur)\b",
    re.I,
)


def _quantity_match(question: str, sentence: str) -> float:
    """A number, and the thing counted: "how many civilians" wants "two civilians"."""
    q = question.lower()
    if re.search(r"\bhow old\b", q):
        return 1.0 if _AGE.search(sentence) else 0.0
    if not _NUMBER.search(sentence):
        return 0.0
    if re.search(r"\bhow (?:tall|high|long|far|big|large|wide|deep|heavy)\b", q):
        return 1.0 if _MEASURE.search(sentence) else 0.0
    if re.search(r"\bhow much\b.*\b(?:cost|costs|pay|paid|spend|spent|worth|price)\b", q):
        return 1.0 if _MONEY.search(sentence) else 0.0
    unit = re.search(r"\bhow (?:many|much) ([a-z]+)", q)
    if unit and unit.group(1) not in STOPWORDS:
        return 1.0 if _matches(stem(unit.group(1)), sentence_stems(sentence)) else 0.5
    return 1.0


def _defines(focus: str, sentence: str) -> bool:
    """``"Operation Volcano is a siege ..."`` defines "Operation Volcano"."""
    pattern = re.escape(focus.strip()) + r"\s*(?:\)|,)?\s+(?:is|are|was|were|means|refers to)\b"
    return re.search(pattern, sentence, re.I) is not None


def definition_focus(question: str) -> str:
    """The thing a "what is X" / "what does X stand for" question is about.

    >>> definition_focus("What is Operation Volcano?"), definition_focus("What does UN stand for?")
    ('Operation Volcano', 'UN')
    """
    q = question.strip().rstrip("?!. ")
    m = re.match(r"(?i)^(?:what|who)\s+(?:is|are|was|were|does|do)\s+(?:the\s+|an?\s+)?(.+?)"
                 r"(?:\s+(?:stand|stands)\s+for|\s+mean|\s+short\s+for)?$", q)  # fmt: skip
    return m.group(1).strip() if m else ""
