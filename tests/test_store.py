"""The store layer: paged reads, server URL validation."""

from __future__ import annotations

import pytest

import core.store as store
from core.config import Settings


def test_whole_collection_reads_are_paged(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "PAGE", 7)
    settings = Settings(data_dir=tmp_path, _env_file=None)
    col = store.open_collection(settings)
    ids = [f"id{i:03d}" for i in range(23)]
    col.upsert(ids=ids, documents=ids, embeddings=[[float(i), 1.0, 0.0] for i in range(23)],
               metadatas=[{"n": i} for i in range(23)])
    got = store.get_all(col, ["documents", "metadatas"])
    assert sorted(got["ids"]) == ids
    assert sorted(m["n"] for m in got["metadatas"]) == list(range(23))
    assert len(got["documents"]) == 23


def test_a_chroma_url_without_a_host_is_named():
    with pytest.raises(store.StoreError, match="has no host"):
        store.client_for(Settings(chroma_url="not a url", _env_file=None))
