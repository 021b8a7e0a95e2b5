"""The eval suite end to end: JSON keys, the gate passing now, and failing when degraded."""

from __future__ import annotations

import json

from evals.gate import FLOORS, check
from evals.suite import ANSWERABLE_KINDS, METRIC_KEYS, SPLITS, evaluate, load_items, score_item
from tests.helpers import run_cli


def test_eval_json_prints_every_metric_and_writes_the_report(indexed_settings, tmp_path):
    run = run_cli(["eval", "--json", "--report", str(tmp_path)], indexed_settings)
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(METRIC_KEYS) <= set(metrics)
    assert metrics["n"] >= 300
    for name in ("report.md", "report.html", "kinds.png"):
        assert (tmp_path / name).stat().st_size > 0
    report = (tmp_path / "report.md").read_text()
    assert "| hit_at_5 |" in report and "misses first" in report
    assert "extractive dev" in report and "extractive test" in report


def test_eval_split_test_reports_each_kind(indexed_settings, tmp_path):
    run = run_cli(["eval", "--json", "--split", "test", "--report", str(tmp_path)],
                  indexed_settings)
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout.strip().splitlines()[-1])
    assert 150 <= metrics["n"] < 300
    kinds = metrics["by_kind"]
    assert kinds["typo"]["n"] >= 5 and "answer_hit" in kinds["typo"]
    assert "false_refusal_rate" in kinds["follow-up"]
    assert "refusal_accuracy" in kinds["oos-adjacent"]
    assert "right_passage_cited" not in kinds["oos-adjacent"]


def test_an_unknown_split_is_refused_with_its_name(hash_indexed, tmp_path):
    run = run_cli(["eval", "--split", "train", "--report", str(tmp_path)], hash_indexed)
    assert run.returncode == 2 and "train" in run.stderr


def test_gate_passes_on_the_current_build(indexed_settings, tmp_path):
    run = run_cli(["eval", "--gate", "--report", str(tmp_path)], indexed_settings)
    assert run.returncode == 0, run.stderr


def test_gate_fails_when_retrieval_is_degraded(indexed_settings, tmp_path):
    run = run_cli(["eval", "--gate", "--report", str(tmp_path)], indexed_settings,
                  CAREERBOT_RETRIEVAL_K="1")
    assert run.returncode == 1
    assert "regression:" in run.stderr


def test_gate_rules():
    good = {k: 1.0 for k in ("hit_at_1", "hit_at_3", "hit_at_5", "mrr", "citation_precision",
                             "citation_recall", "answer_support", "answer_f1", "rouge_l",
                             "refusal_accuracy", "right_passage_cited")}
    good |= {"false_refusal_rate": 0.0, "latency_p95_ms": 20.0}
    assert check(good, {"metrics": {"test": good}}) == []
    worse = good | {"citation_recall": 0.9, "false_refusal_rate": 0.1}
    failures = check(worse, {"metrics": {"test": good}})
    assert any("citation_recall" in f for f in failures)
    assert any("false_refusal_rate" in f for f in failures)
    assert check(good | {"right_passage_cited": FLOORS["right_passage_cited"] - 0.01}, None)


def test_gate_fails_when_an_attack_kind_is_answered():
    good = {k: 1.0 for k in ("refusal_accuracy", "right_passage_cited", "answer_support")}
    good |= {"false_refusal_rate": 0.0, "latency_p95_ms": 20.0,
             "by_kind": {"injection": {"n": 12, "refusal_accuracy": 1.0}}}
    assert check(good, None) == []
    leaky = good | {"by_kind": {"injection": {"n": 12, "refusal_accuracy": 10 / 12}}}
    assert any("injection" in f for f in check(leaky, None))


def test_the_eval_scores_the_passages_the_answer_was_given(hash_chain):
    """hit@k is measured on the call the app makes (follow-ups searched with the
    conversation, long messages also by their question sentences), not a second search."""
    items = [i for i in load_items(split="dev") if i["kind"] in ("follow-up", "long")][:6]
    assert len(items) == 6
    for item in items:
        answer = hash_chain.ask(item["question"], item.get("history"))
        row = score_item(hash_chain, item)
        assert row.retrieved_docs == [p.doc_id for p in answer.retrieved if not p.neighbour]
        assert row.retrieved_docs, item["id"]


def test_every_kind_is_scored_with_the_figures_that_fit_it(hash_chain):
    by_kind: dict[str, list[dict]] = {}
    for item in load_items(split="test"):
        by_kind.setdefault(item["kind"], []).append(item)
    sample = [i for items in by_kind.values() for i in items[:3]]
    metrics = evaluate(hash_chain, sample).metrics
    assert set(metrics) == set(SPLITS) and metrics["test"]["n"] == len(sample)
    for kind, figures in metrics["test"]["by_kind"].items():
        assert figures["n"] == len(by_kind[kind][:3])
        if kind in ANSWERABLE_KINDS:
            assert {"right_passage_cited", "false_refusal_rate", "answer_hit"} <= set(figures)
        else:
            assert set(figures) == {"n", "refusal_accuracy"}


class _PointingChain:
    """A chain that refuses but points at the passage holding the answer."""

    def __init__(self, support: str) -> None:
        self.support = support

    def ask(self, question, history=None, id=None):
        from core.types import Answer, Citation

        cited = Citation(n=1, doc_id="essays/x", title="X", heading="", url="", source="",
                         text=f"Some context. {self.support} More.", score=1.0)
        return Answer(question=question, answer="The corpus doesn't cover that. [1]",
                      refused=True, citations=[cited])


def test_a_refusal_earns_nothing_for_the_passage_it_points_to():
    """A refusal names the closest passage, cited, for the visitor; it is still a
    refusal, so it must not count as the right passage cited."""
    item = {"id": "x", "question": "q?", "answerable": True, "expected_docs": ["essays/x"],
            "support": ["the answer is here"], "reference_answer": "here"}
    row = score_item(_PointingChain("the answer is here"), item)
    assert row.refused and row.citation_recall == 0 and row.cited_docs == []
    assert row.citation_precision is None and not row.answer_hit
