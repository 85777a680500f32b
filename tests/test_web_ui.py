"""The web UI's pure helpers: escaping, markers, highlighted sources, reports, upload names."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.types import Answer, Citation
from assistant.webui import (
    answer_html,
    doc_key,
    document_choices,
    documents_html,
    escape,
    highlight,
    launch_options,
    report_html,
    safe_filename,
    sources_html,
    stage_uploads,
)
from core.errors import AssistantError
from core.settings import load_settings
from core.types import StoredDocument
from ingest.report import IngestReport

HOSTILE = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param('<img src=x onerror="alert(1)">', id="img-onerror"),
    pytest.param("[click](javascript:alert(1))", id="markdown-link"),
    pytest.param("![x](http://evil.example/x.png)", id="markdown-image"),
    pytest.param("${alert(1)} {{x}}", id="template"),
    pytest.param("$$\\href{javascript:x}{y}$$", id="latex"),
    pytest.param('"><svg/onload=alert(1)>', id="attribute-break"),
    pytest.param("# heading\n- item\n```code```", id="markdown-blocks"),
    pytest.param("&lt;script&gt; already escaped &#x27;", id="pre-escaped"),
    pytest.param("it's O'Brien's \"quote\"", id="quotes"),
]


def _visible(markup: str) -> str:
    """What a browser would show for ``markup`` made only of text and entities."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_leaves_no_markup_and_shows_the_text_exactly(text: str) -> None:
    out = escape(text)
    bare = re.sub(r"&#?\w+;", "", out)  # the text without its entities
    assert not set(bare) & set("<>\"'`[]()$*#{}\\!&")
    assert _visible(out) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Because [1].", 'Because <sup class="cite">[1]</sup>&#46;', id="one"),
        pytest.param("A [1] B [12]", '<sup class="cite">[12]</sup>', id="two-digits"),
        pytest.param("not a marker [x]", "&#91;x&#93;", id="not-a-number"),
        pytest.param("<b>[2]</b>", '&lt;b&gt;<sup class="cite">[2]</sup>&lt;', id="inside-html"),
    ],
)
def test_answer_html_turns_markers_into_superscripts(text: str, expected: str) -> None:
    assert expected in answer_html(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_answer_html_keeps_only_its_own_tags(text: str) -> None:
    out = answer_html(text + " [1]")
    assert re.findall(r"<[^>]*>", out) == ['<sup class="cite">', "</sup>"]


@pytest.mark.parametrize(
    ("text", "start", "end", "width", "expected"),
    [
        pytest.param("one two three four", 4, 7, 3, "one <mark>two</mark> three…", id="words"),
        pytest.param("abc", 0, 3, 10, "<mark>abc</mark>", id="whole"),
        pytest.param("a <b> c", 2, 5, 10, "a <mark>&lt;b&gt;</mark> c", id="escaped-quote"),
        pytest.param("x y", 5, 9, 10, "x y<mark></mark>", id="offsets-past-end"),
        pytest.param(
            "alpha beta gamma delta", 11, 16, 2, "…beta <mark>gamma</mark> delta", id="elided-left"
        ),
    ],
)
def test_highlight(text: str, start: int, end: int, width: int, expected: str) -> None:
    assert highlight(text, start, end, width=width) == expected


TEXT = 'Intro <img src=x onerror="alert(1)">. Haftar calls them <script>x()</script> terrorists.'
QUOTE = "Haftar calls them <script>x()</script> terrorists."


def _citation(n: int = 1, source: str = "/srv/data/articles/a <b>.txt") -> Citation:
    start = TEXT.index(QUOTE)
    return Citation(n, source, "Title <i>T</i>", QUOTE, start, start + len(QUOTE), 0.5, page=2)


def test_sources_html_highlights_the_quote_in_context_and_escapes_everything() -> None:
    docs = {
        "/srv/data/articles/a <b>.txt": StoredDocument("/srv/data/articles/a <b>.txt", "T", TEXT)
    }
    out = sources_html([_citation()], docs.get)
    tags = set(re.findall(r"<(\w+)", out))
    assert tags <= {"div", "span", "p", "mark"}
    assert "<img" not in out and "<script" not in out
    mark = re.search(r"<mark>(.*?)</mark>", out)
    assert mark is not None and _visible(mark.group(1)) == QUOTE
    assert "Intro" in _visible(out)
    assert "a &lt;b&gt;&#46;txt" in out  # the file name, escaped
    assert "/srv/data" not in out  # never the server's folders
    assert "page 2" in out


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(lambda s: None, id="removed"),
        pytest.param(lambda s: StoredDocument(s, "T", "changed text"), id="changed"),
    ],
)
def test_sources_html_falls_back_to_the_quote(document: Any) -> None:
    mark = re.search(r"<mark>(.*?)</mark>", sources_html([_citation()], document))
    assert mark is not None and _visible(mark.group(1)) == QUOTE


def test_sources_html_without_citations() -> None:
    assert "No sources" in sources_html([], lambda s: None)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("article.txt", "article.txt", id="plain"),
        pytest.param("../../etc/passwd", "passwd", id="traversal"),
        pytest.param("..\\..\\win.ini.md", "win.ini.md", id="backslashes"),
        pytest.param(".hidden.txt", "hidden.txt", id="hidden"),
        pytest.param("Évian News (1).TXT", "Evian_News_1.txt", id="unicode-spaces-case"),
        pytest.param("<script>.html", "script.html", id="markup"),
        pytest.param("....pdf", "upload.pdf", id="only-dots"),
        pytest.param("", "upload", id="empty"),
        pytest.param("a" * 300 + ".md", "a" * 117 + ".md", id="long"),
        pytest.param("report.tar.gz", "report.tar.gz", id="two-suffixes"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_stage_uploads_copies_safe_names_and_refuses_the_rest(tmp_path: Path) -> None:
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "good news.txt").write_text("hello")
    (incoming / "tool.exe").write_bytes(b"MZ")
    (incoming / "big.md").write_text("x" * 2_000_001)
    uploads = tmp_path / "uploads"
    staged = stage_uploads(sorted(incoming.iterdir()), uploads, max_mb=2)
    assert staged.paths == [uploads / "good_news.txt"]
    assert (uploads / "good_news.txt").read_text() == "hello"
    reasons = dict(staged.rejected)
    assert "upload limit" in reasons["big.md"]
    assert "unsupported" in reasons["tool.exe"]
    assert sorted(p.name for p in uploads.iterdir()) == ["good_news.txt"]


@pytest.mark.parametrize(
    ("report", "rejected", "expected"),
    [
        pytest.param(
            IngestReport(added=2, seconds=1.25), [], ["Added 2", "failed 0", "1.2 s"], id="added"
        ),
        pytest.param(
            IngestReport(updated=1, failed=[("/srv/x/bad <b>.pdf", "not a PDF <oops>")]),
            [],
            ["updated 1", "failed 1", "bad &lt;b&gt;&#46;pdf", "not a PDF &lt;oops&gt;"],
            id="failed-escaped",
        ),
        pytest.param(
            IngestReport(),
            [("tool.exe", "unsupported file type")],
            ["failed 1", "tool"],
            id="rejected-upload",
        ),
    ],
)
def test_report_html(
    report: IngestReport, rejected: list[tuple[str, str]], expected: list[str]
) -> None:
    out = report_html(report, rejected)
    for part in expected:
        assert part in out
    assert "/srv/x" not in out
    assert "<oops>" not in out


def test_documents_are_listed_by_title_and_file_with_opaque_keys() -> None:
    docs = [StoredDocument("/srv/a/one.txt", "One <b>", "", n_chunks=3)]
    out = documents_html(docs)
    assert "One &lt;b&gt;" in out and "one&#46;txt" in out and "/srv" not in out
    assert document_choices(docs) == [("One <b> (one.txt)", doc_key("/srv/a/one.txt"))]
    assert "Nothing is indexed" in documents_html([])


def test_launch_options_are_safe_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("GRADIO_SERVER_PORT", "GRADIO_SERVER_NAME", "GRADIO_ALLOWED_PATHS"):
        monkeypatch.delenv(var, raising=False)
    options = launch_options(load_settings(data_dir=tmp_path))
    assert options["server_name"] == "127.0.0.1"
    assert options["server_port"] == 7860
    assert options["auth"] is None
    assert options["allowed_paths"] == []
    assert options["max_file_size"] == 20_000_000
    assert str((tmp_path / "documents.sqlite").resolve()) in options["blocked_paths"]


def test_launch_options_take_the_port_and_login_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8123")
    options = launch_options(load_settings(data_dir=tmp_path, auth="reader:pass:word"))
    assert options["server_port"] == 8123
    assert options["auth"] == ("reader", "pass:word")


@pytest.mark.parametrize("auth", ["nopassword", ":x", "user:"])
def test_a_malformed_login_is_a_clear_error(tmp_path: Path, auth: str) -> None:
    with pytest.raises(AssistantError, match="user:password"):
        launch_options(load_settings(data_dir=tmp_path, auth=auth))


# -- the app's handlers, over a fake Assistant (fast; the real one is in the server tests) ------
class FakeAssistant:
    """Scripted answers over one document; ``fail`` makes answering raise."""

    def __init__(self, data_dir: Path, fail: Exception | None = None) -> None:
        self.settings = load_settings(data_dir=data_dir)
        self.fail = fail
        self.doc = StoredDocument("/srv/a.txt", "A", TEXT)
        self.asked: list[tuple[str, list[dict[str, str]]]] = []

    def documents(self) -> list[StoredDocument]:
        return [self.doc]

    def document(self, source: str) -> StoredDocument | None:
        return self.doc if source == self.doc.source else None

    def stream(self, question: str, history: Any = None, **_: Any) -> Iterator[Any]:
        self.asked.append((question, list(history or [])))
        if self.fail is not None:
            raise self.fail
        yield "Haftar calls"
        yield Answer(QUOTE + " [1]", False, [_citation(source="/srv/a.txt")], question=question)


def _handler(app: Any, name: str) -> Any:
    return next(f.fn for f in app.fns.values() if f.name == name)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    from assistant.webui import build_app

    saved = {v: os.environ.get(v) for v in ("GRADIO_TEMP_DIR", "GRADIO_EXAMPLES_CACHE")}

    def make(**kwargs: Any) -> tuple[Any, FakeAssistant]:
        fake = FakeAssistant(tmp_path / "index", **kwargs)
        return build_app(fake, tmp_path / "articles"), fake  # type: ignore[arg-type]

    yield make
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value


def test_chat_streams_then_shows_the_answer_and_its_sources(make_app: Any) -> None:
    app, fake = make_app()
    steps = list(_handler(app, "respond")("  Why <b>?  ", [], [], "extractive", 5))
    first, *_, last = steps
    assert first[0] == ""  # the question box is cleared at once
    assert first[1][-2] == {"role": "user", "content": "Why &lt;b&gt;?"}
    assert "Searching" in first[4]
    _, chat, state, turns, sources = last
    assert chat == state and chat[-1]["content"].endswith('<sup class="cite">[1]</sup>')
    assert turns == [
        {"role": "user", "content": "Why <b>?"},
        {"role": "assistant", "content": QUOTE + " [1]"},
    ]
    assert 'data-answer="1"' in sources and "<mark>" in sources

    # A follow-up carries the plain-text history; the next answer's panel is numbered 2.
    *_, again = _handler(app, "respond")("And then?", chat, turns, "extractive", 5)
    assert fake.asked[-1] == ("And then?", turns)
    assert 'data-answer="2"' in again[4]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        pytest.param(
            AssistantError("Nothing is indexed <yet>."),
            "⚠️ Nothing is indexed &lt;yet&gt;&#46;",
            id="assistant-error",
        ),
        pytest.param(
            RuntimeError("secret internals"),
            "⚠️ Something went wrong while answering; the server log has details.",
            id="unexpected",
        ),
    ],
)
def test_chat_errors_are_one_clear_message_never_a_traceback(
    make_app: Any, error: Exception, shown: str
) -> None:
    app, _ = make_app(fail=error)
    *_, last = _handler(app, "respond")("Why?", [], [], "extractive", 5)
    _, chat, _, turns, sources = last
    assert chat[-1] == {"role": "assistant", "content": shown}
    assert "Traceback" not in str(chat) and "secret internals" not in str(chat)
    assert turns == [] and "No sources" in sources


def test_new_chat_clears_everything(make_app: Any) -> None:
    app, _ = make_app()
    chat, state, turns, sources, question = _handler(app, "new_chat")()
    assert chat == state == turns == [] and question == ""
    assert 'data-answer="0"' in sources


def test_gradio_keeps_its_files_in_the_upload_area(make_app: Any, tmp_path: Path) -> None:
    make_app()
    uploads = (tmp_path / "index" / "uploads").resolve()
    assert Path(os.environ["GRADIO_TEMP_DIR"]).is_relative_to(uploads)
    assert Path(os.environ["GRADIO_EXAMPLES_CACHE"]).is_relative_to(uploads)
