"""Spelling correction: typos become corpus words; real words are never changed."""

from __future__ import annotations

from collections import Counter

import pytest

from chat.spelling import Speller


@pytest.fixture(scope="module")
def speller() -> Speller:
    from tests.conftest import CORPUS

    return Speller.from_texts(p.read_text(encoding="utf-8") for p in CORPUS.rglob("*.md"))


@pytest.mark.parametrize("typed, meant", [
    ("how do i find a mentr", "how do i find a mentor"),
    ("protfolio projcts for begginers", "portfolio projects for beginners"),
    ("is my carrer stagnating", "is my career stagnating"),
    ("whats the best way to lern deep lerning", "whats the best way to learn deep learning"),
])
def test_misspelt_words_become_the_corpus_words(speller, typed, meant):
    assert speller.correct(typed) == meant


def test_words_english_knows_are_left_alone_even_near_a_corpus_word(speller):
    """'wear' is one edit from 'year'; a question about clothes must stay one."""
    for text in ("what should i wear to an interview", "do i need a visa",
                 "how do i write a cover letter"):
        assert speller.correct(text) == text


def test_corpus_words_short_tokens_and_capitals_survive(speller):
    assert speller.correct("Is Kaggle or vLookUp good for ML and AI, lol?") == \
        "Is Kaggle or vLookUp good for ML and AI, lol?"


def test_a_word_is_only_corrected_towards_the_vocabulary_given():
    speller = Speller(Counter({"mentorship": 5}))
    assert speller.word("mentorshp") == "mentorship"
    assert speller.word("zxqvtr") == "zxqvtr"  # nothing close: left as typed


def test_on_a_tie_a_word_with_letters_left_out_is_the_one_meant(speller):
    """"wich" is one edit from "with" and from "which"; "with" is commoner, but
    leaving a letter out is the commonest slip (visitor trials 3 and 4)."""
    assert speller.word("wich") == "which"
    assert Speller(Counter({"with": 100, "which": 10})).word("wich") == "which"
    assert Speller(Counter({"write": 10, "written": 100})).word("writte") == "write"


@pytest.mark.parametrize("typed", ["my unsupportive boss", "feeling undervalued and overworked",
                                   "a noncompete clause", "he was disrespectful"])
def test_a_known_word_with_a_prefix_is_not_corrected_into_its_opposite(speller, typed):
    """'unsupportive' is not in the English dictionary and is two edits from the
    corpus's 'supportive': corrected, a visitor's complaint about an
    unsupportive boss was searched (and refused) as one about a supportive one."""
    assert speller.correct(typed) == typed


def test_every_prefix_a_word_starts_with_is_tried():
    """"underbooked" starts with "un" too; read only as "un" + "derbooked" it
    was "corrected" to the vocabulary's "underworked"."""
    assert Speller(Counter({"underworked": 5})).word("underbooked") == "underbooked"


def test_a_typo_after_a_prefix_is_still_corrected(speller):
    assert speller.correct("how do i prepare for an intervew") == \
        "how do i prepare for an interview"


def test_a_word_the_corpus_spells_another_way_takes_the_corpus_spelling():
    """Visitor trial 21: "how do i stop feeling like an imposter" was refused
    beside the chapter "Overcoming Impostor Syndrome": both spellings are
    English, so the word was never corrected."""
    speller = Speller(Counter({"impostor": 3, "specialise": 2, "mentor": 9, "four": 1}))
    assert speller.word("imposter") == "impostor"
    assert speller.word("specialize") == "specialise"
    assert speller.word("four") == "four" and speller.word("mentor") == "mentor"
    assert speller.word("later") == "later", "only towards a word the corpus uses"


def test_a_name_neither_the_corpus_nor_english_knows_is_unknown():
    """The support model's ``foreign`` signal: "How do I set up a SageMaker
    notebook?" names a tool the documents never mention; a slip of a corpus
    word, an English word and a short word are not unknown."""
    speller = Speller(Counter({"mentor": 9, "kaggle": 3, "portfolio": 4}))
    assert speller.unknown("How do I set up a SageMaker notebook for my portfolio?") \
        == ["sagemaker"]
    assert speller.unknown("how do i find a mentr on kaggle") == []
    assert speller.unknown("is the aws cert worth it") == [], "short words are not judged"
