"""Start the web chat and the OpenAI-compatible API over the indexed articles.

``python app.py [ARTICLES_DIR]`` (or ``make run``). Wiring only: the chat is
:mod:`assistant.webui`, the API :mod:`assistant.openai_api`, the server :mod:`assistant.server`.
Listens on 127.0.0.1:7860 (``GRADIO_SERVER_PORT`` changes the port);
``ASSISTANT_AUTH=user:password`` asks for a login (and is the API's key).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant import Assistant, AssistantError, load_settings


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
        if not articles.is_dir():
            print(
                f"warning: {articles} is not a folder; the re-scan button will find nothing. "
                "Pass the articles folder: python app.py PATH",
                file=sys.stderr,
                flush=True,
            )
        elif settings.web.watch:
            # Indexes what changed while the app was down, then each file as it lands, while
            # questions are answered.
            watcher = assistant.watch(articles)
            print(f"Watching {articles} for new, changed and removed articles.", flush=True)
        elif assistant.stats()["documents"] == 0:
            print(f"First start: indexing {articles} ...", flush=True)
            report = assistant.ingest([articles])
            failed = f", {len(report.failed)} failed" if report.failed else ""
            print(f"Indexed {_count(report.added, 'article')}{failed}.", flush=True)
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


def _count(n: int, noun: str) -> str:
    """``_count(1, "article")`` -> '1 article'; ``_count(3, "chunk")`` -> '3 chunks'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
