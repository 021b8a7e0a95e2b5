"""Turn a follow-up into a standalone query, using the conversation so far.

"And what about the math?" means nothing to a search index on its own. By
rule (the default), a question that looks like a follow-up is searched
together with the visitor's previous question; a configured LLM may rewrite
it instead (see ``chat.answerers``).
"""

from __future__ import annotations

import re

_FOLLOW_UP_START = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what|ok|okay|what else|why|how come)\b",
    re.I)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|that|this|those|these|there|he|she|his|her|"
                      r"one|ones|which)\b", re.I)
_CONTENT = re.compile(r"[A-Za-z][A-Za-z0-9+#.-]{3,}")


def looks_like_follow_up(question: str) -> bool:
    """Short, starts with a connective, or leans on a pronoun with little content."""
    words = question.split()
    if _FOLLOW_UP_START.match(question):
        return True
    content = [w for w in _CONTENT.findall(question) if not _PRONOUN.fullmatch(w)]
    return len(words) <= 8 and bool(_PRONOUN.search(question)) and len(content) <= 3


def normalise_history(history: object) -> list[dict[str, str]]:
    """Keep only well-formed ``{"role", "content"}`` turns; anything else is dropped."""
    if not isinstance(history, list):
        return []
    turns = []
    for turn in history:
        if isinstance(turn, dict) and turn.get("role") in ("user", "assistant") \
                and isinstance(turn.get("content"), str):
            turns.append({"role": turn["role"], "content": turn["content"]})
    return turns


def condense(question: str, history: list[dict[str, str]]) -> str:
    """The query to search: the question, plus the previous question for a follow-up."""
    previous = [t["content"] for t in history if t["role"] == "user"]
    if not previous or not looks_like_follow_up(question):
        return question
    return f"{previous[-1].strip()} {question.strip()}"
