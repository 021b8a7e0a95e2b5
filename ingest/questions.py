"""Questions a document answers, written beside it, placed on the units that answer them.

A small embedder matches a visitor's question to another question far better
than to the sentence that answers it: "how do i stop feeling like a fraud?"
is close to "how do I deal with impostor syndrome?" and far from "It is
estimated that 70 percent of people experience impostor syndrome at some
point." So a document may come with a sidecar file of questions it answers,
each with the words of the document that answer it (doc2query, written at
curation time because no question-writing model runs here):

    corpus/essays/foo.md
    corpus/essays/foo.questions.jsonl   {"question": "…", "answer": "exact words of foo.md"}

At ingest each question is placed on the chunk and answer unit holding its
answer and embedded; retrieval ranks chunks by their questions too, an
answer unit means what its questions mean, and the refusal reads how close
the visitor's question comes to any of them. A document without a sidecar is
indexed as before.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".questions.jsonl"
WINDOW = 6  # words of an answer that must appear together in a unit to place it there


@dataclass(frozen=True)
class Asked:
    """One question a document answers, and the document's words that answer it."""

    question: str
    answer: str
    line: int


@dataclass(frozen=True)
class Placed:
    """An ``Asked`` found in the index: its chunk and the answer unit holding it."""

    question: str
    chunk_id: str
    unit: int


class QuestionsError(ValueError):
    """A sidecar line that cannot be read; the message names the file and line."""


def sidecar(path: Path) -> Path:
    """Where a document's questions live: ``foo.md`` -> ``foo.questions.jsonl``."""
    return path.with_name(path.name.rsplit(".", 1)[0] + SUFFIX)


def parse(data: bytes, name: str) -> list[Asked]:
    """The questions of a sidecar file; a bad line raises, naming it."""
    out: list[Asked] = []
    for n, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question, answer = str(item["question"]).strip(), str(item["answer"]).strip()
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionsError(f"{name} line {n}: not a JSON object with "
                                 f"\"question\" and \"answer\" ({exc})") from exc
        if not question or not answer:
            raise QuestionsError(f"{name} line {n}: empty question or answer")
        out.append(Asked(question, answer, n))
    return out


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _probes(answer: str) -> list[str]:
    """Runs of the answer's words a unit must hold: every run of ``WINDOW``, and
    its first clause when that is shorter and still says something ("Models i
    explored in 2014:" heads items the chunker keeps as units of their own)."""
    words = _words(answer).split()
    runs = [" ".join(words[i:i + WINDOW]) for i in range(max(1, len(words) - WINDOW + 1))]
    first = _words(re.split(r"[:.;?!]", answer, maxsplit=1)[0])
    return runs + ([first] if len(first.split()) >= 4 else [])


def place(asked: list[Asked],
          units: list[tuple[str, int, str]]) -> tuple[list[Placed], list[Asked]]:
    """Each question on the first unit (``(chunk id, index, text)``, in document
    order) holding a run of its answer's words; returns those placed and those
    whose answer the document does not contain (a stale sidecar)."""
    texts = [(cid, i, _words(text)) for cid, i, text in units]
    placed: list[Placed] = []
    lost: list[Asked] = []
    for item in asked:
        probes = _probes(item.answer)
        home = next(((cid, i) for cid, i, text in texts if any(p in text for p in probes)), None)
        if home is None:
            lost.append(item)
        else:
            placed.append(Placed(item.question, *home))
    return placed, lost
