"""The query adapter: a question's embedding moved toward the chunks that answer it."""

from __future__ import annotations

import json

import numpy as np

from chat.adapter import QueryAdapter, fit_query_adapter
from evals.calibrate import answering_chunks

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
    matrix, report = fit_query_adapter(questions[train], chunks, answers[train], dev)
    assert report["dev_mrr"][str(report["lambda"])] > report["dev_mrr"]["identity"] + 0.1, report
    moved = QueryAdapter(matrix)
    held = [i for i in np.flatnonzero(~train)]
    hits = sum(int(np.argmax(chunks @ moved(questions[i])) == answers[i]) for i in held)
    raw = sum(int(np.argmax(chunks @ questions[i]) == answers[i]) for i in held)
    assert hits > raw


def test_an_adapted_vector_stays_a_unit_vector():
    """Chunk vectors are normalised: a dot product with them is a cosine only
    if the moved question is too."""
    rng = np.random.default_rng(1)
    moved = QueryAdapter(np.eye(DIM) + rng.normal(size=(DIM, DIM)))(rng.normal(size=DIM))
    assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-5


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
    path.write_text(json.dumps({"embedding_model": "mini", "adapter": None}))
    assert QueryAdapter.load(path, "mini").matrix is None  # a broken file: no adapter


def test_a_matrix_adds_a_ranking_beside_the_plain_one_and_keeps_the_plain_cosine(hash_chain):
    """The adapted ranking joins the fusion (a document without questions keeps
    the plain dense vote); ``Passage.dense``, which the refusal reads, stays
    the embedder's own cosine."""
    retriever = hash_chain.retriever
    snapshot = retriever.snapshot()
    question = "how do I find a mentor outside my company?"
    vector = retriever.embedder.embed_query(question)
    plain = retriever.rankings(question, vector, snapshot)
    before = retriever.adapter
    try:
        rng = np.random.default_rng(0)
        retriever.adapter = QueryAdapter(np.eye(len(vector)) + rng.normal(size=(len(vector),) * 2))
        adapted = retriever.rankings(question, vector, snapshot)
        moved = retriever.search(question, k=5)
    finally:
        retriever.adapter = before
    assert len(adapted) == len(plain) + 1 and adapted[:len(plain)] == plain
    assert adapted[-1] != plain[0]  # the moved query ranks the chunks otherwise
    for p in moved:
        own = float(snapshot.vectors[snapshot.row[p.chunk_id]] @ vector)
        assert abs((p.dense or 0.0) - own) < 1e-5


def test_the_committed_adapter_brings_unseen_questions_nearer_their_passages(
        chain, reference_items):
    """The matrix in evals/ was fitted for this corpus, its lambda chosen on
    dev: on the holdout questions asked alone, the chunk holding the answer
    ranks higher by dense search with it than without."""
    snapshot = chain.retriever.snapshot()
    assert chain.retriever.adapter.matrix is not None, "run `careerbot calibrate`"
    holdout = [i for i in reference_items if i["split"] == "holdout"]
    asked = answering_chunks(snapshot, chain.embedder, holdout)
    assert len(asked) >= 50

    def mrr(move) -> float:
        ranks = []
        for v, rows in asked:
            sims = snapshot.vectors @ move(v)
            ranks.append(1 + int((sims > sims[rows].max()).sum()))
        return float(np.mean([1 / x for x in ranks]))

    assert mrr(chain.retriever.adapter) > mrr(lambda v: v) + 0.05
