"""Visitors' thumbs up/down, kept as JSON lines under the data directory.

What is stored: the question (its first ``max_chars`` characters, the part
the chain answered: a 1 MB question voted on ten times used to add 10 MB),
the answer, its citations (doc id, heading), the vote and the time. Nothing
about the visitor: no IP address, no user agent, no session id.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

_LOCK = threading.Lock()


def feedback_path(data_dir: Path) -> Path:
    return data_dir / "feedback.jsonl"


def _entry(answer: dict, vote: str, max_chars: int) -> dict:
    if vote not in ("up", "down"):
        raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "vote": vote,
        "question": str(answer.get("question") or "")[:max_chars],
        "answer": answer.get("answer", ""),
        "refused": bool(answer.get("refused")),
        "citations": [{"n": c.get("n"), "doc_id": c.get("doc_id"), "heading": c.get("heading")}
                      for c in answer.get("citations", [])],
    }


def record(data_dir: Path, answer: dict, vote: str, max_chars: int = 2000) -> dict:
    """Append one vote ('up' or 'down') for an answer object (``Answer.to_dict()``)."""
    entry = _entry(answer, vote, max_chars)
    path = feedback_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def replace_vote(data_dir: Path, answer_id: str, answer: dict, vote: str | None,
                 max_chars: int = 2000) -> dict | None:
    """The one vote for an answer: a changed vote replaces the earlier one, and
    ``None`` (a vote taken back) removes it.

    Liking and then disliking one answer used to store two votes, so the
    summaries counted it twice. ``answer_id`` is random per answer (it names no
    visitor or session). The file is rewritten, which is fine at the size a
    human-voted log reaches.
    """
    entry = None if vote is None else {**_entry(answer, vote, max_chars), "answer_id": answer_id}
    path = feedback_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        kept = [line for line in lines if _answer_id(line) != answer_id]
        if entry is not None:
            kept.append(json.dumps(entry, ensure_ascii=False))
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
        os.replace(tmp, path)
    return entry


def _answer_id(line: str) -> str | None:
    try:
        return json.loads(line).get("answer_id")
    except (ValueError, AttributeError):
        return None


def load(data_dir: Path) -> list[dict]:
    """Every vote recorded; unreadable lines are skipped, not fatal."""
    path = feedback_path(data_dir)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return entries


def summary(entries: list[dict]) -> dict:
    """Counts, and the questions most often voted down."""
    votes = Counter(e.get("vote") for e in entries)
    down = Counter(e.get("question", "") for e in entries if e.get("vote") == "down")
    return {"votes": len(entries), "up": votes.get("up", 0), "down": votes.get("down", 0),
            "refused_down": sum(1 for e in entries if e.get("vote") == "down" and e.get("refused")),
            "most_downvoted": [{"question": q, "down": n} for q, n in down.most_common(10)]}


def eval_candidates(entries: list[dict]) -> list[dict]:
    """Downvoted questions shaped like reference Q&A items, for a maintainer to complete."""
    seen: set[str] = set()
    items = []
    for e in entries:
        question = e.get("question", "").strip()
        if e.get("vote") != "down" or not question or question in seen:
            continue
        seen.add(question)
        items.append({"id": f"fb{len(items) + 1:03d}", "question": question,
                      "reference_answer": "", "expected_docs": [], "support": [],
                      "category": "", "answerable": None, "note": "from feedback: "
                      + ("refused" if e.get("refused") else "answered") + ", voted down",
                      "bot_answer": e.get("answer", "")})
    return items
