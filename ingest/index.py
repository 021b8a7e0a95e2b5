"""Keep the Chroma collection in step with the corpus, re-embedding only what changed.

The manifest (``data/manifest.json``) records, for every indexed document,
the hash of its bytes and the ids of its chunks. It is written only after the
store has committed, and on start the store is reconciled against it, so an
ingest killed at any point is repaired by the next one: orphan chunks are
deleted, half-written documents are indexed again. A store whose files are
damaged is rebuilt. Every write to the store renews the generation stamp
(``data/index.generation``), which tells a running app to reopen the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import filelock
from chromadb.api import ClientAPI

from core.config import Settings
from core.embedder import Embedder, get_embedder
from core.store import (
    StoreError,
    client_for,
    drop_collection,
    get_all,
    new_generation,
    open_collection,
    remove_stale_folders,
)
from core.types import Chunk, Document, LoadError
from ingest.chunking import chunk_document, quotable, split_sentences
from ingest.loaders import SUPPORTED, doc_id_for, load_bytes, read_checked
from ingest.questions import Asked, QuestionsError, parse, place, sidecar

# Bump when cleaning or chunking changes what a given file turns into:
# every document is then re-indexed once.
PIPELINE_VERSION = "22"  # 19: an intro ending in "!" or "?" keeps it; fragments count;
# 20: "learning.I have", "(Adam Grant):Can" get their space; 21: a list item that
# introduces its own list ends in "…"; 22: "fine.I’m" too
# 18: a link card glued onto the next text is split ("NowAfter")
# 17: a one-sentence paragraph before a flat list introduces it
# 16: paragraphs opening with labels after "…:" listed by their labels
# 15: short labels on lines of their own after "…:" are a list unit
# 13-14: questions a document answers (ingest.questions)
# 12: hints about pictures that are gone ("Click image to zoom.")
# 11: a flat list takes its items past the chunk's end
# 10: a flat list nothing introduces is a unit of its items
# 9: questions written as plain lines after an intro form a list unit
# 8: tweet embeds in plain text (ingest.clean.untangle_tweets)
MANIFEST_VERSION = 1
SAMPLE = 5  # stored vectors per collection read back to check the index files
_SKIP_NAMES = {"README.md", "readme.md"}


class IngestError(RuntimeError):
    """The run as a whole cannot proceed (lock held, data dir unwritable, store down)."""


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class IngestSummary:
    """What one run did; printed as JSON by ``careerbot ingest --json``."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[Failure] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    repaired: int = 0
    notices: list[str] = field(default_factory=list)  # repairs and rebuilds, for the operator
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data

    def line(self) -> str:
        """The one-line account the CLI prints and the admin page shows."""
        return (f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"removed {self.removed}, failed {len(self.failed)}; {self.documents} "
                f"documents, {self.chunks} chunks, {self.embedded} embedded, "
                f"{self.seconds:.1f} s")


@dataclass
class _Pending:
    doc: Document
    chunks: list[Chunk]
    file_hash: str
    previous: list[str]
    is_new: bool
    asked: list[Asked] = field(default_factory=list)  # the questions it answers (sidecar)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()


def discover(paths: Iterable[Path], root: Path) -> tuple[list[Path], list[Failure]]:
    """Every supported file under ``paths``, sorted, skipping READMEs and dotfiles,
    and the symbolic links (to files or folders) that lead out of ``root``.

    Those links are never followed: a link to ``/etc/passwd`` or a secrets file
    would otherwise be indexed and quoted in answers. They are returned as
    failures so the operator sees each by name.
    """
    inside = root.resolve()
    found: set[Path] = set()
    links: list[Failure] = []
    for path in paths:
        if _leads_out(path, inside):
            links.append(_link_failure(path))
        elif path.is_dir():
            for p in path.rglob("*"):  # does not descend into linked folders
                if any(part.startswith(".") for part in p.relative_to(path).parts):
                    continue
                if _leads_out(p, inside):
                    links.append(_link_failure(p))
                elif p.is_file() and p.suffix.lower() in SUPPORTED and p.name not in _SKIP_NAMES:
                    found.add(p)
        else:
            found.add(path)  # a file, or a missing path reported as a failure, not ignored
    return sorted(found), sorted(links, key=lambda f: f.path)


def _leads_out(path: Path, inside: Path) -> bool:
    return path.is_symlink() and not path.resolve().is_relative_to(inside)


def _link_failure(path: Path) -> Failure:
    return Failure(str(path), f"symbolic link to {path.resolve()}, outside the corpus; "
                              "not followed")


class Manifest:
    """The record of what is in the store, loaded and saved atomically."""

    def __init__(self, path: Path, config: dict) -> None:
        self.path = path
        self.config = config
        self.documents: dict[str, dict] = {}

    @classmethod
    def load(cls, path: Path, config: dict) -> tuple[Manifest, bool]:
        """Return the manifest and whether it matches the current configuration."""
        manifest = cls(path, config)
        if not path.exists():
            return manifest, True
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return manifest, False  # unreadable: start over rather than trust it
        if data.get("version") != MANIFEST_VERSION or data.get("config") != config:
            return manifest, False
        manifest.documents = data.get("documents", {})
        return manifest, True

    def save(self) -> None:
        tmp = self.path.with_suffix(".json.tmp")
        payload = {"version": MANIFEST_VERSION, "config": self.config, "documents": self.documents}
        tmp.write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    def chunk_ids(self) -> set[str]:
        return {cid for entry in self.documents.values() for cid in entry["chunks"]}


def _metadata(doc: Document, chunk: Chunk, sentences: int) -> dict:
    """What Chroma stores beside a chunk; ``sentences`` lets the retriever fetch the
    chunk's sentences by id (``<chunk id>:<i>``) instead of by a metadata scan.
    (Questions the chunk answers are stored beside them as ``<chunk id>:q<j>``,
    ``kind`` "question"; the retriever reads them all at once.)"""
    return {
        "sentences": sentences,
        "doc_id": doc.doc_id, "title": doc.title, "heading": chunk.heading,
        "url": doc.url, "source": doc.source, "kind": doc.kind, "author": doc.author,
        "date": doc.date, "tags": ", ".join(doc.tags), "start": chunk.start,
        "end": chunk.end, "tokens": chunk.tokens, "position": chunk.position,
    }


def _numbered(asked: list) -> list[tuple]:
    """Each placed question with its number within its chunk (its row id's ``q<j>``)."""
    count: dict[str, int] = {}
    out = []
    for q in asked:
        out.append((q, count.get(q.chunk_id, 0)))
        count[q.chunk_id] = count.get(q.chunk_id, 0) + 1
    return out


class Indexer:
    """Runs one ingest; build it once per run with the settings and an embedder."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self.progress = progress or (lambda _name, _done, _total: None)
        self.client: ClientAPI | None = None  # set with the collections when the store opens

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedding_model)
        return self._embedder

    def config(self) -> dict:
        return {
            "embedding_model": self.settings.embedding_model,
            "chunk_tokens": self.settings.chunk_tokens,
            "pipeline": PIPELINE_VERSION,
        }

    def run(self, paths: list[Path] | None = None, rebuild: bool = False,
            allow_empty: bool = False) -> IngestSummary:
        """Index ``paths`` (default: the whole corpus) and return what changed.

        A whole-corpus run that would remove every indexed document (an empty
        or emptied corpus folder) refuses unless ``allow_empty``: losing the
        index to a mistyped or unmounted folder is worse than an error.
        """
        corpus = self.settings.corpus_dir
        if not paths and not corpus.is_dir():
            what = "is not a directory" if corpus.exists() else "does not exist"
            raise IngestError(f"corpus directory {corpus} {what}")
        data_dir = self.settings.data_dir
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(str(self.settings.lock_path), timeout=0)
            lock.acquire()
        except filelock.Timeout:
            raise IngestError(
                f"another ingest is running (lock {self.settings.lock_path}); "
                "wait for it to finish"
            ) from None
        except OSError as exc:
            raise IngestError(f"cannot write to data directory {data_dir}: "
                              f"{exc.strerror or exc}") from None
        try:
            return self._run_locked(paths, rebuild, allow_empty)
        except OSError as exc:  # disk full, permissions changed mid-run, ...
            where = exc.filename or data_dir
            raise IngestError(f"cannot write to {where}: {exc.strerror or exc}") from None
        finally:
            lock.release()

    def _run_locked(self, paths: list[Path] | None, rebuild: bool,
                    allow_empty: bool) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        full_scan = not paths
        files, links = discover(paths or [self.settings.corpus_dir], self.settings.corpus_dir)
        summary.failed += links
        client = client_for(self.settings)
        manifest, matches = Manifest.load(self.settings.manifest_path, self.config())
        if full_scan and not files and not allow_empty:
            self._refuse_emptying(len(manifest.documents) or self._stored(client))
        self._open_store(client, manifest, rebuild, matches, summary)
        summary.repaired += self._reconcile(manifest)

        seen: dict[str, str] = {}
        pending: list[_Pending] = []
        for i, path in enumerate(files):
            self.progress(path.name, i, len(files))
            item = self._prepare(path, manifest, seen, summary)
            if item is not None:
                pending.append(item)
            if sum(len(p.chunks) for p in pending) >= self.settings.ingest_batch:
                self._flush(pending, manifest, summary)
                pending = []
        self._flush(pending, manifest, summary)
        self.progress("", len(files), len(files))

        if full_scan:
            self._remove_missing(manifest, set(seen), allow_empty, summary)
        manifest.save()
        self._tidy(summary)
        summary.documents = len(manifest.documents)
        summary.chunks = self.collection.count()
        summary.seconds = time.perf_counter() - started
        return summary

    def _refuse_emptying(self, indexed: int) -> None:
        """Stop a run that would leave the index empty (see ``run``)."""
        if indexed:
            raise IngestError(
                f"corpus directory {self.settings.corpus_dir} has no documents to index; "
                f"this ingest would remove all {indexed} indexed documents. Add documents, "
                "or ask for an empty index explicitly (careerbot ingest --allow-empty)")

    def _stored(self, client) -> int:
        """Chunks in the store, when the manifest cannot say (0 if unreadable)."""
        try:
            return open_collection(self.settings, client).count()
        except Exception:
            return 0

    def _remove_missing(self, manifest: Manifest, seen: set[str], allow_empty: bool,
                        summary: IngestSummary) -> None:
        """Delete the documents no longer in the corpus, unless that is all of them."""
        gone = sorted(set(manifest.documents) - seen)
        if gone and len(gone) == len(manifest.documents) and not allow_empty:
            self._refuse_emptying(len(gone))
        for doc_id in gone:
            self._delete_ids(manifest.documents[doc_id]["chunks"])
            del manifest.documents[doc_id]
            summary.removed += 1

    def _open_store(self, client, manifest: Manifest, rebuild: bool, matches: bool,
                    summary: IngestSummary) -> None:
        """Open both collections, starting over when asked to, when the manifest
        does not describe this configuration, or when the store's files are damaged."""
        if rebuild or not matches:
            if not rebuild:
                summary.notices.append(
                    f"{self.settings.manifest_path} was unreadable or made with another "
                    "model, chunk size or pipeline: re-indexing everything")
            self._start_over(client, manifest)
        self.collection = open_collection(self.settings, client)
        self.sentences = open_collection(self.settings, client, sentences=True)
        self.client = client
        problem = self._damage(manifest) if manifest.documents else None
        if problem:
            summary.notices.append(f"the index was damaged ({problem}): rebuilt it "
                                   "from the corpus")
            self._start_over(client, manifest)
            self.collection = open_collection(self.settings, client)
            self.sentences = open_collection(self.settings, client, sentences=True)

    def _start_over(self, client, manifest: Manifest) -> None:
        """Drop both collections; the new stamp sends running apps to the new ones."""
        drop_collection(self.settings, client)
        manifest.documents = {}
        new_generation(self.settings)

    def _damage(self, manifest: Manifest) -> str | None:
        """What makes the store unreadable, or None.

        A deleted or truncated vector-index file leaves Chroma's catalogue
        intact, so counts may still work while every search fails; a few
        stored vectors are therefore read back and searched for on both
        collections. (Rows merely missing are the reconcile's job.)
        """
        ids = sorted(manifest.chunk_ids())
        sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
        for name, collection, wanted in (("chunks", self.collection, sample),
                                         ("sentences", self.sentences,
                                          [f"{cid}:0" for cid in sample])):
            try:
                _read_back(collection, wanted)
            except Exception as exc:
                return f"{name}: {type(exc).__name__}: {str(exc)[:160]}"
        return None

    def _tidy(self, summary: IngestSummary) -> None:
        """Stamp a changed index and delete the folders of dropped collections."""
        if summary.removed or summary.repaired:
            new_generation(self.settings)
        stale = remove_stale_folders(self.settings)
        if stale:
            summary.notices.append(f"removed {len(stale)} old index folders from "
                                   f"{self.settings.chroma_path}")

    def _reconcile(self, manifest: Manifest) -> int:
        """Make store and manifest agree after a crash; returns how many fixes.

        A document whose chunks, or their sentences, are not all stored is
        dropped from the manifest (and indexed again below); then anything the
        manifest does not know, chunk or sentence, is deleted.
        """
        chunk_rows = get_all(self.collection, ["metadatas"])
        sentence_rows = get_all(self.sentences, ["metadatas"])
        sentences = set(sentence_rows["ids"])
        complete = {cid for cid, meta in zip(chunk_rows["ids"], chunk_rows["metadatas"],
                                             strict=True)
                    if all(f"{cid}:{i}" in sentences for i in range(int(meta.get("sentences", 0))))}
        broken = [d for d, e in manifest.documents.items() if not set(e["chunks"]) <= complete]
        for doc_id in broken:
            del manifest.documents[doc_id]
        expected = manifest.chunk_ids()
        orphans = sorted(set(chunk_rows["ids"]) - expected)
        self._delete_ids(orphans)
        stray = [sid for sid, meta in zip(sentence_rows["ids"], sentence_rows["metadatas"],
                                          strict=True) if meta.get("chunk_id") not in expected]
        self._delete_batched(self.sentences, stray)
        if broken:
            manifest.save()
        return len(orphans) + len(broken) + len(stray)

    def _prepare(
        self, path: Path, manifest: Manifest, seen: dict[str, str], summary: IngestSummary
    ) -> _Pending | None:
        """Load, clean and chunk one file, or record why it was skipped."""
        root = self.settings.corpus_dir
        doc_id = doc_id_for(path, root)
        if doc_id in seen:
            summary.failed.append(Failure(str(path), f"same document id as {seen[doc_id]}"))
            return None
        try:
            data = read_checked(path, int(self.settings.max_file_mb * 1_000_000))
        except LoadError as exc:
            summary.failed.append(Failure(str(path), str(exc)))
            seen[doc_id] = str(path)
            return None
        except OSError as exc:
            summary.failed.append(Failure(str(path), f"cannot read file: {exc.strerror or exc}"))
            return None
        seen[doc_id] = str(path)
        side = self._sidecar(path, summary)
        digest = file_hash(data if side is None else data + b"\0questions\0" + side[0])
        entry = manifest.documents.get(doc_id)
        if entry and entry["hash"] == digest:
            summary.unchanged += 1
            return None
        try:
            doc = load_bytes(data, path, root=root)
            chunks = chunk_document(doc, self.settings.chunk_tokens)
        except LoadError as exc:
            summary.failed.append(Failure(str(path), str(exc)))
            return None
        except Exception as exc:  # a bug must not cost the other documents
            reason = f"internal error: {type(exc).__name__}: {exc}"
            summary.failed.append(Failure(str(path), reason))
            return None
        if not chunks:
            summary.failed.append(Failure(str(path), "no text to index"))
            return None
        return _Pending(doc, chunks, digest, entry["chunks"] if entry else [], entry is None,
                        side[1] if side else [])

    @staticmethod
    def _sidecar(path: Path, summary: IngestSummary) -> tuple[bytes, list[Asked]] | None:
        """The document's questions file, if it has one: its bytes (part of the
        document's hash, so editing it re-indexes the document) and its questions.
        A bad file is reported by name and the document indexed without it."""
        side = sidecar(path)
        if not side.is_file():
            return None
        data = side.read_bytes()
        try:
            return data, parse(data, str(side))
        except QuestionsError as exc:
            summary.failed.append(Failure(str(side), str(exc)))
            return data, []

    def _flush(self, pending: list[_Pending], manifest: Manifest, summary: IngestSummary) -> None:
        """Embed and store a batch of documents, then record them in the manifest."""
        if not pending:
            return
        chunks = [(p.doc, c) for p in pending for c in p.chunks]
        split = {c.id: split_sentences(c.text, after=doc.text[c.end:]) if quotable(c.heading)
                 else [] for doc, c in chunks}
        sentences = [(c, i, text, faq) for _, c in chunks
                     for i, (text, faq) in enumerate(split[c.id])]
        asked = self._placed(pending, split, summary)
        texts = [c.embedding_text(doc.title) for doc, c in chunks] + [s[2] for s in sentences]
        vectors = self.embedder.embed(texts + [q.question for q in asked])
        summary.embedded += len(chunks)
        tail = len(chunks) + len(sentences)
        try:
            self._delete_questions([c.id for _, c in chunks])  # none left by an old sidecar
            numbered = _numbered(asked)
            self._upsert(self.sentences, [f"{q.chunk_id}:q{j}" for q, j in numbered],
                         [q.question for q in asked],
                         [{"chunk_id": q.chunk_id, "i": q.unit, "kind": "question"}
                          for q in asked], vectors[tail:])
            self._upsert(self.sentences, [f"{c.id}:{i}" for c, i, _, _ in sentences],
                         [t for _, _, t, _ in sentences],
                         [{"chunk_id": c.id, "doc_id": c.doc_id, "i": i, "faq": faq}
                          for c, i, _, faq in sentences],
                         vectors[len(chunks):tail])
            self._upsert(self.collection, [c.id for _, c in chunks], [c.text for _, c in chunks],
                         [_metadata(doc, c, len(split[c.id])) for doc, c in chunks],
                         vectors[: len(chunks)])
        except Exception as exc:
            raise StoreError(f"writing to the index failed: {exc}") from exc
        for p in pending:
            new_ids = [c.id for c in p.chunks]
            self._delete_ids(sorted(set(p.previous) - set(new_ids)))
            manifest.documents[p.doc.doc_id] = {
                "source": p.doc.source, "hash": p.file_hash, "chunks": new_ids,
                "title": p.doc.title,
            }
            if p.is_new:
                summary.added += 1
            else:
                summary.updated += 1
        manifest.save()
        new_generation(self.settings)

    @staticmethod
    def _placed(pending: list[_Pending], split: dict, summary: IngestSummary) -> list:
        """Every pending document's questions on the units that answer them; a
        question whose answer the document no longer holds is reported."""
        out = []
        for p in pending:
            if not p.asked:
                continue
            units = [(c.id, i, text) for c in p.chunks for i, (text, _) in enumerate(split[c.id])]
            placed, lost = place(p.asked, units)
            out += placed
            if lost:
                summary.notices.append(
                    f"{sidecar(Path(p.doc.source)).name}: {len(lost)} answers not found in "
                    f"the document (lines {', '.join(str(a.line) for a in lost[:5])}"
                    f"{', …' if len(lost) > 5 else ''}); those questions were skipped")
        return out

    def _upsert(self, collection, ids, documents, metadatas, embeddings) -> None:
        step = self._batch_size()
        for i in range(0, len(ids), step):
            part = slice(i, i + step)
            collection.upsert(ids=ids[part], documents=documents[part],
                              metadatas=metadatas[part], embeddings=embeddings[part])

    def _batch_size(self) -> int:
        try:
            return max(1, min(5000, self.client.get_max_batch_size()))
        except Exception:  # an HTTP client of an older server, or none open yet
            return 1000

    def _delete_questions(self, chunk_ids: list[str]) -> None:
        """Delete the questions stored for these chunks (an edited sidecar may have
        fewer than before; a chunk's text, and so its id, may be unchanged)."""
        step = self._batch_size()
        for i in range(0, len(chunk_ids), step):
            self.sentences.delete(where={"$and": [
                {"chunk_id": {"$in": chunk_ids[i : i + step]}}, {"kind": "question"}]})

    def _delete_ids(self, ids: list[str]) -> None:
        """Delete chunks and their sentences."""
        self._delete_batched(self.collection, ids)
        step = self._batch_size()
        for i in range(0, len(ids), step):
            self.sentences.delete(where={"chunk_id": {"$in": ids[i : i + step]}})

    def _delete_batched(self, collection, ids: list[str]) -> None:
        step = self._batch_size()
        for i in range(0, len(ids), step):
            collection.delete(ids=ids[i : i + step])


def _read_back(collection, ids: list[str]) -> None:
    """Fetch ``ids`` with their vectors and find each by its own vector; raise if
    the index cannot (a missing file fails the read, a stale one the search).
    Rows that are simply absent are not damage: the reconcile re-indexes them."""
    got = collection.get(ids=ids, include=["embeddings"])
    if not got["ids"]:
        return
    found = collection.query(query_embeddings=list(got["embeddings"]), n_results=1,
                             include=["distances"])
    if any(not d or d[0] > 1e-3 for d in found["distances"]):
        raise StoreError("a stored vector is not found by searching for it")


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    allow_empty: bool = False,
) -> IngestSummary:
    """Index the corpus (or ``paths``) incrementally; the one call the CLI and app use."""
    return Indexer(settings, embedder=embedder, progress=progress).run(paths, rebuild,
                                                                       allow_empty)
