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


def normalise_history(history: object, turns: int = 6, chars: int = 2000
                      ) -> list[dict[str, str]]:
    """The last ``turns`` well-formed ``{"role", "content"}`` turns, each cut to
    ``chars`` characters; anything else is dropped.

    History comes from the visitor (the public ``/ask`` takes it as given), so it
    is bounded before any work: one 5 MB turn used to be spell-checked, embedded
    and searched whole (41 s of CPU) and echoed back in the answer's query. Only
    the previous question and answer are ever read (``chat.query``), and only
    their first words matter.
    """
    if not isinstance(history, list) or turns <= 0:
        return []
    kept = []
    for turn in reversed(history):
        if len(kept) == turns:
            break
        if isinstance(turn, dict) and turn.get("role") in ("user", "assistant") \
                and isinstance(turn.get("content"), str):
            kept.append({"role": turn["role"], "content": turn["content"][:chars]})
    return kept[::-1]
