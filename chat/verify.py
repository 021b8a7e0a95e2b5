"""The one citation check both answerers go through.

An answer may only cite passages that were retrieved. Markers pointing
anywhere else are removed; the passages actually cited are renumbered 1..k
in order of first use and become the answer's citations; passages retrieved
but not cited are not shown. An answer with no valid citation at all is not
an answer: the chain turns it into a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chat.answerers import section_of
from core.text import MARKER
from core.types import Citation, Passage


@dataclass
class Verified:
    text: str
    citations: list[Citation]

    @property
    def ok(self) -> bool:
        return bool(self.citations) and bool(self.text.strip())


def verify(draft: str, passages: list[Passage], quotes: dict[int, list[str]] | None = None
           ) -> Verified:
    """Renumber ``[n]`` markers (1-based into ``passages``) and drop the dangling ones."""
    order: list[int] = []

    def renumber(match: re.Match) -> str:
        n = int(match.group(1))
        if not 1 <= n <= len(passages):
            return ""
        if n not in order:
            order.append(n)
        return f" [{order.index(n) + 1}]"

    text = MARKER.sub(renumber, draft)
    text = re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", text)  # "[1] [1]" -> "[1]"
    text = re.sub(r"[ \t]+", " ", text).strip()
    citations = []
    for new, old in enumerate(order, start=1):
        p, quoted = passages[old - 1], (quotes or {}).get(old, [])
        citations.append(Citation(
            n=new, doc_id=p.doc_id, title=p.title, url=p.url, source=p.source,
            heading=quoted_sections(p, quoted),
            text=p.text, score=p.score, quote=" ".join(quoted), author=p.author,
        ))
    return Verified(text=text, citations=citations)


SECTIONS_SEP = " & "


def quoted_sections(passage: Passage, quoted: list[str]) -> str:
    """The sections a citation's quotes sit under, in quoting order. A resource
    page is one chunk of three sections: its card read "What it is" for every
    quote (visitor trial 10), then named only the first quote's section when
    two points quoted two sections under one [1] (visitor trial 23)."""
    if not quoted:
        return passage.heading
    return SECTIONS_SEP.join(dict.fromkeys(section_of(passage, q) for q in quoted))
