"""The command-line contract of `careerbot ask`, run as a real subprocess."""

from __future__ import annotations

import json

from tests.helpers import run_cli


def test_ask_json_prints_one_answer_object(indexed_settings):
    run = run_cli(["ask", "--json", "How many projects should I build before applying?"],
               indexed_settings)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["refused"] is False and answer["citations"]
    assert answer["citations"][0]["n"] == 1 and "[1]" in answer["answer"]


def test_jsonl_keeps_order_and_ids_and_survives_a_bad_line(indexed_settings):
    lines = [
        json.dumps({"id": "first", "question": "How do I find a mentor?"}),
        "this is not json",
        json.dumps({"id": "third", "question": "What is the capital of France?"}),
        json.dumps({"id": "fourth", "question": "and how often does it meet?", "history": [
            {"role": "user", "content": "What is the ML mentorship program?"}]}),
    ]
    run = run_cli(["ask", "--jsonl"], indexed_settings, stdin="\n".join(lines) + "\n")
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.strip().splitlines()]
    assert [o.get("id") for o in out] == ["first", None, "third", "fourth"]
    assert "error" in out[1] and out[1]["line"] == 2
    assert out[0]["refused"] is False and out[2]["refused"] is True
    assert all(isinstance(o["latency_ms"], int) for o in out if "error" not in o)
