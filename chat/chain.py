"""The question-answering chain: guard → condense → retrieve → answer → verify.

One ``Chain`` per process serves the CLI, the web app and the evals, so all
three give the same answer to the same question.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

from chat.answerers import Draft, ExtractiveAnswerer
from chat.condense import condense, normalise_history
from chat.config import Settings
from chat.embedder import Embedder, get_embedder
from chat.guard import guard
from chat.retriever import Retriever
from chat.store import StoreError
from chat.types import Answer
from chat.verify import verify

PASSAGES = 5

NOT_COVERED = ("The corpus doesn't cover that, so I can't answer it from my sources. "
               "It does cover: {topics}.")
EMPTY = "Please type a question about careers — for example finding a mentor, learning ML, " \
        "building a portfolio or switching careers."
UNAVAILABLE = "The knowledge base is temporarily unavailable. Please try again in a moment."


class Chain:
    """Answers questions from the index; build once, call ``ask`` many times."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 retriever: Retriever | None = None, answerer=None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedding_model)
        self._retriever = retriever
        self.answerer = answerer or ExtractiveAnswerer(idf=self._idf)

    def _idf(self, term: str) -> float:
        return self.retriever.lexical().idf(term)

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.settings, self.embedder)
        return self._retriever

    def topics(self, limit: int = 5) -> list[str]:
        """What the corpus covers, for refusals: essay titles, the longest first."""
        records = self.retriever.lexical().records.values()
        essays = Counter(str(r.get("title")) for r in records if r.get("kind") == "essay")
        others = Counter(str(r.get("title")) for r in records if r.get("kind") != "essay")
        return [t for t, _ in (essays.most_common() + others.most_common())][:limit]

    def ask(self, question: object, history: object = None, id: str | None = None) -> Answer:
        """Answer one question; never raises for bad input or an unreachable store."""
        started = time.perf_counter()
        answer = self._answer(question, history)
        answer.id = id
        answer.latency_ms = round((time.perf_counter() - started) * 1000)
        return answer

    def stream(self, question: object, history: object = None) -> Iterator[Answer]:
        """Partial answers as they grow, then the final verified one.

        The extractive answer is ready at once, so it arrives whole; a
        generative answerer yields its text as tokens arrive.
        """
        yield self.ask(question, history)

    def _answer(self, question: object, history: object) -> Answer:
        guarded = guard(question)
        text = str(question) if isinstance(question, str) else ""
        if not guarded.text:
            return Answer(question=text, answer=EMPTY, refused=True, notice=guarded.notice,
                          backend=self.answerer.name)
        turns = normalise_history(history)
        query = condense(guarded.text, turns)
        try:
            vector = self.embedder.embed_query(query)
            passages = self.retriever.search(query, k=PASSAGES, query_vector=vector)
            topics = self.topics()
        except StoreError as exc:
            return Answer(question=text, answer=UNAVAILABLE, refused=True, query=query,
                          error=str(exc), backend=self.answerer.name)
        draft: Draft = self.answerer.draft(query, vector, passages) if passages else Draft("")
        checked = verify(draft.text, passages, draft.quotes)
        support = draft.best + self.retriever.coverage(query, passages)
        if support < self.settings.min_support or not checked.ok:
            return Answer(question=text, answer=NOT_COVERED.format(topics="; ".join(topics)),
                          refused=True, topics=topics, query=query, notice=guarded.notice,
                          backend=self.answerer.name)
        return Answer(question=text, answer=checked.text, refused=False,
                      citations=checked.citations, query=query, notice=guarded.notice,
                      backend=self.answerer.name)
