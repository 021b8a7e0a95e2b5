"""The typed objects the ingest stages hand to each other."""

from __future__ import annotations

from dataclasses import dataclass, field


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
