"""What a test needs from the machine: skipped on a developer's machine, failed in CI.

CI (``CI=true``, as ``.ci/run`` and most CI services set it) installs everything the tests
need, so a missing model or server binary there is a broken install, not a reason to skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True under ``CI=true`` (or ``1``/``yes``)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere: ``reason`` says what is missing and how to install it."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required, not skipped)", pytrace=False)
    pytest.skip(reason)
