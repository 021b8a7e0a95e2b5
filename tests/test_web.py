"""The web chat, served for real on a free loopback port and used through
gradio_client and a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.servers import start_app, stop

ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]


@pytest.fixture(scope="module")
def app_url(indexed_settings):
    proc, url = start_app(indexed_settings)
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
    assert len(results) == 20
    assert all(isinstance(r, dict) and r["answer"] for r in results)
    assert sum(not r["refused"] for r in results) >= 18


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is installed by `make test` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def _ask(page, question: str) -> tuple[float, float]:
    """Type and send a question; return (seconds to first text, seconds to sources)."""
    page.locator("#question textarea").fill(question)
    before = page.locator("#chat .bot").count()
    start = time.perf_counter()
    page.locator("#send").click()
    bot = page.locator("#chat .bot")
    page.wait_for_function(
        "n => { const b = document.querySelectorAll('#chat .bot');"
        " return b.length > n && b[b.length-1].innerText.replace('…','').trim().length > 0 }",
        arg=before, timeout=60_000)
    first = time.perf_counter() - start
    page.wait_for_function(
        "() => document.querySelector('#sources-panel .source-card, #sources-panel "
        ".sources-refusal') !== null && !document.querySelector('#chat .pending')",
        timeout=60_000)
    assert bot.count() > before
    return first, time.perf_counter() - start


def test_browser_chat_streams_cites_and_escapes(browser, app_url, indexed_settings):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)

    first, full = _ask(page, "How much math do I need to become an ML engineer?")
    page.wait_for_selector("#sources-panel .source-card#src-1")
    last = page.locator("#chat .bot").last
    assert "[1]" in last.inner_text()
    card = page.locator("#src-1")
    assert card.locator("mark").count() >= 1          # the supporting sentence is highlighted
    last.locator("a[href='#src-1']").first.click()     # clicking [1] jumps to its card
    page.wait_for_function("() => location.hash === '#src-1'")
    assert card.is_visible()
    timings = {"first_text_s": round(first, 3), "full_answer_s": round(full, 3)}

    hostile = "<img src=x onerror=alert(1)> how do I find a mentor?"
    _ask(page, hostile)
    page.wait_for_timeout(500)
    assert dialogs == []
    assert "<img src=x onerror=alert(1)>" in page.locator("#chat .user").last.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-chat.png"), full_page=True)
    (ARTIFACTS / "web-timings.json").write_text(json.dumps(timings))

    # thumbs down on the last answer lands in feedback.jsonl, with no IP address
    feedback = indexed_settings.data_dir / "feedback.jsonl"
    count = len(feedback.read_text().splitlines()) if feedback.exists() else 0
    page.locator("#chat .bot").last.hover()
    page.locator("#chat button[aria-label='Dislike'], #chat button[title='Dislike']").last.click()
    for _ in range(50):
        if feedback.exists() and len(feedback.read_text().splitlines()) > count:
            break
        time.sleep(0.1)
    entry = json.loads(feedback.read_text().splitlines()[-1])
    assert entry["vote"] == "down" and "ip" not in json.dumps(entry).lower().split('"')
    page.close()


def test_refusal_offers_topics_as_suggestions(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    _ask(page, "What is the best recipe for sourdough bread?")
    assert "doesn't cover" in page.locator("#chat .bot").last.inner_text()
    assert page.locator("#sources-panel .refusal-topics li").count() >= 3
    suggestion = page.locator("#suggestions button, #suggestions tr").first
    assert suggestion.inner_text().startswith("What does")
    page.close()


def test_readable_on_a_phone(browser, app_url):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(app_url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=60_000)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-phone.png"), full_page=True)
    assert width <= 400
    page.close()


def test_chromium_is_debians(browser):
    assert shutil.which("chromium") == CHROMIUM or Path(CHROMIUM).exists()
