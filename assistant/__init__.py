"""Question (+ history) -> retrieval -> answer with citations. The public API and CLI.

Names are imported on first use, so ``import assistant.extractive`` (or a plain
``import assistant``) does not load the storage stack.

>>> import assistant
>>> assistant.BadQuestionError.__module__
'core.errors'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.types import Answer, Citation, Passage
    from core.errors import (
        AssistantError,
        BadQuestionError,
        IndexBusyError,
        IndexMissingError,
        LLMUnavailableError,
        MissingExtraError,
        StoreUnavailableError,
    )
    from core.settings import Settings, load_settings
    from ingest.report import IngestReport

_WHERE = {
    "Assistant": "assistant.api",
    "Answer": "assistant.types",
    "Citation": "assistant.types",
    "Passage": "assistant.types",
    "IngestReport": "ingest.report",
    "AssistantError": "core.errors",
    "BadQuestionError": "core.errors",
    "IndexBusyError": "core.errors",
    "IndexMissingError": "core.errors",
    "LLMUnavailableError": "core.errors",
    "MissingExtraError": "core.errors",
    "StoreUnavailableError": "core.errors",
    "Settings": "core.settings",
    "load_settings": "core.settings",
}

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "BadQuestionError",
    "Citation",
    "IndexBusyError",
    "IndexMissingError",
    "IngestReport",
    "LLMUnavailableError",
    "MissingExtraError",
    "Passage",
    "Settings",
    "StoreUnavailableError",
    "load_settings",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
