"""Start the web chat over the indexed articles.

``python app.py [ARTICLES_DIR]`` (or ``make run``). Wiring only; the app is in
:mod:`assistant.webui`. Listens on 127.0.0.1:7860 (``GRADIO_SERVER_PORT`` changes the port);
``ASSISTANT_AUTH=user:password`` asks for a login.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant import Assistant, AssistantError, load_settings
from assistant.webui import build_app, launch_options, upload_area, use_upload_area


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "articles",
        nargs="?",
        default="data/articles",
        type=Path,
        help="folder indexed on first start and by the re-scan button",
    )
    articles = parser.parse_args(argv).articles
    settings = load_settings()
    try:
        assistant = Assistant(settings=settings)
        if not articles.is_dir():
            print(
                f"warning: {articles} is not a folder; the re-scan button will find nothing. "
                "Pass the articles folder: python app.py PATH",
                file=sys.stderr,
                flush=True,
            )
        elif assistant.stats()["documents"] == 0:
            print(f"First start: indexing {articles} ...", flush=True)
            report = assistant.ingest([articles])
            print(f"Indexed {report.added} articles, {len(report.failed)} failed.", flush=True)
        options = launch_options(settings)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    use_upload_area(upload_area(settings))  # before any component is created
    app = build_app(assistant, articles_dir=articles)
    app.queue(
        default_concurrency_limit=settings.web.concurrency_limit, max_size=settings.web.max_queue
    )
    app.launch(**options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
