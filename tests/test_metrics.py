"""Each eval metric on small hand-made cases."""

import pytest

from evals import metrics as m


def test_ranks_hits_and_mrr():
    assert m.first_hit([False, True, True]) == 2
    assert m.first_hit([False, False]) is None
    assert (m.hit_at_k(2, 1), m.hit_at_k(2, 3), m.hit_at_k(None, 5)) == (0.0, 1.0, 0.0)
    assert m.reciprocal_rank(4) == 0.25 and m.reciprocal_rank(None) == 0.0


def test_support_matching_is_case_insensitive_and_survives_a_chunk_cut():
    support = "The group within a stream will meet bi-weekly and share notes with everyone."
    assert m.contains_support("... the GROUP within a stream will meet bi-weekly and", support)
    assert not m.contains_support("unrelated text", support)


def test_citation_precision_and_recall():
    cited = [("essays/a", "x"), ("essays/b", "holds THE fact"), ("essays/c", "y")]
    assert m.citation_precision(cited, ["the fact"], ["essays/a"]) == pytest.approx(2 / 3)
    assert m.citation_precision([], ["s"], ["d"]) is None
    assert m.citation_recall(cited, ["the fact", "missing"]) == 0.5


def test_answer_support_catches_uncited_and_invented_sentences():
    passages = ["Ask someone who is more available.", "Kaggle hosts competitions."]
    assert m.answer_support("Ask someone who is more available. [1]", passages) == 1.0
    assert m.answer_support("Ask someone more available [1]. Unicorns pay salaries.",
                            passages) == 0.5
    assert m.answer_support("Kaggle hosts competitions. [1]", passages) == 0.0  # wrong source
    assert m.answer_support("", passages) == 0.0


def test_answer_sentences_split_at_markers():
    assert m.answer_sentences("One [1]. Two [2] [3] tail") == [
        ("One", [1]), ("Two", [2, 3]), ("tail", [])]


def test_token_f1_and_rouge_l():
    assert m.token_f1("python [1]", "python") == 1.0
    assert m.token_f1("java", "python") == 0.0
    assert m.token_f1("I suggest python", "python") == pytest.approx(0.5)
    assert m.rouge_l("a b c d", "a c d") == pytest.approx(6 / 7)
    assert m.rouge_l("", "a") == 0.0


def test_rates_and_percentiles():
    assert m.rate([True, False, True, True]) == 0.75
    assert m.percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert m.percentile([1, 2, 3, 4, 100], 0.95) == 100
    assert m.percentile([], 0.5) == 0.0


def test_answer_hit_finds_a_support_quoted_as_a_list_item():
    answer = ("*Ng* — CHAPTER 4: “Here are five steps: Identify the business problem "
              "(not the AI problem); Brainstorm AI solutions.” [1]")
    assert m.answer_hit(answer, ["Identify the business problem (not the AI problem)."])
    assert not m.answer_hit(answer, ["Evaluate the feasibility of potential solutions."])
    assert not m.answer_hit("Nothing here [1]", ["", "   "])


def test_answer_hit_reads_a_quote_inside_a_quote_as_the_same_words():
    """An answer shows a quote's own marks as single ones inside its own."""
    answer = "*Mentoring*: “We need to move away from this idea of ‘free mentoring’.” [1]"
    assert m.answer_hit(answer, ["We need to move away from this idea of “free mentoring”."])
    assert not m.answer_hit(answer, ["We need to move towards this idea of “free mentoring”."])


def test_a_refusal_s_pointer_earns_nothing():
    """A refusal quotes the closest passage; it is not an answer, so the eval and
    the bench count none of its citations."""
    from core.types import Answer, Citation

    cite = Citation(n=1, doc_id="essays/a", title="A", heading="H", url="", source="",
                    text="Ask someone who is more available.", score=1.0)
    answered = Answer(question="q", answer="“Ask…” [1]", refused=False, citations=[cite])
    refused = Answer(question="q", answer="not covered … [1]", refused=True, citations=[cite])
    assert m.counted_citations(answered) == [("essays/a", cite.text)]
    assert m.counted_citations(refused) == []
