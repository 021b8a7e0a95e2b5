"""The question-answering chain: guard → condense → retrieve → answer → verify.

One ``Chain`` per process serves the CLI, the web app and the evals, so all
three give the same answer to the same question.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from chat.answerers import (
    Draft,
    ExtractiveAnswerer,
    GenerativeAnswerer,
    LLMError,
    score_sentences,
)
from chat.condense import condense, looks_like_follow_up, normalise_history
from chat.config import Settings
from chat.embedder import Embedder, get_embedder
from chat.guard import guard
from chat.retriever import NEIGHBOURS_OF, Retriever, tokenize
from chat.store import StoreError
from chat.types import Answer, Passage
from chat.verify import verify

NOT_COVERED = ("The corpus doesn't cover that, so I can't answer it from my sources. "
               "It does cover: {topics}.")
EMPTY = "Please type a question about careers. The corpus covers: {topics}."
UNAVAILABLE = "The knowledge base is temporarily unavailable. Please try again in a moment."
LLM_DOWN = "The language model did not answer, so this answer is quoted from the sources."


@dataclass
class _Context:
    """Everything known about a question once it has been retrieved for."""

    question: str
    query: str
    vector: np.ndarray
    passages: list[Passage]
    support: float
    topics: list[str]
    notice: str | None
    scored: list  # every sentence of the passages, scored once, best first


def build_answerer(settings: Settings):
    """The generative answerer when an LLM is configured, else the extractive one."""
    if settings.llm_base_url:
        return GenerativeAnswerer(
            settings.llm_base_url, settings.llm_model or "default", settings.llm_api_key,
            timeout=settings.llm_timeout, max_tokens=settings.llm_max_tokens)
    return None


class Chain:
    """Answers questions from the index; build once, call ``ask`` many times."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 retriever: Retriever | None = None, answerer=None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedding_model)
        self._retriever = retriever
        self.extractive = ExtractiveAnswerer()
        self.answerer = answerer or build_answerer(settings) or self.extractive

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.settings, self.embedder)
        return self._retriever

    def topics(self, limit: int = 5) -> list[str]:
        """What the corpus covers, for refusals: essay titles, the longest first."""
        return self.retriever.lexical().topics(limit)

    def _safe_topics(self) -> list[str]:
        try:
            return self.topics()
        except StoreError:
            return []

    # --- public ------------------------------------------------------------

    def ask(self, question: object, history: object = None, id: str | None = None) -> Answer:
        """Answer one question; never raises for bad input or an unreachable backend."""
        *_, final = self.stream(question, history)
        final.id = id
        return final

    def stream(self, question: object, history: object = None) -> Iterator[Answer]:
        """Partial answers as the text grows, then the final, verified one (last)."""
        started = time.perf_counter()
        for answer in self._stream(question, history):
            answer.latency_ms = round((time.perf_counter() - started) * 1000)
            yield answer

    # --- stages ------------------------------------------------------------

    def _stream(self, question: object, history: object) -> Iterator[Answer]:
        prepared = self._prepare(question, history)
        if isinstance(prepared, Answer):
            yield prepared
            return
        ctx = prepared
        if ctx.support < self.settings.min_support:
            yield self._refusal(ctx)
            return
        if self.answerer is self.extractive:
            yield self._finish(ctx, self.extractive.compose(ctx.scored), self.extractive.name)
            return
        text = ""
        try:
            for token in self.answerer.stream(ctx.query, ctx.vector, ctx.passages):
                text += token
                yield Answer(question=ctx.question, answer=text, refused=False, query=ctx.query,
                             backend=self.answerer.name, partial=True)
        except LLMError as exc:
            answer = self._finish(ctx, self.extractive.compose(ctx.scored), self.extractive.name)
            answer.notice, answer.error = LLM_DOWN, str(exc)
            yield answer
            return
        draft = Draft("" if "NOT_COVERED" in text else text.strip())
        yield self._finish(ctx, draft, self.answerer.name)

    def _prepare(self, question: object, history: object) -> _Context | Answer:
        guarded = guard(question)
        text = question if isinstance(question, str) else ""
        query = self._condense(guarded.text, normalise_history(history)) if guarded.text else ""
        if not tokenize(query):  # nothing but stopwords, punctuation or stripped instructions
            topics = self._safe_topics()
            return Answer(question=text, answer=EMPTY.format(topics="; ".join(topics)),
                          refused=True, topics=topics, notice=guarded.notice,
                          backend=self.answerer.name)
        try:
            vector = self.embedder.embed_query(query)
            lexical = self.retriever.lexical()  # one snapshot of the index per question
            passages = self.retriever.search(query, k=self.settings.retrieval_k,
                                             query_vector=vector, lexical=lexical,
                                             neighbours=NEIGHBOURS_OF)
        except StoreError as exc:
            return Answer(question=text, answer=UNAVAILABLE, refused=True, query=query,
                          error=str(exc), backend=self.answerer.name)
        aim, focus = self._aim(guarded.text, query, vector)
        scored = score_sentences(query, aim, passages, lexical.idf, focus)
        support = (scored[0].score if scored else 0.0) + lexical.coverage(query, passages)
        return _Context(text, query, vector, passages, support, lexical.topics(),
                        guarded.notice, scored)

    def _aim(self, question: str, query: str, vector: np.ndarray
             ) -> tuple[np.ndarray, frozenset[str]]:
        """What the answer's sentences are chosen for.

        A condensed follow-up is searched with the earlier question around it,
        but the visitor now asks only the follow-up: "How often does it meet?"
        wants the sentence about meetings, not another one about the program.
        So sentences are scored against the mean of the two embeddings, and the
        follow-up's own words count twice. On the 7 multi-turn reference
        questions this took the right passage cited from 5 to 7.
        """
        if query == question:
            return vector, frozenset()
        own = self.embedder.embed_query(question)
        aim = vector + own
        return aim / (np.linalg.norm(aim) or 1.0), frozenset(tokenize(question))

    def _condense(self, question: str, turns: list[dict[str, str]]) -> str:
        """Rules by default; the LLM when configured, checked against the conversation."""
        rule_based = condense(question, turns)
        rewrite = getattr(self.answerer, "condense", None)
        if rewrite is None or not turns or not looks_like_follow_up(question):
            return rule_based
        try:
            rewritten = rewrite(question, turns)
        except LLMError:
            return rule_based
        known = set(tokenize(rule_based))
        return rewritten if known & set(tokenize(rewritten)) else rule_based

    def _refusal(self, ctx: _Context) -> Answer:
        answer = NOT_COVERED.format(topics="; ".join(ctx.topics))
        return Answer(question=ctx.question, answer=answer, refused=True, topics=ctx.topics,
                      query=ctx.query, notice=ctx.notice, backend=self.answerer.name)

    def _finish(self, ctx: _Context, draft: Draft, backend: str) -> Answer:
        checked = verify(draft.text, ctx.passages, draft.quotes)
        if not checked.ok:
            return self._refusal(ctx)
        text = re.sub(r"\s+", " ", checked.text).strip()
        return Answer(question=ctx.question, answer=text, refused=False,
                      citations=checked.citations, query=ctx.query, notice=ctx.notice,
                      backend=backend)
