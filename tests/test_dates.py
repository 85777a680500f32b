"""Publication dates, addresses and outlets: read from the file's own metadata, never guessed;
retrieval filtered by a date range through the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.dates import date_number, parse_date
from core.errors import BadQuestionError
from ingest.clean import find_published, outlet_from_url
from ingest.loaders import _split_front_matter, load_file


def load(path: Path):  # type: ignore[no-untyped-def]
    return load_file(path, str(path), max_bytes=10_000_000)


# -- pure ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2023-01-05", "2023-01-05", id="iso"),
        pytest.param("2023-01-05T10:00:00Z", "2023-01-05", id="iso-datetime"),
        pytest.param("2023/1/5", "2023-01-05", id="slashes"),
        pytest.param("5 January 2023", "2023-01-05", id="day-month-year"),
        pytest.param("Jan. 5, 2023", "2023-01-05", id="abbreviated-month"),
        pytest.param("September 3rd, 2023", "2023-09-03", id="ordinal"),
        pytest.param("2024", None, id="bare-year-is-not-a-date"),
        pytest.param("Copyright 2024", None, id="copyright-line"),
        pytest.param("February 30, 2023", None, id="impossible-day"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
    ],
)
def test_parse_date(value: str | None, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Title\nPublished: 2016-08-03\n\nBody.", "2016-08-03", id="labelled"),
        pytest.param("Title\nPosted on 3 August 2016\n\nBody.", "2016-08-03", id="posted-on"),
        pytest.param("Title\nAugust 3, 2016\n\nBody.", "2016-08-03", id="bare-date-line"),
        pytest.param("Title\n\nBody.\n\nCopyright 2024 Example News", None, id="copyright"),
        pytest.param("Title\nOn 3 August 2016 the army left.", None, id="date-in-sentence"),
        pytest.param("T\n\n\n\n\n\n\n2016-08-03", None, id="too-far-down"),
    ],
)
def test_find_published(text: str, expected: str | None) -> None:
    assert find_published(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://www.usatoday.com/story/x", "usatoday.com", id="www"),
        pytest.param("https://edition.cnn.com/2023/01/05/x.html", "edition.cnn.com", id="sub"),
        pytest.param("localhost", None, id="not-a-url"),
        pytest.param(None, None, id="none"),
    ],
)
def test_outlet_from_url(url: str | None, expected: str | None) -> None:
    assert outlet_from_url(url) == expected


def test_date_number_orders_like_dates() -> None:
    assert date_number("2023-01-05") == 20230105
    assert date_number("2022-12-31") < date_number("2023-01-01")  # type: ignore[operator]
    assert date_number(None) is None and date_number("soon") is None


@pytest.mark.parametrize(
    ("raw", "fields", "body"),
    [
        pytest.param(
            '---\ntitle: "A"\ndate: 2023-01-05\nurl: https://x.com/a\n---\nBody',
            {"title": "A", "date": "2023-01-05", "url": "https://x.com/a"},
            "Body",
            id="front-matter",
        ),
        pytest.param(
            "---\nThe siege goes on. It is long.\n---\nBody",
            {},
            "---\nThe siege goes on. It is long.\n---\nBody",
            id="horizontal-rules-are-not-front-matter",
        ),
        pytest.param("No front matter", {}, "No front matter", id="none"),
    ],
)
def test_front_matter(raw: str, fields: dict[str, str], body: str) -> None:
    assert _split_front_matter(raw) == (body, fields)


# -- loaders ---------------------------------------------------------------------------------
_BODY = (
    "<article><h1>Flood hits town</h1><p>The river rose overnight and flooded the main street "
    "of the town, residents said on Tuesday morning.</p><p>Officials said no one was hurt, but "
    "dozens of homes were damaged by the water and the mud it left behind.</p></article>"
)


def test_html_copyright_footer_is_not_a_date(tmp_path: Path) -> None:
    page = tmp_path / "flood.html"
    page.write_text(
        f"<html><head><title>Flood hits town</title></head><body>{_BODY}"
        "<footer>Copyright 2024 Example News</footer></body></html>"
    )
    article = load(page)
    assert "river rose" in article.text
    assert article.published is None


def test_html_meta_gives_date_url_and_outlet(tmp_path: Path) -> None:
    page = tmp_path / "flood.html"
    page.write_text(
        "<html><head><title>Flood hits town</title>"
        '<meta property="article:published_time" content="2023-09-12T08:00:00Z">'
        '<meta property="og:site_name" content="Example News">'
        '<link rel="canonical" href="https://www.example.com/news/flood"></head>'
        f"<body>{_BODY}<footer>Copyright 2024 Example News</footer></body></html>"
    )
    article = load(page)
    assert (article.published, article.url, article.outlet) == (
        "2023-09-12",
        "https://www.example.com/news/flood",
        "Example News",
    )


def test_markdown_front_matter_url_gives_outlet(tmp_path: Path) -> None:
    md = tmp_path / "a.md"
    md.write_text(
        '---\ntitle: "Hamlin update"\ndate: 2023-01-05\n'
        "url: https://www.usatoday.com/story/sports/x/\n---\n\nHamlin is awake."
    )
    article = load(md)
    assert (article.title, article.published, article.outlet) == (
        "Hamlin update",
        "2023-01-05",
        "usatoday.com",
    )
    assert article.url == "https://www.usatoday.com/story/sports/x/"


def test_text_with_front_matter_named_outlet(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("---\ntitle: Storm\npublished: 7 March 2021\nsource: BBC\n---\nIt rained.")
    article = load(txt)
    assert (article.title, article.published, article.outlet, article.url) == (
        "Storm",
        "2021-03-07",
        "BBC",
        None,
    )


def test_pdf_date_from_its_metadata(tmp_path: Path) -> None:
    from testing.pdfgen import make_pdf

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(make_pdf(["A page about the flood in the town."], title="Flood"))
    article = load(pdf)
    assert article.title == "Flood"
    assert article.published is None or parse_date(article.published) == article.published


# -- the real index --------------------------------------------------------------------------
ARTICLES = {
    "jan.md": (
        "Storm in January",
        "2023-01-05",
        "The storm flooded the harbour in January. Fishermen lost six boats and the ferry "
        "to the island stopped for a week.",
    ),
    "feb.md": (
        "Storm in February",
        "2023-02-10",
        "A second storm flooded the harbour in February. The sea wall broke near the old "
        "lighthouse and the council closed the beach road.",
    ),
    "mar.md": (
        "Storm in March",
        "2023-03-20",
        "In March the storm flooded the harbour again. Engineers began rebuilding the pier "
        "while volunteers cleared mud from shops on the quay.",
    ),
}


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant import Assistant

    folder = tmp_path_factory.mktemp("dated")
    for name, (title, date, sentence) in ARTICLES.items():
        (folder / name).write_text(
            f"---\ntitle: {title}\ndate: {date}\nurl: https://www.example.com/{name}\n---\n\n"
            f"{sentence}"
        )
    (folder / "undated.txt").write_text(
        "Storm with no date\n\nThe storm flooded the harbour once more."
    )
    a = Assistant(data_dir=tmp_path_factory.mktemp("dated-index"))
    assert a.ingest([folder]).ok
    yield a
    a.close()


@pytest.mark.slow
def test_documents_keep_date_url_outlet_and_chunks_a_number(dated) -> None:  # type: ignore[no-untyped-def]
    docs = {Path(d.source).name: d for d in dated.documents()}
    assert docs["feb.md"].published == "2023-02-10"
    assert docs["feb.md"].url == "https://www.example.com/feb.md"
    assert docs["feb.md"].outlet == "example.com"
    assert docs["undated.txt"].published is None
    got = dated.index.collection.get(where={"published_day": {"$gte": 20230201}}, include=[])
    metas = dated.index.collection.get(ids=got["ids"], include=["metadatas"])["metadatas"]
    assert {m["published"] for m in metas} == {"2023-02-10", "2023-03-20"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        pytest.param("2023-02-01", None, {"feb.md", "mar.md"}, id="since"),
        pytest.param(None, "2023-02-10", {"jan.md", "feb.md"}, id="until-inclusive"),
        pytest.param("2023-02-01", "2023-02-28", {"feb.md"}, id="between"),
    ],
)
def test_retrieve_and_ask_within_dates(dated, since, until, expected) -> None:  # type: ignore[no-untyped-def]
    passages = dated.retrieve("storm harbour flooded", k=10, since=since, until=until)
    assert {Path(p.chunk.source).name for p in passages} == expected
    answer = dated.ask("When did the storm flood the harbour?", since=since, until=until)
    assert not answer.refused
    assert {Path(c.source).name for c in answer.citations} <= expected
    assert all(c.published for c in answer.citations)


@pytest.mark.slow
def test_empty_or_unreadable_range_is_a_clear_error(dated) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadQuestionError, match="No indexed article is dated"):
        dated.ask("storm?", since="2030-01-01")
    with pytest.raises(BadQuestionError, match="YYYY-MM-DD"):
        dated.ask("storm?", since="last week")
    with pytest.raises(BadQuestionError, match="empty"):
        dated.ask("storm?", since="2023-03-01", until="2023-01-01")


@pytest.mark.slow
def test_cli_since_until(dated, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from assistant.__main__ import main

    data_dir = str(dated.settings.data_dir)
    code = main(["ask", "storm harbour", "--json", "--since", "2023-03-01", "--data-dir", data_dir])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["citations"]
    assert {c["published"] for c in out["citations"]} == {"2023-03-20"}
    assert main(["ask", "storm", "--since", "tomorrow", "--data-dir", data_dir]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
