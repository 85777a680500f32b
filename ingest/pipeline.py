"""Folder -> files -> articles -> chunks -> index, incrementally and crash-safely.

The steps for each run, under the data dir's writer lock:

1. list the files under each given path (hidden files skipped, symbolic links reported);
2. fingerprint each file (its bytes plus the chunking and embedding settings) and skip files
   whose fingerprint is already stored as done;
3. load, clean and chunk the rest, time-bounded for HTML and PDF;
4. write whole documents' chunks in batches through langchain's ``index()``; each document is
   marked pending before and done after, so a crash is repaired by the next run;
   the keyword entries of a batch are written in the same transaction as its ``done`` rows;
5. delete what is stored for files that disappeared under the given paths (rows and keyword
   entries in one transaction).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from langchain_core.documents import Document

from core.dates import date_number
from core.settings import Settings
from core.text import count_tokens, token_starts
from core.types import StoredDocument
from ingest.chunking import ChunkLimits, chunk_spans
from ingest.loaders import Article, LoadError, kind_of, load_file
from ingest.report import IngestReport, Progress
from ingest.risk import RULES_VERSION, assess
from ingest.risk_model import assessment_version, scorer_for
from vectorstore.index import Index
from vectorstore.model_files import default_model_path, model_max_tokens, model_tokenizer

PIPELINE_VERSION = "2"
"""Bump when cleaning, chunking, dates or the injection assessment change, so every file is
re-ingested once (unchanged chunks are not embedded again)."""

BATCH_CHUNKS = 256
"""Chunks per write: large enough to keep the embedder's batches full."""

ProgressFn = Callable[[Progress], None]


def chunk_limits(settings: Settings) -> ChunkLimits:
    model = settings.embedding.model or str(default_model_path())
    tokenizer = model_tokenizer(model)
    max_len = model_max_tokens(model)

    def hard_count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def hard_starts(text: str) -> list[int]:
        got = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        return [start for start, _ in got["offset_mapping"]]

    return ChunkLimits(
        max_tokens=settings.chunking.chunk_tokens,
        overlap_tokens=settings.chunking.overlap_tokens,
        count=count_tokens,
        hard_count=hard_count,
        hard_max=max_len - 2,  # [CLS] and [SEP]
        count_starts=token_starts,
        hard_starts=hard_starts,
    )


def chunk_article(article: Article, limits: ChunkLimits) -> list[Document]:
    """The article's chunks as langchain documents carrying offsets, page and content hash."""
    doc = StoredDocument(article.source, article.title, article.text, pages=article.pages)
    chunks = []
    for i, (start, end) in enumerate(chunk_spans(article.text, limits)):
        text = article.text[start:end]
        meta: dict[str, Any] = {
            "source": article.source,
            "title": article.title,
            "chunk": i,
            "start": start,
            "end": end,
            "hash": hashlib.sha256(text.encode()).hexdigest(),
        }
        page = doc.page_at(start)
        if page is not None:
            meta["page"] = page
        if article.published:
            meta["published"] = article.published
            meta["published_day"] = date_number(article.published)  # YYYYMMDD, for $gte/$lte
        chunks.append(Document(page_content=text, metadata=meta))
    return chunks


def settings_fingerprint(settings: Settings) -> str:
    parts = {
        "pipeline": PIPELINE_VERSION,
        "chunking": settings.chunking.model_dump(include={"chunk_tokens", "overlap_tokens"}),
        "model": settings.embedding.model or "packaged:all-MiniLM-L6-v2",
        "backend": settings.embedding.backend,  # vectors differ slightly: re-embed on a switch
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


# -- discovery -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Found:
    path: Path
    source: str
    problem: str | None = None


def discover(roots: Sequence[Path]) -> Iterator[Found]:
    """Every candidate file under ``roots``; hidden entries skipped, links reported."""
    for root in roots:
        if root.is_symlink():
            yield Found(root, str(root.absolute()), _LINK_PROBLEM)
            continue
        if root.is_file():
            yield Found(root, str(root.resolve()))
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(dirpath)
            for link in (d for d in list(dirnames) if (base / d).is_symlink()):
                dirnames.remove(link)
                yield Found(base / link, str((base / link).absolute()), _LINK_PROBLEM)
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                path = base / name
                if path.is_symlink():
                    yield Found(path, str(path.absolute()), _LINK_PROBLEM)
                elif path.is_file():
                    yield Found(path, str(path.resolve()))


_LINK_PROBLEM = (
    "is a symbolic link; links are not followed, so copy the file into the folder instead"
)


def _in_scope(source: str, roots: Sequence[Path]) -> bool:
    for root in roots:
        r = str(root.resolve())
        if source == r or source.startswith(r.rstrip(os.sep) + os.sep):
            return True
    return False


# -- time-bounded preparation ---------------------------------------------------------------
def prepare_file(path: Path, source: str, settings: Settings) -> tuple[Article, list[Document]]:
    """Load, clean and chunk one file (runs in a worker process for risky inputs)."""
    chunking = settings.chunking
    article = load_file(path, source, int(chunking.max_file_mb * 1_000_000), chunking.max_pdf_pages)
    chunks = chunk_article(article, chunk_limits(settings))
    if not chunks:
        raise LoadError("has no text to index after cleaning")
    return article, chunks


IN_PROCESS_MAX_BYTES = 1_000_000
"""Text files up to this size are prepared in-process; anything larger, and every HTML or PDF
file, goes to a worker process that is killed after ``chunking.parse_timeout_s``."""


class Preparer:
    """Prepares files, sending risky ones to a worker process that is killed on timeout."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout_s = settings.chunking.parse_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None

    def prepare(self, path: Path, source: str) -> tuple[Article, list[Document]]:
        try:
            with open(path, "rb") as handle:
                head = handle.read(1024)
            risky = kind_of(path, head) != "text" or path.stat().st_size > IN_PROCESS_MAX_BYTES
        except (OSError, LoadError):
            risky = False  # load_file reports the problem itself
        if not risky:
            return prepare_file(path, source, self.settings)
        kind, value = self._call((path, source, self.settings))
        if kind == "ok":
            prepared: tuple[Article, list[Document]] = value
            return prepared
        if kind == "load":
            raise LoadError(value)
        raise LoadError(f"could not be parsed ({value})")

    def _call(self, request: Any) -> tuple[str, Any]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        try:
            write_message(self._proc.stdin, request)
            reply = _read_with_deadline(self._proc.stdout, time.monotonic() + self.timeout_s)
        except TimeoutError:  # before OSError, of which it is a subclass
            self.close()
            return "load", (
                f"took longer than {self.timeout_s:.0f} s to read and was stopped; the file may "
                "be malformed (or raise chunking.parse_timeout_s)"
            )
        except (EOFError, OSError):
            self.close()
            return "load", "made the reader crash; the file may be malformed"
        kind, value = reply
        return str(kind), value

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
            self._proc = None


def read_message(stream: IO[bytes]) -> Any | None:
    """One message of the worker protocol: a pickle behind an 8-byte big-endian length."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    return pickle.loads(stream.read(int.from_bytes(header, "big")))


def write_message(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _read_exactly(stream: IO[bytes], n: int, deadline: float) -> bytes:
    fd = stream.fileno()
    parts, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        part = os.read(fd, min(n - got, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def _read_with_deadline(stream: IO[bytes], deadline: float) -> Any:
    size = int.from_bytes(_read_exactly(stream, 8, deadline), "big")
    return pickle.loads(_read_exactly(stream, size, deadline))


def _file_fingerprint(path: Path, salt: str) -> str:
    digest = hashlib.sha256(salt.encode())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the run ---------------------------------------------------------------------------------
def ingest_paths(
    paths: Iterable[str | Path],
    index: Index,
    *,
    progress: ProgressFn | None = None,
    lock_wait_s: float = 30.0,
    on_wait: Callable[[str], None] | None = None,
) -> IngestReport:
    """Make the index hold exactly the ingestible files under ``paths``. See the module doc.

    Another writer makes it wait up to ``lock_wait_s``, calling ``on_wait`` with why, once.
    """
    started = time.perf_counter()
    roots = [Path(p) for p in paths]
    settings = index.settings
    report = IngestReport()
    with index.write_lock(lock_wait_s, on_wait):
        _run(roots, index, settings, report, progress or (lambda _p: None))
    report.seconds = time.perf_counter() - started
    return report


def _run(
    roots: list[Path], index: Index, settings: Settings, report: IngestReport, progress: ProgressFn
) -> None:
    salt = settings_fingerprint(settings)
    # Documents stored under older assessment rules or model are assessed again (their text: no
    # chunk is embedded again; on a new index this only records the version).
    learned = scorer_for(settings.embedding.model, lambda texts: index.embeddings.encode(texts))
    version = assessment_version(RULES_VERSION, learned)
    reassessed = index.docs.reassess(lambda text: assess(text, learned=learned).reasons, version)
    states = index.docs.states()
    found = list(discover([r for r in roots if r.exists() or r.is_symlink()]))
    for root in roots:
        if not (root.exists() or root.is_symlink()) and not any(
            _in_scope(s, [root]) for s in states
        ):
            report.failed.append((str(root), "does not exist; check the path"))

    todo: list[tuple[Found, str]] = []
    seen: set[str] = set()
    for item in found:
        seen.add(item.source)
        if item.problem:
            report.failed.append((str(item.path), item.problem))
            continue
        try:
            fingerprint = _file_fingerprint(item.path, salt)
        except OSError as exc:
            report.failed.append((str(item.path), f"cannot be read ({exc.strerror or exc})"))
            continue
        if states.get(item.source) == ("done", fingerprint):
            report.skipped += 1
        else:
            todo.append((item, fingerprint))

    preparer = Preparer(settings)
    batch: list[tuple[Article, str, list[Document]]] = []
    written = 0

    def flush() -> None:
        nonlocal written
        if not batch:
            return
        index.docs.mark_pending({a.source: fp for a, fp, _ in batch})
        result = index.write_chunks([c for _, _, chunks in batch for c in chunks])
        docs = [
            StoredDocument(
                a.source,
                a.title,
                a.text,
                fp,
                a.published,
                a.pages,
                len(chunks),
                url=a.url,
                outlet=a.outlet,
                risk=assess(a.text, learned=learned).reasons,
            )
            for a, fp, chunks in batch
        ]
        index.docs.mark_done(docs, index.keyword_chunks([d.source for d in docs]))
        report.flagged += [(d.source, d.risk) for d in docs if d.risk]
        for article, _, _ in batch:
            if states.get(article.source, ("", ""))[0] == "done":
                report.updated += 1
            else:
                report.added += 1
        report.chunks_added += result["num_added"]
        report.chunks_deleted += result["num_deleted"]
        written += len([c for _, _, chunks in batch for c in chunks])
        batch.clear()

    try:
        pending = 0
        for n, (item, fingerprint) in enumerate(todo, 1):
            try:
                article, chunks = preparer.prepare(item.path, item.source)
            except LoadError as exc:
                report.failed.append((str(item.path), str(exc)))
            else:
                batch.append((article, fingerprint, chunks))
                pending += len(chunks)
                if pending >= BATCH_CHUNKS:
                    flush()
                    pending = 0
            progress(Progress(n, len(todo), written, str(item.path)))
        flush()
    finally:
        preparer.close()

    failed_paths = {p for p, _ in report.failed}
    for source in sorted(states):
        if source not in seen and _in_scope(source, roots) and source not in failed_paths:
            report.chunks_deleted += index.delete_source(source)
            report.deleted += 1
    written_now = {s for s, _ in report.flagged}
    current = index.docs.states()
    report.flagged += [(s, r) for s, r in reassessed if s not in written_now and s in current]
