"""Run the reference Q&A through the same chain the app uses and score it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from chat.chain import Chain
from core.types import searched
from evals import metrics as m

REFERENCE = Path(__file__).resolve().parent / "reference_qa.jsonl"
METRIC_KEYS = ("hit_at_1", "hit_at_3", "hit_at_5", "mrr", "citation_precision",
               "citation_recall", "answer_support", "answer_f1", "rouge_l",
               "refusal_accuracy", "false_refusal_rate", "latency_p50_ms", "latency_p95_ms", "n",
               "right_passage_cited", "answer_hit")
SPLITS = ("dev", "holdout", "test", "all")
# Kinds whose items the corpus answers; every other kind should be refused.
ANSWERABLE_KINDS = ("plain", "paraphrase", "casual", "typo", "emotional", "long", "list",
                    "multi-part", "follow-up")


def load_items(path: Path = REFERENCE, split: str = "all") -> list[dict]:
    """The reference items of one split ("all": every item, the legacy ones included)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    return items if split == "all" else [i for i in items if i.get("split") == split]


@dataclass
class Row:
    """One question's outcome, for the per-question table."""

    id: str
    kind: str
    split: str
    question: str
    answerable: bool
    refused: bool
    answer: str
    expected_docs: list[str]
    cited_docs: list[str]
    retrieved_docs: list[str]
    doc_rank: int | None
    support_rank: int | None
    citation_precision: float | None
    citation_recall: float
    answer_support: float
    f1: float
    rouge_l: float
    latency_ms: int
    answer_hit: bool = False

    @property
    def miss(self) -> bool:
        """Wrong refusal decision, or an answer whose citations hold no support."""
        if self.answerable != (not self.refused):
            return True
        return self.answerable and self.citation_recall == 0.0


@dataclass
class Result:
    backend: str
    rows: list[Row] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def score_item(chain: Chain, item: dict) -> Row:
    answer = chain.ask(item["question"], item.get("history"), id=item["id"])
    retrieved = searched(answer.retrieved)  # what the answer was given
    doc_rank = m.first_hit([p.doc_id in item["expected_docs"] for p in retrieved])
    support_rank = m.first_hit([any(m.contains_support(p.text, s) for s in item["support"])
                                for p in retrieved])
    cited = m.counted_citations(answer)
    return Row(
        id=item["id"], kind=item.get("kind", "plain"), split=item.get("split", ""),
        question=item["question"],
        answerable=item["answerable"], refused=answer.refused, answer=answer.answer,
        expected_docs=item["expected_docs"], cited_docs=[doc for doc, _ in cited],
        retrieved_docs=[p.doc_id for p in retrieved], doc_rank=doc_rank,
        support_rank=support_rank,
        citation_precision=m.citation_precision(cited, item["support"], item["expected_docs"]),
        citation_recall=m.citation_recall(cited, item["support"]),
        answer_support=m.answer_support(  # a point's attribution names its passage's title
            answer.answer, [f"{c.title}\n{c.heading}\n{c.text}" for c in answer.citations])
        if not answer.refused else 0.0,
        f1=m.token_f1(answer.answer, item["reference_answer"]) if not answer.refused else 0.0,
        rouge_l=m.rouge_l(answer.answer, item["reference_answer"]) if not answer.refused else 0.0,
        latency_ms=answer.latency_ms,
        answer_hit=not answer.refused and m.answer_hit(answer.answer, item["support"]),
    )


def aggregate(rows: list[Row]) -> dict:
    """The metrics object printed by `careerbot eval --json`."""
    ans = [r for r in rows if r.answerable]
    answered = [r for r in ans if not r.refused]
    oos = [r for r in rows if not r.answerable]
    precisions = [r.citation_precision for r in answered if r.citation_precision is not None]
    latencies = [r.latency_ms for r in rows]
    result = {
        "hit_at_1": m.mean([m.hit_at_k(r.doc_rank, 1) for r in ans]),
        "hit_at_3": m.mean([m.hit_at_k(r.doc_rank, 3) for r in ans]),
        "hit_at_5": m.mean([m.hit_at_k(r.doc_rank, 5) for r in ans]),
        "mrr": m.mean([m.reciprocal_rank(r.doc_rank) for r in ans]),
        "citation_precision": m.mean(precisions),
        "citation_recall": m.mean([r.citation_recall for r in ans]),
        "answer_support": m.mean([r.answer_support for r in answered]),
        "answer_f1": m.mean([r.f1 for r in ans]),
        "rouge_l": m.mean([r.rouge_l for r in ans]),
        "refusal_accuracy": m.rate([r.refused for r in oos]),
        "false_refusal_rate": m.rate([r.refused for r in ans]),
        "latency_p50_ms": m.percentile(latencies, 0.5),
        "latency_p95_ms": m.percentile(latencies, 0.95),
        "n": len(rows),
        # passage-level retrieval: a retrieved passage holds a support string
        "support_hit_at_1": m.mean([m.hit_at_k(r.support_rank, 1) for r in ans]),
        "support_hit_at_5": m.mean([m.hit_at_k(r.support_rank, 5) for r in ans]),
        "right_passage_cited": m.rate([r.citation_recall > 0 for r in ans]),
        "answer_hit": m.rate([r.answer_hit for r in ans]),
    }
    result = {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}
    result["by_kind"] = by_kind(rows)
    return result


def by_kind(rows: list[Row]) -> dict[str, dict]:
    """Per kind of question: how many, and the figures that apply to that kind."""
    kinds: dict[str, list[Row]] = {}
    for r in rows:
        kinds.setdefault(r.kind, []).append(r)
    out = {}
    for kind, rs in sorted(kinds.items()):
        if all(r.answerable for r in rs):
            out[kind] = {"n": len(rs),
                         "right_passage_cited": round(m.rate([r.citation_recall > 0
                                                              for r in rs]), 4),
                         "false_refusal_rate": round(m.rate([r.refused for r in rs]), 4),
                         "answer_hit": round(m.rate([r.answer_hit for r in rs]), 4)}
        else:
            out[kind] = {"n": len(rs),
                         "refusal_accuracy": round(m.rate([r.refused for r in rs
                                                           if not r.answerable]), 4)}
    return out


def split_metrics(rows: list[Row]) -> dict[str, dict]:
    """The metrics object of every split, from one run over all items."""
    return {split: aggregate([r for r in rows if split == "all" or r.split == split])
            for split in SPLITS}


def evaluate(chain: Chain, items: list[dict] | None = None) -> Result:
    """Warm the chain once, then score every item; ``metrics`` holds every split."""
    items = items if items is not None else load_items()
    chain.ask("warm-up question about mentors")
    rows = [score_item(chain, item) for item in items]
    return Result(backend=chain.answerer.name, rows=rows, metrics=split_metrics(rows))
