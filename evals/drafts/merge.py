"""One-off: assemble evals/reference_qa.jsonl from the legacy items and the writers' drafts.

Every item's split is its topic's split in evals/topics.json; legacy items
(written and tuned on before the split existed) on a test topic get split
"legacy" and are in neither dev nor test. The fifth writer's items (dev
topics) and the sixth's (every topic) go to split "holdout" (``HOLDOUT``):
scored with every build, never calibrated or tuned on (see evals/README.md).
The seventh writer's (stop 32, dev topics) are dev.
"""
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
topics = json.loads((HERE.parent / "topics.json").read_text())
split_of = {t: v["split"] for part in ("answerable", "out_of_scope")
            for t, v in topics[part].items()}
HOLDOUT = ("dev5-answerable", "dev5-oos", "dev6-answerable", "dev6-oos")
out = []
for name in ("legacy", "dev-answerable", "dev-oos", "test-answerable", "test-oos",
             "dev2-answerable", "dev2-oos", "dev3-answerable", "dev3-oos",
             "dev4-answerable", "dev4-oos", "dev7-answerable-a", "dev7-answerable-b",
             "dev7-oos", *HOLDOUT):
    for line in (HERE / f"{name}.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        split = split_of[item["topic"]]
        if name == "legacy" and split == "test":
            split = "legacy"
        if name in HOLDOUT:
            split = "holdout"
        item["split"] = split
        item.setdefault("reference_answer", "")
        item.setdefault("category", "")
        out.append(item)
ids = [i["id"] for i in out]
assert len(ids) == len(set(ids)), "duplicate ids"
(HERE.parent / "reference_qa.jsonl").write_text(
    "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in out), encoding="utf-8")
print(Counter(i["split"] for i in out))
print(Counter((i["split"], i["answerable"]) for i in out))
