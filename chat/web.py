"""The Gradio web chat: streamed answers, source cards, feedback, admin upload.

Everything shown is built here from ``Answer`` objects, and every piece of
text that came from a visitor or a document is HTML-escaped before it reaches
the page, so no script or event handler in a question or a document can run.
"""

from __future__ import annotations

import hmac
import html
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr

from chat.chain import Chain
from chat.condense import normalise_history
from chat.config import Settings
from chat.feedback import record
from chat.types import Answer

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

CSS = """
.source-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 10px 12px; margin-bottom: 10px; }
.source-card:target { outline: 3px solid var(--color-accent); }
.source-n { font-weight: 700; margin-right: 4px; }
.source-heading { color: var(--body-text-color-subdued); font-size: 0.9em; }
.source-card mark { background: #fff3a3; color: inherit; padding: 0 1px; }
.source-card details p { white-space: pre-wrap; margin: 6px 0; }
.source-meta { font-size: 0.85em; color: var(--body-text-color-subdued); }
.refusal-topics li { margin: 2px 0; }
#sources-panel { max-height: 640px; overflow-y: auto; }
footer { display: none !important; }
"""


# --- rendering ---------------------------------------------------------------

def _safe_url(url: str) -> str | None:
    return url if re.match(r"^https?://[^\s<>\"']+$", url or "") else None


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


def answer_html(answer: Answer) -> str:
    """The answer for the chat bubble: inert text, ``[n]`` linked to its source card."""
    text = re.sub(r"\[(\d{1,3})\]", r"<a href='#src-\1'>[\1]</a>", plain_html(answer.answer))
    if answer.notice:
        text += f"<br><br><em>{plain_html(answer.notice)}</em>"
    return text


def inert_markdown(text: str) -> str:
    """Text for the admin tab's Markdown reports, shown as typed: escaped HTML,
    escaped Markdown punctuation, and addresses the renderer would autolink
    broken with entities (a document title must not become an image or a link)."""
    text = html.escape(text, quote=False)
    text = re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", text)
    return text.replace("://", ":&#47;&#47;").replace("@", "&#64;").replace("www.", "www&#46;")


def _highlight(passage: str, quote: str) -> str:
    """Escape the passage and mark the quoted sentences inside it."""
    spans = []
    for sentence in re.split(r"(?<=[.!?])\s+", quote.strip()):
        start = passage.find(sentence) if sentence else -1
        if start >= 0:
            spans.append((start, start + len(sentence)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out += [html.escape(passage[pos:start]), "<mark>", html.escape(passage[start:end]),
                "</mark>"]
        pos = end
    out.append(html.escape(passage[pos:]))
    return "".join(out)


def sources_html(answer: Answer | None) -> str:
    """The sources panel: one card per citation, or the topics after a refusal."""
    if answer is None:
        return ("<div class='sources-empty'><h3>Sources</h3><p>Ask a question: the passages "
                "behind each answer appear here, numbered like the [n] in the answer.</p></div>")
    if answer.refused:
        items = "".join(f"<li>{html.escape(t)}</li>" for t in answer.topics)
        topics = (f"<p>The corpus covers:</p><ul class='refusal-topics'>{items}</ul>"
                  if items else "")
        return f"<div class='sources-refusal'><h3>No sources for this one</h3>{topics}</div>"
    cards = []
    for c in answer.citations:
        url = _safe_url(c.url)
        link = _link(url, "Open the original") + " · " if url else ""
        heading = f"<div class='source-heading'>{html.escape(c.heading)}</div>" if c.heading else ""
        cards.append(
            f"<div class='source-card' id='src-{c.n}'>"
            f"<div><span class='source-n'>[{c.n}]</span><b>{html.escape(c.title)}</b></div>"
            f"{heading}<details open><summary>Passage</summary>"
            f"<p>{_highlight(c.text, c.quote)}</p></details>"
            f"<div class='source-meta'>{link}<code>{html.escape(c.source)}</code></div></div>")
    return "<div class='sources-list'><h3>Sources</h3>" + "".join(cards) + "</div>"


def corpus_list_html(chain: Chain) -> str:
    """Every document in the index, with its link: the "list of sources"."""
    try:
        records = chain.retriever.lexical().records.values()
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


def suggestions_for(answer: Answer | None) -> list[list[str]]:
    if answer is not None and answer.refused and answer.topics:
        return [[f"What does “{t}” say?"] for t in answer.topics]
    return [[q] for q in STARTERS]


# --- handlers ----------------------------------------------------------------

class ChatHandlers:
    """The callbacks behind the page; one instance shares the chain across sessions."""

    def __init__(self, settings: Settings, chain: Chain) -> None:
        self.settings = settings
        self.chain = chain

    def respond(self, message: str, chat: list, history: list, answers: dict
                ) -> Iterator[tuple]:
        """Stream one answer into the chat, then show its sources."""
        message = message or ""
        if not message.strip():
            yield chat, "", gr.skip(), history, answers, gr.skip()
            return
        chat = [*chat, {"role": "user", "content": plain_html(message)},
                {"role": "assistant", "content": "…"}]
        yield chat, "", gr.skip(), history, answers, gr.skip()
        final = None
        for update in self.chain.stream(message, history):
            final = update
            if update.partial:
                chat[-1] = {"role": "assistant", "content": plain_html(update.answer)}
                yield chat, "", gr.skip(), history, answers, gr.skip()
        pieces = re.split(r"(?<=\])\s+", final.answer) if not final.refused else [final.answer]
        shown = ""
        # an extractive answer arrives whole: show it sentence by sentence
        for piece in pieces[:-1]:
            shown += piece + " "
            chat[-1] = {"role": "assistant", "content": plain_html(shown)}
            yield chat, "", gr.skip(), history, answers, gr.skip()
        chat[-1] = {"role": "assistant", "content": answer_html(final)}
        answers = {**answers, str(len(chat) - 1): final.to_dict()}
        history = normalise_history(  # the session keeps no more than a question reads
            [*history, {"role": "user", "content": message},
             {"role": "assistant", "content": final.answer}],
            self.settings.history_turns, self.settings.history_chars)
        yield (chat, "", sources_html(final), history, answers,
               gr.Dataset(samples=suggestions_for(final)))

    def clear(self):
        return [], "", sources_html(None), [], {}, gr.Dataset(samples=suggestions_for(None))

    def like(self, answers: dict, data: gr.LikeData) -> None:
        """Store a thumbs up/down for the answer that was voted on (nothing about the voter)."""
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        answer = answers.get(str(index))
        if answer is None or data.liked is None:
            return
        vote = "up" if data.liked is True or data.liked == "Like" else "down"
        record(self.settings.data_dir, answer, vote, self.settings.question_chars)

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
        text = (f"added {summary.added}, updated {summary.updated}, unchanged "
                f"{summary.unchanged}, removed {summary.removed}, failed {len(summary.failed)}; "
                f"{summary.documents} documents, {summary.chunks} chunks, "
                f"{summary.seconds:.1f} s{failed}")
        return text, self.coverage()

    def coverage(self) -> str:
        """The coverage report (its callers have checked the token)."""
        from chat.store import open_collection
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
    """The whole page. ``chain`` may be passed in so tests and the CLI share one."""
    chain = chain or Chain(settings)
    handlers = ChatHandlers(settings, chain)
    with gr.Blocks(title=TITLE, analytics_enabled=False,
                   delete_cache=(3600, 3600) if settings.admin_token else None) as demo:
        gr.Markdown(f"# {TITLE}\n{TAGLINE} [See the list of sources](#corpus-sources).")
        with gr.Tab("Chat"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    chatbot = gr.Chatbot(elem_id="chat", height=520, buttons=["copy", "copy_all"],
                                         sanitize_html=True, render_markdown=False,
                                         latex_delimiters=[], label="careerbot",
                                         placeholder="Answers come with numbered sources.")
                    with gr.Row():
                        question = gr.Textbox(elem_id="question", show_label=False, scale=5,
                                              placeholder="Ask a career question…",
                                              max_lines=4, autofocus=True)
                        send = gr.Button("Ask", variant="primary", elem_id="send", scale=1)
                    suggestions = gr.Dataset(components=[gr.Textbox(visible=False)],
                                             samples=suggestions_for(None),
                                             label="Try one of these", elem_id="suggestions",
                                             type="values")
                    new_chat = gr.Button("New chat", elem_id="new-chat", size="sm")
                with gr.Column(scale=2, min_width=280):
                    sources = gr.HTML(sources_html(None), elem_id="sources-panel")
            history = gr.State([])
            answers = gr.State({})
            with gr.Accordion("All sources in the corpus", open=False, elem_id="corpus-sources"):
                corpus_list = gr.HTML()
        outputs = [chatbot, question, sources, history, answers, suggestions]
        ask_args = dict(fn=handlers.respond, inputs=[question, chatbot, history, answers],
                        outputs=outputs, api_visibility="private")
        question.submit(**ask_args)
        send.click(**ask_args)
        suggestions.click(lambda sample: sample[0], inputs=[suggestions], outputs=[question],
                          api_visibility="private").then(**ask_args)
        new_chat.click(handlers.clear, outputs=outputs, api_visibility="private")
        chatbot.like(handlers.like, inputs=[answers], api_visibility="private")
        if settings.admin_token:
            _admin_tab(AdminHandlers(settings, chain))
        demo.load(lambda: corpus_list_html(chain), outputs=[corpus_list],
                  api_visibility="private")
        gr.api(handlers.api_ask, api_name="ask")
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    return demo


def _admin_tab(admin: AdminHandlers) -> None:
    with gr.Tab("Admin"):
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


def serve(settings: Settings) -> None:
    """Start the web chat on the configured loopback address (never shared publicly)."""
    demo = build_app(settings)
    demo.launch(server_name=settings.host, server_port=settings.port, share=False,
                theme=theme(), css=CSS, show_error=False, footer_links=[],
                max_file_size=upload_limit(settings))


def upload_limit(settings: Settings) -> int:
    """Bytes Gradio's upload route accepts per file: none without an admin tab.

    The route is open to anyone who can reach the page and keeps what it
    receives in Gradio's cache; the chat needs no uploads, so only the admin
    tab's documents are allowed, up to ``upload_mb``. (With the tab on, the
    route itself cannot tell an admin from a visitor; the cache is then emptied
    of files older than an hour, see ``build_app``.)
    """
    return int(settings.upload_mb * 1_000_000) if settings.admin_token else 0
