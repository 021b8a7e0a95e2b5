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
  const done = b => b.querySelector('.chips') || /doesn't cover|Please type a question/
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


def uncovered(page, element) -> bool:
    """Is the element's centre on screen and the element itself what is there?"""
    return element.evaluate("""e => { const r = e.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 40);
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
