"""Check reference Q&A items before they join the eval set: ``python evals/validate.py FILE``.

Standard library only, so an item writer can run it on a machine with nothing
installed. Each problem is printed with the item's id and line; exit status 1
if there was any. (``tests/test_reference_qa.py`` re-checks the committed set
against the text the loaders actually produce.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSWERABLE_KINDS = {"plain", "paraphrase", "casual", "typo", "emotional", "long", "list",
                    "multi-part", "follow-up"}
UNANSWERABLE_KINDS = {"oos-adjacent", "oos-blatant", "injection", "oos-follow-up"}
REQUIRED = ("id", "question", "kind", "topic", "answerable", "expected_docs", "support")


def corpus_text(doc_id: str) -> str | None:
    """The document's text without its front matter, as written in corpus/."""
    path = ROOT / "corpus" / f"{doc_id}.md"
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        _, _, text = text[4:].partition("\n---\n")  # the closing line of the front matter
    return text


def topics() -> dict[str, dict]:
    data = json.loads((ROOT / "evals" / "topics.json").read_text(encoding="utf-8"))
    return {**data["answerable"], **data["out_of_scope"]}


def problems(item: dict, known_topics: dict[str, dict]) -> list[str]:
    """Everything wrong with one item, as sentences."""
    out = [f"missing field {f!r}" for f in REQUIRED if f not in item]
    if out:
        return out
    kind, answerable = item["kind"], item["answerable"]
    if item["topic"] not in known_topics:
        out.append(f"unknown topic {item['topic']!r}")
    if answerable and kind not in ANSWERABLE_KINDS:
        out.append(f"kind {kind!r} is not an answerable kind")
    if not answerable and kind not in UNANSWERABLE_KINDS:
        out.append(f"kind {kind!r} is not an out-of-scope kind")
    if kind in ("follow-up", "oos-follow-up"):
        history = item.get("history")
        if not (isinstance(history, list) and len(history) >= 2
                and all(t.get("role") in ("user", "assistant") and t.get("content")
                        for t in history)):
            out.append("a follow-up needs history: a user turn and an assistant turn")
    if not answerable:
        if item["support"] or item["expected_docs"]:
            out.append("an unanswerable item has no support and no expected_docs")
        return out
    if not item["support"] or not item["expected_docs"]:
        out.append("an answerable item needs support strings and expected_docs")
    texts = {d: corpus_text(d) for d in item["expected_docs"]}
    for doc, text in texts.items():
        if text is None:
            out.append(f"no document corpus/{doc}.md")
    for support in item["support"]:
        if not any(text and support in text for text in texts.values()):
            out.append(f"support {support!r} is not verbatim in any expected document")
        if any(ch in support for ch in "*[]\n") or len(support.split()) < 2:
            out.append(f"support {support!r}: no Markdown, no line breaks, 2+ words")
    return out


def main(argv: list[str]) -> int:
    known = topics()
    bad = 0
    seen: set[str] = set()
    for path in argv:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                print(f"{path}:{number}: not JSON: {exc}")
                bad += 1
                continue
            found = problems(item, known)
            if item.get("id") in seen:
                found.append("duplicate id")
            seen.add(item.get("id"))
            for p in found:
                print(f"{path}:{number} {item.get('id')}: {p}")
            bad += bool(found)
    print(f"{len(seen)} items, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
