"""``python -m ingest PATH [PATH ...] [--watch]``: make the index match the files under PATHs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.errors import AssistantError
from core.settings import load_settings
from ingest.pipeline import ProgressFn, ingest_paths
from ingest.report import IngestReport
from ingest.report import Progress as IngestProgress
from vectorstore.index import Index


def summary_table(report: IngestReport, stats: dict[str, object]) -> Table:
    table = Table(title="Ingest summary", show_header=True)
    table.add_column("files", style="bold")
    table.add_column("count", justify="right")
    for name in ("added", "updated", "skipped", "deleted"):
        table.add_row(name, str(getattr(report, name)))
    table.add_row("failed", str(len(report.failed)), style="red" if report.failed else None)
    flagged = len(report.flagged)
    table.add_row("newly flagged (quarantined)", str(flagged), style="yellow" if flagged else None)
    table.add_row("chunks written / removed", f"{report.chunks_added} / {report.chunks_deleted}")
    table.add_row("index now", f"{stats['documents']} documents, {stats['chunks']} chunks")
    table.add_row("time", f"{report.seconds:.1f} s")
    return table


def failures_table(report: IngestReport) -> Table:
    table = Table(title="Files not ingested", show_header=True, title_style="red")
    table.add_column("file")
    table.add_column("reason")
    for path, reason in report.failed:
        table.add_row(path, reason)
    return table


def flagged_table(report: IngestReport) -> Table:
    """Documents that read as addressed to an assistant: left out of answers until released."""
    table = Table(
        title="Flagged as instructions to an assistant (not used in answers until released)",
        show_header=True,
        title_style="yellow",
    )
    table.add_column("file")
    table.add_column("why")
    for source, reasons in report.flagged:
        table.add_row(source, "\n".join(reasons))
    return table


@contextmanager
def progress_bar(console: Console, enabled: bool) -> Iterator[ProgressFn]:
    if not enabled:
        yield lambda _p: None
        return
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[chunks]} chunks"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("files", total=None, chunks=0, current="")

        def update(p: IngestProgress) -> None:
            bar.update(
                task,
                completed=p.files_done,
                total=p.files_total,
                chunks=p.chunks_written,
                current=Path(p.current).name[-40:],
            )

        yield update


def run_once(
    index: Index, paths: Sequence[str], console: Console, as_json: bool, wait_s: float = 30.0
) -> int:
    with progress_bar(console, enabled=not as_json) as update:
        report = ingest_paths(
            paths,
            index,
            progress=update,
            lock_wait_s=wait_s,
            on_wait=lambda why: console.print(f"[yellow]{why} ...[/yellow]"),
        )
    stats = index.stats()
    if as_json:
        print(json.dumps({"report": report.as_dict(), "stats": stats}, indent=2))
    else:
        console.print(summary_table(report, stats))
        if report.failed:
            console.print(failures_table(report))
        if report.flagged:
            console.print(flagged_table(report))
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Index the articles under PATH(s): new files are added, changed ones "
        "replaced, removed ones deleted. Run it again whenever the folder changes.",
    )
    parser.add_argument("paths", nargs="+", help="folders or files of .txt .md .html .pdf")
    parser.add_argument(
        "--data-dir", help="index location (default: $ASSISTANT_DATA_DIR or data/index)"
    )
    parser.add_argument("--watch", action="store_true", help="keep running; re-ingest on changes")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for another ingest of the same data dir (default 30)",
    )
    args = parser.parse_args(argv)
    console = Console(stderr=args.json)
    try:
        index = Index(load_settings(data_dir=args.data_dir))
        code = run_once(index, args.paths, console, args.json, args.wait)
        if not args.watch:
            return code
        from watchfiles import watch

        console.print(f"[dim]watching {', '.join(args.paths)} (Ctrl+C to stop)[/dim]")
        for _changes in watch(*args.paths, debounce=1500, raise_interrupt=False):
            code = run_once(index, args.paths, console, args.json, args.wait)
        return code
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
