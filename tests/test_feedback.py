"""Feedback storage, summary and export of downvoted questions as eval candidates."""

from __future__ import annotations

import json

from careerbot import feedback
from tests.helpers import run_cli


def test_votes_are_stored_without_anything_about_the_visitor(tmp_path):
    answer = {"question": "How do I find a mentor?", "answer": "Ask [1].", "refused": False,
              "citations": [{"n": 1, "doc_id": "essays/x", "heading": "H", "text": "long"}]}
    entry = feedback.record(tmp_path, answer, "down")
    assert set(entry) == {"time", "vote", "question", "answer", "refused", "citations"}
    assert feedback.load(tmp_path) == [entry]


def test_cli_summarises_and_exports_candidates(settings, tmp_path):
    for vote, q in [("up", "a?"), ("down", "b?"), ("down", "b?"), ("down", "c?")]:
        feedback.record(settings.data_dir, {"question": q, "answer": "x", "refused": q == "c?"},
                        vote)
    out = tmp_path / "candidates.jsonl"
    run = run_cli(["feedback", "--json", "--export", str(out)], settings)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["votes"], report["up"], report["down"]) == (4, 1, 3)
    assert report["most_downvoted"][0] == {"question": "b?", "down": 2}
    items = [json.loads(line) for line in out.read_text().splitlines()]
    assert [i["question"] for i in items] == ["b?", "c?"]
    assert all({"id", "question", "expected_docs", "support"} <= set(i) for i in items)


def test_a_changed_vote_replaces_the_first_and_a_withdrawn_one_is_removed(tmp_path):
    answer = {"question": "How do I find a mentor?", "answer": "Ask [1].", "refused": False}
    feedback.record(tmp_path, {"question": "older", "answer": "x"}, "up")
    feedback.replace_vote(tmp_path, "a1", answer, "up")
    feedback.replace_vote(tmp_path, "b2", answer, "up")
    feedback.replace_vote(tmp_path, "a1", answer, "down")
    votes = [(e.get("answer_id"), e["vote"]) for e in feedback.load(tmp_path)]
    assert votes == [(None, "up"), ("b2", "up"), ("a1", "down")]
    feedback.replace_vote(tmp_path, "b2", answer, None)
    assert [e.get("answer_id") for e in feedback.load(tmp_path)] == [None, "a1"]
