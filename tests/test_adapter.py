"""The query adapter: a question's embedding moved toward the chunks that answer it."""

from __future__ import annotations

import json

import numpy as np

from chat import adapter
from chat.adapter import QueryAdapter
from evals.metrics import contains_support

DIM = 16


def _world(seed: int = 0):
    """Chunks, and questions that are each a distorted copy of their chunk: the
    same distortion for every question (questions are worded alike, passages
    alike), which a linear map can undo and the raw cosine cannot."""
    rng = np.random.default_rng(seed)
    chunks = rng.normal(size=(30, DIM))
    chunks /= np.linalg.norm(chunks, axis=1, keepdims=True)
    twist = np.eye(DIM) + 2.5 * rng.normal(size=(DIM, DIM)) / np.sqrt(DIM)
    answers = np.repeat(np.arange(30), 4)
    questions = chunks[answers] @ twist + 0.05 * rng.normal(size=(len(answers), DIM))
    questions /= np.linalg.norm(questions, axis=1, keepdims=True)
    return chunks.astype(np.float32), questions.astype(np.float32), answers


def test_a_fitted_adapter_ranks_the_answering_chunk_higher_for_new_questions():
    """Fitted on some questions, it must help other questions about the same
    chunks (dev chooses lambda, and is scored, without being trained on)."""
    chunks, questions, answers = _world()
    train = np.arange(len(answers)) % 4 != 0
    dev = [(questions[i], [int(answers[i])]) for i in np.flatnonzero(~train)]
    matrix, report = adapter.fit(questions[train], chunks, answers[train], dev)
    assert report["dev_mrr"][str(report["lambda"])] > report["dev_mrr"]["identity"] + 0.1, report
    moved = QueryAdapter(matrix)
    held = [i for i in np.flatnonzero(~train)]
    hits = sum(int(np.argmax(chunks @ moved(questions[i])) == answers[i]) for i in held)
    raw = sum(int(np.argmax(chunks @ questions[i]) == answers[i]) for i in held)
    assert hits > raw


def test_an_adapted_vector_stays_a_unit_vector():
    chunks, questions, answers = _world(1)
    matrix, _ = adapter.fit(questions, chunks, answers, [(questions[0], [int(answers[0])])])
    assert abs(float(np.linalg.norm(QueryAdapter(matrix)(questions[3]))) - 1.0) < 1e-5


def test_no_adapter_for_another_embedder_or_without_a_file(tmp_path):
    """A calibration made for another embedder, or none, leaves retrieval as it
    was: the identity, never a matrix of the wrong meaning."""
    np.save(tmp_path / "c.adapter.npy", np.eye(4, dtype=np.float16) * 2)
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"embedding_model": "mini", "adapter": {"matrix":
                                                                        "c.adapter.npy"}}))
    v = np.array([0.6, 0.8, 0.0, 0.0], dtype=np.float32)
    assert QueryAdapter.load(path, "mini").matrix is not None
    assert QueryAdapter.load(path, "other").matrix is None
    assert QueryAdapter.load(tmp_path / "missing.json", "mini").matrix is None
    assert np.allclose(QueryAdapter.load(path, "other")(v), v)


def test_retrieval_with_a_matrix_adds_a_ranking_and_keeps_the_plain_cosine(hash_chain):
    """The adapted ranking joins the fusion; ``Passage.dense`` (what the refusal
    reads) stays the embedder's own cosine."""
    retriever = hash_chain.retriever
    question = "how do I find a mentor outside my company?"
    plain = retriever.search(question, k=5)
    vector = retriever.embedder.embed_query(question)
    before = retriever.adapter
    try:
        rng = np.random.default_rng(0)
        retriever.adapter = QueryAdapter(np.eye(len(vector)) + rng.normal(size=(len(vector),) * 2))
        moved = retriever.search(question, k=5)
    finally:
        retriever.adapter = before
    assert [p.chunk_id for p in moved] != [p.chunk_id for p in plain]
    snapshot = retriever.snapshot()
    for p in moved:
        own = float(snapshot.vectors[snapshot.row[p.chunk_id]] @ vector)
        assert abs((p.dense or 0.0) - own) < 1e-5


def test_the_committed_adapter_brings_dev_questions_nearer_their_passages(
        chain, reference_items):
    """The matrix in evals/ was fitted for this corpus: on the dev questions
    asked alone, the chunk holding the answer ranks higher by dense search
    with it than without (calibration reports 0.605 -> 0.791)."""
    snapshot = chain.retriever.snapshot()
    assert chain.retriever.adapter.matrix is not None, "run `careerbot calibrate`"
    texts = [snapshot.records[cid]["text"] for cid in snapshot.ids]
    dev = [i for i in reference_items if i["split"] == "dev" and i["answerable"]
           and not i.get("history")]
    rows = [[n for n, t in enumerate(texts) if any(contains_support(t, s) for s in i["support"])]
            for i in dev]
    kept = [(i, r) for i, r in zip(dev, rows, strict=True) if r]
    vectors = chain.embedder.embed([i["question"] for i, _ in kept])

    def mrr(move) -> float:
        ranks = []
        for v, (_, r) in zip(vectors, kept, strict=True):
            sims = snapshot.vectors @ move(v)
            ranks.append(1 + int((sims > sims[r].max()).sum()))
        return float(np.mean([1 / x for x in ranks]))

    assert mrr(chain.retriever.adapter) > mrr(lambda v: v) + 0.1
