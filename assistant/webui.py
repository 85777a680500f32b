"""The web chat: an :class:`~assistant.api.Assistant` as a Gradio app.

Pure helpers first (escaping, citation markers, highlighted sources, ingest reports, upload file
names), each tested without a server; then :func:`build_app`, which wires them to Gradio, and
:func:`launch_options`, the safe defaults ``app.py`` launches with.

Every string that came from a document, a file name or a visitor is escaped with :func:`escape`
before it reaches an HTML or Markdown component: the page never renders markup it did not write.
"""

from __future__ import annotations

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

from assistant.types import Answer, Citation, History
from core.errors import AssistantError
from core.settings import Settings
from core.types import StoredDocument
from ingest.loaders import SUPPORTED
from ingest.report import IngestReport, Progress

if TYPE_CHECKING:
    import gradio as gr

    from assistant.api import Assistant

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
    ``highlight("one two three four", 4, 7, width=3)`` -> ``'one <mark>two</mark> three…'``.
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


def sources_html(
    citations: Sequence[Citation],
    document: Callable[[str], StoredDocument | None],
    answer_no: int = 0,
) -> str:
    """One card per citation: marker, title, file (and page), the quote highlighted in context.

    ``document(source)`` gives the cited document's text; when it is gone (removed since), the
    card shows the quote alone. ``answer_no`` (the answer's number in the chat) is kept in a
    ``data-answer`` attribute, so a page or a test can tell one answer's sources from the next.
    """
    head = f'<div class="sources" data-answer="{int(answer_no)}">'
    if not citations:
        return head.replace('"sources"', '"sources empty"') + "No sources for this answer.</div>"
    texts: dict[str, str | None] = {}
    cards = []
    for c in citations:
        if c.source not in texts:
            doc = document(c.source)
            texts[c.source] = doc.text if doc is not None else None
        text = texts[c.source]
        if text is not None and text[c.start : c.end] == c.quote:
            body = highlight(text, c.start, c.end)
        else:
            body = f"<mark>{escape(c.quote)}</mark>"
        page = f" · page {c.page}" if c.page is not None else ""
        cards.append(
            f'<div class="source" id="source-{c.n}">'
            f'<div class="source-head"><span class="cite">[{c.n}]</span> '
            f'<span class="source-title">{escape(c.title or file_label(c.source))}</span> '
            f'<span class="source-file">{escape(file_label(c.source))}{page}</span></div>'
            f'<p class="source-text">{body}</p></div>'
        )
    return head + "".join(cards) + "</div>"


def file_label(source: str) -> str:
    """What the page shows of a source: its file name, never the server's folders."""
    return Path(source).name or source


# -- documents and ingest reports -----------------------------------------------------------------
def doc_key(source: str) -> str:
    """A stable, opaque handle for a document in the page (its path stays on the server)."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def documents_html(docs: Sequence[StoredDocument]) -> str:
    if not docs:
        return '<p class="docs empty">Nothing is indexed yet. Upload articles or re-scan.</p>'
    rows = "".join(
        f"<tr><td>{escape(d.title or file_label(d.source))}</td>"
        f"<td>{escape(file_label(d.source))}</td><td>{d.n_chunks}</td></tr>"
        for d in docs
    )
    return (
        f'<table class="docs"><thead><tr><th>Title</th><th>File</th><th>Passages</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
        f'<p class="docs-count">{len(docs)} document{"s" if len(docs) != 1 else ""}</p>'
    )


def document_choices(docs: Sequence[StoredDocument]) -> list[tuple[str, str]]:
    """``(label, key)`` pairs for the remove box, labelled ``title (file name)``."""
    return [
        (f"{d.title or file_label(d.source)} ({file_label(d.source)})", doc_key(d.source))
        for d in docs
    ]


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
    return '<div class="report">' + "".join(parts) + "</div>"


def message_html(text: str, kind: str = "info") -> str:
    return f'<div class="report {kind}"><p>{escape(text)}</p></div>'


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
            rejected.append((name, f"unsupported file type; use {', '.join(UPLOAD_SUFFIXES)}"))
            continue
        size_mb = src.stat().st_size / 1e6
        if size_mb > max_mb:
            rejected.append((name, f"{size_mb:.1f} MB is over the {max_mb:g} MB upload limit"))
            continue
        dest = upload_dir / name
        shutil.copyfile(src, dest)
        paths.append(dest)
    return Staged(paths, rejected)


# -- the app --------------------------------------------------------------------------------------
CSS = """
sup.cite, span.cite { color: var(--color-accent); font-weight: 600; }
sup.cite { font-size: 0.75em; margin-left: 1px; }
.sources .source { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; margin-bottom: 10px; background: var(--background-fill-secondary); }
.source-head { margin-bottom: 4px; }
.source-title { font-weight: 600; }
.source-file { color: var(--body-text-color-subdued); font-size: 0.9em; margin-left: 6px; }
.source-text { margin: 0; line-height: 1.5; }
.source-text mark { background: #fde68a; color: #111; padding: 0 2px; border-radius: 2px; }
.sources.empty, .docs.empty { color: var(--body-text-color-subdued); }
table.docs { width: 100%; border-collapse: collapse; }
table.docs td, table.docs th { text-align: left; padding: 4px 8px;
  border-bottom: 1px solid var(--border-color-primary); }
.report-failed { color: var(--error-text-color, #b91c1c); }
"""


def upload_area(settings: Settings) -> Path:
    """Where uploaded articles are kept: ``data_dir/uploads``."""
    return (settings.data_dir / "uploads").resolve()


def use_upload_area(upload_dir: Path) -> None:
    """Keep Gradio's own temporary and cache files inside the upload area.

    Gradio's file routes serve what it created in these folders; pointing them into the upload
    area (hidden sub-folders the ingest never reads) means the server serves nothing outside it.
    Must run before components are created, since each component records the folder.
    """
    if os.environ.pop("GRADIO_ALLOWED_PATHS", None):
        log.warning("GRADIO_ALLOWED_PATHS is ignored: the app serves no folders of its own")
    os.environ["GRADIO_TEMP_DIR"] = str(upload_dir / ".gradio")
    os.environ["GRADIO_EXAMPLES_CACHE"] = str(upload_dir / ".gradio" / "cached_examples")


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
            str(data / "bm25"),
        ],
        "show_error": False,
        "css": CSS,
        "footer_links": ["api"],
        "run_history": False,  # questions are not kept in the browser
        "state_session_capacity": MAX_SESSIONS,
    }


def build_app(
    assistant: Assistant, articles_dir: str | os.PathLike[str] = "data/articles"
) -> gr.Blocks:
    """The Blocks app: chat with sources, documents (upload, remove, re-scan), settings, ``/ask``.

    Everything a visitor sees of their chat lives in per-session state, so concurrent visitors
    never see each other's questions or answers.
    """
    settings = assistant.settings
    uploads = upload_area(settings)
    use_upload_area(uploads)
    import gradio as gr

    articles = Path(articles_dir)
    modes = ["extractive", "llm"] if settings.llm_configured else ["extractive"]
    default_k = min(settings.retrieval.top_k, MAX_K)

    def _docs_outputs() -> tuple[str, Any]:
        docs = assistant.documents()
        return documents_html(docs), gr.update(choices=document_choices(docs), value=None)

    # -- chat ----------------------------------------------------------------------------------
    def respond(
        question: str, chat: list[dict[str, str]], turns: History, mode: str, k: float
    ) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        answer_no = sum(m["role"] == "assistant" for m in chat) + 1
        chat = [*chat, {"role": "user", "content": question_html(question)}]
        pending = {"role": "assistant", "content": "…"}
        yield "", [*chat, pending], chat, turns, _PENDING_SOURCES
        answer: Answer | None = None
        try:
            parts = assistant.stream(question, turns[-HISTORY_TURNS:], mode=mode, k=_clamp_k(k))
            for part in parts:
                if isinstance(part, Answer):
                    answer = part
                else:
                    pending = {"role": "assistant", "content": answer_html(part)}
                    yield gr.skip(), [*chat, pending], gr.skip(), gr.skip(), gr.skip()
        except AssistantError as exc:
            reply = f"⚠️ {escape(str(exc))}"
        except Exception:
            log.exception("answering %r failed", question)
            reply = "⚠️ Something went wrong while answering; the server log has details."
        else:
            reply = "⚠️ No answer came back; please ask again."
        if answer is not None:
            reply = answer_html(answer.text)
            turns = [
                *turns,
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer.text},
            ]
        done = [*chat, {"role": "assistant", "content": reply}]
        citations = answer.citations if answer is not None else []
        panel = sources_html(citations, assistant.document, answer_no)
        yield gr.skip(), done, done, turns, panel

    def new_chat() -> tuple[Any, ...]:
        return [], [], [], _EMPTY_SOURCES, ""

    # -- documents -----------------------------------------------------------------------------
    def add_uploads(files: list[str] | None, progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            note = message_html("Choose one or more files first.", "warn")
            return (note, *_docs_outputs(), gr.skip())
        staged = stage_uploads(files, uploads, settings.web.max_upload_mb)
        report = IngestReport()
        if staged.paths:
            report = _ingest(staged.paths, progress)
        return (report_html(report, staged.rejected), *_docs_outputs(), None)

    def rescan(progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not articles.is_dir():
            return (
                message_html(f"The articles folder {articles.name} does not exist.", "warn"),
                *_docs_outputs(),
            )
        return (report_html(_ingest([articles], progress)), *_docs_outputs())

    def _ingest(paths: Sequence[Path], progress: Any) -> IngestReport:
        progress(0, desc="Reading files")

        def on_progress(p: Progress) -> None:
            what = file_label(p.current) if p.current else ""
            progress(
                (p.files_done, max(p.files_total, 1)),
                desc=f"Indexed {what} ({p.chunks_written} passages so far)",
                unit="files",
            )

        try:
            return assistant.ingest(paths, progress=on_progress)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    def remove(key: str | None) -> tuple[Any, ...]:
        doc = next((d for d in assistant.documents() if doc_key(d.source) == key), None)
        if doc is None:
            return (message_html("Choose a document to remove.", "warn"), *_docs_outputs())
        try:
            assistant.remove(doc.source)
        except AssistantError as exc:
            return (message_html(str(exc), "error"), *_docs_outputs())
        path = Path(doc.source)
        if path.parent == uploads and path.is_file():
            path.unlink()  # an upload removed from the index is gone for good
            note = ""
        else:
            note = " It comes back on the next re-scan while the file is in the articles folder."
        return (message_html(f"Removed {file_label(doc.source)}.{note}"), *_docs_outputs())

    # -- API -----------------------------------------------------------------------------------
    def ask(question: str, k: int | None = None, mode: str | None = None) -> dict[str, Any]:
        """Answer a question from the indexed articles.

        Returns {"answer", "refused", "citations": [{n, source, title, quote, start, end, score,
        page}], "mode", "search_query", "unsupported"}, as `python -m assistant ask --json`.
        """
        if mode == "llm" and "llm" not in modes:
            raise gr.Error(
                "No language model is configured. Set ASSISTANT_LLM_BASE_URL (an OpenAI-compatible"
                " server) or ASSISTANT_LLM_GGUF (a local model file) and restart the app, or use"
                " mode 'extractive'."
            )
        if mode is not None and mode not in modes:
            raise gr.Error(f"Unknown answer mode {mode!r}; choose one of {', '.join(modes)}.")
        try:
            answer = assistant.ask(question, mode=mode, k=int(k) if k is not None else None)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        return answer.as_dict()

    default_mode = settings.answer.mode if settings.answer.mode in modes else "extractive"
    upload_label = (
        f"Upload articles (txt, md, html, pdf; up to {settings.web.max_upload_mb:g} MB each)"
    )
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
                            placeholder="Your question, e.g. Why does Haftar target the DMSC?",
                            scale=5,
                            elem_id="question",
                            max_lines=4,
                        )
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    with gr.Row():
                        clear = gr.Button("New chat", size="sm", elem_id="new-chat")
                        mode = gr.Radio(modes, value=default_mode, label="Answer mode")
                        k = gr.Slider(
                            1, MAX_K, value=default_k, step=1, label="Passages to retrieve"
                        )
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(_EMPTY_SOURCES, elem_id="sources", js_on_load=None)
            with gr.Tab("Documents", id="documents"), gr.Row(equal_height=False):
                with gr.Column():
                    files = gr.File(
                        label=upload_label,
                        file_count="multiple",
                        file_types=UPLOAD_SUFFIXES,
                        type="filepath",
                        elem_id="upload",
                    )
                    add = gr.Button("Add to the index", variant="primary", elem_id="add")
                    scan = gr.Button(f"Re-scan {articles.name}/", elem_id="rescan")
                    report = gr.HTML("", elem_id="report", js_on_load=None)
                with gr.Column():
                    docs_list = gr.HTML("", elem_id="documents", js_on_load=None)
                    with gr.Row():
                        choose = gr.Dropdown([], label="Document", scale=3, elem_id="doc-choice")
                        drop = gr.Button("Remove", variant="stop", scale=1, elem_id="remove")

        # Answers share one concurrency group with /ask (the queue's default limit); index
        # writes run one at a time. UI events stay out of the API docs: /ask is the API.
        chat_in = [question, chat_state, turns_state, mode, k]
        chat_out = [question, chatbot, chat_state, turns_state, sources]
        for trigger in (question.submit, send.click):
            trigger(respond, chat_in, chat_out, concurrency_id="answers", api_visibility="private")
        for cleared in (clear.click, chatbot.clear):
            cleared(
                new_chat,
                None,
                [chatbot, chat_state, turns_state, sources, question],
                api_visibility="private",
            )
        for button, fn, ins, outs in (
            (add, add_uploads, [files], [report, docs_list, choose, files]),
            (scan, rescan, [], [report, docs_list, choose]),
            (drop, remove, [choose], [report, docs_list, choose]),
        ):
            button.click(
                fn,
                ins,
                outs,
                concurrency_id="index-writes",
                concurrency_limit=1,
                api_visibility="private",
            )
        app.load(_docs_outputs, None, [docs_list, choose], api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_id="answers")
    return app


_EMPTY_SOURCES = (
    '<div class="sources empty" data-answer="0">Sources of the latest answer appear here.</div>'
)
_PENDING_SOURCES = '<div class="sources empty pending">Searching the articles…</div>'


def _clamp_k(k: float | None) -> int:
    return max(1, min(MAX_K, int(k or 1)))
