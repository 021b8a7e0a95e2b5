"""careerbot's question side: understanding a question, retrieving passages,
deciding whether to answer, composing and verifying a cited answer.

``Chain`` is the way in: build it once with a ``Settings``, call ``ask`` or
``stream``. Its extension points are the embedder (``core.embedder``), the
answerer (anything with ``drafts`` and ``condense``, see
``chat.answerers.Answerer``) and the refusal models (``chat.refusal``).
"""

from chat.answerers import Answerer, Draft, ExtractiveAnswerer, GenerativeAnswerer
from chat.chain import Chain
from chat.refusal import CalibrationError, Decision, Refusal, Signals
from chat.retriever import CareerbotRetriever, IndexSnapshot, Retriever

__all__ = ["Answerer", "CalibrationError", "CareerbotRetriever", "Chain", "Decision", "Draft",
           "ExtractiveAnswerer", "GenerativeAnswerer", "IndexSnapshot", "Refusal", "Retriever",
           "Signals"]
