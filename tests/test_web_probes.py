"""Hostile visitors of the web app, beyond ``test_web_api``'s file-route and size probes.

``python app.py`` on a free loopback port over a copy of the sample article. Probed here:

* file routes with encodings ``test_web_api`` does not try (backslashes, overlong UTF-8,
  ``%00``, ``..;``, full-width dots, double encoding in upper case);
* the upload route with hostile file *names* (``..`` runs, encoded slashes, absolute paths, the
  index's own file names): each upload lands inside the upload area, nothing is written or
  replaced outside it;
* the upload handler (the page's "Add to the index") given hostile original names, and file
  references pointing outside the upload area: staged files get plain names inside
  ``uploads/``, and no server file is copied or indexed;
* huge upload bodies, with and without ``Content-Length``: refused with 413 before they fill
  the disk;
* HTML and script in questions (``/ask`` and the chat handler) and in uploaded documents
  (txt, md, html): ``/ask`` returns them as JSON strings, the chat's and the sources panel's
  HTML holds only the app's own tags, and in Chromium nothing runs.

Each test counts what it tried and what got through; ``-s`` prints the tally.
"""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from testing.paths import ROOT, SAMPLE_DIR
from testing.servers import free_port, http_get, running_app

pytestmark = pytest.mark.slow

MAX_UPLOAD_MB = 1
CHROMIUM = "/usr/bin/chromium"

# Questions a visitor might type to get markup into the page.
MARKUP_QUESTIONS = [
    "Why does Haftar target the DMSC? <script>window.__pwned='script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\"> Who called for an end to the bombing?",
    "<svg onload=\"window.__pwned='svg'\"></svg> What did the Shura Council fighters repel?",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe> Who besieges Derna?",
    "[click](javascript:window.__pwned='md') ![x](x \"onerror=alert(1)\") Why Derna?",
    "</textarea><script>alert(1)</script>{{7*7}} ${7*7} Who is Haftar?",
    '"><b onmouseover=alert(1)>bold</b> <style>*{display:none}</style> Who is Haftar?',
    "Haftar &lt;script&gt;alert(1)&lt;/script&gt; &#60;b&#62; Derna",
]

HOSTILE_HTML = """<html><head><title>Quarry <script>window.__pwned='title'</script> reopens</title>
<script>window.__pwned = 'head'</script></head><body>
<h1>Blenmarsh quarry reopens after the floods</h1>
<p>The Blenmarsh quarry reopened on Friday <img src=x onerror="window.__pwned='doc-img'">
after the floods, and its owner said it would employ ninety-two workers
<a href="javascript:window.__pwned='doc-link'">this season</a>.</p>
<iframe src="javascript:alert(1)"></iframe>
<p onclick="window.__pwned='p'">The Blenmarsh quarry supplies limestone to three towns.</p>
</body></html>
"""

HOSTILE_MD = """# Harbour gulls of Ostmere <script>window.__pwned='md-title'</script>

The harbour of Ostmere counted seven hundred gulls this spring, the warden said.
[More](javascript:window.__pwned='md-link') ![gull](x" onerror="window.__pwned='md-img')
<div onmouseover="window.__pwned='md-div'">The gulls of Ostmere nest on the old pier.</div>
Template text {{ 7*7 }} ${7*7} {% raw %} stays as written in Ostmere.
"""


@dataclass
class Tally:
    """Probes tried and the ones that got through, by threat."""

    tried: dict[str, int] = field(default_factory=dict)
    through: dict[str, list[str]] = field(default_factory=dict)

    def add(self, threat: str, ok: bool, what: str) -> None:
        self.tried[threat] = self.tried.get(threat, 0) + 1
        self.through.setdefault(threat, [])
        if not ok:
            self.through[threat].append(what)


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    t = Tally()
    yield t
    print("\nweb probes: threat, tried, got through")
    for threat, n in t.tried.items():
        print(f"  {threat}: {n} tried, {len(t.through[threat])} got through")
    print(f"  total: {sum(t.tried.values())} tried, {sum(map(len, t.through.values()))} through")


@dataclass(frozen=True)
class Server:
    port: int
    base: Path
    data_dir: Path
    articles: Path

    @property
    def uploads(self) -> Path:
        return (self.data_dir / "uploads").resolve()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("web-probes")
    articles = base / "articles"
    shutil.copytree(SAMPLE_DIR, articles)
    data_dir = base / "index"
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_WEB": json.dumps({"max_upload_mb": MAX_UPLOAD_MB}),
        "GRADIO_SERVER_PORT": str(port),
    }
    env.pop("ASSISTANT_AUTH", None)
    with running_app(articles, env, port, base / "server.log"):
        yield Server(port, base, data_dir, articles)


# -- HTTP helpers ---------------------------------------------------------------------------------


def _multipart(files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, content in files:
        body += (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: text/plain\r\n\r\n"
            ).encode("utf-8", "surrogateescape")
            + content
            + b"\r\n"
        )
    return f"multipart/form-data; boundary={boundary}", body + f"--{boundary}--\r\n".encode()


def _upload(port: int, files: list[tuple[str, bytes]]) -> tuple[int, bytes]:
    content_type, body = _multipart(files)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST", "/gradio_api/upload", body=body, headers={"Content-Type": content_type}
        )
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _event(port: int, fn: str, data: list[Any], timeout: float = 120) -> dict[str, Any]:
    """One event through Gradio's queue, as the page sends it; the final message."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/config")
        deps = json.loads(conn.getresponse().read())["dependencies"]
        [fn_index] = [d["id"] for d in deps if d.get("api_name") == fn]
        session = uuid.uuid4().hex[:16]
        payload = {"data": data, "fn_index": fn_index, "session_hash": session}
        conn.request(
            "POST",
            "/gradio_api/queue/join",
            body=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        if resp.status != 200:
            return {"msg": "refused", "status": resp.status, "body": resp.read().decode()}
        resp.read()
        conn.request("GET", f"/gradio_api/queue/data?session_hash={session}")
        stream = conn.getresponse()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = stream.fp.readline()
            if not line:
                break
            if line.startswith(b"data:"):
                message: dict[str, Any] = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
        return {"msg": "no result"}
    finally:
        conn.close()


def _file_data(path: str, orig_name: str) -> dict[str, Any]:
    return {"path": path, "orig_name": orig_name, "meta": {"_type": "gradio.FileData"}}


class _Tags(HTMLParser):
    """Every tag and attribute in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


OWN_TAGS = {"div", "span", "p", "mark", "sup", "b", "ul", "li", "table", "thead", "tbody"}
OWN_TAGS |= {"tr", "th", "td"}
OWN_ATTRS = {"class", "id", "data-answer"}


def _foreign_markup(fragment: str) -> set[str]:
    """Tags or attributes in ``fragment`` that the app itself never writes."""
    parser = _Tags()
    parser.feed(fragment)
    return (parser.tags - OWN_TAGS) | (parser.attrs - OWN_ATTRS)


def _chat_html(message: dict[str, Any]) -> tuple[list[str], str]:
    """(HTML of each chat message, HTML of the sources panel) from the chat's final output."""
    data = message["output"]["data"]
    texts = []
    for m in data[1]:
        content = m["content"]
        texts.append(
            content
            if isinstance(content, str)
            else "".join(p.get("text", "") for p in content if isinstance(p, dict))
        )
    return texts, str(data[4])


# -- file routes ----------------------------------------------------------------------------------
ROUTES = ["/gradio_api/file=", "/file=", "/gradio_api/file/", "/static/", "/assets/"]


def _more_targets(server: Server) -> list[tuple[str, bytes]]:
    """Encodings ``test_web_api`` does not send: (path as sent, bytes proving it was served)."""
    pyproject = str(ROOT / "pyproject.toml")
    gradio_dir = server.uploads / ".gradio"
    gradio_dir.mkdir(parents=True, exist_ok=True)
    root_up = "/".join([".."] * len(gradio_dir.relative_to("/").parts))
    sqlite = b"SQLite format 3"
    return [
        ("..\\..\\..\\..\\..\\..\\etc\\passwd", b"root:"),
        ("..%5c..%5c..%5c..%5c..%5c..%5cetc%5cpasswd", b"root:"),
        ("%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", b"root:"),
        ("%252E%252E%252F%252E%252E%252F%252E%252E%252Fetc%252Fpasswd", b"root:"),
        ("/etc/passwd%00.txt", b"root:"),
        ("..;/..;/..;/..;/..;/etc/passwd", b"root:"),
        ("%EF%BC%8E%EF%BC%8E/" * 8 + "etc/passwd", b"root:"),  # full-width dots
        ("//etc//passwd", b"root:"),
        (f"{gradio_dir}/{root_up}/etc/passwd", b"root:"),
        (f"{gradio_dir}/{root_up}{pyproject}", b"[project]"),
        (f"{gradio_dir}/../../documents.sqlite".replace("/", "%2F"), sqlite),
        (f"{gradio_dir}/%2e%2e/%2E%2E/records.sqlite", sqlite),
        (str(ROOT / "app.py").replace("/", "//"), b"def main"),
        (str(ROOT / ".git" / "config"), b"[core]"),
    ]


def test_file_routes_refuse_more_encodings(server: Server, tally: Tally) -> None:
    for route in ROUTES:
        for target, proof in _more_targets(server):
            raw = route + target
            try:
                status, _, body = http_get(server.port, raw)
            except (http.client.HTTPException, ConnectionError):
                status, body = 0, b""  # the server dropped the connection
            served = status == 200 and proof in body
            tally.add("file routes: more encodings", not served, raw)
    assert tally.tried["file routes: more encodings"] >= 70
    assert tally.through["file routes: more encodings"] == []


# -- upload file names ----------------------------------------------------------------------------
HOSTILE_NAMES = [
    "../../probe-a.txt",
    "..%2f..%2fapp.py",
    "..%2F..%2F..%2Fprobe-b.txt",
    "..\\..\\probe-c.txt",
    "....//....//probe-d.txt",
    "/etc/probe-e.txt",
    "/tmp/probe-f.txt",
    "%2e%2e/%2e%2e/probe-g.txt",
    "../../../../../../../../tmp/probe-h.txt",
    "../documents.sqlite",
    "../../records.sqlite",
    "../../../app.py",
    "..",
    ".",
    "",
    ".gradio",
    "<script>alert(1)</script>.txt",
    "probe-i.txt\r\nX-Injected: 1",
]


def test_upload_route_keeps_hostile_file_names_inside_the_upload_area(
    server: Server, tally: Tally
) -> None:
    guarded = [ROOT / "app.py", server.data_dir / "documents.sqlite"]
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in guarded}
    for i, name in enumerate(HOSTILE_NAMES):
        content = f"hostile-name-probe-{i}".encode()
        status, body = _upload(server.port, [(name, content)])
        if status != 200:
            tally.add("upload route: file names", True, name)  # refused outright
            continue
        [path] = json.loads(body)
        resolved = Path(path).resolve()
        inside = resolved.is_relative_to(server.uploads / ".gradio")
        tally.add(
            "upload route: file names",
            inside and resolved.read_bytes() == content,
            f"{name!r} -> {path}",
        )
    for p, digest in before.items():
        tally.add(
            "upload route: file names", hashlib.sha256(p.read_bytes()).hexdigest() == digest, str(p)
        )
    stray = [
        p for d in (server.base, server.data_dir, ROOT, Path("/tmp")) for p in d.glob("probe-*.txt")
    ]
    tally.add("upload route: file names", stray == [], f"files outside: {stray}")
    assert tally.through["upload route: file names"] == []


def test_upload_handler_stages_plain_names_and_only_uploaded_files(
    server: Server, tally: Tally
) -> None:
    threat = "upload handler: names and paths"
    names = ["../../evil-a.txt", "..%2f..%2fevil-b.txt", "/etc/evil-c.txt", "..\\evil-d.txt"]
    for i, orig in enumerate(names):
        text = f"Zelvorn probe {i}: the Zelvorn bell rang {i + 3} times at noon.\n"
        status, body = _upload(server.port, [(f"evil-{i}.txt", text.encode())])
        assert status == 200, body
        [path] = json.loads(body)
        result = _event(server.port, "add_uploads", [[_file_data(path, orig)], "", "newest", 1])
        assert result.get("success"), result
        report = html.unescape(str(result["output"]["data"][0]))
        staged = [p for p in server.uploads.iterdir() if p.is_file() and text in p.read_text()]
        ok = (
            "Added 1" in report
            and len(staged) == 1
            and ".." not in staged[0].name
            and "%" not in staged[0].name
            and staged[0].parent == server.uploads
        )
        tally.add(threat, ok, f"{orig!r} -> {staged}")

    # File references the visitor did not upload: server files, the index, the articles.
    outside = [
        "/etc/passwd",
        str(ROOT / "pyproject.toml"),
        str(ROOT / "README.md"),
        str(server.data_dir / "documents.sqlite"),
        str(server.uploads / ".gradio" / ".." / ".." / "documents.sqlite"),
        str(server.articles / "derna-siege.txt"),
        "../../../../../../etc/passwd",
        "pyproject.toml",
    ]
    for path in outside:
        before = sorted(p.name for p in server.uploads.iterdir())
        result = _event(
            server.port, "add_uploads", [[_file_data(path, "copy.txt")], "", "newest", 1]
        )
        after = sorted(p.name for p in server.uploads.iterdir())
        ok = not result.get("success") and before == after
        tally.add(threat, ok, f"{path}: {str(result)[:200]}")
    assert tally.through[threat] == []


# -- oversized bodies -----------------------------------------------------------------------------
def _disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _send_huge(port: int, total: int, chunked: bool) -> tuple[int | None, float]:
    """Stream a ``total``-byte single-file upload; (status or None if cut off, seconds)."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="huge.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        headers = [
            "POST /gradio_api/upload HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            f"Content-Type: multipart/form-data; boundary={boundary}",
            "Transfer-Encoding: chunked"
            if chunked
            else f"Content-Length: {len(head) + total + len(tail)}",
            "Connection: close",
        ]
        sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        block = b"x" * (1 << 20)
        pieces = [head] + [block] * (total // len(block)) + [tail]
        try:
            for piece in pieces:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading: refused mid-way
        try:
            first = sock.recv(200).split(b"\r\n", 1)[0]
            status = int(first.split()[1]) if first.startswith(b"HTTP/") else None
        except OSError:
            status = None
        return status, time.monotonic() - started
    finally:
        sock.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_upload_is_refused_without_filling_the_disk(
    server: Server, tally: Tally, chunked: bool
) -> None:
    area = server.uploads / ".gradio"
    area.mkdir(parents=True, exist_ok=True)
    before = _disk_bytes(area)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _disk_bytes(area) - before)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        status, seconds = _send_huge(server.port, 40 * MAX_UPLOAD_MB * 1_000_000, chunked)
    finally:
        done.set()
        watcher.join()
    left = _disk_bytes(area) - before
    ok = status in (413, None) and peak[0] <= 2 * MAX_UPLOAD_MB * 1_000_000 and left <= 0
    tally.add("oversized uploads", ok, f"chunked={chunked}: {status}, peak {peak[0]}, left {left}")
    print(f"\n40 MB upload (chunked={chunked}): {status} in {seconds:.1f} s, peak {peak[0]} B")
    assert ok, (status, peak[0], left)


PLANTED = ", ".join(
    f"{area} {what}"
    for area in ("#chat", "#sources")
    for what in (
        "script",
        "img[src='x']",
        "iframe",
        "[onload]",
        "[onerror]",
        "[onclick]",
        "[onmouseover]",
        "a[href^='javascript']",
    )
)
"""Elements that only planted markup would put in the chat or the sources panel (the chat's own
icons carry a ``<style>``, so styles are checked in the HTML the server sends instead)."""


# -- markup in questions and documents ------------------------------------------------------------
def test_markup_in_questions_comes_back_as_json_strings_and_inert_chat_html(
    server: Server, tally: Tally
) -> None:
    from gradio_client import Client

    client = Client(f"http://127.0.0.1:{server.port}/", verbose=False)
    for question in MARKUP_QUESTIONS:
        result = client.predict(question, api_name="/ask")
        # /ask is JSON: the question comes back as the same string, never as markup.
        tally.add("markup in questions: /ask", result["search_query"] == question, question)

        message = _event(server.port, "respond", [question, None, None, "extractive", 5, "", ""])
        messages, panel = _chat_html(message)
        foreign = set().union(*(_foreign_markup(m) for m in messages), _foreign_markup(panel))
        shown = html.unescape(messages[0]) == question  # the question, shown as typed
        tally.add("markup in questions: chat", shown and not foreign, f"{question}: {foreign}")
    assert tally.through["markup in questions: /ask"] == []
    assert tally.through["markup in questions: chat"] == []


@pytest.fixture(scope="module")
def hostile_documents(server: Server) -> list[str]:
    """A hostile .html, .md and .txt article, added through the upload handler."""
    docs = {
        "blenmarsh.html": HOSTILE_HTML,
        "ostmere.md": HOSTILE_MD,
        "vantrel.txt": "Vantrel bridge repaired\n\nThe Vantrel bridge repair cost nine "
        "hundred crowns <script>window.__pwned='txt'</script> and took a week.\n",
    }
    refs = []
    for name, text in docs.items():
        status, body = _upload(server.port, [(name, text.encode())])
        assert status == 200, body
        refs.append(_file_data(json.loads(body)[0], name))
    result = _event(server.port, "add_uploads", [refs, "", "newest", 1])
    assert "Added 3" in html.unescape(str(result["output"]["data"][0])), result
    return [
        "How many workers will the Blenmarsh quarry employ?",
        "How many gulls did the harbour of Ostmere count?",
        "What did the Vantrel bridge repair cost?",
    ]


def test_markup_in_documents_reaches_the_chat_and_sources_as_text(
    server: Server, tally: Tally, hostile_documents: list[str]
) -> None:
    # summaries quote headings (titles, outlets) as well as sentences
    summaries = ["Tell me about the Vantrel bridge", "Summarize the article about Ostmere"]
    for question in [*hostile_documents, *summaries]:
        messages, panel = _chat_html(
            _event(server.port, "respond", [question, None, None, "extractive", 5, "", ""])
        )
        foreign = set().union(*(_foreign_markup(m) for m in messages), _foreign_markup(panel))
        cited = 'class="source"' in panel
        tally.add("markup in documents: chat and sources", cited and not foreign, f"{foreign}")
    assert tally.through["markup in documents: chat and sources"] == []


def test_the_topics_panel_lists_the_articles_topics(
    server: Server, hostile_documents: list[str]
) -> None:
    # the hostile articles are each on a subject of their own: two reports of one story group
    refs = []
    for i, day in enumerate(("Monday", "Tuesday")):
        name = f"kessford-ferry-{i}.txt"
        text = (
            f"Kessford ferry crews strike for a {day.lower()} in a row\n\nKessford ferry crews "
            f"walked out again on {day}, and the Kessford ferry strike left harbour commuters "
            "waiting for the ferry as the crews' union demanded higher ferry pay.\n"
        )
        status, body = _upload(server.port, [(name, text.encode())])
        assert status == 200, body
        refs.append(_file_data(json.loads(body)[0], name))
    _event(server.port, "add_uploads", [refs, "", "newest", 1])
    result = _event(server.port, "topics_panel", [])
    panel = result["output"]["data"][0]  # a Radio update, with the choices
    assert panel["label"].startswith("Topics (") and panel["choices"]
    assert any("Kessford ferry" in label and "2 articles" in label for label, _ in panel["choices"])
    for label, question in panel["choices"]:
        assert question.startswith("Tell me about ") and " · " in label


@pytest.mark.browser
def test_nothing_runs_in_the_page(
    server: Server, tally: Tally, hostile_documents: list[str]
) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)

            def on_dialog(dialog: Any) -> None:  # an alert() from planted markup lands here
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.goto(f"http://127.0.0.1:{server.port}/")
            questions = [MARKUP_QUESTIONS[0], MARKUP_QUESTIONS[3], MARKUP_QUESTIONS[5]]
            for n, question in enumerate([*questions, *hostile_documents], 1):
                page.locator("#question textarea").fill(question)
                page.locator("#ask").click()
                page.locator(f'#sources .sources[data-answer="{n}"]').wait_for()
                chat = page.locator("#chat").inner_text()
                planted = page.evaluate(
                    "s => [...document.querySelectorAll(s)].map(e => e.outerHTML.slice(0, 120))",
                    PLANTED,
                )
                ok = (
                    page.evaluate("window.__pwned") is None
                    and not dialogs
                    and planted == []
                    and (question in chat or n > len(questions))
                )
                tally.add("markup in the page (Chromium)", ok, f"{question}: {planted} {dialogs}")
        finally:
            browser.close()
    assert tally.through["markup in the page (Chromium)"] == []
