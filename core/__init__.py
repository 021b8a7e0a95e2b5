"""careerbot's shared core: the settings, the embedder, the store and the typed
objects every stage hands on, plus the text conventions they share.

The corpus side (``ingest``) and the question side (``chat``) both build on
this package and never on each other; the evals build on ``chat``; the app
surfaces (``careerbot``: CLI, web) sit on top of everything.
"""

from core.config import Settings
from core.embedder import (
    Embedder,
    EmbedderError,
    HashEmbedder,
    SentenceEmbedder,
    get_embedder,
    register_embedder,
)
from core.store import StoreError
from core.types import Answer, Chunk, Citation, Document, LoadError, Passage, Sentence

__all__ = ["Answer", "Chunk", "Citation", "Document", "Embedder", "EmbedderError",
           "HashEmbedder", "LoadError", "Passage", "Sentence", "SentenceEmbedder", "Settings",
           "StoreError", "get_embedder", "register_embedder"]
