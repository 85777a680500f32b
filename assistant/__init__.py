"""Question (+ history) -> retrieval -> answer with citations. The public API and CLI."""

from assistant.api import Assistant
from assistant.types import Answer, Citation, Passage
from ingest.report import IngestReport
from vectorstore.errors import (
    AssistantError,
    BadQuestionError,
    IndexBusyError,
    IndexMissingError,
    LLMUnavailableError,
    MissingExtraError,
    StoreUnavailableError,
)
from vectorstore.settings import Settings, load_settings

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
