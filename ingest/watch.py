"""Keep the index matching a folder while an app runs: file events in, exact ingests out.

A :class:`FolderWatcher` thread first ingests the whole folder (what changed while nothing was
watching, and whatever a killed run left pending), then ingests each batch of changed paths as
watchfiles reports them. A changed or new file is ingested as ``python -m ingest FILE`` would,
and a removed file or folder has what is stored under it deleted, so the index stays exactly
what ``python -m ingest FOLDER`` would make, at the cost of the changed files only. Another
process writing the same data dir makes it wait (and say so in :meth:`FolderWatcher.status`).

>>> watcher = FolderWatcher(Path("data/articles"), index).start()  # doctest: +SKIP
>>> watcher.status().state  # doctest: +SKIP
'watching'
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.errors import AssistantError
from ingest.pipeline import _in_scope, ingest_paths
from ingest.report import IngestReport, Progress
from vectorstore.index import Index

log = logging.getLogger(__name__)

STEP_MS = 100
"""Quiet time after the last event before a batch is ingested: a file copied in lands as
several events, and a quarter of the 2 s from landing to answerable is already a lot."""
DEBOUNCE_MS = 1000
"""Longest a batch keeps growing while events keep coming."""
LOCK_WAIT_S = 24 * 3600.0
"""The watcher waits for another writer (a CLI ingest) however long it takes."""


@dataclass(frozen=True)
class WatchStatus:
    """What the watcher is doing, for the Documents tab."""

    state: str
    """``starting``, ``ingesting``, ``waiting`` (for another writer), ``watching``, ``stopped``
    or ``failed``."""
    folder: str
    progress: Progress | None = None
    """The running ingest's progress."""
    report: IngestReport | None = None
    """The latest finished ingest's report."""
    message: str = ""
    ingests: int = 0
    """Ingests finished since the start."""
    updated: float = 0.0


def changed_paths(changes: Iterable[tuple[Any, str]], folder: Path) -> list[Path]:
    """The paths of a batch of events worth ingesting: under ``folder``, none of their parts
    hidden (what ``discover`` skips), each once, in order.

    >>> changed_paths([(1, "/a/x.txt"), (2, "/a/.x.swp"), (1, "/a/.git/y"), (2, "/a/x.txt")],
    ...               Path("/a"))
    [PosixPath('/a/x.txt')]
    """
    out: dict[Path, None] = {}
    for _change, raw in changes:
        path = Path(raw)
        try:
            parts = path.relative_to(folder).parts
        except ValueError:
            continue
        if parts and not any(p.startswith(".") for p in parts):
            out.setdefault(path)
    return sorted(out)


class FolderWatcher:
    """A thread that ingests ``folder`` into ``index`` on every change (see the module doc)."""

    def __init__(self, folder: Path, index: Index, *, lock_wait_s: float = LOCK_WAIT_S) -> None:
        self.folder = folder.absolute()
        self.index = index
        self.lock_wait_s = lock_wait_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._status = WatchStatus("starting", str(folder), updated=time.time())

    # -- control -----------------------------------------------------------------------------
    def start(self) -> FolderWatcher:
        self._thread = threading.Thread(target=self._run, name="folder-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; an ingest under way finishes its current batch first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._set(state="stopped")

    def status(self) -> WatchStatus:
        with self._lock:
            return self._status

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is being ingested (for tests and benchmarks)."""
        return self._idle.wait(timeout)

    # -- the thread --------------------------------------------------------------------------
    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, updated=time.time(), **changes)

    def _run(self) -> None:
        from watchfiles import watch

        try:
            self._ingest([self.folder])
            self._idle.set()
            for changes in watch(
                self.folder,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=self._stop,
                rust_timeout=1000,
                raise_interrupt=False,
            ):
                paths = changed_paths(changes, self.folder)
                if paths:
                    self._idle.clear()
                    self._ingest(paths)
                    self._idle.set()
        except Exception as exc:  # the app keeps answering; the tab says why watching stopped
            log.exception("watching %s failed", self.folder)
            self._set(state="failed", message=f"Watching {self.folder.name}/ stopped: {exc}")
            self._idle.set()

    def _ingest(self, paths: list[Path]) -> None:
        if paths != [self.folder]:
            # A path that is gone and never was stored (an editor's temporary file) is no news.
            states = self.index.docs.states()
            paths = [p for p in paths if p.exists() or any(_in_scope(s, [p]) for s in states)]
            if not paths:
                return
        self._set(state="ingesting", progress=None, message="")
        try:
            report = ingest_paths(
                paths,
                self.index,
                progress=lambda p: self._set(state="ingesting", progress=p, message=""),
                lock_wait_s=self.lock_wait_s,
                on_wait=lambda why: self._set(state="waiting", message=why),
            )
        except AssistantError as exc:
            self._set(state="watching", progress=None, message=str(exc))
            return
        with self._lock:
            ingests = self._status.ingests + 1
        self._set(state="watching", progress=None, report=report, message="", ingests=ingests)
