"""How the extractive answerer picks its sentences and which passages it reads."""

from __future__ import annotations

import numpy as np
import pytest

from chat.answerers import (
    KEEP_RATIO,
    MAX_SENTENCES,
    SECOND_RATIO,
    SHAPE_LEAD,
    ExtractiveAnswerer,
    Scored,
    asked_shape,
    beyond_the_list,
    cover_parts,
    firsthand,
    nested,
    outvoted,
    points,
    prose_words,
    quote_found,
    readable,
    score_sentences,
    section_of,
    select,
    unsaid,
)
from core.types import Passage, Sentence


def _scored(score: float, passage: int, i: int) -> Scored:
    vector = np.zeros(8)
    vector[i % 8] = 1.0  # every sentence says something different
    return Scored(score, passage, Sentence(text=f"Sentence {i} of passage {passage}.",
                                            index=i, vector=vector))


def test_one_sentence_per_passage():
    scored = [_scored(0.9, 0, 0), _scored(0.89, 0, 1), _scored(0.88, 0, 2), _scored(0.8, 1, 3),
              _scored(0.79, 2, 4)]
    assert [c.passage for c in select(scored)] == [0, 1, 2]


def test_a_second_passage_is_drawn_on_even_well_below_the_best():
    scored = [_scored(0.8, 0, 0), _scored(0.79, 0, 1), _scored(SECOND_RATIO * 0.8 + 0.01, 1, 2),
              _scored(SECOND_RATIO * 0.8 + 0.005, 2, 3)]
    chosen = select(scored)
    assert [c.passage for c in chosen] == [0, 1], "the third is below KEEP_RATIO"
    assert SECOND_RATIO * 0.8 + 0.005 < KEEP_RATIO * 0.8


def test_a_weak_second_point_must_come_from_the_leading_document():
    """A second passage well below the best is drawn on when it is another part
    of the same document; from another document it must score as a third point
    would. Dev: 147 points from a document other than the lead's held a support
    string or came from an expected document 0.40 of the time, the lead's 0.96."""
    low = SECOND_RATIO * 0.8 + 0.01
    passages = [Passage(chunk_id=f"c{n}", doc_id=doc, text="x")
                for n, doc in enumerate(["essays/a", "essays/a", "essays/b"])]
    same = [_scored(0.8, 0, 0), _scored(low, 1, 1)]
    other = [_scored(0.8, 0, 0), _scored(low, 2, 1)]
    assert [c.passage for c in select(same, "", passages)] == [0, 1]
    assert [c.passage for c in select(other, "", passages)] == [0]
    near = [_scored(0.8, 0, 0), _scored(KEEP_RATIO * 0.8 + 0.01, 2, 1)]
    assert [c.passage for c in select(near, "", passages)] == [0, 2]


def test_a_question_asking_how_often_gets_the_sentence_with_the_number():
    """Visitor trials 16 and 18: "how often does the ML mentorship program
    meet?" quoted what the program is, from the same passage as "meet
    bi-weekly", and never the frequency."""
    what = Sentence(text="A volunteer program for people entering ML from other fields.",
                    index=0, vector=np.eye(8)[0])
    when = Sentence(text="Members meet bi-weekly within their stream.", index=1,
                    vector=np.eye(8)[1])
    scored = [Scored(0.6, 0, what), Scored(0.6 / SHAPE_LEAD + 0.01, 0, when)]
    question = "how often does the ML mentorship program meet?"
    assert asked_shape(question) == "number" and not asked_shape("what does the program do?")
    assert [c.sentence for c in select(scored, asked_shape(question))] == [when]
    assert [c.sentence for c in select(scored)] == [what], "only when a number is asked for"
    assert select(scored, "number")[0].score == scored[1].score, "the plain score is kept"


def test_a_question_asking_for_the_stages_gets_the_list():
    """Dev: "What are the stages of projects Ng expects you to move through…?"
    quoted his advice to start small, from the passage whose list unit holds
    the stages, and not the list."""
    advice = Sentence(text="Use the first projects for learning and move on to larger ones.",
                      index=0, vector=np.eye(8)[0])
    stages = Sentence(text="Educational projects; Personal projects; Creating value.",
                      index=1, vector=np.eye(8)[1])
    scored = [Scored(0.6, 0, advice), Scored(0.6 / SHAPE_LEAD + 0.01, 0, stages)]
    question = "what are the stages of projects as my portfolio grows?"
    assert asked_shape(question) == "list"
    assert asked_shape("which websites list paid mentors?") == "list"
    assert asked_shape("how do i find a mentor?") == ""
    assert [c.sentence for c in select(scored, asked_shape(question))] == [stages]
    assert [c.sentence for c in select(scored)] == [advice], "only when a list is asked for"


def test_a_lone_strong_sentence_is_not_padded_with_weak_ones():
    assert len(select([_scored(0.8, 0, 0), _scored(0.3, 1, 1)])) == 1


def test_a_lone_point_s_passage_gives_more_when_nothing_else_scores():
    """visitor trial 9: "i have impostor syndrome, how do i deal with it" got one
    sentence, the chapter's introduction, while the chapter went on."""
    units = [Sentence(text=f"Chapter sentence {i} says something different here.", index=i,
                      vector=np.eye(8)[i]) for i in range(6)]
    passage = Passage(chunk_id="c", doc_id="d", title="T", heading="H", rank=0,
                      text=" ".join(u.text for u in units), sentences=units)
    scored = [Scored(0.8, 0, units[0]), Scored(0.5, 0, units[4]), Scored(0.3, 0, units[2])]
    answer = ExtractiveAnswerer().compose(scored, [passage]).text
    assert "sentence 4" in answer and "sentence 2" not in answer, answer


def test_more_of_a_quoted_passage_joins_its_line_and_never_adds_a_line():
    """With every point chosen (three, issue 13), a passage's further answer
    still joins that passage's line, in the author's order (here before its
    point); the answer keeps three lines."""
    pages = []
    for d in range(4):
        units = [Sentence(text=f"Passage {d} point {i} says something different here.",
                          index=i, vector=np.eye(32)[d * 8 + i]) for i in range(4)]
        pages.append((Passage(chunk_id=str(d), doc_id=str(d), title=str(d), heading="H",
                              rank=d, text=" ".join(u.text for u in units), sentences=units),
                      units))
    scored = [Scored(0.9 - d * 0.01, d, pages[d][1][2]) for d in range(4)] + \
        [Scored(0.6, 0, pages[0][1][0])]
    lines = ExtractiveAnswerer().compose(scored, [p for p, _ in pages]).text.splitlines()
    assert len(lines) == MAX_SENTENCES == 3, lines
    assert lines[0].index("point 0") < lines[0].index(" … ") < lines[0].index("point 2"), lines[0]


def test_at_most_max_sentences():
    scored = [_scored(0.9 - i * 0.001, i, i) for i in range(10)]
    assert len(select(scored)) == MAX_SENTENCES


def test_neighbours_are_the_chunks_around_the_best_passages(chain):
    snapshot = chain.retriever.snapshot()
    passages = chain.retriever.search("How often do the mentorship program groups meet?", k=5,
                                      snapshot=snapshot, neighbours=3)
    ranked, extra = passages[:5], passages[5:]
    assert [p.rank for p in ranked] == [0, 1, 2, 3, 4] and not any(p.neighbour for p in ranked)
    assert extra and all(p.neighbour for p in extra)
    ids = [p.chunk_id for p in passages]
    assert len(ids) == len(set(ids))
    for p in extra:
        source = ranked[p.rank]
        assert p.rank < 3 and p.doc_id == source.doc_id
        assert abs(p.position - source.position) == 1
        assert p.sentences, "a neighbour comes with its sentences, ready to quote"


def test_search_without_neighbours_returns_k(chain):
    assert len(chain.retriever.search("How do I find a mentor?", k=5)) == 5


def _unit(text: str, score: float, passage: int, i: int) -> Scored:
    item = _scored(score, passage, i)
    item.sentence.text = text
    return item


def test_stubs_are_never_points():
    scored = [_unit("Yeah. No.", 0.9, 0, 0),
              _unit("Some other resources to look for potential mentors:", 0.89, 1, 1),
              _unit("Find a mentor through your local meetup groups.", 0.88, 2, 2)]
    assert [readable(c.sentence.text) for c in select(scored)] == [
        "Find a mentor through your local meetup groups."]


def test_a_quote_does_not_open_on_a_dangling_connective():
    assert readable("However, a degree is not required for the job.") == \
        "…a degree is not required for the job."
    assert quote_found("…a degree is not required for the job.",
                       "However, a degree is not required for the job.")
    assert readable("But also fine.") is None


def test_the_same_words_are_not_quoted_twice():
    scored = [_unit("Write a blog post about your project.", 0.9, 0, 0),
              _unit("Write a blog post about your **project**.", 0.89, 1, 1)]
    assert len(select(scored)) == 1


def test_list_items_do_not_count_against_the_word_budget():
    items = "; ".join(f"Item number {i} with several words in it" for i in range(7))
    unit = f"Here are the steps: {items}; …"
    assert prose_words(unit) == 4
    assert quote_found(unit, "Here are the steps.\n\n" + "\n".join(
        f"{i + 1}. Item number {i} with several words in it. More." for i in range(9)))
    assert not quote_found("Here are the steps: Item number 99", "Here are the steps.\n- Item")


@pytest.mark.parametrize("text", [
    "In this chapter, I would like to discuss some of the nuances of job searching.",
    "In the next few chapters, we will discuss finding and working on projects.",
    "Here's how you can strengthen your math knowledge.",
    # visitor trial 7: quoted as answers, they say nothing to the visitor
    "Now let us look each of the phases in depth and in more details.",
    "Let me know did you find it useful and remember it is important to be honest.",
    "I hope these steps help you explore it within the framework of project work.",
])
def test_a_sentence_about_the_text_itself_is_never_a_point(text):
    assert readable(text) is None


@pytest.mark.parametrize("text", [
    "Here's the thing: nobody reads a cover letter past the first paragraph.",
    "In this post-pandemic market, referrals matter more than ever.",
    "In this part of the world, recruiters expect a one-page CV.",
    "In this section of the interview you will be asked to write SQL.",
    "I want to explore data engineering, but I do not know where to start.",
    "We will cover your relocation costs if you join the team.",
    "In your first interview, we will look at your portfolio together.",
    "As a community, let's look for ways to make a positive impact wherever possible.",
    "I hope to find a mentor who works in healthcare.",
])
def test_a_sentence_that_only_sounds_like_an_announcement_is_kept(text):
    assert readable(text) == text


def test_a_point_names_its_document_unless_the_point_before_came_from_it():
    def passage(doc: str, heading: str) -> Passage:
        return Passage(chunk_id=doc + heading, doc_id=doc, text="x", title="Mentoring",
                       heading=f"## {heading}", url="", source="", position=0, score=0.0)
    passages = [passage("a", "One"), passage("b", "Two"), passage("a", "Three")]
    scored = [_unit(f"Point number {i} says something useful here.", 0.9 - i / 100, i, i)
              for i in range(3)]
    where = [w for w, _, _ in points(ExtractiveAnswerer().compose(scored, passages).text)]
    assert where == ["*Mentoring* — One", "*Mentoring* — Two", "*Mentoring* — Three"]


def test_a_list_of_questions_is_an_answer_but_a_question_is_not():
    """"You can ask: …?; …?" answers "what should I ask?"; it used to be skipped
    for ending in "?" like a question in the text."""
    vector = np.ones(4) / 2.0
    units = [Sentence(text="What do you do on a typical day?", index=0, vector=vector),
             Sentence(text="You can ask: What do you do on a typical day?; What skills matter?",
                      index=1, vector=vector)]
    passage = Passage(chunk_id="c", doc_id="d", title="T", heading="H", text="", rank=0,
                      sentences=units)
    scored = score_sentences("what should I ask", vector, [passage])
    assert [s.sentence.index for s in scored] == [1]


def test_an_announcement_passes_its_score_to_what_it_announces():
    """"Until you find an official mentor, here is some advice." matches "how do
    I find a mentor" best, but is a stub; the advice is the sentence after it."""
    ask = np.array([1.0, 0.0, 0.0, 0.0])
    units = [Sentence(text="Until you find a mentor, here is some advice.", index=0, vector=ask),
             Sentence(text="Ask someone who is more available than a celebrity.", index=1,
                      vector=np.array([0.0, 1.0, 0.0, 0.0])),
             Sentence(text="Mentors are people too and like being thanked.", index=2,
                      vector=np.array([0.6, 0.8, 0.0, 0.0]))]
    passage = Passage(chunk_id="c", doc_id="d", title="T", heading="H", text="", rank=0,
                      sentences=units)
    scored = score_sentences("find a mentor", ask, [passage])
    assert scored[0].sentence.index == 1
    assert all(s.sentence.index != 0 for s in scored)


def test_a_numbered_label_passes_the_question_s_score_to_the_answer_under_it():
    """The IT-to-ML essay answers its own questions under labels: "Do I feel under
    paid and under worked?" / "My honest answer 5#" / "Hell yes, but…". The
    question's score went to the label, a stub, and the answer was never quoted."""
    ask = np.array([1.0, 0.0, 0.0, 0.0])
    units = [Sentence(text="Do I feel under paid and under worked?", index=0, vector=ask,
                      faq=True),
             Sentence(text="My honest answer 5#", index=1, vector=ask),
             Sentence(text="Hell yes, but I had left all hope of a higher payment slab.",
                      index=2, vector=np.array([0.0, 1.0, 0.0, 0.0])),
             Sentence(text="I was bored as well at work most days.", index=3,
                      vector=np.array([0.5, 0.5, 0.7, 0.0]))]
    passage = Passage(chunk_id="c", doc_id="d", title="T", heading="H", text="", rank=0,
                      sentences=units)
    scored = score_sentences("was he under paid", ask, [passage])
    assert scored[0].sentence.index == 2, [s.sentence.text for s in scored]


def test_each_part_of_a_two_part_question_gets_its_best_unit_first():
    """Scored for the whole message, three units about the survey's date beat
    the one with the number of answers; the second part lifts it."""
    when, many = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    scored = [Scored(0.9 - i / 100, i, Sentence(text=f"The survey ran in 2019, note {i}.",
                                                index=0, vector=when)) for i in range(3)]
    answer = Scored(0.5, 3, Sentence(text="Fifty people answered the survey.", index=0,
                                     vector=many))
    parts = [{"survey", "ran"}, {"mani", "answer"}]
    covered = cover_parts(scored + [answer], parts)
    assert [s.passage for s in covered[:2]] == [0, 3]
    assert covered[1].score == covered[0].score == 0.9
    assert [s.passage for s in select(covered)][:2] == [0, 3]
    assert cover_parts(scored, []) == scored


@pytest.mark.parametrize("stub", [
    "The roles are Mentor, Sponsor. MentorSponsorTutorJob / Career CoachTherapist / Psychologist.",
    "The key in this step is to be honest with yourself–",
    "Below were my short answers for each of these questions -",
    "My honest answer 9#",
    "I will talk more about this in the next chapter.",
    "Above, I described three key steps to building a career in AI, and all of them matter.",
    "I am sure you can answer the following question with quick calculations.",
    "Maybe You’re The Problem.",  # an article's title cut out of its sentence (trial 23)
])
def test_glued_table_cells_and_cut_off_sentences_are_stubs(stub):
    assert readable(stub) is None


def test_a_list_of_capitalised_items_or_a_sentence_naming_people_is_no_title():
    for text in ("Teamwork; Networking; Personal discipline; Altruism.",
                 "Andrew Ng Thinks Teams Matter, says a reader.", "Ng founded Coursera and more."):
        assert readable(text) == text


def test_names_with_one_capital_inside_are_not_glue():
    text = "Try MentorCruise, PyLadies, WiMLDS or DeepLearning.AI, says @DrAnneCarpenter."
    assert readable(text) == text


def _passage_of(*texts: str) -> Passage:
    units = [Sentence(text=t, index=i, vector=np.eye(8)[i]) for i, t in enumerate(texts)]
    return Passage(chunk_id="c", doc_id="d", title="T", heading="H", text=" ".join(texts),
                   sentences=units)


def test_a_name_that_starts_small_is_not_glue():
    """Visitor trials 18 and 19: "what is vlookup?" never got "vLookUp is an
    online platform…": every unit naming vLookUp read as a flattened table."""
    assert readable("vLookUp is an online platform that connects women with mentors.")
    assert readable("The cells read MentorSponsorTutorJob in the scraped table.") is None


def test_an_faq_answer_does_not_go_on_into_the_next_question():
    """Visitor trial 19: "…from other STEM fields. What programming language
    should we start with? I suggest python." answered a degree question."""
    passage = _passage_of("Do I need a degree? A degree is not required, skills are.",
                          "What language should we start with? I suggest python.")
    scored = [Scored(0.8, 0, passage.sentences[0]), Scored(0.6, 0, passage.sentences[1])]
    answer = ExtractiveAnswerer().compose(scored, [passage]).text
    assert "degree is not required" in answer and "python" not in answer, answer


def test_an_faq_answer_goes_on_past_its_own_sentences():
    """An FAQ unit's sentences follow it as units of their own; "I'd say 4
    projects." went on with none of the answer's next sentence, "3 strong
    individual projects and 1 larger group project" (visitor trial 20)."""
    faq = "How many projects do we need? It's hard to say. I'd say 4 projects."
    rest = "3 strong individual projects and 1 larger group project."
    texts = [faq, "It's hard to say.", "I'd say 4 projects.", rest]
    units = [Sentence(text=t, index=i, vector=np.eye(8)[i]) for i, t in enumerate(texts)]
    passage = Passage(chunk_id="c", doc_id="d", title="T", heading="FAQ",
                      text=f"- How many projects do we need?\n  - {faq.split('? ')[1]} {rest}",
                      sentences=units)
    scored = [Scored(0.8, 0, units[0]), Scored(0.5, 0, units[3]), Scored(0.45, 0, units[2]),
              Scored(0.2, 0, units[1])]
    (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
    assert quote == f"{faq} {rest}", quote
    assert quote_found(quote, passage.text)


def test_a_point_goes_on_with_the_next_sentence_when_it_scores_half_the_best():
    passage = _passage_of("The next step is to define the metrics to aim for.",
                          "These include both ML metrics and business metrics.",
                          "Budget for resources before you start.")
    scored = [Scored(0.8, 0, passage.sentences[0]), Scored(0.45, 0, passage.sentences[1]),
              Scored(0.2, 0, passage.sentences[2])]
    (_, quote, n), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
    assert quote == ("The next step is to define the metrics to aim for. "
                     "These include both ML metrics and business metrics.")
    assert quote_found(quote, passage.text) and n == 1
    later = _passage_of("The next step is to define the metrics to aim for.",
                        "Both ML metrics and business metrics count.")
    scored = [Scored(0.8, 0, later.sentences[0]), Scored(0.3, 0, later.sentences[1])]
    (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [later]).text)
    assert quote == "The next step is to define the metrics to aim for.", \
        "below half the best: a point of one"


def test_a_point_goes_on_with_a_sentence_that_points_back_at_it_whatever_its_score():
    """ "It makes me accountable…" says why she seeks speaking opportunities,
    and shares no word with "why the speaking one?" (stop 33)."""
    passage = _passage_of("Actively seek public speaking opportunities.",
                          "It makes me accountable and pushes my learning capabilities.",
                          "Be so much better at leetcode.")
    scored = [Scored(0.8, 0, passage.sentences[0]), Scored(0.2, 0, passage.sentences[2]),
              Scored(0.1, 0, passage.sentences[1])]
    (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
    assert quote == ("Actively seek public speaking opportunities. "
                     "It makes me accountable and pushes my learning capabilities.")


def test_a_weak_sentence_opening_a_new_thought_does_not_go_on_with_the_point():
    for after in ("There are also good podcasts about leadership.",
                  "That said, my first manager hated meetings."):  # shown "…my first manager"
        passage = _passage_of("Actively seek public speaking opportunities.", after)
        scored = [Scored(0.8, 0, passage.sentences[0]), Scored(0.1, 0, passage.sentences[1])]
        (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
        assert quote == "Actively seek public speaking opportunities.", quote


def test_a_follow_up_about_one_item_does_not_get_the_whole_list_again():
    passage = _passage_of("Here is what I hope to achieve: Build connections; "
                          "Actively seek public speaking opportunities; Be better at leetcode.",
                          "Actively seek public speaking opportunities.",
                          "It makes me accountable.")
    scored = [Scored(0.9, 0, passage.sentences[0]), Scored(0.6, 0, passage.sentences[1]),
              Scored(0.1, 0, passage.sentences[2])]
    kept = beyond_the_list(scored, "actively seek public speaking opportunities")
    assert [s.sentence.text for s in kept] == [passage.sentences[1].text,
                                               passage.sentences[2].text]
    assert beyond_the_list(scored, "networking events") == scored, "not an item of it"
    lone = scored[:1]
    assert beyond_the_list(lone, "actively seek public speaking") == lone, "never emptied"


def test_a_point_opening_on_these_is_quoted_with_the_sentence_before_it():
    passage = _passage_of("Define the metrics to aim for.",
                          "These include both ML metrics and business metrics.")
    scored = [Scored(0.8, 0, passage.sentences[1]), Scored(0.1, 0, passage.sentences[0])]
    (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
    assert quote == ("Define the metrics to aim for. "
                     "These include both ML metrics and business metrics.")


def test_a_point_opening_on_a_cut_connective_and_these_still_gets_its_sentence_before():
    """ "However, these…" is shown as "…these…": it needs what "these" are too."""
    passage = _passage_of("Define the metrics to aim for.",
                          "However, these include both ML metrics and business metrics.")
    scored = [Scored(0.8, 0, passage.sentences[1]), Scored(0.1, 0, passage.sentences[0])]
    (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
    assert quote.startswith("Define the metrics to aim for."), quote


def test_a_point_does_not_go_on_with_what_another_point_quotes():
    first = _passage_of("Most companies ask for a PhD.", "A degree is not required.")
    second = Passage(chunk_id="c2", doc_id="e", title="U", heading="H",
                     text="A degree is not required.",
                     sentences=[Sentence(text="A degree is not required.", index=0,
                                         vector=first.sentences[1].vector)])
    scored = [Scored(0.8, 0, first.sentences[0]), Scored(0.7, 1, second.sentences[0]),
              Scored(0.6, 0, first.sentences[1])]
    quotes = [q for _, q, _ in points(ExtractiveAnswerer().compose(scored, [first, second]).text)]
    assert sorted(quotes) == ["A degree is not required.", "Most companies ask for a PhD."]


def test_a_point_that_goes_on_after_a_list_item_keeps_its_pieces_the_sources():
    passage = _passage_of("Coordinate and run the next session (1.5 hour at most)",
                          "Make sure meeting notes are taken.")
    passage.text = "- Coordinate and run the next session (1.5 hour at most)\n" \
                   "- Make sure meeting notes are taken."
    scored = [Scored(0.8, 0, passage.sentences[0]), Scored(0.6, 0, passage.sentences[1])]
    (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
    assert quote == ("Coordinate and run the next session (1.5 hour at most); "
                     "Make sure meeting notes are taken.")
    assert quote_found(quote, passage.text)


@pytest.mark.parametrize(("first", "second", "joined"), [
    # a tweet's date line has no stop: the seam shows, it is not "2018; We need…"
    ("Kim Crawley (@kimcrawley) July 29, 2018", "We need to move away from free mentoring.",
     "Kim Crawley (@kimcrawley) July 29, 2018 … We need to move away from free mentoring."),
    # a stop inside a closing bracket is a stop: not "…answer!); I remember…"
    ("(Many others cannot resist calculating the answer!)", "I remember this one well.",
     "(Many others cannot resist calculating the answer!) I remember this one well."),
])
def test_a_point_of_two_sentences_reads_as_two_sentences(first, second, joined):
    passage = _passage_of(first, second)
    scored = [Scored(0.8, 0, passage.sentences[0]), Scored(0.6, 0, passage.sentences[1])]
    (_, quote, _), = points(ExtractiveAnswerer().compose(scored, [passage]).text)
    assert quote == joined
    assert quote_found(quote, passage.text)


_ALL_WAYS = np.ones(8) / np.sqrt(8)  # the question: every axis equally close


def _page(kind: str, doc: str, rank: int, text: str, neighbour: bool = False) -> Passage:
    axis = np.zeros(8)
    axis[len(text) % 8] = 1.0  # units say different things, all equally close to the question
    return Passage(chunk_id=f"{doc}{rank}{neighbour}", doc_id=doc, text=text, kind=kind,
                   title=doc, rank=rank, neighbour=neighbour,
                   sentences=[Sentence(text=text, index=0, vector=axis)])


def _cited(passages: list[Passage]) -> list[str]:
    scored = firsthand(score_sentences("which job offer", _ALL_WAYS, passages), passages)
    draft = ExtractiveAnswerer().compose(scored, passages)
    return [passages[n - 1].doc_id for _, _, n in points(draft.text)]


ESSAY = "Choose a boss over the company when you pick a job."
PAGE = "Use it to find a mentor outside your own network."


def test_a_resource_page_is_quoted_only_when_it_is_the_best_match():
    """A resource page sums up the essays and fits many questions loosely:
    quoted when the question is about it (its page is the best-retrieved
    passage, neighbouring chunks included), not as a further point for a
    question about something else."""
    behind = [_page("essay", "essays/a", 0, ESSAY), _page("resource", "resources/m", 1, PAGE)]
    assert _cited(behind) == ["essays/a"]
    ahead = [_page("resource", "resources/m", 0, PAGE), _page("essay", "essays/a", 1, ESSAY),
             _page("resource", "resources/m", 0, "It lists mentors by their skills.", True)]
    assert set(_cited(ahead)) == {"resources/m", "essays/a"}
    alone = [_page("essay", "essays/a", 0, "Yes."), _page("resource", "resources/m", 1, PAGE)]
    assert _cited(alone) == ["resources/m"], "nothing else to quote: the page is kept"


def _essay(doc: str, rank: int, text: str, vector: np.ndarray) -> Passage:
    return Passage(chunk_id=f"{doc}{rank}", doc_id=doc, text=text, kind="essay", title=doc,
                   rank=rank, sentences=[Sentence(text=text, index=0, vector=vector)])


def _answered_from(passages: list[Passage]) -> list[str]:
    question = np.eye(8)[0]
    scored = outvoted(score_sentences("which job offer", question, passages), passages)
    draft = ExtractiveAnswerer().compose(scored, passages)
    return [passages[n - 1].doc_id for _, _, n in points(draft.text)]


def test_when_a_lower_ranked_essay_wins_the_top_one_is_not_quoted():
    """The best-retrieved passage only looked like the answer when another
    document's sentence beats it despite its rank: its units (off topic for 35
    of 36 such second points on dev) are not quoted beside the winner."""
    close, half = np.eye(8)[0], (np.eye(8)[0] + np.eye(8)[1]) / np.sqrt(2)
    outranked = [_essay("essays/top", 0, "Networking events are where careers start.", half),
                 _essay("essays/other", 1, "Pick the boss, not the brand name.", close)]
    assert _answered_from(outranked) == ["essays/other"]
    near = 0.8 * np.eye(8)[0] + 0.6 * np.eye(8)[1]  # within KEEP_RATIO of the best
    agreeing = [_essay("essays/top", 0, "Pick the boss, not the brand name.", close),
                _essay("essays/other", 1, "Networking events are where careers start.", near)]
    assert _answered_from(agreeing) == ["essays/top", "essays/other"], \
        "the top passage's document won: the others are quoted as before"


def test_a_point_names_the_section_its_quote_sits_under_not_the_chunks_first():
    """A resource page is one chunk of three sections; the editor's "When to
    use it" advice was shown under "What it is" (visitor trial 7)."""
    text = ("MentorCruise is a marketplace of paid mentors.\n\n## When to use it\n\n"
            "Use it to find a mentor outside your own network.")
    sentences = [Sentence(text="MentorCruise is a marketplace of paid mentors.", index=0,
                          vector=np.eye(8)[1]),
                 Sentence(text="Use it to find a mentor outside your own network.", index=1,
                          vector=np.eye(8)[0])]
    page = Passage(chunk_id="m0", doc_id="resources/m", text=text, kind="resource",
                   title="MentorCruise", heading="What it is", rank=0, sentences=sentences)
    scored = score_sentences("find a mentor", np.eye(8)[0], [page])
    draft = ExtractiveAnswerer().compose(scored, [page])
    assert draft.text.startswith("*MentorCruise* — When to use it: “Use it to find"), draft.text
    assert section_of(page, "MentorCruise is a marketplace") == "What it is"


def test_a_quote_inside_a_quote_gets_single_marks():
    """Ng's line opens on its own quotation mark: shown inside the answer's
    marks it read "““AI is the new electricity" (visitor trial 15)."""
    passage = _passage_of("“AI is the new electricity. It will transform and improve all "
                          "spheres of human life” (c) Andrew Ng")
    draft = ExtractiveAnswerer().compose([Scored(0.9, 0, passage.sentences[0])], [passage])
    (_, quote, _), = points(draft.text)
    assert "““" not in draft.text and "””" not in draft.text
    assert quote.startswith("‘AI is the new electricity.") and "life’ (c)" in quote
    assert quote_found(quote, passage.text)


def test_a_sentence_cut_from_a_quotation_loses_its_unpaired_mark():
    """The last sentence of a quoted passage kept the quotation's closing mark:
    “…their experiences."” (visitor trial 20)."""
    passage = _passage_of('She wrote: "I signed up on vLookUp to meet mentors.',
                          'They understood my worries and shared great stories about their '
                          'experiences."')
    draft = ExtractiveAnswerer().compose([Scored(0.9, 0, passage.sentences[1])], [passage])
    (_, quote, _), = points(draft.text)
    assert quote.endswith("their experiences.") and '"' not in quote, draft.text
    assert quote_found(quote, passage.text)
    assert nested("What can I help with?”") == "What can I help with?"
    assert nested("“AI is the new electricity.") == "AI is the new electricity."
    assert nested("Will it take 5 minutes or less?” [low cost]") == \
        "Will it take 5 minutes or less? [low cost]"
    paired = 'I bought a 15" laptop called "the brick"'
    assert nested(paired) == paired, "marks that pair stay, and a mark inside is left alone"


def test_a_link_whose_words_only_point_keeps_its_address():
    """ "I found [this](…) list" quoted as "I found this list" left the visitor
    no way to the list (visitor trial 16); a link with words of its own reads
    as those words."""
    url = "https://medium.com/machine-learning-in-practice/over-150-tutorials"
    passage = _passage_of(f"I found [this]({url}) list of tutorials very useful.",
                          "See the [Jupyter notebooks](https://jupyter.org/) page for more.")
    answer = ExtractiveAnswerer().compose([Scored(0.9, 0, passage.sentences[0]),
                                           Scored(0.8, 0, passage.sentences[1])], [passage])
    quotes = [quote for _, quote, _ in points(answer.text)]
    assert f"I found this ({url}) list of tutorials very useful." in " ".join(quotes)
    assert "See the Jupyter notebooks page for more." in " ".join(quotes)
    assert "jupyter.org" not in answer.text
    assert all(quote_found(q, passage.text) for q in quotes)


def test_a_quote_shown_with_single_inner_marks_counts_as_said():
    """A follow-up does not quote again what an answer quoted, though the answer
    showed the unit's own “…” as ‘…’."""
    passage = _passage_of("We need to move away from this idea of “free mentoring” today.",
                          "Someone is dedicating hours of their personal time for that.")
    first = Scored(0.9, 0, passage.sentences[0])
    answer = ExtractiveAnswerer().compose([first], [passage]).text
    assert "‘free mentoring’" in answer
    left = unsaid([first, Scored(0.5, 0, passage.sentences[1])], answer)
    assert [s.sentence.index for s in left] == [1]


def test_a_unit_counts_as_said_whether_it_was_shown_whole_or_cut():
    """Visitor trial 24: the first answer quoted "However, if I were forced to
    pick a number, I'd say 4 projects." whole (inside its FAQ entry), and the
    follow-up quoted it again: the unit is checked as it would be shown, cut
    ("…if I were forced…"). And a cut quote counts for the whole unit."""
    passage = _passage_of("However, if I were forced to pick a number, I'd say 4 projects.",
                          "Kaggle is a good candidate for individual projects.")
    units = [Scored(0.9, 0, passage.sentences[0]), Scored(0.5, 0, passage.sentences[1])]
    whole = ("“How many projects? However, if I were forced to pick a number, "
             "I'd say 4 projects.” [1]")
    cut = ExtractiveAnswerer().compose(units[:1], [passage]).text
    assert "…if I were forced" in cut
    for said in (whole, cut):
        assert [s.sentence.index for s in unsaid(units, said)] == [1], said


def test_a_labelled_answer_is_quoted_with_the_question_it_answers():
    """ "A big yes, more like a kid…" answered "Do I complain about my work at
    home/family?" two lines up, under "My honest answer 10#"; quoted alone it
    answered nothing the visitor could see (visitor trial 16)."""
    passage = _passage_of("Do I complain about my work at home/family?",
                          "My honest answer 10#",
                          "A big yes, more like a kid who comes from school and dumps the day.")
    answer = ExtractiveAnswerer().compose([Scored(0.9, 0, passage.sentences[2])], [passage])
    (_, quote, _), = points(answer.text)
    assert quote == ("Do I complain about my work at home/family? … A big yes, more like a kid "
                     "who comes from school and dumps the day.")
    assert quote_found(quote, passage.text)
