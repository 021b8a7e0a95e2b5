"""The reference Q&A cannot rot silently: every support string is in the corpus."""

from __future__ import annotations

import json

import pytest

from ingest.loaders import load
from tests.conftest import CORPUS, ROOT

ITEMS = [json.loads(line) for line in (ROOT / "evals" / "reference_qa.jsonl").open()]
CATEGORIES = {"finding mentors", "learning & math", "projects & portfolio",
              "job search & interviews", "switching careers", "the mentorship program",
              "mindset", "out of scope", "adversarial"}


@pytest.fixture(scope="module")
def corpus_text() -> dict[str, str]:
    return {str(p.relative_to(CORPUS).with_suffix("")): load(p, root=CORPUS).text
            for p in CORPUS.rglob("*.md") if p.name != "README.md"}


def test_the_set_is_big_and_varied_enough():
    assert len(ITEMS) >= 60
    assert sum(not i["answerable"] for i in ITEMS) >= 10
    assert sum("history" in i for i in ITEMS) >= 5
    assert len({i["id"] for i in ITEMS}) == len(ITEMS)
    assert {i["category"] for i in ITEMS} <= CATEGORIES


@pytest.mark.parametrize("item", [i for i in ITEMS if i["answerable"]], ids=lambda i: i["id"])
def test_support_strings_exist_in_an_expected_document(item, corpus_text):
    assert item["support"] and item["expected_docs"]
    for doc in item["expected_docs"]:
        assert doc in corpus_text, f"{item['id']}: no document {doc}"
    for support in item["support"]:
        assert any(support in corpus_text[d] for d in item["expected_docs"]), (
            f"{item['id']}: {support!r} is not in {item['expected_docs']}")
