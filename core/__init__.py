"""careerbot's shared core: the settings, the embedders, the store and the typed
objects every stage hands on, plus the text conventions they share.

The corpus side (``ingest``) and the question side (``chat``) both build on
this package and never on each other; the evals build on ``chat``; the app
surfaces (``careerbot``: CLI, web) sit on top of everything.
"""

from core.exports import lazy_getattr

# The public surface: what other packages may import from this one, and from where.
_EXPORTS = {
    "Settings": "core.config",
    "Embedder": "core.embedder",
    "EmbedderError": "core.embedder",
    "HashEmbedder": "core.embedder",
    "SentenceEmbedder": "core.embedder",
    "get_embedder": "core.embedder",
    "lazy_getattr": "core.exports",
    "register_embedder": "core.embedder",
    "StoreError": "core.store",
    "client_for": "core.store",
    "drop_collection": "core.store",
    "forget_client": "core.store",
    "get_all": "core.store",
    "new_generation": "core.store",
    "open_collection": "core.store",
    "read_generation": "core.store",
    "remove_stale_folders": "core.store",
    "CITATION": "core.text",
    "HEADING": "core.text",
    "ITEM_SEP": "core.text",
    "QUOTE_MARKS": "core.text",
    "SENTENCE_BREAK": "core.text",
    "comparable": "core.text",
    "MARKER": "core.text",
    "MARKER_RUN": "core.text",
    "heading_words": "core.text",
    "innermost_heading": "core.text",
    "markers": "core.text",
    "strip_markers": "core.text",
    "title_and_section": "core.text",
    "tokenize": "core.text",
    "Answer": "core.types",
    "Chunk": "core.types",
    "Citation": "core.types",
    "Document": "core.types",
    "LoadError": "core.types",
    "Passage": "core.types",
    "Sentence": "core.types",
    "searched": "core.types",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
