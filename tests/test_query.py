"""What is searched: filler dropped, long messages by their question, follow-ups with context."""

from __future__ import annotations

from collections import Counter

from chat.query import (
    OWN_TOPIC_WORDS,
    drop_filler,
    leans_on_history,
    pointed_at,
    question_parts,
    question_sentences,
    resolve_pointer,
    understand,
)
from chat.spelling import Speller
from core.text import tokenize

SPELLER = Speller(Counter({"mentor": 3, "maths": 2, "program": 4, "meet": 1}))
HISTORY = [{"role": "user", "content": "What are the three streams of the ML program?"},
           {"role": "assistant", "content": "Stream 1 (Starting out in ML), Stream 2 and "
                                            "Stream 3 (Advanced) [1]."}]


def test_filler_is_not_searched():
    assert drop_filler("honestly is maths worth it for ml lol") == "is maths worth it for ml"
    assert understand("tbh how do i find a mentr", [], SPELLER).own == "how do i find a mentor"


def test_thanks_go_whole_and_leave_no_word_behind():
    # visitor trial 6: "thank you. and the math" was searched as "you. and the math"
    assert drop_filler("thank you. and the math, is calculus needed?") == \
        "and the math, is calculus needed?"
    assert drop_filler("thanks a lot! which course first?") == "which course first?"


def test_like_is_kept_where_it_carries_meaning():
    assert drop_filler("I feel like a fraud at work") == "I feel like a fraud at work"
    assert drop_filler("what does a good mentor look like?") == "what does a good mentor look like?"
    assert drop_filler("like, how do I start lol") == "how do I start"


def test_a_message_of_filler_alone_is_kept_as_typed():
    assert drop_filler("lol ok") == "lol ok"


def test_a_long_message_is_also_searched_by_its_question_sentences():
    story = ("I have worked in IT services for twelve years, mostly on ERP projects for "
             "banks, and I feel stuck because nothing new comes my way and my salary has "
             "not moved. My kids are growing up. ")
    query = understand(story + "How do I find a mentor?", [], SPELLER)
    assert query.searches == [query.own, "How do I find a mentor?"]


def test_question_sentences_fall_back_to_the_last_sentence():
    assert question_sentences("I am a nurse. I want to move into data.") == \
        "I want to move into data."


def test_a_follow_up_is_searched_with_the_previous_question_and_answer():
    query = understand("which one is for people who already work in ML?", HISTORY, SPELLER)
    assert query.follow_up
    assert any(s.startswith("What are the three streams") for s in query.searches)
    assert any("Stream 3 (Advanced)" in s and "[1]" not in s for s in query.searches)
    assert query.searches[0] == query.own  # the question's own search always comes first
    assert "three streams" in query.condensed


def test_a_follow_up_is_also_searched_with_the_document_the_last_answer_quoted():
    """Visitor trial 18: "who runs it?" after "how often do they meet?" (answered
    "*ML mentorship program* — …: “The group within a stream will meet
    bi-weekly.”") was searched with meetings and found a meetup page; the
    program's name was only in the answer's attribution, which is not searched."""
    history = [{"role": "user", "content": "how often do they meet?"},
               {"role": "assistant", "content": "*ML mentorship program* — Organization: "
                                                "“The group within a stream will meet "
                                                "bi-weekly.” [1]"}]
    query = understand("who runs it?", history, SPELLER)
    assert "who runs it? ML mentorship program" in query.searches
    assert not any("ML mentorship" in s for s in
                   understand("How do I find a mentor?", history, SPELLER).searches)


def test_a_standalone_question_after_history_is_not_a_follow_up():
    query = understand("How do I find a mentor?", HISTORY, SPELLER)
    assert not query.follow_up and query.searches == ["How do I find a mentor?"]
    assert query.said == HISTORY[1]["content"], "what was just quoted is not quoted again"


def test_a_message_with_a_topic_of_its_own_is_not_a_follow_up_whatever_its_pronouns():
    story = ("I've been a statistician for 12 years across pharma and insurance, and "
             "my manager says they want me to retrain in machine learning. Is it "
             "realistic to switch at my age, and where would I even start?")
    assert not understand(story, HISTORY, SPELLER).follow_up
    assert understand("and how long did they take to learn it?", HISTORY, SPELLER).follow_up


def test_a_long_message_pointing_at_an_item_is_still_a_follow_up():
    said = [{"role": "user", "content": "what are her next steps?"},
            {"role": "assistant", "content": "She lists six: be more aware of industry "
             "trends, build connections, actively seek public speaking opportunities."}]
    query = understand("Can you expand on the speaking one? My situation: pharmacist, 41, "
                       "evenings only, two kids, commuting ninety minutes, budget tight, "
                       "Lisbon based, Portuguese speaker", said, None)
    assert query.follow_up and query.pointed == "actively seek public speaking opportunities"


def test_the_own_topic_rule_counts_words_the_last_turn_did_not_use():
    said = "How do I find a mentor? Ask people whose work you admire."
    eleven = ("is it sensible to message a famous stranger on linkedin twitter or slack "
              "daily asking questions about careers abroad")
    assert len(set(tokenize(eleven)) - set(tokenize(said))) == OWN_TOPIC_WORDS - 1
    assert leans_on_history(eleven, said), "eleven new words and an 'it': still leaning"
    assert not leans_on_history(eleven + " remotely", said)


def test_the_last_item_of_a_cut_list_is_not_guessed():
    shown = "“Here are the steps: a thing; b thing; c; d; e; f; g; …” [1]"
    assert pointed_at("tell me more about the last one", shown) is None
    assert pointed_at("and the second one?", shown)[1] == "b thing"


def test_a_pointer_needs_a_question_before_the_answer_it_points_into():
    said = [{"role": "assistant", "content": "She lists six: be more aware of industry "
             "trends, build connections, actively seek public speaking opportunities."}]
    assert understand("why the speaking one?", said, None).pointed == ""


def test_a_short_question_about_what_the_answer_named_is_a_follow_up():
    """"what are the streams?" has no pronoun, but "the streams" are the ones
    just named; "what are the course fees?" names nothing said, and stands alone."""
    assert understand("what are the streams?", HISTORY, SPELLER).follow_up
    assert not understand("what are the course fees?", HISTORY, SPELLER).follow_up


def test_a_question_of_one_content_word_is_read_with_the_last_turn():
    """visitor trial 7: "how often?" after the program's streams was refused,
    searched as typed; one word names no topic of its own."""
    query = understand("how often?", HISTORY, SPELLER)
    assert query.follow_up and "three streams" in query.condensed
    assert not understand("how often?", [], SPELLER).follow_up


def test_which_alone_does_not_borrow_the_previous_topic():
    query = understand("Which websites help you find a mentor?", HISTORY, SPELLER)
    assert not query.follow_up and len(query.searches) == 1


def test_a_follow_up_is_read_with_what_the_answer_quoted_not_where_from():
    history = [HISTORY[0], {"role": "assistant", "content":
                            "*The ML mentorship program* — Streams: “Stream 1 is for "
                            "beginners; Stream 3 is for practitioners.” [1]"}]
    query = understand("which one is for practitioners?", history, SPELLER)
    assert query.said == history[1]["content"]
    assert any(s.endswith("Stream 1 is for beginners; Stream 3 is for practitioners.")
               for s in query.searches)
    assert not any("Streams:" in s for s in query.searches)


def test_without_history_nothing_is_borrowed():
    query = understand("how often does it meet?", [], SPELLER)
    assert not query.follow_up and query.searches == ["how often does it meet?"]


def test_a_two_part_question_is_split_into_its_parts():
    assert question_parts("Should mentoring be free, and can peers mentor me too?") == \
        ["Should mentoring be free", "can peers mentor me too?"]
    assert question_parts("When did she run the survey? How many answered?") == \
        ["When did she run the survey?", "How many answered?"]
    assert question_parts("how do i find a mentor and what do i ask them") == \
        ["how do i find a mentor", "what do i ask them"]


def test_one_question_is_not_split():
    for one in ("How do I find a mentor and a sponsor?", "what is it and how?",
                "Tips and tricks for interviews?", "how do i find a mentor"):
        assert question_parts(one) == [], one


def test_a_visitor_changing_the_subject_is_not_read_with_the_last_turn():
    for message in ("ok forget that. is it true you need a phd?",
                    "no I meant the excel function. anyway, is paying for a mentor worth it?",
                    "last question, does it help to be good at math?",
                    "thank you!! last one: how do i write a good resume?",
                    # visitor trial 16
                    "random q but how much should a junior data analyst make in toronto?",
                    "ok diff question. i have no work experience, how do i build a portfolio"):
        query = understand(message, HISTORY, SPELLER)
        assert not query.follow_up and len(query.searches) == 1, message
    assert understand("ok and does it meet weekly?", HISTORY, SPELLER).follow_up
    assert understand("and the last one, who is it for?", HISTORY, SPELLER).follow_up
    # "random" or "diff question" only open a message to change its subject
    for follow_up in ("does it end with a final Q&A?", "do they ask random qs in it?",
                      "is a random topic ok for it?", "is that a random thing to do?",
                      "do they ask random q's there?"):
        assert understand(follow_up, HISTORY, SPELLER).follow_up, follow_up


def test_a_request_to_sum_up_is_read_as_the_questions_answered():
    quoted = [HISTORY[0], {"role": "assistant", "content": "*ML program* — Streams: "
                           "“Stream 1 (Starting out in ML), Stream 3 (Advanced)” [1]"}]
    recap = understand("tl;dr pls", quoted, SPELLER)
    assert recap.recap and "three streams" in recap.own
    assert any("Stream 3 (Advanced)" in s for s in recap.searches)
    assert not understand("summarise the essay on finding a mentor as a new data scientist "
                          "in a small company with no senior colleagues",
                          quoted, SPELLER).recap
    # visitor trial 19: "you've" was a topic word, and the request was answered as a question
    assert understand("Can you sum up everything you've told me in this conversation?",
                      quoted, SPELLER).recap
    assert not understand("sum up the mentoring program", [], SPELLER).recap
    assert not understand("main points on impostor syndrome?", quoted, SPELLER).recap
    assert understand("can you sum up what you told me in 3 bullet points?", quoted,
                      SPELLER).recap
    assert not understand("tl;dr pls", HISTORY, SPELLER).recap, "nothing was quoted"


def test_a_negation_is_never_dropped_as_filler():
    """visitor trial 8: "i def cant afford to pay one" was searched as "i def afford"."""
    assert "cant afford" in drop_filler("i def cant afford to pay one rn")
    assert "dont have" in drop_filler("lol i dont have money")


def test_are_there_introduces_rather_than_points_back():
    """visitor trial 8: "are there websites…?" was read with the previous question."""
    assert not understand("are there websites where you can find mentors?", HISTORY,
                          SPELLER).follow_up
    assert understand("is there a free one?", HISTORY, SPELLER).follow_up


STEPS = ("*How to Build a Career in AI* — CHAPTER 4: “Here are five steps to help you "
         "determine the scope of projects: Identify the business problem (not the AI "
         "problem); Brainstorm IT solutions; Evaluate the feasibility and value of potential "
         "solutions; Define the stages; Budget for resources.” [1]")


def test_the_third_one_is_the_third_item_of_the_list_the_answer_showed():
    """visitor trial 8: "the third one" after Ng's five steps was answered with
    the first step; the whole list was searched, not the item meant."""
    history = [{"role": "user", "content": "What are Ng's steps for scoping a project?"},
               {"role": "assistant", "content": STEPS}]
    query = understand("tell me more about the third one", history, SPELLER)
    assert "Evaluate the feasibility and value of potential solutions" in query.own
    assert "the third one" not in query.searches[0]
    assert resolve_pointer("and the last step?", STEPS) == "and Budget for resources?"


def test_the_x_one_is_the_item_naming_x():
    plain = ("She lists six: be more aware of industry trends, build connections, actively "
             "seek public speaking opportunities, and look for roles in AI safety.")
    assert "public speaking opportunities" in resolve_pointer("why the speaking one?", plain)
    history = [{"role": "user", "content": "What are her next steps?"},
               {"role": "assistant", "content": plain}]
    query = understand("why the speaking one?", history, None)
    assert query.pointed == "actively seek public speaking opportunities", \
        "the item is kept, so the answer is about it and not the list again"
    assert understand("why did she write it?", history, None).pointed == ""


def test_what_names_a_thing_itself_is_not_resolved():
    """"the explore phase" names a phase; "the same one" points at nothing listed;
    an ordinal past the list's end finds nothing."""
    for question in ("what comes after the explore phase?", "is it the same one?",
                     "what about the ninth step?", "and the seventh one?"):
        assert resolve_pointer(question, STEPS) == question


def test_a_list_named_in_a_sentence_is_pointed_into():
    """A reply in prose names things without a colon: "the last one" is the last."""
    said = ("He names the core skills as statistics, data wrangling, model evaluation "
            "and clear writing. He adds that practice matters most.")
    assert resolve_pointer("ok and the last one?", said) == "ok and clear writing?"
    assert "data wrangling" in resolve_pointer("what about the 2nd one", said)


def test_a_sentence_that_only_has_commas_is_not_a_list():
    said = ("He worked on two stacks, machine learning and big data; for big data he read "
            "the core papers such as the one on resilient distributed datasets for Spark.")
    assert resolve_pointer("how did he practise for the second one?", said) == \
        "how did he practise for the second one?"


def test_the_second_thing_you_said_is_the_second_point_not_a_list_item():
    """visitor trial 9: "the second thing you said" after an answer whose first
    point was a list of questions took the list's second question."""
    said = ("*T* — Chapter 8: “You can ask: What do you do on a typical day?; What tasks "
            "matter most?; What skills matter?” [1] Chapter 8: “Finding someone to "
            "interview is not always easy. Ask a friend first.” [2]")
    assert resolve_pointer("the second thing you said, explain?", said).startswith(
        "Finding someone to interview is not always easy")
    assert resolve_pointer("and the second one?", said) == "and What tasks matter most??"


def test_a_code_name_is_one_word_with_or_without_its_hyphen():
    """visitor trial 9: "wat is dp203" found nothing of the DP-203 page."""
    from core.text import tokenize

    assert tokenize("wat is dp203")[-1] == tokenize("the DP-203 exam")[0]
    assert tokenize("self-learning")[0] != tokenize("selflearning")[0]  # words stay words


def test_naming_a_document_the_last_turn_did_not_name_asks_about_it():
    names = ["MentorCruise", "Kaggle", "ML mentorship program"]
    history = [{"role": "user", "content": "where do i find a mentor for free?"},
               {"role": "assistant", "content": "“We need to move away from free mentoring.” [1]"}]
    assert not understand("what about mentorcruise? is that free?", history, SPELLER,
                          names=names).follow_up
    named = history[:1] + [{"role": "assistant", "content": "“Topmate; MentorCruise.” [1]"}]
    assert understand("what about mentorcruise? is that free?", named, SPELLER,
                      names=names).follow_up


def test_a_follow_up_to_a_story_is_searched_with_its_question_not_the_story():
    """visitor trial 9: the story told before the first question ("35, been an SAP
    FICO consultant…") was glued to every follow-up's search."""
    story = ("hi. im 35, been an SAP FICO consultant for about 9 years at a big services "
             "firm. feel like im stagnating, hikes are tiny and everyone younger seems to "
             "know AI stuff. is it too late for me to switch?")
    history = [{"role": "user", "content": story},
               {"role": "assistant", "content": "“If I can most of you can.” [1]"}]
    query = understand("ok and what does the explore step mean?", history, SPELLER)
    assert query.follow_up and "too late for me to switch" in query.context
    assert not any("FICO" in s for s in query.searches), query.searches
