"""What the browser tests do to a page: ask a question and time it, and check
that an element is on screen and not covered."""

from __future__ import annotations

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Installed before a question is sent: the page itself notes when the send
# button was clicked, when the new answer's first text appeared and when the
# answer was complete (its source chips, or a refusal, are in the bubble).
TIMER = """n => {
  window.__t = {start: null, first: null, full: null};
  const done = b => b.querySelector('.chips') || /don't cover|Please type a question/
    .test(b.innerText);
  const tick = () => {
    const bots = document.querySelectorAll('#chat .bot');
    if (window.__t.start === null || bots.length <= n) return;
    const b = bots[n], now = performance.now();
    if (window.__t.first === null && b.innerText.replace('…', '').trim()) window.__t.first = now;
    if (window.__t.full === null && done(b)) window.__t.full = now;
  };
  // Listen on the document, not on #send and #chat themselves: Gradio may
  // re-mount them while the page restores a stored conversation.
  const start = e => {
    if (!e.target.closest || !e.target.closest('#send')) return;
    window.__t.start = performance.now();
    document.removeEventListener('click', start, true);
  };
  document.addEventListener('click', start, true);
  if (window.__obs) window.__obs.disconnect();
  window.__obs = new MutationObserver(tick);
  window.__obs.observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def ask(page, question: str) -> dict:
    """Type and send a question, wait until its answer is complete, and return
    the page's own timings in seconds (first text, full answer)."""
    page.locator("#chat").wait_for()
    page.locator("#send").wait_for()
    before = page.locator("#chat .bot").count()
    page.evaluate(TIMER, before)
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function("() => window.__t.full !== null", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#chat .pending')", timeout=60_000)
    t = page.evaluate("() => window.__t")
    return {"first_text_s": round((t["first"] - t["start"]) / 1000, 3),
            "full_answer_s": round((t["full"] - t["start"]) / 1000, 3)}


def in_viewport(page, selector: str) -> bool:
    return page.evaluate("""s => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth
               && r.height > 0 }""", selector)


# Where a visitor would look at an element: its centre, or 40 px down a tall one.
_PROBE = """const r = e.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 40);"""


def where(element) -> str:
    """Where an element is and what covers it, for a failing assertion's message."""
    return element.evaluate("""e => { """ + _PROBE + """
        const hit = document.elementFromPoint(x, y);
        const box = document.querySelector('#chat .bubble-wrap');
        return JSON.stringify({top: r.top, bottom: r.bottom, innerHeight, scrollY,
          chat: box && [box.scrollTop, box.scrollHeight, box.clientHeight],
          at_point: hit && hit.tagName + '.' + hit.className}) }""")


def uncovered(page, element) -> bool:
    """Is the element's centre on screen and the element itself what is there?"""
    return element.evaluate("""e => { """ + _PROBE + """
        if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) return false;
        const hit = document.elementFromPoint(x, y); return !!hit && e.contains(hit) }""")


# Resolves once no scroll box around the element (nor the page) has moved for
# three animation frames: on a loaded machine a wheel step can land late, and a
# check made before it lands would let the next steps scroll past the element.
SETTLE = """e => new Promise(done => {
  const boxes = [];
  for (let b = e.parentElement; b; b = b.parentElement) boxes.push(b);
  const where = () => scrollY + ',' + boxes.map(b => b.scrollTop).join(',');
  let last = where(), still = 0, frames = 0;
  const step = () => {
    const now = where();
    still = now === last ? still + 1 : 0; last = now;
    if (still >= 3 || ++frames > 120) done(); else requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})"""


def settle(page, element) -> None:
    """Wait until scrolling around the element has come to rest."""
    element.evaluate(SETTLE)


# The lines of conversation text lying under one of the chat's own floating
# buttons (clear/copy-all, scroll-to-latest), as the visitor sees them now
# (lines scrolled out of the chat's scroll box are not seen, so not counted).
COVERED_LINES = """() => {
  const chat = document.querySelector('#chat');
  const floating = '.top-panel button, .scroll-down-button-container button';
  const buttons = [...chat.querySelectorAll(floating)]
    .map(b => b.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  const view = (chat.querySelector('.bubble-wrap') || chat).getBoundingClientRect();
  const covered = [];
  const walker = document.createTreeWalker(chat.querySelector('.message-wrap') || chat,
                                           NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    if (!node.textContent.trim() || !node.parentElement.checkVisibility()) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      const top = Math.max(r.top, view.top), bottom = Math.min(r.bottom, view.bottom);
      if (bottom - top < 2) continue;  // scrolled out of the chat's box, or all but
      const hit = buttons.some(b => r.left < b.right && r.right > b.left &&
                                    top < b.bottom && bottom > b.top);
      if (hit) covered.push(node.textContent.trim().slice(0, 40));
    }
  }
  return {buttons: buttons.length, covered};
}"""


def covered_lines(page) -> list[str]:
    """The covered lines; fails if the chat's buttons were not found at all (a
    Gradio update that renamed them would otherwise make every check pass)."""
    found = page.evaluate(COVERED_LINES)
    assert found["buttons"] >= 2, "the chat's clear and copy-all buttons were not found"
    return found["covered"]


# Is the element wholly on screen and on top there? Its centre and a point just
# inside each edge must hit it: a button half under the question bar passes a
# centre-only check when its upper half is showing.
FULLY_SHOWN = """e => { const r = e.getBoundingClientRect();
  if (r.height <= 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight
      || r.right > innerWidth) return false;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const points = [[x, y], [r.left + 6, y], [r.right - 6, y], [x, r.top + 3], [x, r.bottom - 3]];
  return points.every(([px, py]) => { const hit = document.elementFromPoint(px, py);
                                      return !!hit && e.contains(hit) }) }"""


def fully_shown(element) -> bool:
    return element.evaluate(FULLY_SHOWN)
