"""Small fakes at careerbot's extension points, for the fast test tier.

The real parts they stand in for (MiniLM, the calibrated refusal, the
extractive answerer) are exercised by the full tier; these let most
behaviour (ingest, the chain's plumbing, citations, the CLI, the web app's
handlers) be tested in seconds, the way httpx tests through a mock transport.
The embedder itself is not faked here: ``hash`` is a built-in of
``core.embedder`` that any configuration may name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chat.answerers import Draft
from chat.refusal import SIGNALS
from core.embedder import get_embedder
from core.types import Passage

HASH = "hash"
# Answer when the closest sentence shares enough words with the question: with
# the hash embedder a cosine of 0.25 is a few content words in common.
HASH_SUPPORT_AT = 0.25


def write_hash_calibration(folder: Path) -> Path:
    """A calibration for the ``hash`` embedder: every question is in the domain,
    and the corpus supports it when its best sentence reaches ``HASH_SUPPORT_AT``.

    Written by hand, not by ``careerbot calibrate``: a hash vector has no
    meaning for a domain model to learn, and the fast tier tests the plumbing
    around the decision, not its quality."""
    folder.mkdir(parents=True, exist_ok=True)
    examples = get_embedder(HASH).embed(["how do I find a mentor", "how do I switch careers",
                                         "what should my portfolio show"])
    np.save(folder / "hash.generic.npy", examples.astype(np.float16))
    weights = [10.0 if name == "best_sentence" else 0.0 for name in SIGNALS]
    calibration = {
        "embedding_model": HASH,
        "domain": {"weights": [0.0] * examples.shape[1], "bias": 1.0, "threshold": 0.0,
                   "override_best_sentence": 1.0},
        "generic": {"examples": "hash.generic.npy"},
        "support": {"signals": list(SIGNALS), "mean": [0.0] * len(SIGNALS),
                    "scale": [1.0] * len(SIGNALS), "weights": weights,
                    "bias": -10.0 * HASH_SUPPORT_AT, "threshold": 0.5},
    }
    path = folder / "hash.json"
    path.write_text(json.dumps(calibration), encoding="utf-8")
    return path


class CannedAnswerer:
    """Answers every supported question with the first sentence of each of the
    first ``cite`` passages, each cited: predictable text for tests of what the
    chain and the front ends do with an answer."""

    name = "canned"

    def __init__(self, cite: int = 2) -> None:
        self.cite = cite

    def drafts(self, question: str, passages: list[Passage], scored: list,
               shape: str = "") -> Iterator[Draft]:
        points = []
        for n, passage in enumerate(passages[: self.cite], start=1):
            first = passage.sentences[0].text if passage.sentences else passage.text[:80]
            points.append(f"{first} [{n}]")
        yield Draft("\n".join(points), final=True)

    def condense(self, question: str, history: list[dict[str, str]]) -> str | None:
        return None
