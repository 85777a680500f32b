"""The shared harness's own guarantees: a missing requirement skips on a developer's machine
and fails under CI, and ports and processes are handled as the tests rely on."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from testing.requirements import in_ci, unavailable
from testing.servers import free_port, stop, wait_for_port


@pytest.mark.parametrize(
    ("ci", "outcome"),
    [
        pytest.param("", pytest.skip.Exception, id="developer-skips"),
        pytest.param("true", pytest.fail.Exception, id="ci-fails"),
        pytest.param("1", pytest.fail.Exception, id="ci-1-fails"),
    ],
)
def test_a_missing_requirement_skips_or_fails(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    assert in_ci() is bool(ci)
    with pytest.raises(outcome, match="llama-cpp-python is not installed"):
        unavailable("llama-cpp-python is not installed")


def test_wait_for_port_sees_a_listener_and_a_dead_process() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        wait_for_port(s.getsockname()[1], timeout=5)
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    dead.wait()
    with pytest.raises(RuntimeError, match="exited with code 3"):
        wait_for_port(free_port(), dead, timeout=5)


def test_stop_ends_a_process() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stop(proc, wait_s=5)
    assert proc.returncode is not None
