"""Open the Chroma collection: embedded on disk by default, a server when configured.

Everything above this module talks to a ``chromadb`` collection and never
needs to know which of the two it got.
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from chat.config import Settings
from chat.embedder import CareerbotEmbeddingFunction


class StoreError(RuntimeError):
    """The vector store cannot be reached or opened; the message names where."""


def _chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def client_for(settings: Settings) -> ClientAPI:
    """A Chroma client: ``HttpClient`` if a URL is configured, else on-disk."""
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise StoreError(f"CAREERBOT_CHROMA_URL {settings.chroma_url!r} has no host")
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https", settings=_chroma_settings(),
            )
        except Exception as exc:
            raise StoreError(
                f"Chroma server at {settings.chroma_url} is unavailable: {exc}"
            ) from exc
    path = settings.chroma_path
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    except PermissionError as exc:
        raise StoreError(f"cannot write the index at {path}: permission denied") from exc
    except OSError as exc:
        raise StoreError(f"cannot open the index at {path}: {exc.strerror or exc}") from exc


def open_collection(
    settings: Settings, client: ClientAPI | None = None, *, sentences: bool = False
) -> Collection:
    """The careerbot collection: cosine space, our embedding function, no default one.

    ``sentences=True`` opens the companion collection holding one entry per
    sentence of every chunk, which the extractive answerer scores.
    """
    client = client or client_for(settings)
    return client.get_or_create_collection(
        name=sentence_collection_name(settings) if sentences else settings.collection,
        embedding_function=CareerbotEmbeddingFunction(settings.embedding_model),
        configuration={"hnsw": {"space": "cosine"}},
    )


def sentence_collection_name(settings: Settings) -> str:
    return f"{settings.collection}_sentences"


def drop_collection(settings: Settings, client: ClientAPI | None = None) -> None:
    """Delete both collections if they exist (``--rebuild``)."""
    client = client or client_for(settings)
    for name in (settings.collection, sentence_collection_name(settings)):
        with contextlib.suppress(Exception):  # NotFoundError or ValueError, by version
            client.delete_collection(name)


PAGE = 5000


def get_all(collection: Collection, include: list[str]) -> dict:
    """Every row of a collection, read a page at a time.

    One ``get()`` of a large collection fails inside Chroma ("too many SQL
    variables" at 100k rows), so reads of everything are paged.
    """
    out: dict = {"ids": []}
    for key in include:
        out[key] = []
    offset = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=offset)
        out["ids"] += page["ids"]
        for key in include:
            values = page.get(key)
            out[key] += list(values) if values is not None else []
        if len(page["ids"]) < PAGE:
            return out
        offset += PAGE
