"""What ``python app.py`` prints, run in a terminal as a user starts it: what it indexed and
where to open the chat, and none of the libraries' noise (debug logging, Gradio's share hint,
the weight-loading bar, the lxml ``html_clean`` warning, a traceback)."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from testing.paths import ROOT, SAMPLE_DIR
from testing.servers import app_env, free_port, stop, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

NOISE = [
    pytest.param(r"\bDEBUG\b", id="debug-lines"),
    pytest.param(r"share=True|public link", id="share-hint"),
    pytest.param(r"Loading weights|Loading checkpoint|\d+/\d+ \[|it/s\]", id="progress-bar"),
    pytest.param(r"html_clean", id="lxml-warning"),
    pytest.param(r"Traceback|Warning:|WARNING", id="warnings"),
]


def _run_in_terminal(articles: Path, data_dir: Path, log: Path, until: str) -> str:
    """Start app.py on a pseudo-terminal (so terminal-only bars would show), wait until it
    listens and has printed a line matching ``until``, stop it; returns everything printed."""
    port = free_port()
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "app.py", str(articles)],
        cwd=ROOT,
        env=app_env(data_dir, port),
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal closed when the app exited
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for_port(port, proc, timeout=240)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not re.search(
            until, b"".join(chunks).decode("utf-8", "replace"), re.M
        ):
            time.sleep(0.2)
        time.sleep(1)  # anything printed right after
    finally:
        stop(proc)
        reader.join(10)
        os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r", "")
    log.write_text(text)
    return text


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> list[str]:
    """The output of a first start (empty index) and of a second start over the same data."""
    base = tmp_path_factory.mktemp("app-output")
    articles = base / "articles"
    shutil.copytree(SAMPLE_DIR, articles)
    index = base / "index"
    first = _run_in_terminal(articles, index, artifacts / "app-first-start.log", "^Chat on ")
    second = _run_in_terminal(articles, index, artifacts / "app-second-start.log", "^Caught up")
    return [first, second]


def test_each_start_says_what_it_indexed_and_where_to_open_the_chat(
    outputs: list[str],
) -> None:
    first, second = outputs
    assert re.search(r"^First start: indexing .*articles \.\.\.$", first, re.M), first
    assert re.search(r"^Indexed 1 article\.$", first, re.M), first
    for text in (first, second):
        assert re.search(r"^Index: 1 article, \d+ chunks in .*index$", text, re.M), text
        assert re.search(r"^Chat on http://127\.0\.0\.1:\d+/ ", text, re.M), text
        assert re.search(r"^Watching .*articles for new, changed and removed", text, re.M), text
    assert "First start" not in second
    # a later start: the watcher catches up in the background and says what changed
    assert re.search(r"^Caught up with .*articles: 0 new, 0 changed, 1 unchanged", second, re.M)
    for text in (first, second):
        lines = [line for line in text.splitlines() if line.strip()]
        assert len(lines) <= 5, text  # nothing but these lines


@pytest.mark.parametrize("pattern", NOISE)
def test_no_library_noise(outputs: list[str], pattern: str) -> None:
    for text in outputs:
        assert not re.search(pattern, text), text
