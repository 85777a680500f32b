"""The web chat in a real Chromium (Debian's, driven by Playwright), over the real Assistant.

Log in, ask the sample question and see a cited answer with the passage highlighted; upload new
articles (one about a fictional festival, one full of markup) and ask about them; nothing from
a document or a question runs in the page; another visitor never sees the chat; "New chat" and
removing a document work. Screenshots go to ``test-artifacts/``.

Each test opens its own visitor and brings the documents it needs (uploaded through the same
handler as the Documents tab), so the tests pass in any order and one at a time.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from testing.paths import SAMPLE_DIR
from testing.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USER, PASSWORD = "reader", "correct horse battery"
TIMEOUT_MS = 30_000

FESTIVAL = """Quellmoor holds its first Zorblax Lantern Festival

The town of Quellmoor held its first Zorblax Lantern Festival on Saturday, when four thousand \
paper lanterns were floated down the Vesk river at dusk. The organiser, Imra Tollan, said the \
festival marks the end of the winter floods that cut the town off for six weeks. Local bakers \
sold honey bread shaped like lanterns, and the mayor promised the festival would return next \
spring.
"""

HOSTILE = """Engineers reopen the Vantrel footbridge

The Vantrel footbridge reopened on Monday after engineers replaced its rotten oak deck \
<script>window.__pwned = "script"</script> with steel plates. \
<img src=x onerror="window.__pwned = 'img'"> The repair of the Vantrel footbridge cost \
two hundred thousand crowns and took nine months, the council said.
"""

REGATTA = """Ostravin rowers win the spring regatta

The rowing club of Ostravin won the spring regatta on the Vesk river on Sunday, beating eleven \
crews over two kilometres. The club's captain, Dalia Verne, said the crew had trained at dawn \
for five months.
"""

FERRY = """Pelkarra ferry timetable changes

The Pelkarra ferry will sail every forty minutes from June, the harbour office said, after a \
second boat joined the route.
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app from assistant.webui, served in this process with a login, like app.py does."""
    from assistant import Assistant
    from assistant.webui import build_app, launch_options, upload_area, use_upload_area

    base = tmp_path_factory.mktemp("web-browser")
    articles = base / "articles"
    shutil.copytree(SAMPLE_DIR, articles)
    saved = {v: os.environ.get(v) for v in ("GRADIO_TEMP_DIR", "GRADIO_EXAMPLES_CACHE")}
    assistant = Assistant(data_dir=base / "index")
    assert assistant.ingest([articles]).added == 1
    settings = assistant.settings.model_copy(update={"auth": SecretStr(f"{USER}:{PASSWORD}")})
    options = {**launch_options(settings), "server_port": free_port(), "quiet": True}
    use_upload_area(upload_area(settings))  # as app.py does at start-up
    app = build_app(assistant, articles)
    app.queue(default_concurrency_limit=2, max_size=16)
    app.launch(prevent_thread_lock=True, **options)
    try:
        yield {
            "url": f"http://127.0.0.1:{options['server_port']}/",
            "base": base,
            "assistant": assistant,
        }
    finally:
        app.close()
        assistant.close()
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser: Any, url: str, dialogs: list[str]) -> Any:
    """A fresh visitor (own cookies and storage), logged in, on the chat tab."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def on_dialog(dialog: Any) -> None:  # an alert() from injected markup would land here
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(url)
    page.get_by_label("username").fill(USER)
    page.get_by_label("password").fill(PASSWORD)
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for()
    return page


def _upload(site: dict[str, Any], files: dict[str, str]) -> None:
    """Upload articles through the Documents tab's own handler (no browser)."""
    from assistant.webui import add_uploads

    incoming = site["base"] / "seed"
    incoming.mkdir(exist_ok=True)
    paths = []
    for name, text in files.items():
        (incoming / name).write_text(text)
        paths.append(str(incoming / name))
    add_uploads(site["assistant"], paths)


@pytest.fixture(scope="module")
def uploaded(site: dict[str, Any]) -> dict[str, Any]:
    """The festival and the markup articles, indexed as uploads."""
    _upload(site, {"Zorblax festival.txt": FESTIVAL, "vantrel <bridge>.txt": HOSTILE})
    return site


@pytest.fixture(scope="module")
def ferry(site: dict[str, Any]) -> str:
    """An upload for the removal test to remove (module-scoped: indexed before the page opens)."""
    _upload(site, {"Pelkarra ferry.txt": FERRY})
    return "Pelkarra_ferry.txt"


@pytest.fixture
def visitor(browser: Any, site: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A fresh visitor for each test: their own cookies, storage and chat."""
    dialogs: list[str] = []
    page = _open(browser, site["url"], dialogs)
    yield {"page": page, "dialogs": dialogs}
    page.context.close()


def _ask(page: Any, question: str) -> tuple[str, str]:
    """Ask and wait for the finished answer; returns the chat's and the sources panel's text.

    The sources panel is filled last, numbered by the answer's place in the chat.
    """
    panel = page.locator("#sources .sources")
    number = int(panel.get_attribute("data-answer") or 0) + 1
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    page.locator(f'#sources .sources[data-answer="{number}"]').wait_for()
    return page.locator("#chat").inner_text(), panel.inner_text()


def _not_pwned(page: Any, dialogs: list[str]) -> None:
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert (
        page.locator("#chat img[src='x'], #sources img, #chat script, #sources script").count() == 0
    )


def test_asks_the_sample_question_and_shows_the_cited_passage(
    visitor: dict[str, Any], artifacts: Path
) -> None:
    page = visitor["page"]
    chat, sources = _ask(page, "Why does Haftar target the DMSC?")
    page.screenshot(path=artifacts / "web-chat-answer.png", full_page=True)
    page.locator("#sources").screenshot(path=artifacts / "web-sources.png")
    assert page.locator("#chat sup.cite").count() >= 1
    assert re.search(r"\[1\]", chat)
    assert "derna-siege.txt" in sources
    marks = page.locator("#sources mark").all_inner_texts()
    assert marks and any("Qaeda" in m for m in marks)
    # The passage is shown inside its surrounding text, not alone.
    assert len(sources) > sum(len(m) for m in marks) + 50
    _not_pwned(page, visitor["dialogs"])


def test_uploads_articles_with_a_report_and_lists_them(
    visitor: dict[str, Any], site: dict[str, Any], artifacts: Path
) -> None:
    page = visitor["page"]
    incoming = site["base"] / "incoming"
    incoming.mkdir()
    (incoming / "Ostravin regatta.txt").write_text(REGATTA)
    (incoming / "ostravin <crew>.txt").write_text(HOSTILE.replace("Vantrel", "Ostravin"))
    (incoming / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a PDF")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#upload input[type=file]").set_input_files(sorted(incoming.iterdir()))
    page.locator("#upload").get_by_text("broken").wait_for()
    page.locator("#add").click()
    report = page.locator("#report")
    report.get_by_text("Added 2").wait_for()
    page.screenshot(path=artifacts / "web-upload-report.png", full_page=True)
    text = report.inner_text()
    assert "failed 1" in text and "broken.pdf:" in text
    listing = page.locator("#documents").inner_text()
    assert "Ostravin_regatta.txt" in listing and "ostravin_crew.txt" in listing
    uploads = site["base"] / "index" / "uploads"
    assert {"Ostravin_regatta.txt", "ostravin_crew.txt"} <= {p.name for p in uploads.glob("*.txt")}


def test_answers_from_an_uploaded_article(
    visitor: dict[str, Any], uploaded: dict[str, Any], artifacts: Path
) -> None:
    page = visitor["page"]
    chat, sources = _ask(page, "How many lanterns were floated at the Zorblax Lantern Festival?")
    page.screenshot(path=artifacts / "web-uploaded-answer.png", full_page=True)
    assert "Zorblax_festival.txt" in sources
    assert "four thousand" in " ".join(page.locator("#sources mark").all_inner_texts())
    assert "four thousand" in chat


def test_markup_in_documents_and_questions_is_shown_not_run(
    visitor: dict[str, Any], uploaded: dict[str, Any], artifacts: Path
) -> None:
    page = visitor["page"]
    question = (
        "What did the Vantrel footbridge repair cost? <img src=x onerror=\"window.__pwned='q'\">"
    )
    chat, sources = _ask(page, question)
    page.screenshot(path=artifacts / "web-markup-inert.png", full_page=True)
    assert "<img src=x onerror=" in chat  # the question, shown as typed
    assert "vantrel_bridge.txt" in sources
    assert "<script>" in sources or "<img src=x" in sources  # document markup, as text
    _not_pwned(page, visitor["dialogs"])


def test_another_visitor_sees_only_their_own_chat(
    browser: Any, site: dict[str, Any], visitor: dict[str, Any], artifacts: Path
) -> None:
    _ask(visitor["page"], "Why does Haftar target the DMSC?")
    dialogs: list[str] = []
    other = _open(browser, site["url"], dialogs)
    try:
        chat, _ = _ask(other, "Who called for an end to the bombing?")
        other.screenshot(path=artifacts / "web-second-visitor.png", full_page=True)
        assert "Vantrel" not in chat and "Zorblax" not in chat and "Haftar target" not in chat
        assert "Who called for an end" not in visitor["page"].locator("#chat").inner_text()
    finally:
        other.context.close()


def test_new_chat_clears_history_and_sources(visitor: dict[str, Any]) -> None:
    page = visitor["page"]
    _ask(page, "Why does Haftar target the DMSC?")
    page.locator("#new-chat").click()
    page.locator("#sources").get_by_text("Sources of the latest answer appear here").wait_for()
    assert "Haftar" not in page.locator("#chat").inner_text()


def test_removes_an_uploaded_document(
    ferry: str, visitor: dict[str, Any], site: dict[str, Any], artifacts: Path
) -> None:
    page = visitor["page"]
    page.get_by_role("tab", name="Documents").click()
    page.locator("#documents").get_by_text("Pelkarra_ferry.txt").wait_for()
    page.screenshot(path=artifacts / "web-documents.png", full_page=True)
    page.locator("#doc-choice input").click()
    page.get_by_role("option", name=re.compile("Pelkarra_ferry")).click()
    page.locator("#remove").click()
    page.locator("#report").get_by_text("Removed Pelkarra_ferry.txt").wait_for()
    assert "Pelkarra_ferry.txt" not in page.locator("#documents").inner_text()
    assert not (site["base"] / "index" / "uploads" / "Pelkarra_ferry.txt").exists()


def test_rescans_the_articles_folder(
    visitor: dict[str, Any], site: dict[str, Any], artifacts: Path
) -> None:
    page = visitor["page"]
    page.get_by_role("tab", name="Documents").click()
    (site["base"] / "articles" / "harbour.md").write_text(
        "# Harbour crane returns\n\nThe old harbour crane of Quellmoor was put back in service.\n"
    )
    page.locator("#rescan").click()
    page.locator("#report").get_by_text("Added 1").wait_for()
    assert "unchanged 1" in page.locator("#report").inner_text()  # the sample article
    page.locator("#documents").get_by_text("harbour.md").wait_for()
    page.screenshot(path=artifacts / "web-rescan.png", full_page=True)


def test_chat_toolbar_leaves_the_messages_uncovered_and_copies_with_citations(
    browser: Any, site: dict[str, Any], artifacts: Path
) -> None:
    """A fresh visitor (independent of the other tests' order): three questions, so the chat
    scrolls; its label and toolbar sit above the scrolling messages, never over a bubble."""
    dialogs: list[str] = []
    page = _open(browser, site["url"], dialogs)
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        for q in ["Why does Haftar target the DMSC?", "Who besieges Derna?", "Who is Haftar?"]:
            _ask(page, q)
        assert page.locator("#mode").count() == 0  # no LLM configured: no mode choice
        boxes = page.evaluate(
            """() => ['#chat .top-panel', '#chat label', '#chat .bubble-wrap']
                 .map(s => document.querySelector(s)).filter(e => e)
                 .map(e => e.getBoundingClientRect().toJSON())"""
        )
        *bars, messages = boxes
        assert bars and all(b["bottom"] <= messages["top"] + 1 for b in bars), boxes
        page.locator("#chat .bubble-wrap").evaluate("e => { e.scrollTop = 120 }")
        page.locator("#chat").screenshot(path=artifacts / "web-chat-scrolled.png")
        page.locator("#copy-answer").click()
        page.wait_for_function("() => navigator.clipboard.readText().then(t => t.length > 0)")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert "\n\nSources:\n[1] " in copied and "derna-siege.txt" in copied, copied
    finally:
        page.context.close()


def test_documents_view_searches_and_sorts(
    browser: Any, uploaded: dict[str, Any], artifacts: Path
) -> None:
    site = uploaded  # more than one document, so a search narrows the list
    page = _open(browser, site["url"], [])
    try:
        page.get_by_role("tab", name="Documents").click()
        page.locator("#documents table").wait_for()
        page.locator("#doc-search input, #doc-search textarea").fill("siege")
        page.locator("#doc-search input, #doc-search textarea").press("Enter")
        page.locator("#documents").get_by_text("matching").wait_for()
        page.screenshot(path=artifacts / "web-documents-search.png", full_page=True)
        rows = page.locator("#documents tbody tr").all_inner_texts()
        assert len(rows) == 1 and "derna-siege.txt" in rows[0]
    finally:
        page.context.close()


def test_clicking_a_topic_asks_about_it(visitor: dict[str, Any], artifacts: Path) -> None:
    page = visitor["page"]
    page.locator("#topics-box").get_by_text("What the articles cover").click()
    choice = page.locator("#topics label").first
    choice.wait_for()
    panel = page.locator("#sources .sources")
    number = int(panel.get_attribute("data-answer") or 0) + 1
    choice.click()
    page.locator(f'#sources .sources[data-answer="{number}"]').wait_for()
    page.screenshot(path=artifacts / "web-topic-answer.png", full_page=True)
    chat = page.locator("#chat").inner_text()
    assert "Tell me about" in chat and re.search(r"\[1\]", chat)
    assert page.locator("#sources mark").count() >= 1
    page.wait_for_function("!document.querySelector('#topics input:checked')")  # clickable again
    _not_pwned(page, visitor["dialogs"])
