"""The maintainer's coverage report: what the index holds and where it is thin.

Read from the store itself (not the corpus folder), so it shows what visitors
can actually get answers from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
from chromadb.api.models.Collection import Collection

from core.store import get_all

NEAR_DUPLICATE = 0.95  # cosine similarity between two chunks' embeddings
THIN_TOKENS = 150


@dataclass
class DocumentCoverage:
    doc_id: str
    title: str
    kind: str
    source: str
    chunks: int
    tokens: int
    headings: list[str]


@dataclass
class CoverageReport:
    documents: list[DocumentCoverage] = field(default_factory=list)
    tags: dict[str, int] = field(default_factory=dict)
    near_duplicates: list[dict] = field(default_factory=list)
    thin: list[str] = field(default_factory=list)

    @property
    def chunk_count(self) -> int:
        return sum(d.chunks for d in self.documents)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["chunks"] = self.chunk_count
        return data


def coverage(collection: Collection) -> CoverageReport:
    """Summarise the collection per document, by tag, and flag duplicates and thin docs."""
    got = get_all(collection, ["metadatas", "embeddings"])
    metas = got["metadatas"] or []
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for meta in metas:
        by_doc[str(meta.get("doc_id"))].append(meta)
    report = CoverageReport()
    tags: Counter[str] = Counter()
    for doc_id, chunk_metas in sorted(by_doc.items()):
        first = chunk_metas[0]
        headings = sorted({str(m.get("heading") or "") for m in chunk_metas} - {""})
        tokens = sum(int(m.get("tokens") or 0) for m in chunk_metas)
        report.documents.append(DocumentCoverage(
            doc_id=doc_id, title=str(first.get("title", "")), kind=str(first.get("kind", "")),
            source=str(first.get("source", "")), chunks=len(chunk_metas), tokens=tokens,
            headings=headings,
        ))
        for tag in str(first.get("tags") or "").split(","):
            if tag.strip():
                tags[tag.strip()] += 1
        if tokens < THIN_TOKENS:
            report.thin.append(doc_id)
    report.tags = dict(tags.most_common())
    embeddings = got.get("embeddings")
    if embeddings is not None and len(embeddings):
        report.near_duplicates = _near_duplicates(got["ids"], metas, np.asarray(embeddings))
    return report


def _near_duplicates(ids: list[str], metas: list[dict], vectors: np.ndarray) -> list[dict]:
    """Pairs of chunks whose embeddings are nearly identical (copy-pasted text)."""
    if len(ids) > 20_000:  # the all-pairs matrix would not fit; skip on huge corpora
        return []
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, 0.0)
    rows, cols = np.where(np.triu(sims) >= NEAR_DUPLICATE)
    return [
        {"a": ids[i], "a_doc": metas[i].get("doc_id"), "b": ids[j], "b_doc": metas[j].get("doc_id"),
         "similarity": round(float(sims[i, j]), 3)}
        for i, j in zip(rows, cols, strict=True)
    ]
