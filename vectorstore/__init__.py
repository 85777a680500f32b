"""Storage only: Chroma (embedded or a server), the embedder, the record of what is indexed."""
