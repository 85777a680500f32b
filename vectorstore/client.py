"""Build the Chroma client: embedded under the data dir by default, a server when a URL is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from core.errors import StoreUnavailableError

# chromadb reads this before any client exists; no usage data leaves the machine.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def make_client(store_dir: Path, url: str | None = None) -> Any:
    """A ``PersistentClient`` in ``store_dir``, or an ``HttpClient`` for ``url``.

    >>> make_client(Path("/tmp/idx/chroma"))  # doctest: +SKIP
    <chromadb.api.client.Client ...>
    """
    import chromadb

    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if not parsed.hostname:
            raise StoreUnavailableError(
                f"ASSISTANT_CHROMA_URL={url!r} is not a URL; use e.g. http://127.0.0.1:8000"
            )
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=chroma_settings(),
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailableError(
                f"Cannot reach the Chroma server at {url}. "
                "Start it with `chroma run --path DIR --port N`, or unset ASSISTANT_CHROMA_URL "
                "to use the embedded store."
            ) from exc
        return client
    store_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(store_dir), settings=chroma_settings())
