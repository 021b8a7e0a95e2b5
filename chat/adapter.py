"""The query adapter: a question's embedding moved toward the passages that answer it.

A small embedder puts a question near other questions and a passage near other
passages: "how do i stop feeling like a fraud?" is closer to questions about
fraud than to the essay section on impostor syndrome that answers it. The
documents' own questions (``ingest.questions``, written from the documents
alone) say which chunk answers what; a linear map learned from them, kept
close to the identity, carries a visitor's question toward the chunk that
answers it. It gives the fusion a second dense ranking and nothing else:
``Passage.dense``, the refusal's signals and the answer's sentence scores are
the embedder's own cosines (which passages they are read from does depend on
it). Adapting the sentence scores too lowered dev answer hit 0.760 -> 0.719.

``careerbot calibrate`` fits it (``fit``) and writes the matrix beside the
calibration file; no eval question is training data, so dev and holdout
measure it as questions nobody tuned for. Dense retrieval alone, support chunk
in the top 5: dev 0.730 -> 0.896, holdout 0.693 -> 0.807 (docs/ARCHITECTURE.md,
"The query adapter").
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

LAMBDAS = (0.003, 0.01, 0.03, 0.1)  # pull toward the identity; ``fit`` picks one on dev
SCALE = 20.0      # softmax temperature over cosines while fitting
EPOCHS = 200      # full-batch steps of Adam
RATE = 1e-3       # Adam's learning rate


class QueryAdapter:
    """Maps a question's embedding; the identity when there is no matrix (no
    calibration yet, or one made for another embedder)."""

    def __init__(self, matrix: np.ndarray | None = None) -> None:
        self.matrix = None if matrix is None else np.asarray(matrix, dtype=np.float32)

    def __call__(self, vector: np.ndarray) -> np.ndarray:
        """The moved vector, normalised (the chunks' are: a dot product is a cosine);
        the vector itself when the matrix does not fit it."""
        v = np.asarray(vector, dtype=np.float32)
        if self.matrix is None or self.matrix.shape != (v.shape[-1], v.shape[-1]):
            return v
        moved = v @ self.matrix
        norm = np.linalg.norm(moved, axis=-1, keepdims=True)
        return moved / np.where(norm > 0, norm, 1.0)

    @classmethod
    def load(cls, calibration: Path, embedding_model: str) -> QueryAdapter:
        """The adapter ``calibration`` names, if it was fitted for this embedder;
        the identity otherwise (retrieval works as before the adapter existed)."""
        try:
            about = json.loads(calibration.read_text(encoding="utf-8"))
            name = about.get("adapter", {}).get("matrix")
            if not name or about.get("embedding_model") != embedding_model:
                return cls()
            matrix = np.load(calibration.parent / name)
            if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
                raise ValueError(f"{name} is not a square matrix: {matrix.shape}")
            return cls(matrix)
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            log.warning("no query adapter (%s): dense retrieval uses the raw embedding", exc)
            return cls()


def fit_query_adapter(questions: np.ndarray, chunks: np.ndarray, answers: np.ndarray,
        dev: list[tuple[np.ndarray, list[int]]]) -> tuple[np.ndarray, dict]:
    """The matrix, and a report of how it was chosen.

    ``questions[i]`` is answered by chunk ``answers[i]`` of ``chunks``. The
    loss is the cross-entropy of the answering chunk among all chunks (cosines
    times ``SCALE``), plus ``lambda`` times the squared distance of the matrix
    from the identity. ``lambda`` is the one under which the ``dev`` questions
    (an embedding and the rows of the chunks holding its answer) rank an
    answering chunk highest (mean reciprocal rank): dev is where every number
    is chosen, and it is not training data.
    """
    vectors = np.array([v for v, _ in dev]) if dev else np.zeros((0, chunks.shape[1]))
    rows = [r for _, r in dev]
    report = {"identity": _mrr(None, vectors, chunks, rows)}
    matrices = {}
    for lam in LAMBDAS:  # as stored (float16), so the figures are the shipped matrix's
        matrices[lam] = _train(questions, chunks, answers, lam).astype(np.float16).astype(
            np.float32)
        report[str(lam)] = _mrr(matrices[lam], vectors, chunks, rows)
    best = max(LAMBDAS, key=lambda lam: report[str(lam)])
    return matrices[best], {"lambda": best, "dev_mrr": report, "questions": len(questions),
                            "chunks": len(chunks), "dev_questions": len(dev),
                            "scale": SCALE, "epochs": EPOCHS, "rate": RATE}


def _train(questions: np.ndarray, chunks: np.ndarray, answers: np.ndarray,
           lam: float) -> np.ndarray:
    """Full-batch Adam from the identity: no randomness, the same matrix on every
    run (torch is imported here: only calibration needs it)."""
    import torch

    x = torch.tensor(questions, dtype=torch.float32)
    c = torch.tensor(chunks, dtype=torch.float32)
    y = torch.tensor(answers, dtype=torch.long)
    eye = torch.eye(x.shape[1])
    w = eye.clone().requires_grad_(True)
    step = torch.optim.Adam([w], lr=RATE)
    for _ in range(EPOCHS):
        q = x @ w
        q = q / q.norm(dim=1, keepdim=True)
        loss = torch.nn.functional.cross_entropy(SCALE * q @ c.T, y) \
            + lam * ((w - eye) ** 2).sum()
        step.zero_grad()
        loss.backward()
        step.step()
    return w.detach().numpy()


def _mrr(matrix: np.ndarray | None, questions: np.ndarray, chunks: np.ndarray,
         answering: list[list[int]]) -> float:
    """Mean reciprocal rank of the best-ranked answering chunk."""
    if not len(questions):
        return 0.0
    q = questions if matrix is None else questions @ matrix
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    sims = q @ chunks.T
    ranks = [1 + int((row > row[rows].max()).sum()) for row, rows in zip(sims, answering,
                                                                          strict=True)]
    return round(float(np.mean([1.0 / r for r in ranks])), 4)
