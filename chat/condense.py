"""Recognise a follow-up, and keep only well-formed turns of the conversation.

"And what about the math?" means nothing to a search index on its own;
``chat.query`` searches a follow-up together with the previous turn, and a
configured LLM may rewrite it as one more search (see ``chat.answerers``).
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
