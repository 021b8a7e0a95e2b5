"""careerbot's question side: understanding a question, retrieving passages,
deciding whether to answer, composing and verifying a cited answer.

``Chain`` is the way in: build it once with a ``Settings``, call ``ask`` or
``stream``. Its extension points are the embedder (``core.embedder``), the
answerer (anything with ``drafts`` and ``condense``: ``Answerer``) and the
refusal models (``Refusal``, read from a calibration file).
"""

from core.exports import lazy_getattr

# The public surface: what other packages may import from this one, and from where.
_EXPORTS = {
    "QueryAdapter": "chat.adapter",
    "fit_query_adapter": "chat.adapter",
    "Answerer": "chat.answerers",
    "Draft": "chat.answerers",
    "ExtractiveAnswerer": "chat.answerers",
    "GenerativeAnswerer": "chat.answerers",
    "QUOTE_PIECES": "chat.answerers",
    "Scored": "chat.answerers",
    "Chain": "chat.chain",
    "normalise_history": "chat.condense",
    "MEASURED": "chat.refusal",
    "BEFORE_QUESTIONS": "chat.refusal",
    "BEFORE_FOLLOW_UPS": "chat.refusal",
    "BEFORE_UNCOVERED": "chat.refusal",
    "BEFORE_FOREIGN": "chat.refusal",
    "SIGNALS": "chat.refusal",
    "CalibrationError": "chat.refusal",
    "Decision": "chat.refusal",
    "Refusal": "chat.refusal",
    "Signals": "chat.refusal",
    "support_probability": "chat.refusal",
    "CareerbotRetriever": "chat.retriever",
    "IndexSnapshot": "chat.retriever",
    "Retriever": "chat.retriever",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
