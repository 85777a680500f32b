"""The worker process that prepares risky files: ``python -m ingest.worker``.

It reads requests ``(path, source, settings)`` from stdin and writes ``("ok", (article, chunks))``,
``("load", reason)`` or ``("error", text)`` to stdout, each a pickle behind an 8-byte length.
The parent (:class:`ingest.pipeline.Preparer`) kills it when a file takes too long. A plain
subprocess rather than ``multiprocessing`` so the caller's ``__main__`` is never re-imported.
"""

from __future__ import annotations

import contextlib
import resource
import sys
from typing import Any

MEMORY_LIMIT = 6 << 30
"""Address space for one worker: a decompression bomb fails here instead of filling the RAM."""


def main() -> None:
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library that prints must not corrupt the replies
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    from ingest.loaders import LoadError
    from ingest.pipeline import prepare_file, read_message, write_message

    while (request := read_message(requests)) is not None:
        path, source, settings = request
        try:
            reply: tuple[str, Any] = ("ok", prepare_file(path, source, settings))
        except LoadError as exc:
            reply = ("load", str(exc))
        except MemoryError:
            reply = ("load", "needs more memory than a file may use to read; it may be a bomb")
        except Exception as exc:  # any parser failure is this file's problem, not the run's
            reply = ("error", f"{type(exc).__name__}: {exc}"[:300])
        write_message(replies, reply)


if __name__ == "__main__":
    main()
