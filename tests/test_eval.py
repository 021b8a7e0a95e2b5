"""The eval suite end to end: JSON keys, the gate passing now, and failing when degraded."""

from __future__ import annotations

import json

from evals.gate import FLOORS, check
from evals.suite import METRIC_KEYS
from tests.helpers import run_cli


def test_eval_json_prints_every_metric_and_writes_the_report(indexed_settings, tmp_path):
    run = run_cli(["eval", "--json", "--report", str(tmp_path)], indexed_settings)
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(METRIC_KEYS) <= set(metrics)
    assert metrics["n"] >= 60
    for name in ("report.md", "report.html", "categories.png"):
        assert (tmp_path / name).stat().st_size > 0
    report = (tmp_path / "report.md").read_text()
    assert "| hit_at_5 |" in report and "misses first" in report


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
                             "refusal_accuracy")}
    good |= {"false_refusal_rate": 0.0, "latency_p95_ms": 20.0}
    assert check(good, {"metrics": good}) == []
    worse = good | {"citation_recall": 0.9, "false_refusal_rate": 0.1}
    failures = check(worse, {"metrics": good})
    assert any("citation_recall" in f for f in failures)
    assert any("false_refusal_rate" in f for f in failures)
    assert check(good | {"hit_at_5": FLOORS["hit_at_5"] - 0.01}, None)
