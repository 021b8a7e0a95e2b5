"""Retrieval: what the fused ranking finds for a question (fast tier: hash embedder)."""

from __future__ import annotations

from pathlib import Path

from chat.retriever import Retriever
from ingest.index import ingest

ESSAY = """---
title: {title}
author: {author}
kind: essay
---

## {heading}

{body}
"""


def _write(folder: Path, name: str, **fields: str) -> None:
    (folder / f"{name}.md").write_text(ESSAY.format(**fields), encoding="utf-8")


def test_a_question_naming_an_essays_author_finds_that_essay(tmp_path, hash_settings):
    """Visitors name an essay by who wrote it ("what did Reshama Shaikh find?"),
    and an author is often named only in the front matter.

    "retold" says word for word what "journey" says, under another author: only
    the author, a word of every chunk, tells the two apart. Were it not, no word
    of these questions would be indexed, the chunks would rank in one order
    whichever author is asked about, and one of the look-alikes would be missed.
    """
    corpus = tmp_path / "corpus"
    (corpus / "essays").mkdir(parents=True)
    _write(corpus / "essays", "survey", title="Rethinking mentoring", author="Priya Okonkwo",
           heading="What the poll found",
           body="Most respondents had never had someone guide them at work.")
    journey = {"title": "My journey", "heading": "What I found",
               "body": "Most of what I found was that respondents want someone to guide them."}
    _write(corpus / "essays", "journey", author="Tomas Lindqvist", **journey)
    _write(corpus / "essays", "retold", author="Ingrid Halvorsen", **journey)
    settings = hash_settings(corpus, tmp_path / "data")
    ingest(settings)
    retriever = Retriever(settings)
    found = {author: [p.doc_id for p in retriever.search(f"what did {author} find?", k=2)]
             for author in ("Okonkwo", "Lindqvist", "Halvorsen")}
    assert {author: docs[0] for author, docs in found.items()} == {
        "Okonkwo": "essays/survey", "Lindqvist": "essays/journey",
        "Halvorsen": "essays/retold"}, found
