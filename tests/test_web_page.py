"""The web page's pieces without a browser: rendering, stored turns, votes."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

from careerbot.web import ChatHandlers, answer_html, build_app, chat_from, valid_turns
from chat.chain import Chain
from core.config import Settings
from tests.fakes import CannedAnswerer

ANSWER = {"question": "q?", "answer": "Find one [1]. Ask often [2].", "refused": False,
          "citations": [{"n": 1, "title": "Mentors <b>", "heading": "## Finding a mentor",
                         "text": "## Finding a mentor\nFind one.", "quote": "Find one.",
                         "url": "https://example.org/a", "source": "corpus/a.md"},
                        {"n": 2, "title": "Two", "heading": "", "text": "Ask often.",
                         "quote": "Ask often.", "url": "javascript:alert(1)", "source": "b"}]}


def test_citations_are_named_and_link_to_this_answers_own_cards():
    page = answer_html(ANSWER, "k1")
    assert "<span class='sr-only'>source 1: Finding a mentor · Mentors &lt;b&gt;</span>" in page
    assert "href='#src-k1-1'" in page
    assert "id='src-k1-1'" in page and "id='src-k1-2'" in page
    assert "##" not in page and "<strong>Finding a mentor</strong>" in page
    assert "<mark>Find one.</mark>" in page and "javascript:" not in page


def test_chips_of_one_document_are_told_apart_by_their_section():
    same = [{"n": n, "title": "How to Build a Career in AI", "heading": f"# Book > ## {h}",
             "text": "x", "quote": "x", "url": "", "source": "a.md"}
            for n, h in ((1, "CHAPTER 3. Math"), (2, "CHAPTER 7. Job search"))]
    page = answer_html({"answer": "a [1] b [2]", "citations": same}, "k")
    labels = re.findall(r"<span class='chip-label'>([^<]*)</span>", page)
    assert labels == ["CHAPTER 3. Math · How to Build a Career in AI",
                      "CHAPTER 7. Job search · How to Build a Career in AI"]


def test_stored_turns_from_the_browser_are_checked():
    good = {"id": "a", "question": "q?", "answer": ANSWER, "vote": None}
    assert valid_turns([good, {"id": 1}, "x", None, {"question": "q"}]) == [good]
    assert valid_turns({"not": "a list"}) == []
    assert [m["role"] for m in chat_from([good])] == ["user", "assistant"]


def test_clear_empties_chat_history_and_box_together():
    assert ChatHandlers.clear() == ([], [], "")


def test_a_second_vote_replaces_the_first(tmp_path):
    settings = Settings(data_dir=tmp_path, _env_file=None)
    handlers = ChatHandlers(settings, chain=None)
    turns = [{"id": "a", "question": "q?", "answer": ANSWER, "vote": None}]
    turns = handlers.like(turns, SimpleNamespace(index=1, liked=True))
    turns = handlers.like(turns, SimpleNamespace(index=1, liked=False))
    lines = (tmp_path / "feedback.jsonl").read_text().splitlines()
    assert [json.loads(x)["vote"] for x in lines] == ["down"] and turns[0]["vote"] == "Dislike"
    handlers.like(turns, SimpleNamespace(index=1, liked=""))
    assert (tmp_path / "feedback.jsonl").read_text() == ""


def test_admin_is_a_page_of_its_own(tmp_path):
    settings = Settings(data_dir=tmp_path, admin_token="t", _env_file=None)
    demo = build_app(settings, chain=SimpleNamespace())
    assert ("admin", "Admin", False) in demo.pages


def test_an_answer_streams_into_the_chat_and_is_kept_as_a_turn(hash_indexed):
    """The page's handler with a canned answerer: a placeholder at once, the cited
    answer at the end, and a stored turn whose chips link to its own cards."""
    handlers = ChatHandlers(hash_indexed, Chain(hash_indexed, answerer=CannedAnswerer(cite=2)))
    stream = handlers.respond("How do I find a mentor?", [])
    first_chat, _ = next(stream)  # the handler updates this list in place as it goes on
    assert first_chat[-1] == {"role": "assistant", "content": "…"}
    *_, (_, turns) = stream
    (turn,) = turns
    assert turn["question"] == "How do I find a mentor?" and not turn["answer"]["refused"]
    assert [c["n"] for c in turn["answer"]["citations"]] == [1, 2]
    shown = chat_from(turns)[-1]["content"]
    assert f"#src-{turn['id']}-1" in shown and f"#src-{turn['id']}-2" in shown
    again = list(handlers.respond("and how often should we meet?", turns))
    _, turns = again[-1]
    assert len(turns) == 2 and turns[0] == turn


def _card(citation: dict) -> str:
    return answer_html({"answer": "x [1]", "citations": [{"n": 1, **citation}]}, "k")


def test_a_card_names_the_author_and_shows_links_as_their_text():
    """Visitor trial 10: cards showed "[Events](https://…)" as typed and no author;
    a quote holding a link's text is still marked in its card."""
    text = ("These show my work: [Events](https://x.org/e); ![](https://x.org/p.gif) "
            "and ![badge](https://x.org/b.png). Other words.")
    page = _card({"title": "T", "heading": "", "text": text, "author": "Reshama Shaikh",
                  "quote": "These show my work: Events; https://x.org/p.gif and badge.",
                  "url": "", "source": "s"})
    assert "by Reshama Shaikh" in page
    marked = re.sub(r"</mark>(\s*)<mark>", r"\1", page)  # one mark per quoted piece
    assert "<mark>These show my work: Events; https://x.org/p.gif and badge.</mark>" in marked
    assert "](" not in page and "<img" not in page and "x.org/e" not in page


def test_a_cards_emphasis_is_shown_as_emphasis_and_the_rest_escaped():
    """A resource card read '*Seeking mentors…* lists Topmate' with the asterisks."""
    text = "## What the essays say\n*Seeking mentors* lists <b>Topmate</b>. **P.S.:** 2*3*4"
    page = _card({"title": "Topmate", "heading": "## *What* the essays say", "text": text,
                  "quote": "*Seeking mentors* lists <b>Topmate</b>.", "url": "", "source": "t"})
    assert "<mark><em>Seeking mentors</em> lists &lt;b&gt;Topmate&lt;/b&gt;.</mark>" in page
    assert "<strong>P.S.:</strong> 2*3*4" in page
    assert "<div class='source-heading'><em>What</em> the essays say</div>" in page
    assert "<b>" not in page


def test_a_card_links_to_the_original_its_front_matter_names():
    """Hand-written addresses that are still http(s) originals get their link;
    nothing else becomes one."""
    for url, href in (("https://topmate.io/", "https://topmate.io/"),
                      ("www.kaggle.com", "https://www.kaggle.com"),
                      (" <HTTPS://example.org/a b> ", "HTTPS://example.org/a%20b"),
                      ("https://example.org/O'Reilly", "https://example.org/O%27Reilly")):
        page = _card({"title": "T", "heading": "", "text": "p", "quote": "p", "url": url,
                      "source": "s"})
        assert (f"<a href='{href}' target='_blank' rel='noopener noreferrer nofollow'"
                in page), url
    for url in ("javascript:alert(1)", "ftp://x.org", "mailto:a@b.org", "https://", "x.org"):
        assert "<a href" not in _card({"title": "T", "text": "p", "url": url}), url
