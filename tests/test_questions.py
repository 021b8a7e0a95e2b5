"""Questions a document answers (``ingest.questions``): the sidecar files, their
placement at ingest, and what a visitor gains from them."""

from __future__ import annotations

import json
import re

import pytest

from core.store import open_collection
from ingest.index import ingest
from ingest.questions import QuestionsError, parse, place, sidecar
from tests.conftest import CORPUS


def _question_rows(settings, doc_id: str) -> list[str]:
    got = open_collection(settings, sentences=True).get(
        where={"kind": "question"}, include=["documents"])
    chunks = set(open_collection(settings).get(where={"doc_id": doc_id}, include=[])["ids"])
    return [text for sid, text in zip(got["ids"], got["documents"], strict=True)
            if sid.rsplit(":", 1)[0] in chunks]


def _line(question: str, answer: str) -> str:
    return json.dumps({"question": question, "answer": answer}) + "\n"


def test_a_bad_line_is_named_by_file_and_line():
    data = (_line("what is kaggle?", "Kaggle is a platform") + "{not json\n").encode()
    with pytest.raises(QuestionsError, match=r"kaggle\.questions\.jsonl line 2"):
        parse(data, "kaggle.questions.jsonl")
    with pytest.raises(QuestionsError, match="line 1: empty"):
        parse(_line("  ", "x").encode(), "a.questions.jsonl")


def test_a_question_lands_on_the_unit_holding_its_answer():
    units = [("c1", 0, "Mentoring is rare."), ("c1", 1, "Ask someone who is more available."),
             ("c2", 0, "Models i explored in 2014:")]
    asked = parse((_line("who should i ask?", "Ask someone who is more available.")
                   + _line("what did he explore?", "Models i explored in 2014: UX")
                   + _line("stale", "A sentence the document no longer has at all.")).encode(),
                  "x")
    placed, lost = place(asked, units)
    assert [(p.chunk_id, p.unit) for p in placed] == [("c1", 1), ("c2", 0)]
    assert [a.line for a in lost] == [3]


def test_every_question_in_the_corpus_finds_its_answer(settings):
    """A sidecar whose answers drifted from the document would lose questions
    silently; ingest reports them, and the shipped corpus has none."""
    summary = ingest(settings)
    assert not summary.failed
    assert not [n for n in summary.notices if "questions.jsonl" in n], summary.notices
    lines = sum(len(parse(p.read_bytes(), p.name))
                for p in settings.corpus_dir.rglob("*.questions.jsonl"))
    stored = open_collection(settings, sentences=True).get(where={"kind": "question"},
                                                           include=[])
    assert len(stored["ids"]) == lines > 0


def test_editing_a_sidecar_reindexes_its_document_and_leaves_no_stale_question(settings):
    ingest(settings)
    doc = settings.corpus_dir / "resources" / "kaggle.md"
    side = sidecar(doc)
    asked = "where can i practise on real datasets?"
    side.write_text(_line(asked, "Kaggle"), encoding="utf-8")
    summary = ingest(settings)
    assert (summary.updated, summary.unchanged) == (1, summary.documents - 1)
    assert _question_rows(settings, "resources/kaggle") == [asked]
    side.unlink()
    ingest(settings)
    assert _question_rows(settings, "resources/kaggle") == []


def test_a_broken_sidecar_is_reported_and_its_document_still_indexed(settings):
    doc = settings.corpus_dir / "resources" / "topmate.md"
    sidecar(doc).write_text("this is not json\n", encoding="utf-8")
    summary = ingest(settings)
    assert [f.path for f in summary.failed] == [str(sidecar(doc))]
    assert "line 1" in summary.failed[0].error
    chunks = open_collection(settings).get(where={"doc_id": "resources/topmate"}, include=[])
    assert chunks["ids"], "the document itself must still be searchable"


def test_no_eval_question_was_written_into_a_sidecar(reference_items):
    """The sidecars were written from the corpus alone; an eval question copied
    into one would make the eval measure a lookup, not an answer."""
    norm = lambda t: " ".join(re.findall(r"[a-z0-9]+", t.lower()))  # noqa: E731
    asked = {norm(a.question) for p in CORPUS.rglob("*.questions.jsonl")
             for a in parse(p.read_bytes(), p.name)}
    copied = [i["id"] for i in reference_items if norm(i["question"]) in asked]
    assert not copied, copied


def test_a_story_told_first_is_pointed_at_the_chapter_on_feeling_like_a_fraud(chain):
    """Visitor trial 12: this message got the IT-transition essay's ERP skills; the
    guide's impostor-syndrome chapter is what it asks about, and the only word it
    shares with it is "fraud". Whether it is answered or refused is the support
    model's call, and a story this long sits near its threshold (answered with
    stop 27's first calibration, refused with its last); either way the first
    passage the visitor is shown is that chapter."""
    message = ("so i started learning python 6 months ago while working full time in tech "
               "support. everyone in my bootcamp seems way smarter than me and i keep thinking "
               "they'll find out i dont belong. last week i froze in a code review and i havent "
               "slept well since. is this normal and how do i stop feeling like a fraud?")
    answer = chain.ask(message)
    assert answer.citations, answer.answer
    assert "Impostor" in answer.citations[0].heading, answer.answer
