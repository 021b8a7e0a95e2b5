"""Open the Chroma collection: embedded on disk by default, a server when configured.

Everything above this module talks to a ``chromadb`` collection and never
needs to know which of the two it got.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import threading
import uuid
from pathlib import Path
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from core.config import Settings
from core.embedder import CareerbotEmbeddingFunction


class StoreError(RuntimeError):
    """The vector store cannot be reached or opened; the message names where."""


# Chroma keeps one embedded "system" per path and process; creating two at once
# on one path fails inside Chroma (KeyError on the path), so opening is serialised.
_OPENING = threading.Lock()


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
        with _OPENING:
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


def forget_client(settings: Settings) -> None:
    """Make the next ``client_for`` read the embedded index from disk again.

    Chroma caches one embedded system per path and process, and that system
    keeps its vector index in memory: rows another process wrote since are
    invisible to it ("Error finding id"). Clients already open keep the old
    system until they are dropped, so an ingest running in this process is not
    disturbed. (Uses Chroma's private cache: there is no public way.)
    """
    if not settings.chroma_url:
        with _OPENING:
            SharedSystemClient._identifier_to_system.pop(str(settings.chroma_path), None)


def read_generation(settings: Settings) -> str:
    """The index's generation stamp ("" if none yet): it changes whenever an
    ingest has written to the store, so a running app knows to reopen it."""
    try:
        return settings.generation_path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def new_generation(settings: Settings) -> None:
    """Stamp the index as changed (atomically: a reader never sees half a stamp)."""
    path = settings.generation_path
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(uuid.uuid4().hex, encoding="utf-8")
    os.replace(tmp, path)


_SEGMENT_DIR = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def remove_stale_folders(settings: Settings) -> list[Path]:
    """Delete the vector-index folders of collections that no longer exist.

    Chroma leaves a dropped collection's folder (named after its segment id)
    on disk, so every rebuild used to leave a copy of the index behind. Only
    folders that no segment in Chroma's catalogue names are removed; call this
    under the ingest lock. Returns what was removed.
    """
    root = settings.chroma_path
    catalogue = root / "chroma.sqlite3"
    if settings.chroma_url or not catalogue.exists():
        return []
    with contextlib.closing(sqlite3.connect(catalogue.resolve().as_uri() + "?mode=ro",
                                                  uri=True)) as db:
        live = {row[0] for row in db.execute("SELECT id FROM segments")}
    stale = [p for p in root.iterdir()
             if p.is_dir() and _SEGMENT_DIR.fullmatch(p.name) and p.name not in live]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


PAGE = 5000


def get_all(collection: Collection, include: list[str], where: dict | None = None) -> dict:
    """Every row of a collection (that ``where`` selects), read a page at a time.

    One ``get()`` of a large collection fails inside Chroma ("too many SQL
    variables" at 100k rows), so reads of everything are paged.
    """
    out: dict = {"ids": []}
    for key in include:
        out[key] = []
    offset = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=offset, where=where)
        out["ids"] += page["ids"]
        for key in include:
            values = page.get(key)
            out[key] += list(values) if values is not None else []
        if len(page["ids"]) < PAGE:
            return out
        offset += PAGE
