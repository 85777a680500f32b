"""Start the web chat and the OpenAI-compatible API over the indexed articles.

``python app.py [ARTICLES_DIR]`` (or ``make run``). Wiring only: the chat is
:mod:`assistant.webui`, the API :mod:`assistant.openai_api`, the server :mod:`assistant.server`.
Listens on 127.0.0.1:7860 (``GRADIO_SERVER_PORT`` changes the port);
``ASSISTANT_AUTH=user:password`` asks for a login (and is the API's key).
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import Assistant, AssistantError, load_settings

if TYPE_CHECKING:
    from ingest.watch import FolderWatcher


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "articles",
        nargs="?",
        default="data/articles",
        type=Path,
        help="folder watched and indexed as files land (and by the re-scan button)",
    )
    parser.add_argument(
        "--no-watch",
        action="store_true",
        help="do not watch the articles folder (web.watch); index it with the re-scan button",
    )
    args = parser.parse_args(argv)
    articles = args.articles
    from assistant.local_llm import with_packaged_llm
    from assistant.server import build_server, serve

    try:
        # The packaged LLM, when installed and no other is configured: its server starts now
        # and loads the model while the index opens.
        settings = with_packaged_llm(load_settings(), wait=False)
        if args.no_watch:
            settings = settings.model_copy(
                update={"web": settings.web.model_copy(update={"watch": False})}
            )
        assistant = Assistant(settings=settings)
        watcher = None
        first_start = assistant.stats()["documents"] == 0
        if not articles.is_dir():
            print(
                f"warning: {articles} is not a folder; the re-scan button will find nothing. "
                "Pass the articles folder: python app.py PATH",
                file=sys.stderr,
                flush=True,
            )
        else:
            if first_start:
                # Before listening, so the first visitor finds the articles indexed.
                print(f"First start: indexing {articles} ...", flush=True)
                report = assistant.ingest([articles])
                failed = f", {len(report.failed)} failed" if report.failed else ""
                print(f"Indexed {_count(report.added, 'article')}{failed}.", flush=True)
            if settings.web.watch:
                # Indexes what changed while the app was down, then each file as it lands, while
                # questions are answered.
                watcher = assistant.watch(articles)
                print(f"Watching {articles} for new, changed and removed articles.", flush=True)
                if not first_start:
                    threading.Thread(
                        target=_say_when_caught_up, args=(watcher, articles), daemon=True
                    ).start()
        stats = assistant.stats()
        print(
            f"Index: {_count(stats['documents'], 'article')}, "
            f"{_count(stats['chunks'], 'chunk')} in {settings.data_dir}",
            flush=True,
        )
        app = build_server(assistant, articles_dir=articles, watcher=watcher)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        serve(app, settings)
    finally:
        if watcher is not None:
            watcher.stop()
    return 0


def _say_when_caught_up(watcher: FolderWatcher, articles: Path) -> None:
    """One line once the watcher's first pass over the folder is done: what changed."""
    if not watcher.wait_idle(24 * 3600):
        return
    status = watcher.status()
    if status.report is None:
        print(f"warning: {status.message or 'the articles folder was not indexed'}", flush=True)
        return
    r = status.report
    failed = f", {len(r.failed)} failed" if r.failed else ""
    print(
        f"Caught up with {articles}: {r.added} new, {r.updated} changed, {r.skipped} unchanged, "
        f"{r.deleted} removed{failed}.",
        flush=True,
    )


def _count(n: int, noun: str) -> str:
    """``_count(1, "article")`` -> '1 article'; ``_count(3, "chunk")`` -> '3 chunks'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
