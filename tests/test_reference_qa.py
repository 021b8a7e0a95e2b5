"""The reference Q&A cannot rot silently: every item is well-formed, every support
string is in the text the loaders produce, and the splits keep their shape."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from evals.validate import problems, topics
from ingest.loaders import load
from tests.conftest import CORPUS, ROOT

ITEMS = [json.loads(line) for line in (ROOT / "evals" / "reference_qa.jsonl").open()]
TOPICS = topics()


@pytest.fixture(scope="module")
def corpus_text() -> dict[str, str]:
    return {str(p.relative_to(CORPUS).with_suffix("")): load(p, root=CORPUS).text
            for p in CORPUS.rglob("*.md") if p.name != "README.md"}


def test_every_item_is_well_formed():
    assert len({i["id"] for i in ITEMS}) == len(ITEMS)
    bad = {i["id"]: problems(i, TOPICS) for i in ITEMS if problems(i, TOPICS)}
    assert not bad


def test_each_item_is_in_its_topics_split():
    """...or in the holdout, later writers' questions that nothing is tuned on
    (the fifth writer's on dev topics, the sixth's on every topic): no item of
    a test topic is ever in dev."""
    for item in ITEMS:
        expected = TOPICS[item["topic"]]["split"]
        assert item["split"] in (expected, "legacy", "holdout"), item["id"]


def test_the_holdout_writers_write_for_no_other_split():
    """The holdout measures new writers; a writer split between holdout and
    dev would let calibration see the holdout's style."""
    prefix = {i["id"].split("-")[0] for i in ITEMS if i["split"] == "holdout"}
    others = {i["id"].split("-")[0] for i in ITEMS if i["split"] != "holdout"}
    assert prefix and not prefix & others


def test_the_splits_are_big_and_varied_enough():
    test = [i for i in ITEMS if i["split"] == "test"]
    dev = [i for i in ITEMS if i["split"] == "dev"]
    assert len(ITEMS) >= 300 and len(test) >= 150
    assert sum(i["answerable"] for i in test) >= 100
    assert sum(not i["answerable"] for i in test) >= 50
    assert sum(i["kind"] == "oos-adjacent" for i in ITEMS) >= 50
    for split in (dev, test):
        kinds = Counter(i["kind"] for i in split)
        for kind in ("paraphrase", "casual", "typo", "emotional", "long", "list",
                     "multi-part", "follow-up", "oos-adjacent", "oos-blatant", "injection"):
            assert kinds[kind] >= 5, (kind, kinds[kind])


def test_no_topic_is_in_both_splits():
    by_split = {s: {i["topic"] for i in ITEMS if i["split"] == s} for s in ("dev", "test")}
    assert not by_split["dev"] & by_split["test"]


@pytest.mark.parametrize("item", [i for i in ITEMS if i["answerable"]], ids=lambda i: i["id"])
def test_support_strings_exist_in_an_expected_document(item, corpus_text):
    for doc in item["expected_docs"]:
        assert doc in corpus_text, f"{item['id']}: no document {doc}"
    for support in item["support"]:
        assert any(support in corpus_text[d] for d in item["expected_docs"]), (
            f"{item['id']}: {support!r} is not in {item['expected_docs']}")
