"""Hybrid retrieval: dense, BM25 and the documents' own questions, fused by rank.

Dense search finds paraphrases ("how much maths" ~ "mathematics in the
context of ML"), once with the query as embedded and once moved toward the
passages by ``chat.adapter``; BM25 finds rare exact words (DP-203, vLookUp,
bi-weekly) that a small embedder blurs; the questions a document answers (``ingest.questions``)
find what a visitor words as a question ("how do i stop feeling like a
fraud?"). Reciprocal rank fusion combines the rankings without having to
calibrate their scores against each other. (A third ranking
by best-matching sentence was tried and lowered passage hit@5 from 0.86 to
0.81 on the reference questions: MiniLM matches "mentorship" to every mentor
sentence, so it was dropped.)
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from chat.adapter import QueryAdapter
from chat.spelling import Speller
from core.config import Settings
from core.embedder import Embedder, get_embedder
from core.store import StoreError, client_for, get_all, open_collection
from core.text import tokenize
from core.types import Passage, Sentence

RRF_K = 60
CANDIDATES = 20
NEAR_DUPLICATE_JACCARD = 0.7

@dataclass
class IndexSnapshot:
    """The index as one question sees it: every chunk's record and vector, a BM25
    index over them, and the speller and topics derived from them. Rebuilt only
    when an ingest has changed the store."""

    index: bm25s.BM25 | None
    ids: list[str]
    records: dict[str, dict]
    signature: tuple
    df: dict[str, int] = field(default_factory=dict)
    titles: list[tuple[str, str, int]] = field(default_factory=list)  # (title, kind, chunks)
    by_position: dict[tuple[str, int], str] = field(default_factory=dict)  # (doc, pos) -> id
    speller: Speller | None = None  # corrects towards this index's words
    terms: dict[str, frozenset[str]] = field(default_factory=dict)  # id -> its stems, as indexed
    vectors: np.ndarray | None = None  # chunk embeddings, row i is ids[i]
    sentences: dict[str, list[Sentence]] = field(default_factory=dict)  # fetched so far
    # questions the documents answer (``ingest.questions``): row i asks about asked_at[i]
    asked: np.ndarray | None = None
    asked_at: list[tuple[str, int]] = field(default_factory=list)  # (chunk id, unit index)

    @functools.cached_property
    def row(self) -> dict[str, int]:
        """Each chunk's row in ``vectors``, built once per snapshot, not per question."""
        return {cid: i for i, cid in enumerate(self.ids)}

    @functools.cached_property
    def asked_rows(self) -> np.ndarray:
        """Each question's chunk as its row in ``vectors``."""
        return np.array([self.row[cid] for cid, _ in self.asked_at], dtype=np.int64)

    @functools.cached_property
    def authors(self) -> dict[str, frozenset[str]]:
        """Every author a document of the index names in its front matter, with
        the stems of everything that author's documents say."""
        said: dict[str, set[str]] = {}
        for cid, record in self.records.items():
            if author := str(record.get("author") or ""):
                said.setdefault(author, set()).update(self.terms.get(cid, ()))
        return {author: frozenset(stems) for author, stems in said.items()}

    def best_question(self, vector: np.ndarray) -> float:
        """The cosine of the documents' closest question to this one (0 without any):
        a visitor's question near one the corpus was written to answer is covered."""
        if self.asked is None or not len(self.asked):
            return 0.0
        return float(np.max(self.asked @ np.asarray(vector, dtype=np.float32)))

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term the corpus never uses scores highest."""
        return math.log((len(self.ids) + 1) / (self.df.get(term, 0) + 0.5))

    def topics(self, limit: int = 20) -> list[str]:
        """What the corpus covers, for refusals: every essay (up to ``limit`` - 1),
        longest first, then resources by their short names ("Kaggle", not
        "Kaggle: competitions and datasets…"). Essays alone hid the resources
        (courses, programmes, sites) from a visitor told what else to ask about;
        three essays of five left out one that a refusal then named as the
        closest ("Seeking mentors…", visitor trial 4); seven names in all left
        out the mentoring sites a visitor asks about by name (visitor trial 8)."""
        essays = [t for t, k, _ in self.titles if k == "essay"]
        others = [_short_name(t) for t, k, _ in self.titles if k != "essay"
                  and not any(e.lower() in t.lower() for e in essays)]  # its essay's page
        return (essays[:limit - 1 if others else limit] + others)[:limit]


def _short_name(title: str) -> str:
    """A resource page's name without its gloss: "MentorCruise: online mentoring
    marketplace" -> "MentorCruise"; "Coursera … courses (Andrew Ng)" drops the brackets."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", title.split(":")[0]).strip() or title


def _store_errors(fn):
    """Turn whatever the store's client raises (connection refused, server error,
    timeout) into one ``StoreError`` the chain can answer politely."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"the index is unavailable: {type(exc).__name__}: {exc}") from exc

    return wrapper


class Retriever:
    """Finds the passages that best match a query; one per process, reused."""

    @_store_errors
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedding_model)
        client = client_for(settings)
        self.collection = open_collection(settings, client)
        self.sentences = open_collection(settings, client, sentences=True)
        self._snapshot: IndexSnapshot | None = None
        self.adapter = QueryAdapter.load(settings.calibration_file, self.embedder.name)

    # --- index state -------------------------------------------------------

    def _signature(self) -> tuple:
        """Changes whenever an ingest commits (the manifest is rewritten each time)."""
        try:
            stat = self.settings.manifest_path.stat()
            return (stat.st_mtime_ns, stat.st_size, self.collection.count())
        except OSError:
            return (0, 0, self.collection.count())

    @_store_errors
    def snapshot(self) -> IndexSnapshot:
        """The BM25 index, rebuilt when the store has changed since it was built."""
        signature = self._signature()
        if self._snapshot is None or self._snapshot.signature != signature:
            self._snapshot = self._build_snapshot(signature)
        return self._snapshot

    def _build_snapshot(self, signature: tuple) -> IndexSnapshot:
        got = get_all(self.collection, ["documents", "metadatas", "embeddings"])
        ids = list(got["ids"])
        records = {cid: {"text": text, **meta}
                   for cid, text, meta in zip(ids, got["documents"], got["metadatas"], strict=True)}
        if not ids:
            return IndexSnapshot(None, [], {}, signature)
        # the author too: visitors name an essay by its writer ("Reshama Shaikh's poll")
        texts = [f"{r.get('title', '')} {r.get('author', '')} {r.get('heading', '')} {r['text']}"
                 for r in records.values()]
        corpus = [tokenize(text) for text in texts]
        index = bm25s.BM25()
        index.index(corpus, show_progress=False)
        df = Counter(term for tokens in corpus for term in set(tokens))
        titles = Counter((str(r.get("title", "")), str(r.get("kind", "")))
                         for r in records.values())
        by_position = {(str(r.get("doc_id", "")), int(r.get("position", 0))): cid
                       for cid, r in records.items()}
        asked = get_all(self.sentences, ["metadatas", "embeddings"], where={"kind": "question"})
        return IndexSnapshot(index, ids, records, signature, dict(df),
                        [(t, k, n) for (t, k), n in titles.most_common()], by_position,
                        Speller.from_texts(texts),
                        {cid: frozenset(tokens) for cid, tokens in zip(ids, corpus, strict=True)},
                        np.asarray(got["embeddings"], dtype=np.float32),
                        asked=np.asarray(asked["embeddings"], dtype=np.float32).reshape(
                            -1, len(got["embeddings"][0])),
                        asked_at=[(str(m["chunk_id"]), int(m["i"])) for m in asked["metadatas"]])

    @_store_errors
    def search(self, query: str, k: int = 5, query_vector: np.ndarray | None = None,
               snapshot: IndexSnapshot | None = None, neighbours: int = 0,
               also: list[tuple[str, np.ndarray]] = ()) -> list[Passage]:
        """The ``k`` best passages for ``query``, near-duplicates removed, with sentences.

        ``also`` holds further (text, vector) searches for the same question (its
        question sentences alone, a follow-up read with the previous turn): each
        adds its ``rankings`` to the fusion. ``Passage.dense`` stays the best
        cosine to any of the searched texts.
        ``snapshot`` is the caller's snapshot of the index, so one question sees one
        index state and the store is asked whether it changed only once.
        ``neighbours`` > 0 appends the chunks just before and after that many of
        the best passages (marked ``neighbour``): a chunk boundary often falls
        between a question's topic and its answer ("the groups ... will meet
        bi-weekly" sits one chunk after "Organization and logistics" begins).
        """
        snapshot = snapshot or self.snapshot()
        if not snapshot.ids or not query.strip():
            return []
        vector = self.embedder.embed_query(query) if query_vector is None else query_vector
        rankings: list[list[str]] = []
        closest: dict[str, float] = {}  # a passage's best cosine to any of the searched texts
        for text, v in [(query, vector), *also]:
            dense = self._dense(v, snapshot)
            rankings += self.rankings(text, v, snapshot, dense)
            for cid, sim in dense.items():
                closest[cid] = max(sim, closest.get(cid, sim))
        fused: dict[str, float] = {}
        for ranking in rankings:
            for rank, cid in enumerate(ranking, start=1):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank)
        order = sorted(fused, key=lambda cid: (-fused[cid], cid))
        passages: list[Passage] = []
        for cid in order:
            record = snapshot.records.get(cid)
            if record is None or _is_near_duplicate(record["text"], passages):
                continue
            passages.append(_passage(cid, record, fused[cid] / len(rankings) * 2,
                                     closest.get(cid), rank=len(passages)))
            if len(passages) == k:
                break
        # neighbours were not searched: no dense score
        self._fill_dense_scores(passages, vector, snapshot)
        passages += _neighbours(passages, neighbours, snapshot)
        self._attach_sentences(passages, snapshot)
        return passages

    def first_passage(self, title: str, snapshot: IndexSnapshot) -> Passage | None:
        """The opening chunk of the document called ``title`` (emphasis aside), with
        its sentences: what an answer about the document as a whole cites."""
        wanted = title.replace("*", "").strip().lower()
        found = [(int(r.get("position", 0)), cid) for cid, r in snapshot.records.items()
                 if str(r.get("title", "")).replace("*", "").strip().lower() == wanted]
        if not found:
            return None
        cid = min(found)[1]
        passage = _passage(cid, snapshot.records[cid], 0.0, None)
        self._attach_sentences([passage], snapshot)
        return passage

    def _dense(self, vector: np.ndarray, snapshot: IndexSnapshot) -> dict[str, float]:
        """The closest chunks by cosine, exactly, from the snapshot's vectors.

        The snapshot already holds every chunk (BM25 needs their text), and a
        matrix product over them costs microseconds where a store query costs
        milliseconds; the embeddings are normalised, so the dot product is the
        cosine Chroma's space would give.
        """
        sims = snapshot.vectors @ np.asarray(vector, dtype=np.float32)
        k = min(CANDIDATES, len(snapshot.ids))
        top = np.argpartition(-sims, k - 1)[:k]
        return {snapshot.ids[int(i)]: float(sims[i]) for i in top[np.argsort(-sims[top])]}

    def rankings(self, text: str, vector: np.ndarray, snapshot: IndexSnapshot,
                 dense: dict[str, float] | None = None) -> list[list[str]]:
        """What one searched text adds to the fusion, chunk ids best first: by
        meaning (``dense``, if the caller has it already), by BM25, by the
        documents' questions and, with an adapter, by meaning once more with the
        query moved (``_adapted``)."""
        dense = self._dense(vector, snapshot) if dense is None else dense
        return [list(dense), list(self._bm25(text, snapshot)),
                self._by_question(vector, snapshot), *self._adapted(vector, snapshot)]

    def _adapted(self, vector: np.ndarray, snapshot: IndexSnapshot) -> list[list[str]]:
        """A second dense ranking, by the question's embedding moved toward the
        chunks that answer such questions (``chat.adapter``); none without an
        adapter. It is added to the fusion, not put in the plain one's place:
        the adapter learned where the documents' own questions lead, and a
        document added without questions would lose the dense vote it has
        (replacing it measured +0.011 right passage cited on dev and -0.023 on
        the holdout). ``Passage.dense`` and the refusal read the plain cosine."""
        if self.adapter.matrix is None:
            return []
        return [list(self._dense(self.adapter(vector), snapshot))]

    def _by_question(self, vector: np.ndarray, snapshot: IndexSnapshot) -> list[str]:
        """Chunks ranked by the closest question they answer (``ingest.questions``):
        a small embedder matches question to question far better than question to
        answer. A chunk's own text counts as one of its questions, so a document
        added without a questions file is ranked by its text here too, not left
        out (a new page worded exactly as asked lost to an essay's questions).
        Empty when no document has questions."""
        if snapshot.asked is None or not len(snapshot.asked):
            return []
        v = np.asarray(vector, dtype=np.float32)
        best = snapshot.vectors @ v
        np.maximum.at(best, snapshot.asked_rows, snapshot.asked @ v)
        k = min(CANDIDATES, len(snapshot.ids))
        top = np.argpartition(-best, k - 1)[:k]
        return [snapshot.ids[int(i)] for i in top[np.argsort(-best[top])]]

    def _bm25(self, query: str, snapshot: IndexSnapshot) -> dict[str, float]:
        tokens = [t for t in tokenize(query) if t in snapshot.index.vocab_dict]
        if not tokens:
            return {}
        k = min(CANDIDATES, len(snapshot.ids))
        docs, scores = snapshot.index.retrieve([tokens], k=k, show_progress=False)
        return {snapshot.ids[int(i)]: float(s) for i, s in zip(docs[0], scores[0], strict=True)
                if s > 0}

    def _fill_dense_scores(self, passages: list[Passage], vector: np.ndarray,
                           snapshot: IndexSnapshot) -> None:
        """BM25-only passages have no dense score yet."""
        for p in passages:
            if p.dense is None and p.chunk_id in snapshot.row:
                p.dense = float(np.dot(snapshot.vectors[snapshot.row[p.chunk_id]], vector))

    def _attach_sentences(self, passages: list[Passage], snapshot: IndexSnapshot) -> None:
        """Each passage's sentences, read from the store once per snapshot."""
        missing = [p.chunk_id for p in passages if p.chunk_id not in snapshot.sentences]
        if missing:
            self._fetch_sentences(list(dict.fromkeys(missing)), snapshot)
        for p in passages:
            p.sentences = snapshot.sentences.get(p.chunk_id, [])

    def _fetch_sentences(self, chunk_ids: list[str], snapshot: IndexSnapshot) -> None:
        records = snapshot.records
        ids = [f"{cid}:{i}" for cid in chunk_ids
               for i in range(int(records.get(cid, {}).get("sentences", 0)))]
        by_chunk: dict[str, list[Sentence]] = {cid: [] for cid in chunk_ids}
        if not ids:  # none of them has units (a reference list): Chroma refuses get([])
            snapshot.sentences.update(by_chunk)
            return
        got = self.sentences.get(ids=ids, include=["documents", "metadatas", "embeddings"])
        for text, meta, vec in zip(got["documents"], got["metadatas"], got["embeddings"],
                                   strict=True):
            by_chunk.setdefault(meta["chunk_id"], []).append(
                Sentence(text=text, index=int(meta["i"]), vector=np.asarray(vec),
                         faq=bool(meta.get("faq", False))))
        asked: dict[tuple[str, int], list[int]] = {}
        for row, at in enumerate(snapshot.asked_at):
            if at[0] in by_chunk:
                asked.setdefault(at, []).append(row)
        for cid, sentences in by_chunk.items():
            for sentence in sentences:
                rows = asked.get((cid, sentence.index))
                sentence.asked = snapshot.asked[rows] if rows else None
            snapshot.sentences[cid] = sorted(sentences, key=lambda s: s.index)


def _passage(cid: str, record: dict, score: float, dense: float | None,
             rank: int = 0, neighbour: bool = False) -> Passage:
    return Passage(
        chunk_id=cid, doc_id=str(record.get("doc_id", "")), text=record["text"],
        title=str(record.get("title", "")), heading=str(record.get("heading", "")),
        url=str(record.get("url", "")), source=str(record.get("source", "")),
        position=int(record.get("position", 0)), score=score, dense=dense,
        rank=rank, neighbour=neighbour, kind=str(record.get("kind", "") or "essay"),
        author=str(record.get("author", "") or ""),
    )


def _neighbours(passages: list[Passage], top: int, snapshot: IndexSnapshot) -> list[Passage]:
    """The chunks right before and after each of the ``top`` first passages in its
    document, not already there; each takes its source passage's rank and score."""
    seen = {p.chunk_id for p in passages}
    out: list[Passage] = []
    for p in passages[:top]:
        for step in (-1, 1):
            cid = snapshot.by_position.get((p.doc_id, p.position + step))
            record = snapshot.records.get(cid) if cid else None
            if record is None or cid in seen:
                continue
            seen.add(cid)
            out.append(_passage(cid, record, p.score, None, rank=p.rank, neighbour=True))
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _is_near_duplicate(text: str, chosen: list[Passage]) -> bool:
    words = _words(text)
    for p in chosen:
        other = _words(p.text)
        union = words | other
        if union and len(words & other) / len(union) >= NEAR_DUPLICATE_JACCARD:
            return True
    return False


class CareerbotRetriever(BaseRetriever):
    """careerbot's hybrid retriever as a LangChain retriever, for use in other chains."""

    retriever: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [
            LCDocument(page_content=p.text, id=p.chunk_id, metadata={
                "doc_id": p.doc_id, "title": p.title, "heading": p.heading, "url": p.url,
                "source": p.source, "score": p.score, "dense": p.dense})
            for p in self.retriever.search(query, k=self.k)
        ]
