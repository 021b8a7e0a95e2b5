"""Chunks are token-bounded, carry their heading, and lose no text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chat.answerers import quote_found
from ingest.chunking import chunk_document, count_tokens, split_sentences
from ingest.loaders import load
from tests.conftest import CORPUS

DOCS = sorted(CORPUS.rglob("*.md"))
DOCS = [p for p in DOCS if p.name != "README.md"]


@pytest.fixture(scope="module", params=[128, 256, 512])
def limit(request) -> int:
    return request.param


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem[:24])
def test_chunks_respect_the_limit_and_point_back_into_the_text(path: Path, limit: int):
    doc = load(path, root=CORPUS)
    chunks = chunk_document(doc, limit)
    assert chunks
    for c in chunks:
        assert c.tokens <= limit
        assert count_tokens(c.text) == c.tokens
        assert doc.text[c.start : c.end].strip() == c.text


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem[:24])
def test_no_words_are_lost(path: Path):
    doc = load(path, root=CORPUS)
    chunks = chunk_document(doc, 128)
    words = lambda s: re.findall(r"\w+", s)  # noqa: E731
    body = re.sub(r"^#+ .*$", "", doc.text, flags=re.M)
    assert len(words(" ".join(c.text for c in chunks))) >= len(words(body))


def test_chunks_carry_their_heading_path():
    doc = load(CORPUS / "essays" / "how-to-build-a-career-in-ai-andrew-ng.md", root=CORPUS)
    chunks = chunk_document(doc, 256)
    impostor = [c for c in chunks if "Impostor" in c.heading]
    assert impostor and all("impostor" in c.text.lower() or c.position > 0 for c in impostor)
    assert any(c.heading.startswith("CHAPTER 3. Do you need to study math") for c in chunks)


def test_ids_are_stable_content_hashes():
    doc = load(CORPUS / "essays" / "ml-mentorship-program.md", root=CORPUS)
    first = [c.id for c in chunk_document(doc, 256)]
    assert first == [c.id for c in chunk_document(doc, 256)]
    assert len(set(first)) == len(first)


def test_a_sentence_that_introduces_a_list_is_stored_with_its_items():
    text = ("Over the years I have applied ML in many industries. Here are five steps to "
            "help you scope projects.\n\n1. Identify the business problem. Ask an expert.\n\n"
            "2. Brainstorm solutions. Try many.\n\n3. Budget for resources.")
    units = [u for u, _ in split_sentences(text)]
    assert ("Here are five steps to help you scope projects: Identify the business problem; "
            "Brainstorm solutions; Budget for resources.") in units
    assert "Ask an expert." not in units[1]  # an item is quoted by its first sentence
    assert "Over the years I have applied ML in many industries." in units


def test_one_word_list_items_join_their_introduction_instead_of_being_dropped():
    text = "Some other resources to look for potential mentors:\n- Topmate\n- MentorCruise"
    assert split_sentences(text) == [
        ("Some other resources to look for potential mentors: Topmate; MentorCruise.", False)]


def test_an_item_that_introduces_its_own_list_does_not_end_on_a_colon():
    """Visitor trial 20 read "…and is responsible for:; I will read the minutes…"."""
    text = ("Here is a structure for the group:\n- A shared channel\n"
            "- A coordinator who is responsible for:\n    - Running the session\n"
            "    - Taking notes\n- I will read the minutes from all streams.")
    unit = split_sentences(text)[0][0]
    assert unit == ("Here is a structure for the group: A shared channel; A coordinator who is "
                    "responsible for …; I will read the minutes from all streams.")
    assert quote_found(unit, text)


def test_a_long_list_is_cut_after_seven_items():
    text = "The tools are:\n" + "\n".join(f"- tool{i}" for i in range(10))
    (unit, _), = split_sentences(text)
    assert unit.endswith("tool6; …") and "tool7" not in unit


def test_questions_written_as_plain_lines_after_an_intro_are_a_list():
    """The transition essay's "10 sharp questions" are plain lines, not list items;
    each was a question on its own and so never quotable."""
    text = ("Self-assessment: sharp questions to ask yourself\n\nAm I happy at work?\n\n"
            "Do buzzwords scare me?\n\nI answered them honestly.")
    units = [u for u, _ in split_sentences(text)]
    assert units[0] == ("Self-assessment: sharp questions to ask yourself: Am I happy at work?; "
                        "Do buzzwords scare me?")
    assert quote_found(units[0], text)
    assert [u for u, _ in split_sentences("Am I happy at work?\n\nDo buzzwords scare me?")] \
        == ["Am I happy at work?", "Do buzzwords scare me?"], "no intro, no list"


def test_short_labels_on_lines_of_their_own_after_an_intro_are_a_list():
    """Visitor trial 12's "what did he explore?": the transition essay lists "UX",
    "Design thinking", "CRISP DM" on plain lines under "Models i explored in
    2014:"; each alone is a fragment, dropped, so the models were never quoted."""
    text = ("Models i explored in 2014:\n\nMachine learning lifecycle\n\nUX\n\nCRISP DM\n\n"
            "Now, these were not deep dives.")
    units = [u for u, _ in split_sentences(text)]
    assert units[0] == "Models i explored in 2014: Machine learning lifecycle; UX; CRISP DM."
    assert quote_found(units[0], text)
    assert "Now, these were not deep dives." in units
    dash = [u for u, _ in split_sentences("What I learnt then -\n\nBasics of Python\n\nOpenCV")]
    assert dash[0] == "What I learnt then: Basics of Python; OpenCV."
    prose = "He said this:\n\nI never asked anyone to mentor me.\n\nIt worked for him."
    assert [u for u, _ in split_sentences(prose)] == [
        "He said this:", "I never asked anyone to mentor me.", "It worked for him."], "not labels"


def test_paragraphs_opening_with_labels_after_an_intro_are_listed_by_their_labels():
    """The transition essay's framework is five paragraphs, "Accept: I accepted…",
    "Explore: Back in 2012…", under "The framework is below:"; "what are the
    phases?" got one phase at a time (the issue's example)."""
    text = ("It works for any career. The framework is below:\n\nAccept: I accepted it.\n\n"
            "No one offered me more.\n\nExplore: I explored all of them.")
    after = "\n\nDig deep: I coded again.\n\n## Part 2\n\nNext: not this one."
    units = [u for u, _ in split_sentences(text, after=after)]
    assert units[:2] == ["It works for any career.",
                         "The framework is below: Accept; Explore; Dig deep."]
    assert units[2:] == ["Accept: I accepted it.", "No one offered me more.",
                         "Explore: I explored all of them."], "the paragraphs stay quotable"
    plain = [u for u, _ in split_sentences("He said this:\n\nNote: one label is not a list.")]
    assert plain[0] == "He said this:", "one label is not a framework"


def test_a_flat_list_nothing_introduces_is_also_one_unit_of_its_items():
    text = ("The path is complex. I hope the chapters help.\n\n1. Teamwork. Work as a team.\n"
            "2. Networking. Meet people.\n3. Altruism. Help others.")
    units = [u for u, _ in split_sentences(text)]
    assert "Teamwork; Networking; Altruism." in units
    assert "I hope the chapters help." in units and "Work as a team." in units
    nested = "Intro line here.\n- Where do we get data?\n    - Kaggle has plenty.\n- Who helps?"
    assert not any("; " in u for u, _ in split_sentences(nested)), "an FAQ is not a list"


def test_a_one_sentence_paragraph_before_a_list_introduces_it_without_cue_words():
    """Visitor trial 18: "what are the steps of a typical AI job search?" was
    answered "A typical job search follows a fairly predictable path. … The
    process may look familiar…", the five steps cut out."""
    steps = ("A typical job search follows a fairly predictable path.\n\n"
             "• Research roles online.\n\n• Arrange informational interviews.\n\n"
             "• Interview with companies.\n\nThe process may look familiar.")
    units = [u for u, _ in split_sentences(steps)]
    assert ("A typical job search follows a fairly predictable path: Research roles online; "
            "Arrange informational interviews; Interview with companies.") in units
    assert "A typical job search follows a fairly predictable path." not in units
    two = steps.replace("• Interview with companies.\n\n", "")
    assert not any("; " in u for u, _ in split_sentences(two)), "two items need a cue word"
    leads = "I finally found a few leads!\n\n1. LinkedIn first.\n2. Then vLookUp.\n3. Friends too."
    assert "I finally found a few leads! LinkedIn first; Then vLookUp; Friends too." in \
        [u for u, _ in split_sentences(leads)], "a '!' or '?' is kept, not made '!:'"
    cued = steps.replace("predictable path.", "predictable path. Additionally:")
    assert "A typical job search follows a fairly predictable path." in \
        [u for u, _ in split_sentences(cued)], "a fragment the split drops is a sentence too"
    longer = steps.replace("A typical", "It varies a lot. A typical")
    assert "A typical job search follows a fairly predictable path." in \
        [u for u, _ in split_sentences(longer)], "a longer paragraph's last sentence needs a cue"


def test_a_flat_list_that_runs_past_its_chunk_takes_its_items_from_the_document():
    """Ng's five keys are long: the chunk that ends after the first one held no
    list unit at all (fewer than three items), so "what are the keys?" had no
    unit holding them. A nested item past the chunk is not one of its items."""
    chunk = "The path is complex. I hope the chapters help.\n\n1. Teamwork. Work as a team."
    after = "\n\n2. Networking. Meet people.\n\n3. Altruism. Help others.\n\n## Next\n\n- No."
    units = [u for u, _ in split_sentences(chunk, after=after)]
    assert "Teamwork; Networking; Altruism." in units
    assert not any("; " in u for u, _ in split_sentences(chunk)), "one item is no list"
    three = "Intro line here.\n\n- Alpha one\n- Beta two\n- Gamma three"
    units = [u for u, _ in split_sentences(three, after="\n    - a child of gamma\n- Delta")]
    assert "Intro line here: Alpha one; Beta two; Gamma three; Delta." in units


def test_an_faq_question_keeps_its_answer():
    text = ("- How many projects do we need?\n    - It is hard to say. If forced, I'd say "
            "4 projects.\n- Where do we get data?")
    units = split_sentences(text)
    assert units[0] == ("How many projects do we need? It is hard to say. If forced, "
                        "I'd say 4 projects.", False)
    assert units[-1] == ("Where do we get data?", True), "its answer is not in this passage"
