"""The typed objects the stages hand to each other.

``Document`` and ``Chunk`` flow through ingest; ``Passage``, ``Citation`` and
``Answer`` through the question side.

``Answer`` is the one answer type: the CLI prints it, the web app renders it,
the evals score it. Its ``to_dict`` is the JSON contract in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Sentence:
    """One sentence of a passage, with its embedding, for extractive answers."""

    text: str
    index: int
    vector: object = None  # numpy vector; kept loose so this module needs no numpy
    faq: bool = False      # an FAQ question: its answer is the next sentence
    asked: object = None   # embeddings of questions it answers (ingest.questions), or None
    terms: frozenset[str] | None = None  # its stems, filled in on first use
    instruction: bool | None = None      # a planted instruction? filled in on first use


@dataclass
class Passage:
    """A retrieved chunk with where it came from and how it scored."""

    chunk_id: str
    doc_id: str
    text: str
    title: str = ""
    heading: str = ""
    url: str = ""
    source: str = ""
    position: int = 0
    score: float = 0.0        # fused rank score (RRF), higher is better
    dense: float | None = 0.0  # cosine to the query; None for a neighbour (not searched)
    sentences: list[Sentence] = field(default_factory=list)
    rank: int = 0             # 0-based retrieval rank; a neighbour shares its source's
    neighbour: bool = False   # added because it sits next to a retrieved passage
    kind: str = "essay"       # its document's kind: "essay", "resource"…
    author: str = ""          # its document's author, from the front matter ("" if none)


def searched(passages: list[Passage]) -> list[Passage]:
    """The passages a search found, in rank order, without the neighbours added
    beside them: the first is the best-retrieved passage (what the refusal, the
    pointer and the document rules of the answerers look at)."""
    return [p for p in passages if not p.neighbour]


@dataclass
class Citation:
    """A passage the answer actually cites, numbered in order of first use."""

    n: int
    doc_id: str
    title: str
    heading: str
    url: str
    source: str
    text: str
    score: float
    quote: str = ""  # the sentence(s) of the passage the answer relies on
    author: str = ""

    def to_dict(self) -> dict:
        return {"n": self.n, "doc_id": self.doc_id, "title": self.title,
                "heading": self.heading, "url": self.url, "source": self.source,
                "text": self.text, "score": round(self.score, 4), "quote": self.quote,
                "author": self.author}


@dataclass
class Answer:
    """What every front end shows and every eval scores."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    id: str | None = None
    latency_ms: int = 0
    topics: list[str] = field(default_factory=list)
    query: str = ""        # the standalone query actually searched
    backend: str = "extractive"
    error: str | None = None
    notice: str | None = None
    partial: bool = False  # true while a streamed answer is still growing
    # The passages searched for it, best first, neighbours last: what the evals
    # score retrieval on, so they measure the call the app made. Not in to_dict.
    retrieved: list[Passage] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = {"id": self.id, "question": self.question, "answer": self.answer,
                "refused": self.refused, "citations": [c.to_dict() for c in self.citations],
                "latency_ms": self.latency_ms, "topics": self.topics, "query": self.query,
                "backend": self.backend}
        if self.error:
            data["error"] = self.error
        if self.notice:
            data["notice"] = self.notice
        return data

@dataclass(frozen=True)
class Document:
    """One cleaned source document, ready to be chunked.

    ``doc_id`` is the path under the corpus without its extension, so it stays
    the same when the text changes and an update can replace the old chunks.
    """

    doc_id: str
    text: str
    source: str
    title: str = ""
    author: str = ""
    url: str = ""
    date: str = ""
    kind: str = "essay"
    tags: tuple[str, ...] = ()
    audience: str = ""
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Chunk:
    """A token-bounded piece of one document under one heading.

    ``start``/``end`` are character offsets into ``Document.text`` so a reader
    can be shown the surrounding text; ``id`` is a hash of the content.
    """

    id: str
    doc_id: str
    text: str
    heading: str
    start: int
    end: int
    tokens: int
    position: int

    def embedding_text(self, title: str) -> str:
        """What the embedder sees: the passage with the titles that situate it."""
        context = " > ".join(part for part in (title, self.heading) if part)
        return f"{context}\n\n{self.text}" if context else self.text


class LoadError(Exception):
    """A document that cannot be read; the message says why, for the maintainer."""
