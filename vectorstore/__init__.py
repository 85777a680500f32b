"""Storage: Chroma (embedded or a server), the embedder, the record of what is indexed."""

from vectorstore.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
