"""The product's few exceptions. Each message is written for the person using it.

The CLI and the web app show ``str(error)`` and never a traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: something the user can act on."""


class IndexBusyError(AssistantError):
    """Another process is writing the same data directory."""


class IndexMissingError(AssistantError):
    """Nothing has been ingested into the data directory yet."""


class StoreUnavailableError(AssistantError):
    """The Chroma server or the local store cannot be reached or opened."""


class LLMUnavailableError(AssistantError):
    """The configured language model cannot be reached or loaded."""


class BadQuestionError(AssistantError):
    """The question is empty or too long."""


class MissingExtraError(AssistantError, ImportError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed. Install it with: pip install -e '.[{extra}]'")
