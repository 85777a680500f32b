"""The README works as written: every shell and Python block runs, as a new user would run it
from a fresh clone with the venv on ``PATH``, in a temporary copy of ``data/articles`` and
``data/eval`` (so ``./data/index`` is a temporary index, never the repository's).

- Shell blocks (indented, or fenced ``sh``/``bash``/``shell``) run with ``bash -euo pipefail``,
  each after the sample articles were indexed, as ``make run`` does on first start.
- Python blocks run in order as one script (later blocks use the names earlier ones define),
  except those marked ``<!-- readme-test: with the app -->``: those run against ``python
  app.py`` started here on a free port, with the README's ``http://127.0.0.1:7860`` replaced.
- A block right after ``<!-- readme-test: skip, REASON -->`` is not run. Only blocks that start
  long-running servers (or the test suite itself) carry it; what they start is tested
  elsewhere (``tests/test_app_output.py`` starts ``python app.py`` in a terminal,
  ``test_make_run_starts_the_app`` below checks what ``make run`` runs).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.paths import ROOT
from testing.servers import app_env, free_port, running_app

SLOW, LONG = pytest.mark.slow, pytest.mark.timeout(900)

README = ROOT / "README.md"
MARKER = re.compile(r"^<!--\s*readme-test:\s*(.*?)\s*-->$")
README_URL = "http://127.0.0.1:7860"


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the block's first line in README.md
    kind: str  # "shell" or "python"
    code: str
    marker: str  # the readme-test marker before it, or ""

    @property
    def id(self) -> str:
        return f"{self.kind}-line-{self.line}"


def readme_blocks(text: str) -> list[Block]:
    """The README's shell and Python code blocks, with the marker comment before each.

    >>> [b.id for b in readme_blocks("Run:\\n\\n    make run\\n\\n```python\\nx = 1\\n```\\n")]
    ['shell-line-3', 'python-line-6']
    """
    from markdown_it import MarkdownIt

    lines = text.splitlines()
    blocks = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.map is None or token.type not in ("code_block", "fence"):
            continue
        info = token.info.strip().lower() if token.type == "fence" else "shell"
        kind = {"sh": "shell", "bash": "shell", "shell": "shell", "python": "python"}.get(info)
        if kind is None:
            continue  # a layout diagram or other text
        start = token.map[0]
        before = next((ln.strip() for ln in reversed(lines[:start]) if ln.strip()), "")
        match = MARKER.match(before)
        first = start + (2 if token.type == "fence" else 1)
        blocks.append(Block(first, kind, token.content, match.group(1) if match else ""))
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
# Blocks marked "skip, <why>" start servers or the suite itself; they are not run here (the
# marker test below holds each to a reason) and are not collected, so nothing is skipped.
SHELL = [b for b in BLOCKS if b.kind == "shell" and not b.marker.startswith("skip")]
SESSION = [b for b in BLOCKS if b.kind == "python" and not b.marker]
WITH_APP = [b for b in BLOCKS if b.kind == "python" and b.marker == "with the app"]


def test_blocks_are_found_with_their_line_and_marker() -> None:
    text = "Run:\n\n<!-- readme-test: skip, starts a server -->\n\n    make run\n\n"
    text += "- a list item\n\n    still the item\n\n```python\nx = 1\n```\n\n```\ntree\n```\n"
    blocks = readme_blocks(text)
    assert [(b.id, b.marker, b.code) for b in blocks] == [
        ("shell-line-5", "skip, starts a server", "make run\n"),
        ("python-line-12", "", "x = 1\n"),
    ]


def test_every_block_is_run_or_says_why_not() -> None:
    markers = {b.marker for b in BLOCKS if b.marker}
    assert all(m == "with the app" or m.startswith("skip, ") for m in markers), markers
    skipped = [b for b in BLOCKS if b.marker.startswith("skip")]
    # only what starts a long-running server (or the suite itself) is left out
    assert all(re.search(r"server|keeps running|suite", b.marker) for b in skipped), skipped
    assert len(SHELL) >= 3 and len(SESSION) >= 2 and len(WITH_APP) >= 2, [b.id for b in BLOCKS]


def _env(home: Path) -> dict[str, str]:
    """A user's shell with the venv activated (``source .venv/bin/activate``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code (the venv's editable install, in CI)
    venv_bin = str(Path(sys.executable).parent)
    env.update(
        PATH=f"{venv_bin}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(Path(venv_bin).parent),
        HOME=str(home),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's checkout as far as the examples read it, with the sample articles indexed."""
    work = tmp_path_factory.mktemp("readme")
    for part in ("data/articles", "data/eval"):
        shutil.copytree(ROOT / part, work / part)
    done = subprocess.run(
        [sys.executable, "-m", "ingest", "data/articles"],
        cwd=work,
        env=_env(work),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return work


def _run(args: list[str], work: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=work,
        env=_env(work),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("block", SHELL, ids=[b.id for b in SHELL])
@SLOW
@LONG
def test_shell_block(block: Block, workdir: Path) -> None:
    done = _run(["bash", "-euo", "pipefail", "-c", block.code], workdir)
    assert done.returncode == 0, f"README line {block.line}:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr


@SLOW
@LONG
def test_python_blocks(workdir: Path) -> None:
    script = "\n\n".join(f"# README line {b.line}\n{b.code}" for b in SESSION)
    (workdir / "readme_examples.py").write_text(script)
    done = _run([sys.executable, "readme_examples.py"], workdir)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("readme-app")
    articles = base / "articles"
    shutil.copytree(ROOT / "data" / "articles", articles)
    port = free_port()
    with running_app(articles, app_env(base / "index", port), port, base / "app.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("block", WITH_APP, ids=[b.id for b in WITH_APP])
@SLOW
@LONG
def test_python_block_with_the_app(block: Block, app_url: str, tmp_path: Path) -> None:
    assert README_URL in block.code
    (tmp_path / "example.py").write_text(block.code.replace(README_URL, app_url))
    done = _run([sys.executable, "example.py"], tmp_path, timeout=300)
    assert done.returncode == 0, f"README line {block.line}:\n{done.stdout}\n{done.stderr}"


def test_make_run_starts_the_app() -> None:
    """``make run`` installs, then runs ``python app.py`` (which test_app_output.py starts)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(
        ["make", "-n", "-o", "install", "run"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].endswith("/bin/python app.py"), done.stdout
