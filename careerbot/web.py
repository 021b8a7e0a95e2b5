"""The Gradio web chat: streamed answers with their source chips, a pinned
question box, the conversation kept in the browser, feedback; admin at /admin.

Everything shown is built here from ``Answer`` objects, and every piece of
text that came from a visitor or a document is HTML-escaped before it reaches
the page, so no script or event handler in a question or a document can run.
"""

from __future__ import annotations

import hmac
import html
import itertools
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import gradio as gr

from careerbot.feedback import replace_vote
from chat.answerers import QUOTE_PIECES
from chat.chain import Chain
from chat.condense import normalise_history
from core.config import Settings
from core.text import CITATION, heading_words, title_and_section
from core.types import Answer

TITLE = "careerbot"
TAGLINE = ("Career advice answered **only from a corpus** of mentoring essays and curated "
           "resources. Every sentence cites the passage it comes from; when the corpus "
           "doesn't cover a question, careerbot says so.")
STARTERS = [
    "How do I find a mentor?",
    "How much math do I need to become an ML engineer?",
    "How many projects should I build before applying for ML jobs?",
    "How do I move from a stagnant IT job into machine learning?",
    "What is an informational interview?",
    "I feel like an impostor in AI. Is that normal?",
]

MAX_TURNS = 50  # conversation turns kept in the visitor's browser
MAX_KEPT_CHARS = 20_000  # of one question, as shown again after a reload

CSS = """
:root { --composer-h: 150px; }
.gradio-container { padding-bottom: calc(var(--composer-h) + 16px) !important;
  overflow: visible !important; }
#composer { position: fixed; left: 0; right: 0; bottom: 0; z-index: 100; margin: 0;
  padding: 8px max(12px, calc((100vw - 1180px) / 2)) 10px;
  background: var(--background-fill-primary); border-top: 1px solid var(--border-color-primary);
  box-shadow: 0 -2px 8px rgba(0, 0, 0, 0.06); }
#question-count { font-size: 0.85em; color: var(--body-text-color-subdued);
  display: inline-block; background: var(--background-fill-primary); padding: 0 8px;
  border-radius: 6px 6px 0 0; }
/* The counter sits just above the question bar, right-aligned, out of the layout:
   on its own row it left an empty band under the input that read as a second text
   box and made the bar 110 px tall, over the second row of suggestions (visitor
   trial 10). */
#composer .block:has(#question-count) { position: absolute; bottom: 100%; margin: 0;
  left: max(12px, calc((100vw - 1180px) / 2)); right: max(12px, calc((100vw - 1180px) / 2));
  width: auto !important; text-align: right; pointer-events: none; background: none;
  border: 0; padding: 0; }
#question-count:empty { display: none; }
/* The row stretched the question box to the height of "New chat" on two lines:
   a white band under the text area read as a second box (visitor trial 20). */
#composer #question { align-self: center; }
#question-count.over { color: #b42318; font-weight: 600; }
#chat .answer-text { margin-bottom: 6px; }
#chat a.cite { text-decoration: none; font-weight: 600; padding: 0 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.chip { border: 1px solid var(--border-color-primary); border-radius: 16px; max-width: 100%; }
.chip[open] { flex-basis: 100%; border-radius: 8px; }
.chip summary { cursor: pointer; padding: 4px 10px; list-style: none; max-width: 26em;
  display: flex; align-items: center; }
.chip-label { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2;
  overflow: hidden; }
/* Gradio floats the chat's clear/copy buttons over the messages; on a phone they
   covered the first line of text. Give them a row of their own instead. */
#chat .wrapper { display: flex; flex-direction: column; }
#chat .top-panel { position: static; align-self: flex-end; margin: 4px 6px 0;
  min-height: 40px; }
#chat .bubble-wrap { flex: 1 1 auto; min-height: 0; }
/* An empty chat holds only its placeholder: at full height it pushed the second
   row of suggestions under the question bar (1280x800), so it is shorter until
   the first question. */
#chat:has(.placeholder-content) { height: max(200px, calc(100dvh - 440px)) !important; }
/* ...and its scroll-to-latest arrow, which sat on the middle of the text, goes
   to the left end of that row (answers are on the left, questions on the right,
   so no other place is free of text). */
#chat .scroll-down-button-container { top: 2px; bottom: auto; left: 6px; transform: none; }
#chat .scroll-down-button-container button { width: 36px; height: 36px; }
.chip[open] summary { max-width: none; font-weight: 600; }
.chip[open] .chip-label { -webkit-line-clamp: unset; }
.chip summary::-webkit-details-marker { display: none; }
.chip-n { font-weight: 700; margin-right: 4px; }
.source-card { padding: 4px 12px 10px; }
.source-card:target, .chip:focus-within { outline: 2px solid var(--color-accent); }
.source-heading { color: var(--body-text-color-subdued); font-size: 0.9em; font-weight: 600; }
.source-card mark { background: #fff3a3; color: inherit; padding: 0 1px; }
.source-card .passage { white-space: pre-wrap; margin: 6px 0; }
.source-meta { font-size: 0.85em; color: var(--body-text-color-subdued); }
footer, .nav-holder { display: none !important; }
@media (max-width: 640px) {
  :root { --composer-h: 170px; }
  /* The title and tagline took 200 px of an 844 px phone (visitor trial 12). */
  #header h1 { font-size: 1.5em; margin: 0 0 4px; }
  #header p { font-size: 0.85em; line-height: 1.35; margin: 0; }
  /* Until the first question the suggestions, stacked one a row, sat under the
     question bar; the empty chat shows only its placeholder. */
  #chat:has(.placeholder-content) { height: 160px !important; }
  #chat a.cite { display: inline-flex; align-items: center; justify-content: center;
    min-width: 44px; min-height: 44px; vertical-align: middle; }
  .chip summary { min-height: 44px; }
  #chat button { min-width: 44px; min-height: 44px; }
  #composer button { min-height: 44px; }
  #suggestions button { min-height: 44px; }
  /* Once the conversation has started the starters stayed on screen and the
     answers had 470 px of an 800 px phone (visitor trial 20): they go (New chat
     brings them back) and the chat takes the room. */
  #chat:not(:has(.placeholder-content)) ~ #suggestions { display: none !important; }
  #chat:not(:has(.placeholder-content)) {
    height: max(320px, calc(100dvh - 270px)) !important; }
}
"""

# The visible "[n]" of a citation, with empty alternative text (see answer_html).
CSS += "".join(f'#chat a.cite.n{n}::before {{ content: "[{n}]"; content: "[{n}]" / ""; }}\n'
               for n in range(1, 100))

# Runs in the visitor's page (no remote script). Clicking [n] opens its card
# and scrolls only the chat's own scroll box, never the page, so the question
# box stays where it is; the counter shows the length limit while typing.
SCRIPT = """
(() => {
  const box = el => {
    for (let b = el.parentElement; b && b !== document.body; b = b.parentElement) {
      const o = getComputedStyle(b).overflowY;
      if ((o === 'auto' || o === 'scroll') && b.scrollHeight > b.clientHeight) return b;
    }
    return null;
  };
  const reveal = card => {
    const b = box(card);
    if (!b) return;
    const r = card.getBoundingClientRect(), c = b.getBoundingClientRect();
    if (r.top < c.top || r.bottom > c.bottom) b.scrollTop += r.top - c.top - 8;
  };
  document.addEventListener('click', e => {
    const a = e.target.closest ? e.target.closest('a.cite') : null;
    if (!a) return;
    const card = document.getElementById((a.getAttribute('href') || '').slice(1));
    if (!card) return;
    e.preventDefault();
    e.stopPropagation();
    card.open = true;
    const s = card.querySelector('summary');
    if (s) s.focus({preventScroll: true});
    // again once the chat has settled: a re-render may move it
    for (const ms of [0, 150, 400]) setTimeout(() => reveal(card), ms);
  }, true);
  const count = () => {
    const t = document.querySelector('#question textarea');
    const out = document.getElementById('question-count');
    if (!t || !out) return;
    const n = t.value.length;
    out.textContent = !n ? '' : n <= LIMIT ? `${n} / ${LIMIT} characters` :
      `${n} / ${LIMIT} characters: only the last ${LIMIT} (where your question is) are read`;
    out.classList.toggle('over', n > LIMIT);
  };
  document.addEventListener('input', count, true);
  setInterval(count, 500);
  // A new question is shown at the top of the chat with its answer growing
  // under it, as far as the chat can scroll, until the visitor scrolls (by
  // wheel, touch, keys, the scroll bar, find in page…) or clicks in the chat.
  // Followed to its end, a long answer's first point (the most direct) and
  // the question itself were out of sight on a phone (visitor trial 14).
  let asked = 0, pinned = false, placed = null, queued = false;
  const chatBox = () => document.querySelector('#chat .bubble-wrap');
  const pin = () => {
    queued = false;
    const wrap = chatBox();
    if (!wrap) return;
    const users = wrap.querySelectorAll('.user');
    if (users.length !== asked) { asked = users.length; pinned = users.length > 0; }
    if (!pinned) return;
    const q = users[users.length - 1];
    const gap = q.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
    if (Math.abs(gap) > 1) wrap.scrollTop += gap;
    placed = wrap.scrollTop;
  };
  new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(pin); } })
    .observe(document.body, {subtree: true, childList: true, characterData: true});
  const unpin = e => { if (e.target.closest && e.target.closest('#chat')) pinned = false; };
  for (const kind of ['wheel', 'touchstart', 'keydown', 'mousedown'])
    document.addEventListener(kind, unpin, {capture: true, passive: true});
  document.addEventListener('scroll', e => {
    if (pinned && e.target === chatBox() && Math.abs(e.target.scrollTop - placed) > 2)
      pinned = false;
  }, {capture: true, passive: true});
})();
"""

# Gradio copies a message's content, our HTML, as it is (copy and copy-all
# buttons) and repeats it in the message's aria-label. This turns that HTML
# into what the visitor reads: the points with their [n], then the sources
# ("[n] section · title — address"). DOMParser documents are inert: nothing in
# them runs or loads.
COPY_SCRIPT = """
(() => {
  const sources = chips => '\\n\\nSources:' + [...chips.querySelectorAll('details.chip')]
    .map(d => {
      const n = d.querySelector('.chip-n'), label = d.querySelector('.chip-label');
      const link = d.querySelector('.source-meta a');
      return `\\n[${n ? n.textContent : ''}] ${label ? label.textContent : ''}` +
        (link ? ` — ${link.getAttribute('href')}` : '');
    }).join('');
  const textOf = (node, out) => {
    for (const c of node.childNodes) {
      if (c.nodeType === 3) out.push(c.textContent);
      if (c.nodeType !== 1 || c.classList.contains('sr-only')) continue;
      if (c.tagName === 'BR') out.push('\\n');
      else if (c.matches('a.cite')) out.push(`[${(c.className.match(/\\bn(\\d+)/) || [])[1]}]`);
      else if (c.matches('.chips')) out.push(sources(c));
      else textOf(c, out);
    }
    return out;
  };
  const plain = s => {
    const doc = new DOMParser().parseFromString(`<body>${s}</body>`, 'text/html');
    return textOf(doc.body, []).join('').replace(/[ \\t]+\\n/g, '\\n').trim();
  };
  let fromChat = false;  // true while a click on one of the chat's buttons is handled
  document.addEventListener('click', e => {
    if (!e.target.closest || !e.target.closest('#chat button')) return;
    fromChat = true;
    setTimeout(() => { fromChat = false; }, 0);
  }, true);
  const clip = navigator.clipboard;
  if (clip && clip.writeText) {
    const write = clip.writeText.bind(clip);
    clip.writeText = text => write(fromChat ? plain(String(text)) : text);
  }
  // without the clipboard API (plain http off loopback) Gradio copies from a textarea
  document.addEventListener('copy', e => {
    const t = document.activeElement;
    if (!fromChat || !(t instanceof HTMLTextAreaElement) || !e.clipboardData) return;
    e.clipboardData.setData('text/plain', plain(t.value));
    e.preventDefault();
  }, true);
  const named = new WeakMap();
  const relabel = () => {
    for (const m of document.querySelectorAll('#chat [data-testid][aria-label]')) {
      const label = m.getAttribute('aria-label');
      const head = (label.match(/^\\w+'s message: /) || [''])[0];
      if (named.get(m) === label || !head) continue;
      named.set(m, head + plain(label.slice(head.length)));
      m.setAttribute('aria-label', named.get(m));
    }
  };
  new MutationObserver(relabel).observe(document.documentElement, {subtree: true,
    childList: true, attributes: true, attributeFilter: ['aria-label']});
})();
"""


# --- rendering ---------------------------------------------------------------

def _safe_url(url: str) -> str | None:
    """A document's address as a link target, or None when it is not http(s).

    Front matter is hand-written: "www.kaggle.com", " HTTPS://x.org ", "<https://…>"
    or an address with a space or quote in it are still the document's original,
    and were shown without a link; such characters are percent-encoded instead.
    """
    url = (url or "").strip().strip("<>").strip()
    if url.lower().startswith("www."):
        url = "https://" + url
    if not re.match(r"(?i)^https?://[^\s/?#]", url):
        return None
    return quote(url, safe=":/?#[]@!$&()*+,;=%~")


def _link(url: str, text: str) -> str:
    """A link to an original: opens in a new tab with no referrer and no
    standing (nofollow); nothing on the page loads it until clicked."""
    return (f"<a href='{html.escape(url)}' target='_blank' "
            f"rel='noopener noreferrer nofollow' referrerpolicy='no-referrer'>{text}</a>")


def plain_html(text: str) -> str:
    """Text as inert HTML: escaped, line breaks kept, nothing else.

    The chat bubbles are rendered as HTML, not Markdown: corpus text is quoted
    into answers, and Markdown would turn ``![x](https://…)`` into an image the
    browser fetches (a tracking request) and bare or ``mailto:`` addresses into
    links. Escaped text shows such syntax as the characters it is.
    """
    return html.escape(text, quote=False).replace("\n", "<br>")


def _as_dict(answer: Answer | dict) -> dict:
    return answer.to_dict() if isinstance(answer, Answer) else answer


# Markdown emphasis, in an answer or a passage: "*Title*", "**P.S.:**" (not a
# "* " bullet, not 2*3*4, not "* spaced *"); group 1 is "*" or "**", group 2 the text.
_MARKDOWN_EMPHASIS = re.compile(
    r"(?<![\w*])(\*\*?)(?=[^\s*])([^*\n]+?)(?<=[^\s*])\1(?![\w*])")


def partial_html(text: str) -> str:
    """Answer text as inert HTML with each point's "*Title*" in italics (also
    while the answer is revealed, which showed the asterisks until it ended).
    "**bold**" is left as typed. Emphasis is found before line breaks become
    ``<br>`` (``plain_html``), so it never spans two lines."""
    escaped = html.escape(text, quote=False)
    return _MARKDOWN_EMPHASIS.sub(_italics, escaped).replace("\n", "<br>")


def _italics(m: re.Match) -> str:
    return m.group(0) if len(m.group(1)) == 2 else f"<em>{m.group(2)}</em>"


def answer_html(answer: Answer | dict, key: str = "a") -> str:
    """The chat bubble: inert text with each ``[n]`` linked to its card, then the
    numbered source chips that open into those cards.

    ``key`` makes card ids unique per answer: every answer has a card 1.
    Each ``[n]`` is named "source n: section · title" for screen readers, which
    otherwise read out the link's brackets: Gradio's sanitiser drops
    ``aria-label`` and ``data-*``, so the name is visually hidden text and
    the visible "[n]" is drawn by CSS (class ``n<n>``) with empty alternative text.
    """
    a = _as_dict(answer)
    titles = {c.get("n"): chip_label(c) for c in a.get("citations", [])}

    def cite(m: re.Match) -> str:
        n = int(m.group(1))
        label = html.escape(f"source {n}: {titles.get(n, '')}".rstrip(": "))
        return (f"<a class='cite n{n}' href='#src-{key}-{n}' title='{label}'>"
                f"<span class='sr-only'>{label}</span></a>")

    text = CITATION.sub(cite, partial_html(str(a.get("answer", ""))))
    if a.get("notice"):
        text += f"<br><br><em>{plain_html(str(a['notice']))}</em>"
    chips = "".join(_chip(c, key) for c in a.get("citations", []))
    chips = f"<div class='chips' role='group' aria-label='Sources'>{chips}</div>" if chips else ""
    return f"<div class='answer-text'>{text}</div>{chips}"


def chip_label(c: dict) -> str:
    """What a source's chip says: its section first, then its document.

    Answers often cite three sections of one essay; chips that all read
    "How to Build a Career in Ar…" (cut to fit a phone) could not be told apart.
    """
    title, section = title_and_section(str(c.get("title", "")), str(c.get("heading") or ""))
    return " · ".join(part for part in (section, title) if part)


def _chip(c: dict, key: str) -> str:
    """One source: a numbered chip that opens into the card with the quote marked."""
    n, title = c.get("n"), html.escape(chip_label(c))
    url = _safe_url(str(c.get("url", "")))
    meta = _link(url, "Open the original") + " · " if url else ""
    author = str(c.get("author") or "")
    meta += f"by {html.escape(author)} · " if author else ""
    heading = _heading(str(c.get("heading") or ""))
    heading = f"<div class='source-heading'>{heading}</div>" if heading else ""
    return (f"<details class='chip' id='src-{key}-{n}'>"
            f"<summary><span class='chip-n'>{n}</span>"
            f"<span class='chip-label'>{title}</span>"
            f"</summary><div class='source-card'>{heading}"
            f"<div class='passage'>{_highlight(str(c.get('text', '')), str(c.get('quote', '')))}"
            f"</div><div class='source-meta'>{meta}<code>"
            f"{html.escape(str(c.get('source', '')))}</code></div></div></details>")


def _heading(heading: str) -> str:
    """A chunk heading as words: "## Finding a mentor" showed its Markdown marks
    (its emphasis is shown as emphasis, like the passage's)."""
    return _highlight(heading_words(heading), "")


def inert_markdown(text: str) -> str:
    """Text for the admin tab's Markdown reports, shown as typed: escaped HTML,
    escaped Markdown punctuation, and addresses the renderer would autolink
    broken with entities (a document title must not become an image or a link)."""
    text = html.escape(text, quote=False)
    text = re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", text)
    return text.replace("://", ":&#47;&#47;").replace("@", "&#64;").replace("www.", "www&#46;")


def _highlight(passage: str, quote: str) -> str:
    """Escape the passage, mark the quoted sentences inside it, show its
    emphasis as emphasis and its heading lines as bold text: a card read
    "*Seeking mentors…* lists Topmate" and "## What it is" with the marks.
    Quotes are found in the text as shown (markup dropped): a quote holds a
    link's text, not its address."""
    styles = _emphasis_styles(passage)
    kept = [i for i, style in enumerate(styles) if style is not None]
    shown_text = "".join(passage[i] for i in kept)
    marked = [False] * len(passage)
    quote = _MARKDOWN_LINK.sub(lambda m: m.group(_link_text(m)), quote).replace("*", "")
    for start, end in _quote_spans(shown_text, quote):
        for i in kept[start:end]:
            marked[i] = True
    shown = ((styles[i], marked[i], ch) for i, ch in enumerate(passage) if styles[i] is not None)
    out = []
    for mark, quoted in itertools.groupby(shown, key=lambda t: t[1]):
        text = "".join(_tagged(tag, "".join(ch for *_, ch in run))
                       for tag, run in itertools.groupby(quoted, key=lambda t: t[0]))
        out.append(f"<mark>{text}</mark>" if mark else text)
    return re.sub(r"(?m)^#{1,6}[ \t]+(.*)$", r"<strong>\1</strong>", "".join(out))


def _tagged(tag: str, text: str) -> str:
    text = html.escape(text)
    return f"<{tag}>{text}</{tag}>" if tag else text


def _quote_spans(passage: str, quote: str) -> list[tuple[int, int]]:
    """Where the quoted sentences are in the passage."""
    spans = []
    for piece in QUOTE_PIECES.split(quote.strip()):
        sentence = piece.strip()
        if sentence not in passage:  # a list unit's piece: its stop was added
            sentence = sentence.rstrip(".:;").strip()
        start = passage.find(sentence) if sentence else -1
        if start >= 0:
            spans.append((start, start + len(sentence)))
    return spans


# A Markdown link or image, "[text](target)" / "![alt](target)": the card shows its
# text (visitor trial 10 read "[Events](https://orionstar25.github.io/…)"), or, for
# an image without alt text, its address as text, as answers do; never a fetch.
_MARKDOWN_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?[^)\n]*\)")


def _link_text(m: re.Match) -> int:
    """The group of a link's match that is shown: its text, or a bare image's address."""
    return 3 if m.group(1) and not m.group(2).strip() else 2


def _emphasis_styles(passage: str) -> list[str | None]:
    """Per character: "em" or "strong" inside emphasis, None for its asterisks
    and a link's markup (dropped), "" otherwise. Worked per character so a
    quote that starts or ends inside emphasis still nests its tags properly."""
    styles: list[str | None] = [""] * len(passage)
    for m in _MARKDOWN_LINK.finditer(passage):
        shown = _link_text(m)
        for i in (*range(m.start(), m.start(shown)), *range(m.end(shown), m.end())):
            styles[i] = None
    for m in _MARKDOWN_EMPHASIS.finditer(passage):
        tag = "strong" if len(m.group(1)) == 2 else "em"
        styles[m.start(2):m.end(2)] = [tag] * (m.end(2) - m.start(2))
        for i in (*range(m.start(1), m.end(1)), *range(m.end(2), m.end())):
            styles[i] = None
    return styles


def corpus_list_html(chain: Chain) -> str:
    """Every document in the index, with its link: the "list of sources"."""
    try:
        records = chain.retriever.snapshot().records.values()
    except Exception:
        return "<p>The source list is unavailable right now.</p>"
    docs: dict[str, dict] = {}
    for r in records:
        docs.setdefault(str(r.get("doc_id")), r)
    rows = []
    for doc_id, r in sorted(docs.items(), key=lambda kv: (kv[1].get("kind") != "essay", kv[0])):
        url = _safe_url(str(r.get("url", "")))
        title = html.escape(str(r.get("title", doc_id)))
        title = _link(url, title) if url else title
        rows.append(f"<li>{title} <small>({html.escape(str(r.get('kind', '')))})</small></li>")
    return "<ul>" + "".join(rows) + "</ul>"


# --- the conversation --------------------------------------------------------
# A turn is {"id", "question", "answer": Answer.to_dict(), "vote"}; the list of
# turns lives in the visitor's browser (BrowserState) and everything shown, the
# history read with a follow-up and the votes are derived from it, so "New
# chat" (or the trash icon) clearing it clears all of them together.

def valid_turns(turns: object) -> list[dict]:
    """The turns that have the expected shape (browser storage is the visitor's)."""
    if not isinstance(turns, list):
        return []
    return [t for t in turns if isinstance(t, dict) and isinstance(t.get("question"), str)
            and isinstance(t.get("answer"), dict) and isinstance(t.get("id"), str)][-MAX_TURNS:]


def chat_from(turns: list[dict]) -> list[dict]:
    """The chat bubbles of the stored turns."""
    chat = []
    for t in turns:
        chat += [{"role": "user", "content": plain_html(t["question"])},
                 {"role": "assistant", "content": answer_html(t["answer"], t["id"])}]
    return chat


def _feedback_value(turns: list[dict]) -> list[str | None]:
    return [t.get("vote") if t.get("vote") in ("Like", "Dislike") else None for t in turns]


def _vote(liked: object) -> str | None:
    """Gradio sends True/False (or the option's name) for a vote, "" when one is taken back."""
    if liked is True or liked == "Like":
        return "Like"
    if liked is False or liked == "Dislike":
        return "Dislike"
    return None


# --- handlers ----------------------------------------------------------------

class ChatHandlers:
    """The callbacks behind the page; one instance shares the chain across sessions."""

    def __init__(self, settings: Settings, chain: Chain) -> None:
        self.settings = settings
        self.chain = chain

    def history(self, turns: list[dict]) -> list[dict]:
        """What a follow-up is read with: no more than the chain would read."""
        messages = []
        for t in turns:
            messages += [{"role": "user", "content": t["question"]},
                         {"role": "assistant", "content": str(t["answer"].get("answer", ""))}]
        return normalise_history(messages, self.settings.history_turns,
                                 self.settings.history_chars)

    @staticmethod
    def take(message: str) -> tuple[str, str]:
        """Move the question out of the box at once: the answer's updates then
        never write to the box, so what the visitor types meanwhile is kept."""
        return "", message or ""

    def respond(self, message: str, turns: list) -> Iterator[tuple]:
        """Stream one answer into the chat; the stored turns change only at the end."""
        turns = valid_turns(turns)
        if not (message or "").strip():
            yield gr.skip(), gr.skip()
            return
        chat = [*chat_from(turns), {"role": "user", "content": plain_html(message)},
                {"role": "assistant", "content": "…"}]
        yield chat, gr.skip()
        final = None
        for update in self.chain.stream(message, self.history(turns)):
            final = update
            if update.partial:
                chat[-1] = {"role": "assistant", "content": partial_html(update.answer)}
                yield chat, gr.skip()
        pieces = re.split(r"(?<=\])\s+", final.answer) if not final.refused else [final.answer]
        shown = ""
        # an extractive answer arrives whole: show it sentence by sentence
        for piece in pieces[:-1]:
            shown += piece + " "
            chat[-1] = {"role": "assistant", "content": partial_html(shown)}
            yield chat, gr.skip()
            if self.settings.reveal_seconds:
                time.sleep(self.settings.reveal_seconds)
        turn = {"id": uuid.uuid4().hex[:12], "question": message[-MAX_KEPT_CHARS:],
                "answer": final.to_dict(), "vote": None}
        turns = [*turns, turn][-MAX_TURNS:]
        chat[-1] = {"role": "assistant", "content": answer_html(final, turn["id"])}
        yield gr.Chatbot(value=chat_from(turns), feedback_value=_feedback_value(turns)), turns

    @staticmethod
    def restore(turns: list) -> gr.Chatbot:
        """The conversation as it was before the reload."""
        turns = valid_turns(turns)
        return gr.Chatbot(value=chat_from(turns), feedback_value=_feedback_value(turns))

    @staticmethod
    def clear() -> tuple:
        """Chat, its sources and the history read with follow-ups, all at once."""
        return [], [], ""

    def like(self, turns: list, data: gr.LikeData) -> list:
        """One vote per answer: a changed vote replaces the stored one, a vote
        taken back removes it (nothing about the voter is stored)."""
        turns = valid_turns(turns)
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        if not isinstance(index, int) or not 0 <= index // 2 < len(turns):
            return gr.skip()
        turn, vote = turns[index // 2], _vote(data.liked)
        replace_vote(self.settings.data_dir, turn["id"], turn["answer"],
                     {"Like": "up", "Dislike": "down"}.get(vote or ""),
                     self.settings.question_chars)
        return [*turns[:index // 2], {**turn, "vote": vote}, *turns[index // 2 + 1:]]

    def api_ask(self, question: str, history: list | None = None) -> dict:
        """One answer object, the same as `careerbot ask --json`."""
        return self.chain.ask(question, history or []).to_dict()


class Lockout:
    """Wrong admin tokens per client address: after ``limit`` in a row, that
    client is refused without a check for ``seconds``, doubled for each further
    wrong token (at most an hour). A right token clears the count.

    Without it a client could try 60 tokens a second for as long as it liked.
    Keyed by address, so behind one reverse proxy all clients share a count.
    """

    MAX_CLIENTS = 10_000  # a flood of addresses cannot grow the table without end

    def __init__(self, limit: int, seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._failures: dict[str, tuple[int, float]] = {}  # client -> (count, locked until)
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must still wait (0: it may try a token)."""
        with self._lock:
            _, until = self._failures.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            count = self._failures.pop(client, (0, 0.0))[0] + 1
            until = 0.0
            if count >= self.limit:
                until = self.clock() + min(3600.0, self.seconds * 2 ** (count - self.limit))
            self._failures[client] = (count, until)
            while len(self._failures) > self.MAX_CLIENTS:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def _client(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "local")


def _upload_source(f: object) -> tuple[Path, str]:
    """Where Gradio cached an upload, and the name its sender gave it.

    The upload handler runs unpreprocessed, so it sees Gradio's ``FileData``
    (a dict whose path Gradio has checked is in its upload cache): Gradio's own
    preprocessing passes only the cached path, whose name Gradio has already
    cut to a base name, so ``../../x.md`` arrived as ``x.md`` and was saved.
    """
    if isinstance(f, dict):
        path = Path(str(f.get("path") or ""))
        return path, str(f.get("orig_name") or path.name)
    path = Path(f if isinstance(f, str) else getattr(f, "name", ""))
    return path, getattr(f, "orig_name", None) or path.name


class AdminHandlers:
    """Upload and re-index, behind the admin token (checked on every call)."""

    def __init__(self, settings: Settings, chain: Chain, lockout: Lockout | None = None) -> None:
        self.settings = settings
        self.chain = chain
        self.lockout = lockout or Lockout(settings.admin_max_failures,
                                          settings.admin_lockout_seconds)

    def _authorised(self, token: str | None) -> bool:
        expected = self.settings.admin_token or ""
        return bool(expected) and hmac.compare_digest((token or "").encode(), expected.encode())

    def _refused(self, token: str | None, request: gr.Request | None) -> str | None:
        """Why this call may not act (``None``: it may), counting wrong tokens."""
        client = _client(request)
        wait = self.lockout.wait(client)
        if wait > 0:
            return (f"Too many wrong tokens from this address; try again in "
                    f"{math.ceil(wait)} s.")
        if self._authorised(token):
            self.lockout.succeeded(client)
            return None
        self.lockout.failed(client)
        return "That token is not valid."

    def unlock(self, token: str, request: gr.Request = None):
        refused = self._refused(token, request)
        return gr.Column(visible=refused is None), refused or "Unlocked."

    def upload(self, token: str, files: list | None, request: gr.Request = None) -> str:
        refused = self._refused(token, request)
        if refused:
            return refused
        lines = [self._save_one(*_upload_source(f)) for f in files or []]
        return "\n".join(lines) or "No files received."

    def _save_one(self, path: Path, name: str) -> str:
        """Save one file, or say why not, naming it; never raises, so one bad file
        in a batch does not cost the others."""
        from ingest.uploads import UploadError, save_upload

        try:
            saved = save_upload(path.read_bytes(), name, self.settings.corpus_dir,
                                int(self.settings.upload_mb * 1_000_000))
            return f"- saved `{inert_markdown(saved.name)}`"
        except (UploadError, OSError) as exc:
            return f"- refused: {inert_markdown(str(exc))}"
        except Exception as exc:  # a loader bug must not lose the rest of the batch
            return (f"- refused: {inert_markdown(repr(name))} could not be read "
                    f"({type(exc).__name__})")

    def reindex(self, token: str, request: gr.Request = None) -> tuple[str, str]:
        from ingest.index import ingest

        refused = self._refused(token, request)
        if refused:
            return refused, ""
        try:
            summary = ingest(self.settings, embedder=self.chain.embedder)
        except Exception as exc:  # IngestError, StoreError, anything: report it, keep serving
            return f"Re-index failed: {inert_markdown(str(exc))}", ""
        failed = "".join(f"\n- {inert_markdown(f.path)}: {inert_markdown(f.error)}"
                         for f in summary.failed)
        return summary.line() + failed, self.coverage()

    def coverage(self) -> str:
        """The coverage report (its callers have checked the token)."""
        from core.store import open_collection
        from ingest.report import coverage

        report = coverage(open_collection(self.settings))
        rows = "\n".join(f"| {inert_markdown(d.title)} | {inert_markdown(d.kind)} | {d.chunks} "
                         f"| {d.tokens} |"
                         for d in report.documents)
        return (f"**{len(report.documents)} documents, {report.chunk_count} chunks**\n\n"
                "| document | kind | chunks | tokens |\n|---|---|---|---|\n" + rows +
                f"\n\nThin documents: {inert_markdown(', '.join(report.thin) or 'none')}; "
                f"near-duplicate chunk pairs: {len(report.near_duplicates)}")


# --- layout ------------------------------------------------------------------

def build_app(settings: Settings, chain: Chain | None = None) -> gr.Blocks:
    """The visitor's page at / and the admin page at /admin (never linked from /).

    ``chain`` may be passed in so tests and the CLI share one.
    """
    chain = chain or Chain(settings)
    handlers = ChatHandlers(settings, chain)
    with gr.Blocks(title=TITLE, analytics_enabled=False,
                   delete_cache=(3600, 3600) if settings.admin_token else None) as demo:
        gr.Navbar(visible=False)
        gr.Markdown(f"# {TITLE}\n{TAGLINE}", elem_id="header")
        chatbot = gr.Chatbot(elem_id="chat", height="max(320px, calc(100dvh - 330px))",
                             autoscroll=False,  # SCRIPT shows a new answer from its question
                             buttons=["copy", "copy_all"], sanitize_html=True,
                             render_markdown=False, latex_delimiters=[], label="careerbot",
                             show_label=False,
                             placeholder="Answers come with numbered sources.")
        suggestions = gr.Dataset(components=[gr.Textbox(visible=False)],
                                 samples=[[q] for q in STARTERS], label="Try one of these",
                                 elem_id="suggestions", type="values")
        with gr.Accordion("All sources in the corpus", open=False, elem_id="corpus-sources"):
            corpus_list = gr.HTML()
        with gr.Column(elem_id="composer"):
            with gr.Row(equal_height=True):
                question = gr.Textbox(elem_id="question", show_label=False, scale=6,
                                      placeholder="Ask a career question…", max_lines=4,
                                      autofocus=True, container=False)
                send = gr.Button("Ask", variant="primary", elem_id="send", scale=1,
                                 min_width=64)
                new_chat = gr.Button("New chat", elem_id="new-chat", scale=1, min_width=64)
            gr.HTML("<div id='question-count' aria-live='polite'></div>", padding=False)
        turns = gr.BrowserState([], storage_key="careerbot-conversation")
        pending = gr.State("")
        _wire(handlers, chatbot, question, send, new_chat, suggestions, turns, pending)
        demo.load(handlers.restore, inputs=[turns], outputs=[chatbot], api_visibility="private")
        demo.load(lambda: corpus_list_html(chain), outputs=[corpus_list],
                  api_visibility="private")
        gr.api(handlers.api_ask, api_name="ask")
    with demo.route("Admin", "/admin", show_in_navbar=False):
        gr.Navbar(visible=False)
        _admin_page(settings, chain)
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    return demo


def _wire(handlers: ChatHandlers, chatbot: gr.Chatbot, question: gr.Textbox, send: gr.Button,
          new_chat: gr.Button, suggestions: gr.Dataset, turns: gr.BrowserState,
          pending: gr.State) -> None:
    """Events: a question is taken out of the box first, then answered."""
    private = {"api_visibility": "private"}
    answer = {"fn": handlers.respond, "inputs": [pending, turns], "outputs": [chatbot, turns],
              **private}
    for trigger in (question.submit, send.click):
        trigger(handlers.take, inputs=[question], outputs=[question, pending], queue=False,
                **private).then(**answer)
    suggestions.click(lambda sample: sample[0], inputs=[suggestions], outputs=[pending],
                      **private).then(**answer)
    for trigger in (new_chat.click, chatbot.clear):
        trigger(handlers.clear, outputs=[chatbot, turns, question], **private)
    chatbot.like(handlers.like, inputs=[turns], outputs=[turns], **private)


def _admin_page(settings: Settings, chain: Chain) -> None:
    gr.Markdown(f"# {TITLE} admin", elem_id="admin-page")
    if not settings.admin_token:
        gr.Markdown("The admin page is off: set `CAREERBOT_ADMIN_TOKEN` to turn it on.")
        return
    admin = AdminHandlers(settings, chain)
    token = gr.Textbox(label="Admin token", type="password", elem_id="admin-token")
    unlock = gr.Button("Unlock", elem_id="admin-unlock")
    status = gr.Markdown()
    with gr.Column(visible=False) as panel:
        files = gr.File(label="Upload documents (.md, .txt, .html, .pdf)",
                        file_count="multiple", file_types=[".md", ".txt", ".html", ".pdf"],
                        elem_id="admin-files")
        upload_report = gr.Markdown()
        reindex = gr.Button("Re-index", variant="primary", elem_id="admin-reindex")
        ingest_report = gr.Markdown()
        coverage_report = gr.Markdown()
    unlock.click(admin.unlock, inputs=[token], outputs=[panel, status], api_visibility="private")
    files.upload(admin.upload, inputs=[token, files], outputs=[upload_report],
                 api_visibility="private", preprocess=False)  # keep each file's own name
    reindex.click(admin.reindex, inputs=[token], outputs=[ingest_report, coverage_report],
                  api_visibility="private")


def theme() -> gr.themes.Base:
    """System fonts only: the default theme would make browsers fetch Google Fonts."""
    fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
    return gr.themes.Soft(font=fonts, font_mono=["ui-monospace", "monospace"])


def head(settings: Settings) -> str:
    """The page's own script, inline (nothing is loaded from another host)."""
    return f"<script>const LIMIT = {settings.question_chars};{SCRIPT}{COPY_SCRIPT}</script>"


def serve(settings: Settings) -> None:
    """Start the web chat on the configured loopback address (never shared publicly)."""
    demo = build_app(settings)
    demo.launch(server_name=settings.host, server_port=settings.port, share=False,
                theme=theme(), css=CSS, head=head(settings), show_error=False,
                footer_links=[], max_file_size=upload_limit(settings))


def upload_limit(settings: Settings) -> int:
    """Bytes Gradio's upload route accepts per file: none without an admin tab.

    The route is open to anyone who can reach the page and keeps what it
    receives in Gradio's cache; the chat needs no uploads, so only the admin
    tab's documents are allowed, up to ``upload_mb``. (With the tab on, the
    route itself cannot tell an admin from a visitor; the cache is then emptied
    of files older than an hour, see ``build_app``.)
    """
    return int(settings.upload_mb * 1_000_000) if settings.admin_token else 0
