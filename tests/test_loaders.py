"""Loaders: encodings decoded correctly, HTML main text only, PDF pages, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import LoadError, decode_text, load_file
from testing.pdfgen import make_pdf

TEXT = "Café “Derna” — Haftar’s siege, 2016. Naïve façade: €5."


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), id="utf-8-bom"),
        pytest.param(TEXT.encode("utf-16"), id="utf-16-bom"),
        pytest.param(TEXT.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(TEXT.encode("utf-16-be"), id="utf-16-be-no-bom"),
        pytest.param(TEXT.encode("utf-32"), id="utf-32-bom"),
        pytest.param(TEXT.encode("cp1252"), id="cp1252"),
    ],
)
def test_encodings_decode_exactly(data: bytes) -> None:
    assert decode_text(data) == TEXT


def test_mixed_utf8_and_cp1252_lines_both_decode() -> None:
    data = "Naïve café in Derna.\n".encode() + "Second part: “quoted” — fine.".encode("cp1252")
    assert decode_text(data) == "Naïve café in Derna.\nSecond part: “quoted” — fine."


def test_latin1_text_is_not_mangled() -> None:
    text = "Ahmed Maetig à Tripoli, déclaration très forte sur la Libye et ses élus."
    assert decode_text(text.encode("latin-1")) == text


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def load(path: Path):  # type: ignore[no-untyped-def]
    return load_file(path, str(path), max_bytes=10_000_000)


def test_txt_keeps_title_and_published_date(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "Siege of Derna goes on\nPublished: 2016-08-03\n\nThe body.")
    article = load(path)
    assert article.title == "Siege of Derna goes on"
    assert article.published == "2016-08-03"
    assert article.text.endswith("The body.")


def test_markdown_front_matter(tmp_path: Path) -> None:
    md = '---\ntitle: "Derna report"\ndate: 2017-05-01\n---\n# Heading\n\nSome text here.'
    article = load(write(tmp_path, "a.md", md))
    assert (article.title, article.published) == ("Derna report", "2017-05-01")
    assert "title:" not in article.text


def test_html_main_text_title_date_without_boilerplate(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><title>Site | Derna news</title>
    <meta property="article:published_time" content="2016-08-03T10:00:00Z">
    <meta property="og:title" content="Haftar continues the siege of Derna">
    <script>var tracking = "SECRET_SCRIPT";</script><style>.x{color:red}</style></head>
    <body><nav><a href="/">Home</a> <a href="/about">About us</a> NAVIGATION_MENU</nav>
    <article><h1>Haftar continues the siege of Derna</h1>
    <p>Air strikes carried out on Derna as part of Operation Volcano injured two civilians and
    destroyed two houses at the western entrance to the city, residents said on Tuesday.</p>
    <p>The Derna Mujahideen Shura Council said it had repelled an attack on the western
    outskirts, and the Libyan National Army retreated to Karsa after the clashes.</p></article>
    <aside>Popular posts: SIDEBAR_POST</aside>
    <footer>Copyright FOOTER_TEXT</footer><script>alert("x")</script></body></html>"""
    article = load(write(tmp_path, "page.html", html))
    assert "Operation Volcano" in article.text and "Karsa" in article.text
    for junk in ("SECRET_SCRIPT", "NAVIGATION_MENU", "FOOTER_TEXT", "alert", "color:red"):
        assert junk not in article.text
    assert article.title == "Haftar continues the siege of Derna"
    assert article.published == "2016-08-03"


def test_pdf_pages_are_numbered(tmp_path: Path) -> None:
    pdf = make_pdf(["First page about Derna.", "Second page about Haftar."], title="The PDF")
    article = load(write(tmp_path, "doc.pdf", pdf))
    assert article.title == "The PDF"
    assert [p[0] for p in article.pages] == [1, 2]
    for number, start, end in article.pages:
        assert article.text[start:end] in {"First page about Derna.", "Second page about Haftar."}
        assert str(number) in {"1", "2"}


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        pytest.param("empty.txt", b"", "is empty", id="empty"),
        pytest.param("blank.txt", b"   \n\n  ", "no text", id="whitespace-only"),
        pytest.param("bin.txt", bytes(range(256)) * 40, "binary", id="binary"),
        pytest.param("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "PDF", id="broken-pdf"),
        pytest.param("noise.pdf", b"not a pdf at all", "PDF", id="not-a-pdf"),
        pytest.param("image.png", b"\x89PNG\r\n\x1a\n....", "unsupported file type", id="png"),
        pytest.param(
            "nothing.html",
            b"<html><body><script>x()</script></body></html>",
            "no article text",
            id="html-without-text",
        ),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        load(write(tmp_path, name, data))


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "x" * 2000)
    with pytest.raises(LoadError, match="over the"):
        load_file(path, str(path), max_bytes=1000)


def test_file_without_extension_is_sniffed(tmp_path: Path) -> None:
    assert "Derna" in load(write(tmp_path, "README", "Notes on Derna.\nMore text.")).text
    pdf = load(write(tmp_path, "scan", make_pdf(["Page about Derna."])))
    assert pdf.pages
