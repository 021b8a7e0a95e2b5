"""The web chat, served for real on a free loopback port and used through
gradio_client and a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import concurrent.futures
import json
import re
import time

import pytest

from tests.conftest import ROOT
from tests.pages import (
    DESKTOP,
    PHONE,
    ask,
    covered_lines,
    fully_shown,
    in_viewport,
    settle,
    uncovered,
    where,
)
from tests.servers import start_app, stop

ARTIFACTS = ROOT / "artifacts"
SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def app_url(indexed_settings):
    # sentences revealed 0.15 s apart, so a test can type while an answer arrives
    proc, url = start_app(indexed_settings, CAREERBOT_REVEAL_SECONDS="0.15")
    yield url
    stop(proc)


def test_gradio_client_gets_a_cited_answer(app_url):
    from gradio_client import Client

    answer = Client(app_url, verbose=False).predict(
        "How many projects should I build before applying for ML jobs?", api_name="/ask")
    assert answer["refused"] is False
    assert answer["citations"] and "[1]" in answer["answer"]
    assert {"id", "question", "answer", "refused", "citations", "latency_ms"} <= set(answer)


def test_only_the_ask_endpoint_is_public(app_url):
    from gradio_client import Client

    api = Client(app_url, verbose=False).view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/ask"]


def test_twenty_concurrent_clients_all_get_answers(app_url, reference_items):
    from gradio_client import Client

    questions = [i for i in reference_items if i["answerable"]][:20]

    def one(item):
        client = Client(app_url, verbose=False)
        return client.predict(item["question"], item.get("history", []), api_name="/ask")

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, questions))
    assert all(isinstance(r, dict) and r["answer"] for r in results)
    assert sum(not r["refused"] for r in results) >= 18


def _open(browser, viewport=DESKTOP, path: str = ""):
    page = browser.new_page(viewport=viewport)
    page.goto(APP_URL[0] + path, wait_until="load")
    page.locator("#admin-page" if path else "#question textarea").wait_for(timeout=60_000)
    return page


@pytest.fixture()
def open_page(browser, app_url):
    APP_URL[:] = [app_url]
    pages = []

    def factory(viewport=DESKTOP, path=""):
        pages.append(_open(browser, viewport, path))
        return pages[-1]

    yield factory
    for page in pages:
        page.context.close()


APP_URL: list[str] = []


MATHS = "How much math do I need to become an ML engineer?"


def test_answer_shows_numbered_chips_that_open_to_quoted_cards(open_page, indexed_settings):
    ARTIFACTS.mkdir(exist_ok=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    timings = [ask(page, MATHS)]
    page.screenshot(path=str(SHOTS / "desktop.png"))
    last = page.locator("#chat .bot").last
    chips = last.locator("details.chip")
    assert chips.count() >= 1 and chips.first.locator("summary").inner_text().startswith("1")
    cite = last.get_by_role("link", name="source 1: ").first  # its accessible name
    assert cite.inner_text() == "source 1: " + chips.first.locator(".chip-label").inner_text()
    scroll = page.evaluate("() => scrollY")
    cite.click()                                    # [1] opens its card in the chat box
    card = last.locator("details.chip").first
    page.wait_for_function("e => e.open", arg=card.element_handle())
    assert card.locator("mark").count() >= 1        # the quoted sentence is highlighted
    assert "## " not in card.inner_text()           # headings are rendered, not raw
    assert page.evaluate("() => scrollY") == scroll  # the page itself did not move
    page.wait_for_timeout(600)
    assert uncovered(page, card)
    page.screenshot(path=str(SHOTS / "answer-sources-open.png"))
    timings.append(ask(page, "How do I find a mentor?"))
    timings.append(ask(page, "<img src=x onerror=alert(1)> how do I find a mentor?"))
    page.wait_for_timeout(300)
    assert dialogs == []
    assert "<img src=x onerror=alert(1)>" in page.locator("#chat .user").last.inner_text()
    (ARTIFACTS / "web-timings.json").write_text(json.dumps(timings))


def test_clicking_the_last_citation_keeps_the_question_box_on_screen(open_page):
    page = open_page()
    ask(page, MATHS)
    page.locator("#chat .bot").last.locator("a.cite").last.click()
    page.wait_for_timeout(400)
    assert in_viewport(page, "#question textarea")
    assert page.locator("#chat .bot").last.locator("details.chip[open]").count() == 1


def test_every_source_card_scrolls_into_view_with_the_wheel(open_page):
    page = open_page()
    ask(page, MATHS)
    cards = page.locator("#chat .bot").last.locator("details.chip")
    for i in range(cards.count()):
        cards.nth(i).locator("summary").click()     # open every card: the longest page
    page.locator("#chat").hover()
    page.evaluate("() => window.scrollTo(0, 0)")
    for i in range(cards.count()):
        card = cards.nth(i)
        page.evaluate("e => { for (let b = e.parentElement; b; b = b.parentElement)"
                      " b.scrollTop = 0 }", card.element_handle())
        for _ in range(80):
            if uncovered(page, card):
                break
            # over the visible middle of the chat's scroll box, wherever it is now:
            # near its top edge the pointer may rest on a floating button, and low
            # down on the fixed question box, and neither scrolls the chat
            box = page.locator("#chat .bubble-wrap").bounding_box()
            floor = page.locator("#composer").bounding_box()["y"]
            top, bottom = max(box["y"], 0), min(box["y"] + box["height"], floor)
            page.mouse.move(box["x"] + box["width"] / 2, (top + bottom) / 2)
            # towards the card: Gradio ignores the scrollTop reset above and may
            # have scrolled the chat to its end when the cards opened. The card's
            # middle is brought to the scroll box's middle (a card can be taller
            # than the box, so "its top is above the screen" is not the test)
            offset = card.evaluate(
                "e => { const r = e.getBoundingClientRect(), b = document.querySelector("
                "'#chat .bubble-wrap').getBoundingClientRect(); return (r.top + r.bottom)"
                " / 2 - (Math.max(b.top, 0) + Math.min(b.bottom, document.querySelector("
                "'#composer').getBoundingClientRect().top)) / 2 }")
            # a flick of the wheel while far (a one-notch step near the chat's end
            # was pulled back by Gradio's keep-at-the-bottom), one notch when close
            step = 360 if abs(offset) > 400 else 120
            page.mouse.wheel(0, step if offset > 0 else -step)
            settle(page, card)
        assert uncovered(page, card), f"source card {i + 1} cannot be scrolled to: {where(card)}"
    for _ in range(60):                              # and the page never scrolls into a dead end
        page.mouse.wheel(0, 400)
    page.wait_for_timeout(200)
    assert in_viewport(page, "#question textarea")


def test_phone_keeps_the_box_on_screen_with_big_tap_targets(open_page):
    page = open_page(PHONE)
    ask(page, MATHS)
    assert in_viewport(page, "#question textarea")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    last = page.locator("#chat .bot").last
    targets = [last.locator("a.cite").first, last.locator("details.chip summary").first,
               page.locator("#send"),
               page.locator("#chat button[aria-label='Like'], #chat button[title='Like']").last]
    for target in targets:
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (target, box)
    page.screenshot(path=str(SHOTS / "phone.png"))
    last.locator("a.cite").last.click()
    page.wait_for_timeout(400)
    assert in_viewport(page, "#question textarea")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_chats_own_buttons_never_cover_its_text(open_page, viewport):
    page = open_page(viewport)
    ask(page, "How do I find a mentor?")
    ask(page, MATHS)
    page.wait_for_timeout(1500)  # let the chat's last re-render settle
    scroller = page.locator("#chat .bubble-wrap")
    assert scroller.evaluate("e => e.scrollHeight > e.clientHeight")  # long enough to scroll
    box = scroller.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(30):                              # back to the first question, as a visitor
        if scroller.evaluate("e => e.scrollTop") == 0:
            break
        page.mouse.wheel(0, -600)
        settle(page, page.locator("#chat .message-wrap"))
    positions = []
    for _ in range(40):
        settle(page, page.locator("#chat .message-wrap"))
        page.wait_for_timeout(250)  # the scroll-to-latest arrow fades in
        top = scroller.evaluate("e => e.scrollTop")
        assert covered_lines(page) == [], f"text under a button with the chat at {top}px"
        positions.append(top)
        if scroller.evaluate("e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2"):
            break
        page.mouse.wheel(0, box["height"] / 3)
    assert positions[0] == 0 and len(positions) >= 3  # it did see the whole conversation
    assert scroller.evaluate("e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_new_answer_is_shown_from_its_question_down(open_page, viewport):
    """The chat followed each answer to its end, so on a phone the question and
    the answer's first point, the most direct, sat above the visible part, and
    a visitor saw the last quote and the source chips first (visitor trial 14)."""
    page = open_page(viewport)
    ask(page, "How do I find a mentor?")
    ask(page, MATHS)
    page.wait_for_timeout(1500)  # whatever the chat does after its last re-render
    question, answer = page.locator("#chat .user").last, page.locator("#chat .bot").last
    assert uncovered(page, question), f"the question is out of sight: {where(question)}"
    assert uncovered(page, answer), f"the answer's first line is out of sight: {where(answer)}"
    scroller = page.locator("#chat .bubble-wrap")
    box = scroller.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = scroller.evaluate("e => e.scrollTop")
    page.mouse.wheel(0, -240)                       # the visitor reads back up...
    settle(page, page.locator("#chat .message-wrap"))
    page.wait_for_timeout(800)
    after = scroller.evaluate("e => e.scrollTop")
    assert after < before, "the chat was pulled back to the question"  # ...and stays there


def _assert_cleared_for_good(page) -> None:
    """The chat empties, and a reload does not bring the stored conversation back."""
    page.wait_for_function("() => !document.querySelector('#chat .bot')")
    page.wait_for_timeout(500)
    page.reload(wait_until="load")
    page.locator("#question textarea").wait_for()
    page.wait_for_timeout(1500)
    assert page.locator("#chat .bot").count() == 0


def test_reload_keeps_the_conversation_and_new_chat_clears_it(open_page):
    page = open_page()
    ask(page, MATHS)
    page.reload(wait_until="load")
    page.locator("#chat .bot details.chip").first.wait_for(timeout=30_000)
    assert page.locator("#chat .user").count() == 1
    assert MATHS in page.locator("#chat .user").first.inner_text()
    page.locator("#new-chat").click()
    _assert_cleared_for_good(page)


def test_trash_icon_clears_the_stored_conversation_too(open_page):
    page = open_page()
    ask(page, MATHS)
    page.locator("#chat").hover()
    page.locator("#chat button[aria-label='Clear'], #chat button[title='Clear']").first.click()
    _assert_cleared_for_good(page)


def test_typing_while_an_answer_arrives_is_kept(open_page):
    page = open_page()
    box = page.locator("#question textarea")
    box.fill(MATHS)
    page.locator("#send").click()
    box.click()
    page.keyboard.type("and what about statistics?")
    page.wait_for_function("() => document.querySelector('#chat .bot .chips')", timeout=60_000)
    page.wait_for_timeout(500)
    assert box.input_value() == "and what about statistics?"


def test_one_vote_per_answer(open_page, indexed_settings):
    page = open_page()
    ask(page, "What is an informational interview?")
    feedback = indexed_settings.data_dir / "feedback.jsonl"
    answer = page.locator("#chat .bot").last
    answer.hover()
    bar = page.locator("#chat .message-buttons-bot, #chat").last
    bar.locator("button[aria-label='Like'], button[title='Like']").last.click()
    bar.locator("button[aria-label='Dislike'], button[title='Dislike']").last.click()
    for _ in range(50):
        entries = [json.loads(x) for x in feedback.read_text().splitlines()] \
            if feedback.exists() else []
        mine = [e for e in entries if e["question"] == "What is an informational interview?"]
        if mine and mine[-1]["vote"] == "down":
            break
        time.sleep(0.1)
    assert len(mine) == 1 and mine[0]["vote"] == "down" and mine[0]["answer_id"]
    assert "ip" not in json.dumps(mine[0]).lower().split('"')


def test_refusal_lists_resources_and_starters_come_back(open_page):
    page = open_page()
    page.wait_for_function(  # the starters render their text a moment after the page loads
        "() => { const b = document.querySelector('#suggestions button, #suggestions tr');"
        " return b && b.innerText.trim().length > 0; }")
    first = page.locator("#suggestions button, #suggestions tr").first.inner_text()
    ask(page, "What is the best recipe for sourdough bread?")
    text = page.locator("#chat .bot").last.inner_text()
    assert "don't cover" in text
    page.locator("#corpus-sources").get_by_text("All sources in the corpus").click()
    page.wait_for_function(  # the accordion renders its list a moment after it opens
        "() => [...document.querySelectorAll('#corpus-sources li')]"
        ".some(li => li.innerText.trim().endsWith('(resource)'))")
    resources = [t.strip() for t in page.locator("#corpus-sources li").all_inner_texts()
                 if t.strip().endswith("(resource)")]
    assert resources
    assert any(r.removesuffix("(resource)").strip() in text for r in resources)
    page.wait_for_function(  # the starters come back (re-rendered a moment after the answer)
        "t => { const b = document.querySelector('#suggestions button, #suggestions tr');"
        " return b && b.innerText === t; }", arg=first, timeout=15_000)
    page.screenshot(path=str(SHOTS / "refusal.png"))


def test_a_refusal_points_to_the_closest_passage_which_opens(open_page):
    """A career question the corpus does not answer is refused, with the closest
    passage quoted; its [1] opens a card with the quote marked, on screen."""
    page = open_page()
    ask(page, "How do I write a cover letter?")
    last = page.locator("#chat .bot").last
    assert "don't cover" in last.inner_text() and "closest it comes" in last.inner_text()
    chips = last.locator("details.chip")
    assert chips.count() == 1
    last.get_by_role("link", name="source 1: ").first.click()
    card = chips.first
    page.wait_for_function("e => e.open", arg=card.element_handle())
    assert card.locator("mark").count() >= 1
    page.wait_for_timeout(600)
    assert uncovered(page, card)
    page.screenshot(path=str(SHOTS / "refusal-closest.png"))


def test_long_message_shows_the_limit_while_typing(open_page):
    """The counter shows above the question bar while typing and takes no room
    when empty: on its own row it left an empty band under the input that read as
    a second text box, and the bar covered the second row of suggestions."""
    page = open_page()
    bar = page.locator("#composer").bounding_box()
    row = page.locator("#send").bounding_box()
    assert bar["height"] <= row["height"] + 30, (bar, row)  # padding only, no empty band
    page.locator("#question textarea").fill("I work in retail. " * 150 + "How do I find a mentor?")
    page.wait_for_function("() => /only the last/.test("
                           "document.querySelector('#question-count').textContent)")
    assert in_viewport(page, "#question-count")
    count = page.locator("#question-count").bounding_box()
    bar = page.locator("#composer").bounding_box()
    assert count["y"] + count["height"] <= bar["y"] + 1  # above the bar, not over the text


def test_no_admin_on_the_visitor_page_and_admin_has_its_own(open_page):
    page = open_page()
    assert "Admin" not in page.locator("body").inner_text()
    admin = open_page(path="admin")
    assert "careerbot admin" in admin.locator("#admin-page").inner_text()
    assert admin.locator("#chat").count() == 0



def _suggestions(page):
    """The starter buttons, once they show their text (a moment after the page loads)."""
    page.wait_for_function(
        "() => { const b = document.querySelectorAll('#suggestions button');"
        " return b.length && [...b].every(x => x.innerText.trim()); }")
    return page.locator("#suggestions button").all()


def test_every_suggestion_shows_whole_on_a_desktop_without_scrolling(open_page):
    """At 1280x800 the second row sat half under the question bar."""
    page = open_page(DESKTOP)
    buttons = _suggestions(page)
    assert len(buttons) == 6
    hidden = {b.inner_text(): where(b) for b in buttons if not fully_shown(b)}
    assert hidden == {}


def test_a_phone_shows_the_title_and_every_suggestion_before_the_first_question(open_page):
    """Visitor trial 12: the title and tagline took 200 px of an 844 px phone and
    the empty chat pushed the suggestions under the question bar."""
    page = open_page(PHONE)
    buttons = _suggestions(page)
    hidden = {b.inner_text(): where(b) for b in buttons if not fully_shown(b)}
    assert hidden == {}
    assert in_viewport(page, "#header h1") and in_viewport(page, "#question textarea")


def test_on_a_phone_the_conversation_takes_the_screen_once_it_starts(open_page):
    """Visitor trial 20: after the first question the six starters stayed and
    the answers had 470 px of an 800 px phone; the question box, stretched to
    the height of "New chat" on two lines, showed a white band that read as a
    second text box."""
    page = open_page(PHONE)
    _suggestions(page)
    box = page.locator("#question").bounding_box()
    area = page.locator("#question textarea").bounding_box()
    assert box["height"] <= area["height"] + 2, (box, area)
    ask(page, MATHS)
    page.wait_for_timeout(500)
    assert not page.locator("#suggestions").is_visible()
    chat = page.locator("#chat").bounding_box()
    assert chat["height"] >= 0.6 * PHONE["height"], chat
    assert in_viewport(page, "#question textarea")
    assert chat["y"] + chat["height"] <= page.locator("#composer").bounding_box()["y"] + 1
    page.locator("#new-chat").click()
    assert len(_suggestions(page)) == 6, "New chat brings the starters back"


def test_every_suggestion_can_be_scrolled_to_on_a_phone(open_page):
    page = open_page(PHONE)
    buttons = _suggestions(page)
    header = page.locator("#header").bounding_box()
    page.mouse.move(header["x"] + header["width"] / 2, header["y"] + 10)
    for button in buttons:                        # down the page with the wheel, as a visitor
        for _ in range(30):
            if fully_shown(button):
                break
            page.mouse.wheel(0, 100)
            settle(page, button)
        assert fully_shown(button), f"{button.inner_text()!r}: {where(button)}"


def _front_matter_urls(corpus) -> dict[str, str]:
    """Each document's address as its front matter gives it, by the path its card shows."""
    from ingest.loaders import load

    docs = [load(p, root=corpus) for p in corpus.rglob("*.md") if p.name != "README.md"]
    return {d.source: d.url for d in docs}


def test_resource_cards_show_emphasis_and_link_their_originals(open_page, indexed_settings):
    """A resource card showed '*Seeking mentors help navigate the Industry*' with its
    asterisks; each card must link its original when the document names one."""
    urls = _front_matter_urls(indexed_settings.corpus_dir)
    page = open_page()
    ask(page, "What is MentorCruise?")
    cards = page.locator("#chat .bot").last.locator("details.chip")
    linked = 0
    for card in cards.all():
        card.locator("summary").click()
        text = card.locator(".source-card").inner_text()
        assert not re.search(r"\*[^*\s][^*\n]*\*", text), text
        link = card.get_by_role("link", name="Open the original")
        url = urls[card.locator(".source-meta code").inner_text()].strip()
        if not url:
            assert link.count() == 0
            continue
        assert link.is_visible() and link.get_attribute("href") == url
        assert link.get_attribute("target") == "_blank"
        assert {"noopener", "noreferrer"} <= set(link.get_attribute("rel").split())
        linked += 1
    assert linked >= 1
    shown = page.locator("#chat .bot").last.locator(".source-card em")
    assert shown.count() >= 1 and shown.first.is_visible()  # a title, in italics
    assert page.locator("#chat img").count() == 0


def _copied(page, button) -> str:
    """Click one of the chat's copy buttons and return what reached the clipboard."""
    page.evaluate("() => navigator.clipboard.writeText('(nothing)')")
    button.click()
    for _ in range(100):
        text = page.evaluate("() => navigator.clipboard.readText()")
        if text != "(nothing)":
            return text
        page.wait_for_timeout(50)
    return text


def _assert_readable(text: str, bubble) -> None:
    """The answer as a visitor reads it: its points with [n], then its sources."""
    assert "<" not in text and "class=" not in text and "&lt;" not in text, text
    points, _, listed = text.partition("\n\nSources:\n")
    assert re.search(r"\[1\]", points) and listed, text
    for n, label in enumerate(bubble.locator(".chip-label").all_inner_texts(), start=1):
        assert f"[{n}] {label}" in listed, text
    assert "https://mentorcruise.com/" in listed  # the card's link to the original


def test_copy_and_the_messages_label_give_readable_text(open_page):
    """Copy, copy-all and a message's aria-label carried the bubble's raw HTML."""
    page = open_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ask(page, "What is MentorCruise?")
    bubble = page.locator("#chat .bot").last
    bubble.hover()
    _assert_readable(_copied(page, page.locator("#chat button[aria-label='Copy message']").last),
                     bubble)
    everything = _copied(page, page.locator("#chat button[aria-label='Copy conversation']"))
    assert everything.startswith("user: What is MentorCruise?\n\nassistant: ")
    _assert_readable(everything.partition("assistant: ")[2], bubble)
    label = bubble.locator("[aria-label^=\"bot's message: \"]").get_attribute("aria-label")
    _assert_readable(label.removeprefix("bot's message: "), bubble)


def test_copy_without_the_clipboard_api_gives_readable_text(open_page):
    """Over plain http off loopback Gradio copies from a hidden textarea instead."""
    page = open_page()
    page.add_init_script("delete Navigator.prototype.clipboard; window.__copied = [];"
                         "addEventListener('copy', e => window.__copied.push("
                         "e.clipboardData.getData('text/plain')))")
    page.reload(wait_until="load")
    ask(page, "What is MentorCruise?")
    bubble = page.locator("#chat .bot").last
    bubble.hover()
    page.locator("#chat button[aria-label='Copy message']").last.click()
    page.wait_for_function("() => window.__copied.length > 0")
    _assert_readable(page.evaluate("() => window.__copied[0]"), bubble)
