"""The storage layer: Chroma (embedded or a server), the embedder, and the record of what is indexed."""

from vectorstore.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
