"""What kind of request a chat message is: a fact, or one of the news-native requests.

Pure functions over the question text; nothing is retrieved here. The answering side
(:mod:`assistant.summaries`, :mod:`assistant.topics`) decides what to do with a request.

* ``article``: a summary of one article ("Summarize the article.", "Give me a summary of the
  Derna article", "What is this article about?"); ``topic`` holds the words naming the article,
  if any ("Derna").
* ``topic``: a summary across articles ("What happened to Damar Hamlin?", "Tell me about the
  Meta layoffs").
* ``latest``: the topic's newest articles first ("What is the latest on Covid?").
* ``overview``: what the collection covers ("What topics do these articles cover?").
* ``fact``: everything else keeps the question-answering path.

>>> recognise("Give me a summary of the Derna article").kind
'article'
>>> r = recognise("What happened to Damar Hamlin?"); (r.kind, r.topic)
('topic', 'Damar Hamlin')
>>> recognise("What happened to the two houses?").kind
'fact'
>>> recognise("What's the latest on the Buffalo snow storm?").topic
'the Buffalo snow storm'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from core.text import STOP_WORDS, words

RequestKind = Literal["fact", "article", "topic", "latest", "overview"]
Length = Literal["short", "default", "long"]


@dataclass(frozen=True)
class Request:
    """A recognised request; ``topic`` is what it is about, as the user wrote it."""

    kind: RequestKind
    topic: str = ""
    length: Length = "default"

    @property
    def is_summary(self) -> bool:
        """Answered by a summary or an overview rather than by the fact answerer."""
        return self.kind != "fact"


# Words that name a single article ("the article", "this story") or several ("these articles").
_ONE = r"(?:article|story|piece|report|text|document|news ?item|file|post)"
_MANY = r"(?:articles|stories|pieces|reports|texts|documents|news ?items|files|posts|news)"
_THIS = r"(?:the|this|that|my|your|our|one|given)"
_THESE = r"(?:the|these|those|all|my|your|our|all the|all these|all of the|all of these)"
_POLITE = r"^(?:(?:please|can you|could you|would you|will you|kindly|now|ok|okay|so|and)[, ]+)*"
_ASK_SUMMARY = (
    r"(?:summari[sz]e|sum up|recap|outline|condense|give (?:me )?(?:a |an )?(?:short |brief |"
    r"quick |detailed |full |longer |long )?(?:summary|overview|recap|rundown|gist|tl;?dr)"
    r"(?: of)?|"
    r"(?:what(?:'s| is) )?the (?:gist|summary|main points?|key points?) of|"
    r"(?:a |an )?(?:short |brief |quick |detailed |full )?(?:summary|overview|recap) of|tl;?dr)"
)

_OVERVIEW = [
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"\b(?:what|which) (?:topics|subjects|themes|stories|events|issues|kinds? of news)\b.*"
        rf"\b(?:{_MANY}|collection|index|corpus|archive|library|you)\b",
        r"^(?:what|which) (?:topics|subjects|themes) (?:are|were) (?:there|covered)\W*$",
        rf"\bwhat (?:are|were|do|did) {_THESE} {_MANY} (?:about|cover|discuss|say overall)\b",
        rf"\bwhat(?:'s| is) (?:in|covered (?:by|in)) {_THESE} "
        rf"(?:collection|{_MANY}|index|archive|corpus|folder|library)\b",
        rf"\b(?:overview|summary|outline) of {_THESE} "
        rf"(?:collection|{_MANY}|index|archive|corpus)\b",
        rf"^{_ASK_SUMMARY} {_THESE} (?:collection|{_MANY}|index|archive|corpus)\W*$",
        r"\b(?:list|show) (?:me )?(?:the |all )?(?:topics|subjects|themes)\b",
        r"\bwhat (?:do|does|can) (?:you|the collection|the index) (?:cover|have|know about)\W*$",
        r"^(?:topics|themes)\W*$",
    )
]

_ARTICLE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # "summarize the article", "give me a summary of the Derna article", "sum up this story"
        rf"^{_ASK_SUMMARY} (?P<pre>(?:{_THIS} )?(?:(?!{_MANY}\b)[\w'’.,-]+ ){{0,6}}){_ONE}"
        rf"(?P<post>(?: (?:about|on|of|from|titled|called|named|concerning|regarding) .+)?)\W*$",
        # "what is this article about?", "what's the Derna article about?"
        rf"^what(?:'s| is| was) (?P<pre>{_THIS} (?:[\w'’.,-]+ ){{0,6}}){_ONE} (?:about|on)\W*$",
        rf"^what does (?P<pre>{_THIS} (?:[\w'’.,-]+ ){{0,6}}){_ONE} (?:say|cover|discuss|report)"
        rf"\W*$",
        # "summarize it", "summary please", "tl;dr"
        r"^(?:summari[sz]e(?: it| this| that)?|summary(?: please)?|tl;?dr|sum it up|the gist)"
        r"\W*$",
    )
]

_LATEST = re.compile(
    r"^(?:(?:what(?:'s| is| are)|give me|tell me|show me|any|get me) )?(?:the )?"
    r"(?:very )?(?:latest|newest|most recent|last|recent) ?(?:news|updates?|developments?|"
    r"reports?|articles?|stories|coverage|information|info)? (?:on|about|with|regarding|"
    r"concerning|in|for|from) (?P<topic>.+?)\W*$|"
    r"^what(?:'s| is) (?:new|happening now|the news) (?:on|about|with|regarding|in) "
    r"(?P<topic2>.+?)\W*$|"
    r"^(?:are there |is there )?(?:any )?(?:news|updates?|developments?) (?:on|about|with|"
    r"regarding|concerning) (?P<topic3>.+?)\W*$",
    re.IGNORECASE,
)

_TOPIC = re.compile(
    r"^(?:what(?:'s| has| have)? (?:happened|happens|is happening|has been happening|went on|"
    r"is going on|was going on) (?P<prep>to|with|in|at|on|around|about|over) (?P<topic>.+?)\W*$|"
    r"^(?:tell|inform|brief|update) (?:me|us) (?:more |everything )?(?:about|on|of) "
    r"(?P<topic2>.+?)\W*$|"
    rf"^{_ASK_SUMMARY} (?:the )?(?:(?:news|coverage|reporting|{_MANY}|events|story so far) )?"
    r"(?:on|about|of|for|regarding|concerning|around) (?P<topic3>.+?)\W*$|"
    rf"^{_ASK_SUMMARY} (?P<topic4>(?!(?:the|this|that|these|those|it)\b).+?)\W*$|"
    r"^what do (?:the |these |my )?(?:articles|reports|stories|news|sources) (?:say|report|tell "
    r"(?:me|us)) (?:about|on|of) (?P<topic5>.+?)\W*$|"
    r"^(?:give me |i want |i'd like )?(?:some |the )?background on (?P<topic6>.+?)\W*$|"
    r"^what do you know about (?P<topic7>.+?)\W*$)",
    re.IGNORECASE,
)

_LONG = re.compile(
    r"\b(?:in (?:more |great |full )?detail|detailed|in depth|in-depth|thorough(?:ly)?|"
    r"comprehensive(?:ly)?|full|longer|long|everything|all (?:the|you know)|at length|"
    r"more detail)\b",
    re.IGNORECASE,
)
_SHORT = re.compile(
    r"\b(?:brief(?:ly)?|short(?:ly)?|quick(?:ly)?|in (?:one|a|two|a few) (?:sentences?|lines?|"
    r"words?)|tl;?dr|gist|in a nutshell|one[- ]liner)\b",
    re.IGNORECASE,
)
_LENGTH_WORDS = re.compile(
    r",?\s*\b(?:in (?:more |great |full )?detail|in depth|at length|in a nutshell|briefly|"
    r"quickly|in (?:one|a|two|a few) (?:sentences?|lines?|words?)|please)\b",
    re.IGNORECASE,
)
_DETERMINER = re.compile(
    r"^(?:the|a|an|this|that|these|those|his|her|their|its|our|my|your|one|two|three|some|"
    r"every|each|all|both)\b",
    re.IGNORECASE,
)


def _length(question: str) -> Length:
    if _SHORT.search(question):
        return "short"
    if _LONG.search(question):
        return "long"
    return "default"


def _clean_topic(text: str) -> str:
    """The topic without length words or end punctuation: ``"Pelé, in detail?"`` -> ``"Pelé"``."""
    text = _LENGTH_WORDS.sub("", text)
    return text.strip(" \t\n,.;:!?\"'“”‘’")


def names_something(topic: str) -> bool:
    """Is ``topic`` a subject one can summarise across articles, rather than a thing inside one
    article ("the two houses")? A name, or a phrase without a leading determiner, is.

    >>> [names_something(t) for t in ["Damar Hamlin", "the Meta layoffs", "the two houses",
    ...                               "inflation", "it"]]
    [True, True, False, True, False]
    """
    tokens = words(topic)
    content = [t for t in tokens if t.lower() not in STOP_WORDS]
    if not content:
        return False
    if any(t[0].isupper() or t[0].isdigit() for t in tokens):
        return True  # a name, an acronym, a year
    return not _DETERMINER.match(topic.strip())


def article_hint(pre: str, post: str) -> str:
    """The words that pick out one article: ``("the Derna ", "")`` -> ``"Derna"``.

    >>> article_hint("the Derna ", ""), article_hint("this ", " about the siege")
    ('Derna', 'the siege')
    """
    pre = re.sub(r"^(?:of|about|on)\b", "", pre.strip(), flags=re.IGNORECASE).strip()
    pre = re.sub(rf"^{_THIS}\b", "", pre, flags=re.IGNORECASE).strip()
    post = re.sub(
        r"^(?:about|on|of|from|titled|called|named|concerning|regarding)\b",
        "",
        post.strip(),
        flags=re.IGNORECASE,
    ).strip()
    hint = " ".join(p for p in (pre, post) if p)
    if not [w for w in words(hint) if w.lower() not in STOP_WORDS | {"whole", "entire", "full"}]:
        return ""
    return _clean_topic(hint)


def recognise(question: str) -> Request:
    """The request a question makes; see the module docstring.

    >>> [recognise(q).kind for q in ["Summarize the article.", "What is this article about?",
    ...  "What topics do these articles cover?", "Tell me about Pelé", "Who besieges Derna?"]]
    ['article', 'article', 'overview', 'topic', 'fact']
    >>> recognise("Summarize the Derna article in detail").length
    'long'
    """
    q = " ".join(question.strip().split())
    q = re.sub(_POLITE, "", q, flags=re.IGNORECASE)
    length = _length(q)
    q = " ".join(_LENGTH_WORDS.sub(" ", q).split()) or q  # "in detail" says how, not what
    for pattern in _OVERVIEW:
        if pattern.search(q):
            return Request("overview", "", length)
    for pattern in _ARTICLE:
        m = pattern.search(q)
        if m:
            groups = m.groupdict()
            hint = article_hint(groups.get("pre") or "", groups.get("post") or "")
            return Request("article", hint, length)
    m = _LATEST.search(q)
    if m:
        topic = _clean_topic(next(g for g in m.groups() if g))
        if topic and not re.fullmatch(rf"(?:{_THESE} )?{_MANY}", topic, re.IGNORECASE):
            return Request("latest", topic, length)
    m = _TOPIC.search(q)
    if m:
        groups = {k: v for k, v in m.groupdict().items() if v and k.startswith("topic")}
        topic = _clean_topic(next(iter(groups.values()), ""))
        if re.fullmatch(rf"(?:{_THIS} )?{_ONE}", topic, re.IGNORECASE):
            return Request("article", "", length)  # "tell me about the article"
        if re.fullmatch(rf"(?:{_THESE} )?{_MANY}", topic, re.IGNORECASE):
            return Request("overview", "", length)
        # "What happened to the two houses?" asks a fact of one article, "What happened to
        # Damar Hamlin?" for the story; "tell me about the siege" wants the story either way.
        if topic and ("topic" not in groups or names_something(topic)):
            return Request("topic", topic, length)
    return Request("fact", "", "default")


_PRONOUN_TOPICS = frozenset(
    {"it", "him", "her", "them", "this", "that", "these", "those", "he", "she", "they", "there"}
)


def _pronoun_only(topic: str) -> bool:
    """``"him"``, ``"that"``: a follow-up whose subject is in the conversation."""
    return bool(topic) and all(w.lower() in _PRONOUN_TOPICS for w in words(topic))
