"""The web chat: an :class:`~assistant.api.Assistant` as a Gradio app.

Three layers, top to bottom of this file:

* pure helpers (escaping, citation markers, source cards, the documents page, ingest reports,
  upload names), each tested without a server;
* handlers: plain functions that take the assistant and the event's inputs and return the
  event's outputs (``respond``, ``browse_documents``, ``add_uploads``, ...), tested directly;
* :func:`build_app`, the layout: components, and each event bound to one handler.

Adding a control means writing a handler here (``def flag(assistant, key) -> tuple``), a test
that calls it, and one ``button.click(_bind(flag, assistant), [inputs], [outputs])`` line in
:func:`build_app`. Handlers that change the index return ``(report, *documents outputs)``.

Every string that came from a document, a file name or a visitor is escaped with :func:`escape`
before it reaches an HTML or Markdown component: the page never renders markup it did not write.
Set-up that touches the process (:func:`use_upload_area`) is the caller's, before building.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.topics import Topic
from assistant.types import Answer, Citation, History
from core.dates import parse_date
from core.errors import AssistantError
from core.settings import Settings
from core.types import StoredDocument
from ingest.loaders import SUPPORTED, unsupported_reason
from ingest.report import IngestReport, Progress
from ingest.watch import WatchStatus

if TYPE_CHECKING:
    import gradio as gr

    from assistant.api import Assistant
    from ingest.watch import FolderWatcher

log = logging.getLogger(__name__)

UPLOAD_SUFFIXES = sorted(SUPPORTED)
"""What the upload box accepts: the suffixes the ingest loaders read."""
CONTEXT_CHARS = 280
"""Characters of surrounding text shown on each side of a quoted passage."""
MAX_K = 20
HISTORY_TURNS = 6
"""Earlier messages passed along with a question, so follow-ups can be understood."""
MAX_SESSIONS = 1000
"""Visitor sessions whose state the server keeps, least recently used dropped first. Gradio
keeps a copy of every component's config per session (about 60 kB here) for 10,000 sessions
by default: about 600 MB for visitors and API clients long gone. A session dropped after
1,000 newer ones starts a fresh chat on its next question."""
WATCH_TICK_S = 2.0
"""How often an open page asks the watcher what it does (and the index whether it changed)."""
DOCS_PER_PAGE = 25
"""Rows of the documents table on one page: the page renders these, never the whole index."""
SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title A–Z",
    "flagged": "Flagged first",
}
"""The documents table's orders, key -> label ("flagged": flagged documents, by title, first)."""

SKIP: dict[str, Any] = {"__type__": "update"}
"""An output left as it is (what ``gr.skip()`` returns), so handlers need not import Gradio."""


def update(**props: Any) -> dict[str, Any]:
    """A component's new properties (what ``gr.update(...)`` returns): ``update(value=None)``."""
    return {"__type__": "update", **props}


# -- escaping ------------------------------------------------------------------------------------
# Besides & < > and quotes, characters that Markdown (or the HTML component's template) would
# read as syntax become numeric entities, so text is shown exactly as written and never as a
# link, an image, a heading, code, maths or a template expression.
_MARKUP_CHARS = "\\`*_[]()#!|~{}$+-=.:'\""
_ENTITIES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: f"&#{ord(c)};" for c in _MARKUP_CHARS}}
)


def escape(text: str) -> str:
    """Text made inert for HTML and Markdown, in one pass (so nothing is escaped twice).

    >>> escape("a <img onerror=x> [1](javascript:y)")
    'a &lt;img onerror&#61;x&gt; &#91;1&#93;&#40;javascript&#58;y&#41;'
    """
    return text.translate(_ENTITIES)


_ESCAPED_MARKER = re.compile(r"&#91;(\d{1,3})&#93;")


def answer_html(text: str) -> str:
    """An answer for the chat: escaped, with ``[n]`` turned into a numbered marker.

    >>> answer_html("Because <x> [1].")
    'Because &lt;x&gt; <sup class="cite">[1]</sup>&#46;'
    """
    return _ESCAPED_MARKER.sub(r'<sup class="cite">[\1]</sup>', escape(text))


def question_html(text: str) -> str:
    return escape(text)


# -- sources panel --------------------------------------------------------------------------------
def highlight(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """``text[start:end]`` marked inside up to ``width`` characters either side, all escaped.

    The window is widened to whole words and elided with "…" where it cuts the text:

    >>> highlight("one two three four", 4, 7, width=3)
    'one <mark>two</mark> three…'
    """
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    return (
        ("…" if lo > 0 else "")
        + escape(before)
        + f"<mark>{escape(quote)}</mark>"
        + escape(after)
        + ("…" if hi < len(text) else "")
    )


def file_label(source: str) -> str:
    """What the page shows of a source: its file name, never the server's folders."""
    return Path(source).name or source


def by_article(citations: Sequence[Citation]) -> list[list[Citation]]:
    """Citations grouped by cited document, in order of each document's first marker.

    >>> c = lambda n, s: Citation(n, s, "", "q", 0, 1, 0.5)
    >>> [[x.n for x in group] for group in by_article([c(1, "a"), c(2, "b"), c(3, "a")])]
    [[1, 3], [2]]
    """
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.source, []).append(c)
    return list(groups.values())


def sources_html(
    citations: Sequence[Citation],
    document: Callable[[str], StoredDocument | None],
    answer_no: int = 0,
) -> str:
    """One card per cited article: its markers, title, date, outlet and file, then each quote
    highlighted in its surrounding text.

    ``document(source)`` gives the cited document; when it is gone (removed since) or changed,
    a quote is shown alone. ``answer_no`` (the answer's number in the chat) is kept in a
    ``data-answer`` attribute, so a page or a test can tell one answer's sources from the next.
    """
    head = f'<div class="sources" data-answer="{int(answer_no)}">'
    if not citations:
        return head.replace('"sources"', '"sources empty"') + "No sources for this answer.</div>"
    cards = []
    for group in by_article(citations):
        first = group[0]
        doc = document(first.source)
        markers = " ".join(f'<span class="cite">[{c.n}]</span>' for c in group)
        title = first.title or (doc.title if doc else "") or file_label(first.source)
        meta = [first.published or (doc.published if doc else None), doc.outlet if doc else None]
        pages = sorted({c.page for c in group if c.page is not None})
        where = file_label(first.source) + (
            f" · page {', '.join(map(str, pages))}" if pages else ""
        )
        meta_html = (
            "".join(
                f'<span class="{cls}">{escape(value)}</span>'
                for cls, value in zip(("source-date", "source-outlet"), meta, strict=True)
                if value
            )
            + f'<span class="source-file">{escape(where)}</span>'
        )
        quotes = []
        for c in group:
            if doc is not None and doc.text[c.start : c.end] == c.quote:
                body = highlight(doc.text, c.start, c.end)
            else:
                body = f"<mark>{escape(c.quote)}</mark>"
            quotes.append(
                f'<p class="source-text" id="source-{c.n}"><span class="cite">[{c.n}]</span> '
                f"{body}</p>"
            )
        cards.append(
            f'<div class="source"><div class="source-head">{markers} '
            f'<span class="source-title">{escape(title)}</span></div>'
            f'<div class="source-meta">{meta_html}</div>{"".join(quotes)}</div>'
        )
    return head + "".join(cards) + "</div>"


def copy_text(answer: Answer, document: Callable[[str], StoredDocument | None]) -> str:
    """The answer as plain text with its sources listed under it, for the clipboard.

    >>> a = Answer("Derna is besieged [1].", False, [Citation(1, "/x/d.txt", "Siege", "It is.",
    ...     0, 6, 0.9, published="2016-05-01")])
    >>> print(copy_text(a, lambda s: None))
    Derna is besieged [1].
    <BLANKLINE>
    Sources:
    [1] Siege, 2016-05-01 (d.txt): "It is."
    """
    if not answer.citations:
        return answer.text
    lines = [answer.text, "", "Sources:"]
    for group in by_article(answer.citations):
        first = group[0]
        doc = document(first.source)
        about = [first.title or file_label(first.source)]
        about += [v for v in (doc.outlet if doc else None, first.published) if v]
        if doc is not None and doc.url:
            about.append(doc.url)
        for c in group:
            lines.append(f'[{c.n}] {", ".join(about)} ({file_label(c.source)}): "{c.quote}"')
    return "\n".join(lines)


# -- documents and ingest reports -----------------------------------------------------------------
def doc_key(source: str) -> str:
    """A stable, opaque handle for a document in the page (its path stays on the server)."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DocumentsPage:
    """One page of the documents table: its rows, and where it sits in the filtered listing."""

    rows: list[StoredDocument]
    page: int
    """1-based, clamped to the pages there are."""
    pages: int
    matched: int
    """Documents matching the search (all of them when it is blank)."""
    total: int
    query: str = ""


def page_documents(
    docs: Sequence[StoredDocument],
    query: str = "",
    sort: str = "newest",
    page: int = 1,
    per_page: int = DOCS_PER_PAGE,
) -> DocumentsPage:
    """Search (every word, in title, file name or outlet), sort and cut one page of ``docs``.

    Undated documents sort last in both date orders. Over 10,000 documents a page takes 30 ms,
    80 ms with a search (2 cores at load average 11; ``tests/test_web_ui.py`` prints it), so a
    search or a page turn can re-page the whole listing.

    >>> d = [StoredDocument("a.txt", "Alpha", "", published="2020-01-01"),
    ...      StoredDocument("b.txt", "Beta", "", published="2021-01-01")]
    >>> [x.title for x in page_documents(d, sort="newest").rows]
    ['Beta', 'Alpha']
    >>> page_documents(d, query="alp").matched
    1
    """
    words = query.lower().split()
    matched = list(docs)
    if words:
        basename = os.path.basename  # Path(...).name is 5x slower over 10,000 names
        matched = [
            d
            for d in matched
            if all(w in f"{d.title}\n{basename(d.source)}\n{d.outlet or ''}".lower() for w in words)
        ]
    by_title = sorted(matched, key=lambda d: (d.title.lower(), d.source))
    if sort in ("newest", "oldest"):
        dated = [d for d in by_title if d.published]
        dated.sort(key=lambda d: d.published or "", reverse=sort == "newest")
        by_title = dated + [d for d in by_title if not d.published]
    elif sort == "flagged":
        by_title = [d for d in by_title if d.risk] + [d for d in by_title if not d.risk]
    pages = max(1, -(-len(by_title) // per_page))
    page = max(1, min(int(page or 1), pages))
    rows = by_title[(page - 1) * per_page : page * per_page]
    return DocumentsPage(rows, page, pages, len(matched), len(docs), query.strip())


def documents_html(view: DocumentsPage | Sequence[StoredDocument]) -> str:
    """The documents table for one page, with a line saying which page of how many."""
    if not isinstance(view, DocumentsPage):
        view = page_documents(view, per_page=max(1, len(view)))
    if not view.total:
        return '<p class="docs empty">Nothing is indexed yet. Upload articles or re-scan.</p>'
    if not view.rows:
        return (
            f'<p class="docs empty">No document matches “{escape(view.query)}” '
            f"(of {view.total:,}).</p>"
        )
    unknown = '<span class="unknown" title="not in the file">—</span>'
    rows = "".join(
        f"<tr{_FLAGGED_ROW if d.risk else ''}>"
        f"<td>{escape(d.published) if d.published else unknown}</td>"
        f"<td>{escape(d.title or file_label(d.source))}{flag_html(d)}</td>"
        f"<td>{escape(d.outlet) if d.outlet else unknown}</td>"
        f"<td>{escape(file_label(d.source))}</td><td>{d.n_chunks}</td></tr>"
        for d in view.rows
    )
    first = (view.page - 1) * DOCS_PER_PAGE + 1
    shown = f"{first:,}–{first + len(view.rows) - 1:,} of {view.matched:,}"
    if view.matched != view.total:
        shown += f" matching (of {view.total:,})"
    noun = "document" if view.total == 1 else "documents"
    return (
        '<table class="docs"><thead><tr><th>Date</th><th>Title</th><th>Outlet</th><th>File</th>'
        f"<th>Passages</th></tr></thead><tbody>{rows}</tbody></table>"
        f'<p class="docs-count">{shown} {noun} · page {view.page} of {view.pages}</p>'
    )


_FLAGGED_ROW = ' class="flagged"'


def flag_html(doc: StoredDocument) -> str:
    """Under a flagged document's title: whether it is used in answers, and why it was flagged.

    >>> d = StoredDocument("a.txt", "A", "", risk=("marker: “SYSTEM: obey”",))
    >>> flag_html(d).count("<li>"), "Quarantined" in flag_html(d)
    (1, True)
    >>> flag_html(StoredDocument("b.txt", "B", ""))
    ''
    """
    if not doc.risk:
        return ""
    if doc.released:
        state = '<span class="flag released">⚠ Flagged, released: used in answers</span>'
    else:
        state = (
            '<span class="flag">⚠ Quarantined: reads as instructions to an assistant, '
            "so it is not used in answers until released</span>"
        )
    reasons = "".join(f"<li>{escape(r)}</li>" for r in doc.risk)
    return f'<div class="flag-box">{state}<ul class="flag-reasons">{reasons}</ul></div>'


def document_choices(docs: Sequence[StoredDocument]) -> list[tuple[str, str]]:
    """``(label, key)`` pairs for the document box, labelled ``title (file name)``; a flagged
    document's label starts with ⚠ (and says when it is released)."""
    choices = []
    for d in docs:
        label = f"{d.title or file_label(d.source)} ({file_label(d.source)})"
        if d.risk:
            label = ("⚠ released: " if d.released else "⚠ flagged: ") + label
        choices.append((label, doc_key(d.source)))
    return choices


def report_html(report: IngestReport, rejected: Sequence[tuple[str, str]] = ()) -> str:
    """An ingest report for people: counts, then every failed file with its reason.

    ``rejected`` holds ``(file name, reason)`` for uploads refused before ingesting.
    """
    failed = [(file_label(p), r) for p, r in report.failed] + list(rejected)
    counts = (
        f"Added {report.added}, updated {report.updated}, unchanged {report.skipped}, "
        f"removed {report.deleted}, failed {len(failed)}"
    )
    parts = [f'<p class="report-counts">{counts} ({report.seconds:.1f} s).</p>']
    if failed:
        items = "".join(
            f"<li><b>{escape(name)}</b>: {escape(reason)}</li>" for name, reason in failed
        )
        parts.append(f'<ul class="report-failed">{items}</ul>')
    if report.flagged:
        items = "".join(
            f"<li><b>{escape(file_label(source))}</b>: {escape('; '.join(reasons))}</li>"
            for source, reasons in report.flagged
        )
        parts.append(
            f'<p class="report-flagged">Flagged {len(report.flagged)} as instructions to an '
            "assistant: not used in answers until released (sort by “Flagged first”, choose "
            f'the document, then Release).</p><ul class="report-flagged">{items}</ul>'
        )
    return '<div class="report">' + "".join(parts) + "</div>"


def message_html(text: str, kind: str = "info") -> str:
    return f'<div class="report {kind}"><p>{escape(text)}</p></div>'


_WATCH_STATES = {
    "starting": "Starting to watch",
    "ingesting": "Indexing changes in",
    "waiting": "Waiting to index",
    "watching": "Watching",
    "stopped": "Stopped watching",
    "failed": "Not watching",
}


def watch_html(status: WatchStatus | None) -> str:
    """The watcher's line for the Documents tab: what it does now (with progress), then the
    latest ingest's report; empty when nothing is watched.

    >>> watch_html(WatchStatus("watching", "/srv/articles"))[:70]
    '<div class="watch watching"><p>Watching articles/ for new, changed and'
    """
    if status is None:
        return ""
    folder = escape(file_label(status.folder)) + "/"
    head = f"{_WATCH_STATES.get(status.state, status.state)} {folder}"
    if status.state == "watching":
        head += " for new, changed and removed files."
    elif status.state == "ingesting" and status.progress is not None:
        p = status.progress
        head += (
            f": {p.files_done} of {p.files_total} files read, {p.chunks_written} passages stored."
        )
    else:
        head += "."
    parts = [f"<p>{head}</p>"]
    if status.message:
        parts.append(f'<p class="watch-message">{escape(status.message)}</p>')
    if status.report is not None and (status.report.changed or status.report.failed):
        parts.append('<p class="watch-latest">Latest:</p>' + report_html(status.report))
    return f'<div class="watch {escape(status.state)}">' + "".join(parts) + "</div>"


# -- uploads --------------------------------------------------------------------------------------
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


def safe_filename(name: str) -> str:
    """A plain, visible file name for the upload area, keeping the suffix.

    >>> safe_filename("../../etc/Évian News (1).TXT")
    'Evian_News_1.txt'
    """
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE_NAME.sub("_", stem).strip("._-")
    suffix = _UNSAFE_NAME.sub("", suffix).lower()
    stem = stem[: MAX_NAME - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix}" if suffix else stem


@dataclass(frozen=True)
class Staged:
    """Uploads copied into the upload area, and those refused with a reason."""

    paths: list[Path]
    rejected: list[tuple[str, str]]


def stage_uploads(
    files: Sequence[str | os.PathLike[str]], upload_dir: Path, max_mb: float
) -> Staged:
    """Copy uploads into ``upload_dir`` under safe names; refuse types and sizes we can't read.

    A file with the same (sanitised) name as an earlier upload replaces it: re-uploading an
    article updates it.
    """
    upload_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    rejected: list[tuple[str, str]] = []
    for f in files:
        src = Path(f)
        name = safe_filename(src.name)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            rejected.append((name, unsupported_reason(suffix)))
            continue
        size_mb = src.stat().st_size / 1e6
        if size_mb > max_mb:
            rejected.append((name, f"{size_mb:.1f} MB is over the {max_mb:g} MB upload limit"))
            continue
        dest = upload_dir / name
        shutil.copyfile(src, dest)
        paths.append(dest)
    return Staged(paths, rejected)


# -- process set-up and launch options (the caller's, before build_app) --------------------------
def upload_area(settings: Settings) -> Path:
    """Where uploaded articles are kept: ``data_dir/uploads``."""
    return (settings.data_dir / "uploads").resolve()


def use_upload_area(upload_dir: Path) -> None:
    """Keep Gradio's own temporary and cache files inside the upload area.

    Gradio's file routes serve what it created in these folders; pointing them into the upload
    area (hidden sub-folders the ingest never reads) means the server serves nothing outside it.
    Call it once at start-up, before :func:`build_app`: each component records the folder.
    """
    if os.environ.pop("GRADIO_ALLOWED_PATHS", None):
        log.warning("GRADIO_ALLOWED_PATHS is ignored: the app serves no folders of its own")
    os.environ["GRADIO_TEMP_DIR"] = str(upload_dir / ".gradio")
    os.environ["GRADIO_EXAMPLES_CACHE"] = str(upload_dir / ".gradio" / "cached_examples")


CSS = """
/* The chat's label and toolbar float over its top edge; start the scrolling messages below
   them, so a scrolled-up question is never hidden under the buttons. */
#chat .bubble-wrap { margin-top: 34px; height: calc(100% - 34px); }
sup.cite, span.cite { color: var(--color-accent); font-weight: 600; }
sup.cite { font-size: 0.75em; margin-left: 1px; }
span.notice { display: block; margin-top: 0.5em; font-size: 0.9em; opacity: 0.8; }
.sources .source { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; margin-bottom: 10px; background: var(--background-fill-secondary); }
.source-head { margin-bottom: 2px; }
.source-title { font-weight: 600; }
.source-meta { color: var(--body-text-color-subdued); font-size: 0.88em; margin-bottom: 6px; }
.source-meta span + span::before { content: " · "; }
/* the article's own line breaks: a title line stays apart from the text under it */
.source-text { margin: 0 0 6px 0; line-height: 1.5; white-space: pre-line; }
.source-text mark { background: #fde68a; color: #111; padding: 0 2px; border-radius: 2px; }
.sources.empty, .docs.empty { color: var(--body-text-color-subdued); }
table.docs { width: 100%; border-collapse: collapse; font-size: 0.92em; }
table.docs td, table.docs th { text-align: left; padding: 4px 8px; vertical-align: top;
  border-bottom: 1px solid var(--border-color-primary); }
table.docs td:first-child { white-space: nowrap; }
/* Gradio's prose styles draw a full grid; keep the rows' rules only */
#documents table.docs, #documents table.docs td, #documents table.docs th { border: none; }
#documents table.docs td, #documents table.docs th {
  border-bottom: 1px solid var(--border-color-primary); }
table.docs .unknown { color: var(--body-text-color-subdued); }
.docs-count { color: var(--body-text-color-subdued); margin-top: 6px; }
.report-failed { color: var(--error-text-color, #b91c1c); }
.flag, p.report-flagged { color: #b45309; font-size: 0.9em; }
.flag.released { color: var(--body-text-color-subdued); }
ul.flag-reasons { margin: 2px 0 0 16px; font-size: 0.85em; color: var(--body-text-color-subdued); }
"""


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch``: loopback, size limit, login, no extra paths.

    ``GRADIO_SERVER_PORT`` and ``GRADIO_SERVER_NAME`` override the settings' port and host.
    """
    data = settings.data_dir.resolve()
    auth = None
    if settings.auth is not None:
        user, sep, password = settings.auth.get_secret_value().partition(":")
        if not (sep and user and password):
            raise AssistantError("ASSISTANT_AUTH must look like user:password.")
        auth = (user, password)
    return {
        "server_name": os.environ.get("GRADIO_SERVER_NAME") or settings.web.host,
        "server_port": int(os.environ.get("GRADIO_SERVER_PORT") or settings.web.port),
        "auth": auth,
        "max_file_size": int(settings.web.max_upload_mb * 1e6),
        # Only Gradio's own files in the upload area are served (see use_upload_area); the
        # index is blocked outright in case a later Gradio widens what it serves.
        "allowed_paths": [],
        "blocked_paths": [
            str(settings.store_dir.resolve()),
            str(data / "documents.sqlite"),
            str(data / "records.sqlite"),
        ],
        "show_error": False,
        "css": CSS,
        "footer_links": ["api"],
        "run_history": False,  # questions are not kept in the browser
        "state_session_capacity": MAX_SESSIONS,
    }


# -- handlers: the assistant and an event's inputs -> the event's outputs -------------------------
EMPTY_SOURCES = (
    '<div class="sources empty" data-answer="0">Sources of the latest answer appear here.</div>'
)
PENDING_SOURCES = '<div class="sources empty pending">Searching the articles…</div>'

COPY_JS = "(text) => { if (text) navigator.clipboard.writeText(text); }"
"""The copy button's click, run in the page: the latest answer and its sources to the clipboard."""

Chat = list[dict[str, str]]
ProgressBar = Callable[..., Any]
"""Gradio's ``gr.Progress`` (called with a fraction or ``(done, total)``, ``desc``, ``unit``)."""


EMPTY_QUESTION = "Ask a question: the question is empty."
QUESTION_PLACEHOLDER = "Ask about your articles…"
DATE_FIELDS = ("Published from", "Published until")
"""The date boxes' labels, which their messages name."""


def date_problem(since: str | None, until: str | None) -> str | None:
    """What is wrong with the date boxes, naming the box as the page does; ``None`` if nothing.

    >>> date_problem("2023-13-45", "")
    "Published from: '2023-13-45' is not a date; write it as YYYY-MM-DD, for example 2023-01-05."
    >>> date_problem(" 2023-01-05 ", None) is None
    True
    """
    for label, value in zip(DATE_FIELDS, (since, until), strict=True):
        value = (value or "").strip()
        if value and parse_date(value) is None:
            return (
                f"{label}: {value!r} is not a date; write it as YYYY-MM-DD, for example 2023-01-05."
            )
    return None


def user_error(message: str) -> Exception:
    """A ``gr.Error`` for a visitor's mistake: shown to them, with no traceback in the log."""
    import gradio as gr

    return gr.Error(message, print_exception=False)


def _no_progress(*_: Any, **__: Any) -> None:
    return None


def respond(
    assistant: Assistant,
    question: str,
    chat: Chat | None,
    turns: History | None,
    mode: str,
    k: float,
    since: str | None = "",
    until: str | None = "",
) -> Iterator[tuple[Any, ...]]:
    """Ask, streaming the answer into the chat; ``since``/``until`` (``YYYY-MM-DD``, blank for
    none) keep to articles published in that range.

    Outputs: (question box, chat, chat state, turns state, sources panel, copy text). The chat
    shows escaped HTML; ``turns`` keeps the plain text the assistant reads as history.
    """
    chat, turns = list(chat or []), list(turns or [])
    question = (question or "").strip()
    if not question:  # the CLI's message, as a notice; the chat and the boxes stay as they are
        import gradio as gr

        gr.Warning(EMPTY_QUESTION)
        yield (SKIP,) * 6
        return
    problem = date_problem(since, until)
    if problem:  # said at once, the question kept in its box to ask again
        import gradio as gr

        gr.Warning(problem)
        yield (SKIP,) * 6
        return
    answer_no = sum(m["role"] == "assistant" for m in chat) + 1
    chat = [*chat, {"role": "user", "content": question_html(question)}]
    pending = {"role": "assistant", "content": "…"}
    yield "", [*chat, pending], chat, turns, PENDING_SOURCES, ""
    answer: Answer | None = None
    try:
        parts = assistant.stream(
            question,
            turns[-HISTORY_TURNS:],
            mode=mode,
            k=_clamp_k(k),
            since=(since or "").strip() or None,
            until=(until or "").strip() or None,
        )
        for part in parts:
            if isinstance(part, Answer):
                answer = part
            else:
                pending = {"role": "assistant", "content": answer_html(part)}
                yield SKIP, [*chat, pending], SKIP, SKIP, SKIP, SKIP
    except AssistantError as exc:
        reply = f"⚠️ {escape(str(exc))}"
    except Exception:
        log.exception("answering %r failed", question)
        reply = "⚠️ Something went wrong while answering; the server log has details."
    else:
        reply = "⚠️ No answer came back; please ask again."
    copied = ""
    if answer is not None:
        reply = answer_html(answer.text)
        if answer.notice:
            reply += f'\n\n<span class="notice">{escape(answer.notice)}</span>'
        turns = [
            *turns,
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.text},
        ]
        copied = copy_text(answer, assistant.document)
    done = [*chat, {"role": "assistant", "content": reply}]
    citations = answer.citations if answer is not None else []
    panel = sources_html(citations, assistant.document, answer_no)
    yield SKIP, done, done, turns, panel, copied


def topic_choices(topics: Sequence[Topic]) -> list[tuple[str, str]]:
    """The topics panel's choices: (label shown, question asked when it is clicked).

    >>> topic_choices([Topic("Storm", 3, "/a.txt", first="2022-12-24", last="2022-12-27")])
    [('Storm · 3 articles · 2022-12-24 to 2022-12-27', 'Tell me about Storm')]
    """
    return [(t.label, t.question) for t in topics]


def topics_panel(assistant: Assistant) -> dict[str, Any]:
    """The topics the indexed articles fall into, largest first. Output: the topics list."""
    try:
        any_articles = bool(assistant.documents())
        topics = assistant.topics() if any_articles else []
    except AssistantError:
        any_articles, topics = False, []
    if topics:
        label = f"Topics ({len(topics)})"
    elif any_articles:
        label = "Topics (none: no two articles are on the same story)"
    else:
        label = "Topics (none yet: add articles)"
    return update(choices=topic_choices(topics), value=None, label=label)


def ask_topic(choice: str | None) -> Any:
    """A clicked topic becomes the question. Output: the question box."""
    return choice or SKIP


def clear_topic() -> dict[str, Any]:
    """The topics list after a click was asked: nothing chosen, so the same topic can be
    clicked again. Output: the topics list."""
    return update(value=None)


def new_chat() -> tuple[Any, ...]:
    """Outputs: (chat, chat state, turns state, sources panel, question box, copy text)."""
    return [], [], [], EMPTY_SOURCES, "", ""


def browse_documents(
    assistant: Assistant, query: str = "", sort: str = "newest", page: float = 1, step: int = 0
) -> tuple[Any, ...]:
    """One page of the documents table; ``step`` -1 / +1 for the previous / next page.

    Outputs: (documents table, remove box, page number).
    """
    view = page_documents(assistant.documents(), query or "", sort, int(page or 1) + step)
    choices = update(choices=document_choices(view.rows), value=None)
    return documents_html(view), choices, view.page


def watch_view(
    assistant: Assistant,
    watcher: FolderWatcher | None,
    seen: float | None,
    query: str = "",
    sort: str = "newest",
    page: float = 1,
) -> tuple[Any, ...]:
    """The watcher's status; the documents table again only when the index has changed since
    this page last showed it (``seen``: the document store's generation then), so a visitor's
    choice in the remove box is not reset every tick.

    Outputs: (watch status, documents table, remove box, page number, seen).
    """
    status = watch_html(watcher.status() if watcher is not None else None)
    generation = float(assistant.index.docs.generation())
    if seen is not None and float(seen) == generation:
        return status, SKIP, SKIP, SKIP, SKIP
    return status, *browse_documents(assistant, query, sort, page), generation


def add_uploads(
    assistant: Assistant,
    files: Sequence[str] | None,
    query: str = "",
    sort: str = "newest",
    page: float = 1,
    progress: ProgressBar = _no_progress,
) -> tuple[Any, ...]:
    """Copy the uploads into the upload area and index them.

    Outputs: (report, documents table, remove box, page number, upload box).
    """
    if not files:
        note = message_html("Choose one or more files first.", "warn")
        return (note, *browse_documents(assistant, query, sort, page), SKIP)
    settings = assistant.settings
    staged = stage_uploads(files, upload_area(settings), settings.web.max_upload_mb)
    report = IngestReport()
    if staged.paths:
        report = _ingest(assistant, staged.paths, progress)
    return (
        report_html(report, staged.rejected),
        *browse_documents(assistant, query, sort, page),
        None,
    )


def rescan(
    assistant: Assistant,
    articles: Path,
    query: str = "",
    sort: str = "newest",
    page: float = 1,
    progress: ProgressBar = _no_progress,
) -> tuple[Any, ...]:
    """Make the index match the articles folder. Outputs: (report, *documents outputs)."""
    if not articles.is_dir():
        note = message_html(f"The articles folder {articles.name} does not exist.", "warn")
        return (note, *browse_documents(assistant, query, sort, page))
    report = _ingest(assistant, [articles], progress)
    return (report_html(report), *browse_documents(assistant, query, sort, page))


def remove_document(
    assistant: Assistant, key: str | None, query: str = "", sort: str = "newest", page: float = 1
) -> tuple[Any, ...]:
    """Remove the chosen document (and its file, if it was uploaded here).

    Outputs: (report, *documents outputs).
    """
    doc = next((d for d in assistant.documents() if doc_key(d.source) == key), None)
    if doc is None:
        note = message_html("Choose a document to remove.", "warn")
        return (note, *browse_documents(assistant, query, sort, page))
    try:
        assistant.remove(doc.source)
    except AssistantError as exc:
        return (message_html(str(exc), "error"), *browse_documents(assistant, query, sort, page))
    path = Path(doc.source)
    if path.parent == upload_area(assistant.settings) and path.is_file():
        path.unlink()  # an upload removed from the index is gone for good
        note = ""
    else:
        note = " It comes back on the next re-scan while the file is in the articles folder."
    return (
        message_html(f"Removed {file_label(doc.source)}.{note}"),
        *browse_documents(assistant, query, sort, page),
    )


def release_document(
    assistant: Assistant,
    key: str | None,
    query: str = "",
    sort: str = "newest",
    page: float = 1,
    released: bool = True,
) -> tuple[Any, ...]:
    """Release the chosen flagged document (used in answers again), or with ``released=False``
    quarantine it again. Outputs: (report, *documents outputs)."""
    doc = next((d for d in assistant.documents() if doc_key(d.source) == key), None)
    if doc is None:
        note = message_html("Choose a flagged document first.", "warn")
        return (note, *browse_documents(assistant, query, sort, page))
    name = file_label(doc.source)
    if not doc.risk:
        note = message_html(f"{name} is not flagged; it is used in answers already.", "warn")
        return (note, *browse_documents(assistant, query, sort, page))
    try:
        assistant.release(doc.source, released=released)
    except AssistantError as exc:
        return (message_html(str(exc), "error"), *browse_documents(assistant, query, sort, page))
    if released:
        note = f"Released {name}: it is used in answers again, its instructions included."
    else:
        note = f"Quarantined {name} again: it is not used in answers."
    return (message_html(note), *browse_documents(assistant, query, sort, page))


def flag_buttons(assistant: Assistant, key: str | None = None) -> tuple[Any, ...]:
    """Release and Quarantine again, shown only when they have something to act on: for the
    chosen flagged document, the one that applies to it; with no flagged document chosen, each
    one while some flagged document is in its state. Outputs: (release, quarantine again)."""
    docs = assistant.documents()
    chosen = next((d for d in docs if d.risk and doc_key(d.source) == key), None)
    flagged = [chosen] if chosen is not None else [d for d in docs if d.risk]
    release = any(not d.released for d in flagged)
    again = any(d.released for d in flagged)
    return update(visible=release), update(visible=again)


def answer_modes(settings: Settings) -> list[str]:
    """The answer modes this installation offers: "llm" only when a model is configured."""
    return ["extractive", "llm"] if settings.llm_configured else ["extractive"]


def api_ask(
    assistant: Assistant, question: str, k: int | None = None, mode: str | None = None
) -> dict[str, Any]:
    """``/ask``: the answer as JSON (see :meth:`Answer.as_dict`); errors as ``gr.Error``."""
    modes = answer_modes(assistant.settings)
    if mode == "llm" and "llm" not in modes:
        raise user_error(
            "No language model is configured. Set ASSISTANT_LLM_BASE_URL (an OpenAI-compatible"
            " server) or ASSISTANT_LLM_GGUF (a local model file) and restart the app, or use"
            " mode 'extractive'."
        )
    if mode is not None and mode not in modes:
        raise user_error(f"Unknown answer mode {mode!r}; choose one of {', '.join(modes)}.")
    try:
        answer = assistant.ask(question, mode=mode, k=int(k) if k is not None else None)
    except AssistantError as exc:
        raise user_error(str(exc)) from None
    return answer.as_dict()


def _ingest(assistant: Assistant, paths: Sequence[Path], progress: ProgressBar) -> IngestReport:
    progress(0, desc="Reading files")

    def on_progress(p: Progress) -> None:
        what = file_label(p.current) if p.current else ""
        progress(
            (p.files_done, max(p.files_total, 1)),
            desc=f"Indexed {what} ({p.chunks_written} passages so far)",
            unit="files",
        )

    try:
        # the folder watcher (or a CLI ingest) may be writing: the bar says what it waits for
        return assistant.ingest(
            paths, progress=on_progress, on_wait=lambda why: progress(0, desc=why)
        )
    except AssistantError as exc:
        raise user_error(str(exc)) from None


def _clamp_k(k: float | None) -> int:
    return max(1, min(MAX_K, int(k or 1)))


def _bind(handler: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """``handler`` with its leading arguments (the assistant, ...) fixed, for an event.

    Gradio reads the rest of the signature: the event's inputs fill the remaining parameters
    in order, and a ``progress=gr.Progress()`` keyword becomes the event's progress bar.
    """
    return functools.partial(handler, *args, **kwargs)


# -- the layout -----------------------------------------------------------------------------------
def build_app(
    assistant: Assistant,
    articles_dir: str | os.PathLike[str] = "data/articles",
    watcher: FolderWatcher | None = None,
) -> gr.Blocks:
    """The Blocks app: chat with sources, documents (browse, upload, remove, re-scan), ``/ask``.

    With ``watcher`` (watching the articles folder), the Documents tab shows what it does and
    its latest report, and the table follows the index, every 2 s.

    Layout and wiring only; what each event does is a handler above. Everything a visitor sees
    of their chat lives in per-session state, so concurrent visitors never see each other's
    questions or answers. Call :func:`use_upload_area` first.
    """
    import gradio as gr

    settings = assistant.settings
    articles = Path(articles_dir)
    modes = answer_modes(settings)
    default_mode = settings.answer.mode if settings.answer.mode in modes else "extractive"
    upload_label = (
        f"Upload articles (txt, md, html, pdf; up to {settings.web.max_upload_mb:g} MB each)"
    )
    private: dict[str, Any] = {"api_visibility": "private"}
    index_writes: dict[str, Any] = {
        "concurrency_id": "index-writes",
        "concurrency_limit": 1,
        **private,
    }

    with gr.Blocks(title="Ask the articles", fill_height=True, delete_cache=(3600, 86400)) as app:
        chat_state = gr.State([])
        turns_state = gr.State([])
        gr.Markdown(
            "## Ask the articles\nAnswers quote the indexed articles; numbers mark sources."
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Chat",
                        height=460,
                        allow_tags=False,
                        elem_id="chat",
                        feedback_options=None,
                        buttons=["copy", "copy_all"],  # no "share": answers stay on this machine
                        placeholder="Ask about the articles.",
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            show_label=False,
                            placeholder=QUESTION_PLACEHOLDER,
                            scale=5,
                            elem_id="question",
                            max_lines=4,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    with gr.Row():
                        clear = gr.Button("New chat", size="sm", elem_id="new-chat")
                        copy = gr.Button(
                            "Copy answer with citations", size="sm", elem_id="copy-answer"
                        )
                        if len(modes) > 1:
                            mode: Any = gr.Radio(
                                modes, value=default_mode, label="Answer mode", elem_id="mode"
                            )
                        else:
                            mode = gr.State(default_mode)
                        k = gr.Slider(
                            1,
                            MAX_K,
                            value=min(settings.retrieval.top_k, MAX_K),
                            step=1,
                            label="Passages to retrieve",
                        )
                    with gr.Row():
                        since = gr.Textbox(
                            label=DATE_FIELDS[0],
                            placeholder="YYYY-MM-DD",
                            max_lines=1,
                            elem_id="since",
                        )
                        until = gr.Textbox(
                            label=DATE_FIELDS[1],
                            placeholder="YYYY-MM-DD",
                            max_lines=1,
                            elem_id="until",
                        )
                with gr.Column(scale=2):
                    with gr.Accordion("What the articles cover", open=False, elem_id="topics-box"):
                        topics = gr.Radio(
                            [], label="Topics", elem_id="topics", info="Click one to ask about it."
                        )
                    gr.Markdown("### Sources")
                    sources = gr.HTML(EMPTY_SOURCES, elem_id="sources", js_on_load=None)
                    copy_box = gr.Textbox("", visible="hidden", elem_id="copy-text")
            with gr.Tab("Documents", id="documents"), gr.Row(equal_height=False):
                with gr.Column(scale=1):
                    files = gr.File(
                        label=upload_label,
                        file_count="multiple",
                        # no file_types: the browser would drop other files unreported; the
                        # handler refuses them by name in the report, as the folder ingest does
                        type="filepath",
                        elem_id="upload",
                    )
                    add = gr.Button("Add to the index", variant="primary", elem_id="add")
                    scan = gr.Button(f"Re-scan {articles.name}/", elem_id="rescan")
                    report = gr.HTML("", elem_id="report", js_on_load=None)
                    watching = gr.HTML(
                        watch_html(watcher.status() if watcher else None),
                        elem_id="watch",
                        js_on_load=None,
                    )
                with gr.Column(scale=2):
                    with gr.Row():
                        search = gr.Textbox(
                            show_label=False,
                            placeholder="Search titles, files and outlets",
                            scale=3,
                            elem_id="doc-search",
                        )
                        sort = gr.Dropdown(
                            [(label, key) for key, label in SORTS.items()],
                            value="newest",
                            show_label=False,
                            scale=1,
                            elem_id="doc-sort",
                        )
                    docs_list = gr.HTML("", elem_id="documents", js_on_load=None)
                    with gr.Row():
                        prev_page = gr.Button("← Previous", size="sm", elem_id="doc-prev")
                        page = gr.Number(
                            1, precision=0, minimum=1, label="Page", elem_id="doc-page"
                        )
                        next_page = gr.Button("Next →", size="sm", elem_id="doc-next")
                    with gr.Row():
                        choose = gr.Dropdown([], label="Document", scale=3, elem_id="doc-choice")
                        drop = gr.Button("Remove", variant="stop", scale=1, elem_id="remove")
                    with gr.Row():
                        # shown by flag_buttons when something is flagged
                        release = gr.Button(
                            "Release (use in answers)", size="sm", elem_id="release", visible=False
                        )
                        unrelease = gr.Button(
                            "Quarantine again", size="sm", elem_id="unrelease", visible=False
                        )

        # Answers share one concurrency group with /ask (the queue's default limit); index
        # writes run one at a time. UI events stay out of the API docs: /ask is the API.
        chat_out = [question, chatbot, chat_state, turns_state, sources, copy_box]
        chat_in = [question, chat_state, turns_state, mode, k, since, until]
        gr.on(
            [question.submit, send.click],
            _bind(respond, assistant),
            chat_in,
            chat_out,
            api_name="respond",
            concurrency_id="answers",
            **private,
        )
        topics.input(ask_topic, [topics], [question], api_name="ask_topic", **private).then(
            _bind(respond, assistant), chat_in, chat_out, concurrency_id="answers", **private
        ).then(clear_topic, None, [topics], **private)
        refresh_topics = _bind(topics_panel, assistant)
        app.load(refresh_topics, None, [topics], api_name="topics_panel", **private)
        gr.on(
            [clear.click, chatbot.clear],  # the chat's own trash button forgets the turns too
            new_chat,
            None,
            [chatbot, chat_state, turns_state, sources, question, copy_box],
            **private,
        )
        # In the browser only: the text is already on the page, in the hidden copy box.
        copy.click(None, [copy_box], None, js=COPY_JS, **private)

        view = [search, sort, page]
        docs_out = [docs_list, choose, page]
        browse = _bind(browse_documents, assistant)
        gr.on(
            [app.load, search.submit, sort.change, page.submit],
            browse,
            view,
            docs_out,
            api_name="browse_documents",
            **private,
        )
        for button, step in ((prev_page, -1), (next_page, 1)):
            button.click(_bind(browse_documents, assistant, step=step), view, docs_out, **private)
        if watcher is not None:
            seen = gr.State(None)
            # Ticks run apart from answers and index writes, and take a few ms each.
            gr.Timer(WATCH_TICK_S).tick(
                _bind(watch_view, assistant, watcher),
                [seen, *view],
                [watching, *docs_out, seen],
                concurrency_id="watch-status",
                concurrency_limit=4,
                show_progress="hidden",
                **private,
            )
        add.click(
            _bind(add_uploads, assistant, progress=gr.Progress()),
            [files, *view],
            [report, *docs_out, files],
            api_name="add_uploads",
            **index_writes,
        ).then(refresh_topics, None, [topics], **private)
        scan.click(
            _bind(rescan, assistant, articles, progress=gr.Progress()),
            view,
            [report, *docs_out],
            api_name="rescan",
            **index_writes,
        ).then(refresh_topics, None, [topics], **private)
        drop.click(
            _bind(remove_document, assistant),
            [choose, *view],
            [report, *docs_out],
            api_name="remove",
            **index_writes,
        ).then(refresh_topics, None, [topics], **private)
        for button, released, name in ((release, True, "release"), (unrelease, False, "unrelease")):
            button.click(
                _bind(release_document, assistant, released=released),
                [choose, *view],
                [report, *docs_out],
                api_name=name,
                **index_writes,
            )

        # Whenever the table, the choice or a report changes (uploads, re-scans, the watcher).
        gr.on(
            [app.load, docs_list.change, choose.change, report.change, watching.change],
            _bind(flag_buttons, assistant),
            [choose],
            [release, unrelease],
            show_progress="hidden",
            **private,
        )

        def ask(question: str, k: int | None = None, mode: str | None = None) -> dict[str, Any]:
            """Answer a question from the indexed articles.

            Returns {"answer", "refused", "citations": [{n, source, title, quote, start, end,
            score, page, published}], "mode", "search_query", "unsupported"}, as
            `python -m assistant ask --json`.
            """
            return api_ask(assistant, question, k, mode)

        gr.api(ask, api_name="ask", concurrency_id="answers")
    return app
