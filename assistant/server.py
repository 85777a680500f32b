"""One web server for everything: the Gradio chat at ``/`` and the OpenAI-compatible API at
``/v1``, as one FastAPI app run by uvicorn on one port.

>>> app = build_server(assistant, articles_dir="data/articles")  # doctest: +SKIP
>>> serve(app, assistant.settings)  # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.api import Assistant
    from ingest.watch import FolderWatcher

SHUTDOWN_S = 3
"""Open streams (Gradio's event stream stays open per visitor) get this long at shutdown."""


def build_server(
    assistant: Assistant,
    articles_dir: str | os.PathLike[str] = "data/articles",
    watcher: FolderWatcher | None = None,
) -> FastAPI:
    """The FastAPI app: ``/v1`` routes first, then the Gradio app mounted at ``/``.

    The Gradio app gets the options it would get from ``launch`` (login, upload limit, served
    and blocked paths, CSS, footer, session capacity), from :func:`assistant.webui.launch_options`.
    """
    import gradio as gr
    from fastapi import FastAPI

    from assistant.openai_api import router
    from assistant.webui import build_app, launch_options, upload_area, use_upload_area

    settings = assistant.settings
    options = launch_options(settings)  # also checks ASSISTANT_AUTH before anything starts
    use_upload_area(upload_area(settings))  # before any component is created
    blocks = build_app(assistant, articles_dir=Path(articles_dir), watcher=watcher)
    blocks.queue(
        default_concurrency_limit=settings.web.concurrency_limit, max_size=settings.web.max_queue
    )
    for key in ("server_name", "server_port"):
        options.pop(key, None)  # uvicorn's (see serve)
    accepted = inspect.signature(gr.mount_gradio_app).parameters
    for key in [k for k in options if k not in accepted]:
        # launch() options that mount_gradio_app has no parameter for (state_session_capacity)
        # are what launch() would set on the Blocks; anything else would be silently lost
        if not hasattr(blocks, key):
            raise TypeError(f"launch option {key!r} has no equivalent when mounted")
        setattr(blocks, key, options.pop(key))
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(router(assistant, settings))
    # mounted last: a mount at "/" answers every path not routed before it
    mounted = gr.mount_gradio_app(app, blocks, path="/", ssr_mode=False, **options)
    # Gradio checks that a file an event names was uploaded by a user only once the Blocks
    # count as launched, which mounting alone does not set: without this, a forged event could
    # make the app read any file under the working directory.
    blocks.has_launched = True
    return mounted


def address(settings: Settings) -> tuple[str, int]:
    """Host and port: ``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` override the settings."""
    host = os.environ.get("GRADIO_SERVER_NAME") or settings.web.host
    return host, int(os.environ.get("GRADIO_SERVER_PORT") or settings.web.port)


def serve(app: Any, settings: Settings) -> None:
    """Run ``app`` with uvicorn until interrupted (Ctrl-C or SIGTERM)."""
    import uvicorn

    host, port = address(settings)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(
        f"Chat on http://{shown}:{port}/ ; OpenAI-compatible API at http://{shown}:{port}/v1",
        flush=True,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=SHUTDOWN_S,
    )
