"""Turn scraped text into clean Markdown that keeps the author's words.

Scraped essays arrive with the scraper's fingerprints on them: mojibake,
Jekyll front matter and Liquid tags, inline HTML, comment-widget JavaScript,
"Comments" / "Related:" tails, and sentences cut in two wherever the scraper
saw a full stop. Every document goes through here whatever its format, so a
maintainer who drops a raw ``.txt`` or ``.html`` file gets the same result as
the hand-checked files in ``corpus/``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ingest.mojibake import fix_mojibake

# --- markup noise -----------------------------------------------------------

_LIQUID = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_DROP_ELEMENTS = re.compile(
    r"<(iframe|script|style|noscript|object|embed)\b[^>]*>.*?</\1\s*>|<(iframe|embed)\b[^>]*/?>",
    re.S | re.I,
)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")
_EMPTY_LINK = re.compile(r"\[([^\]]+)\]\(\s*\)")

# --- tails and junk lines ----------------------------------------------------

# A line that starts the scraper's tail: everything from it on is page chrome.
_TAIL_START = re.compile(
    r"^\s*(Comments|Leave a Reply|Related:.*|Related posts?:?|"
    r"PS: Originally posted\b.*|Share this:?|Like this:?)\s*$",
    re.I,
)
# Lines that are chrome wherever they stand.
_JUNK_LINE = re.compile(
    r"^\s*(Read also:?|Click to share.*|Share on (Twitter|Facebook|LinkedIn).*)\s*$", re.I
)
_JS_LINE = re.compile(r"disqus|\bfunction\s*\(|document\.\s*$|getElementsByTagName|createElement")

# --- broken sentences --------------------------------------------------------

_CLOSERS = "”’)]"  # straight quotes open as often as they close: see _starts_closed
_INDENT = re.compile(r"^[ \t\xa0]{2,}\S")
_GAP = re.compile(r"(?<=\S)[ \t]*\xa0[\xa0 \t]+(?=\S)")

# --- embedded tweets ---------------------------------------------------------

# A tweet's signature, "— Name (@handle) Month D, YYYY": where a scraped embed ends.
_SIGNATURE = r"— [^—\n]{1,60}\(@\w{1,15}\)\s+[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}"
_TWEET_END = re.compile(_SIGNATURE + r"\s*$")
_BY_HANDLE = r"(?=[^—\n]{1,60}\(@\w{1,15}\))"  # a dash followed by "Name (@handle)"
_TWEET_DASH = re.compile(r"(?<=\S)—\s*" + _BY_HANDLE)
_SIGNATURE_ALONE = re.compile(r"[ \t\xa0]*\n\s*— " + _BY_HANDLE)
_AFTER_SIGNATURE = re.compile(f"({_SIGNATURE})[ \\t\\xa0]+(?=\\S)")
# t.co short links, which the scrape cut at their full stop ("https://t." then
# "co/kcmU6543xS" a paragraph later): meaningless to a reader, and their halves
# glue to words ("compensation.co/ny8Q72CLPc"). Only t.co, whole or cut.
_SHORT_LINK = re.compile(r"https?://t\.co/\w+|https?://t\.(?=\s|$)(?:\s*co/\w+)?|"
                         r"^\s*co/\w+(?=\s*—)", re.M)


@dataclass
class Cleaned:
    """Cleaned Markdown body plus whatever metadata the raw text carried."""

    text: str
    meta: dict = field(default_factory=dict)


def untangle_tweets(text: str) -> str:
    """Drop t.co links and set a tweet's signature off from its text
    ("…want to be. — Reshama Shaikh (@reshamas) April 16, 2019"), so the
    paragraph rebuild can end the embed there (see ``_merge_paragraphs``)."""
    text = _SHORT_LINK.sub("", text)
    text = _TWEET_DASH.sub(" — ", text)
    text = _SIGNATURE_ALONE.sub(" — ", text)     # a signature the scrape put on its own line
    return _AFTER_SIGNATURE.sub(r"\1\n\n", text)  # and the next embed starts a paragraph


# A page's instruction about a picture the text no longer has ("Click image to
# zoom.", "(Click the image to zoom)"): quoted, it reads as noise (visitor trial 12).
_IMAGE_HINT = re.compile(r"\s*\(?\bclick (?:on )?(?:the |this )?(?:image|picture|figure)s? "
                         r"to (?:zoom|enlarge|expand|see it larger)\)?\.?(?=\s|$|:)", re.I)


def strip_markup(text: str) -> str:
    """Remove Liquid tags, embedded players, HTML tags and hints about pictures
    that are gone, keeping inner text."""
    text = _IMAGE_HINT.sub("", text)
    text = _LIQUID.sub("", text)
    text = _DROP_ELEMENTS.sub("", text)
    text = _TAG.sub("", text)
    text = _EMPTY_LINK.sub(r"\1", text)
    return html.unescape(text) if "&" in text and ";" in text else text


def cut_tail(text: str) -> str:
    """Drop comment widgets and related-post lists from the end of the page.

    Only the last third of a document is searched, so a heading called
    "Comments" in the middle of an essay survives.
    """
    lines = text.split("\n")
    start = len(lines) * 2 // 3
    for i in range(start, len(lines)):
        if _TAIL_START.match(lines[i]):
            lines = lines[:i]
            break
    kept = [ln for ln in lines if not _JUNK_LINE.match(ln) and not _JS_LINE.search(ln)]
    return "\n".join(kept)


def _blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", text) if b.strip()]


def _sentence_per_line(blocks: list[str]) -> bool:
    """Detect the scrape style that puts every sentence in its own block.

    Such pages mark real paragraph starts with leading spaces; everything
    else is a continuation of the paragraph before.
    """
    if len(blocks) < 20:
        return False
    indented = sum(1 for b in blocks if _INDENT.match(b))
    mean_len = sum(len(b) for b in blocks) / len(blocks)
    return indented >= 5 and mean_len < 200


def _starts_closed(head: str) -> bool:
    """Does the block open with a quote or bracket that closes the previous sentence?"""
    if head[0] in _CLOSERS:
        return True
    return head[0] in "\"'" and (len(head) == 1 or head[1].isspace())


def _continues(prev: str, block: str) -> bool:
    """True when ``block`` is the second half of a sentence the scraper cut."""
    head = block.lstrip()
    if not head or not prev.rstrip().endswith("."):
        return False
    first = head[0]
    if _starts_closed(head) or first in ",;":
        return True
    if first.islower():
        return True
    return first.isdigit() and bool(re.search(r"\d\.$", prev.rstrip()))


def rejoin_sentences(text: str) -> str:
    """Glue sentences the scraper cut at full stops back together."""
    blocks = _blocks(text)
    if not blocks:
        return ""
    out = [blocks[0].rstrip()]
    for block in blocks[1:]:
        if _continues(out[-1], block):
            head = block.strip()
            if _starts_closed(head) and (len(head) == 1 or not head[1].isalnum()
                                         or head[1].isupper()):
                # a closing quote belongs to the sentence before; the rest starts a new one
                out[-1] += head[0]
                rest = head[1:].lstrip()
                if rest:
                    out.append(rest)
            else:
                out[-1] += head
        else:
            out.append(block.rstrip())
    if _sentence_per_line(out):
        out = _merge_paragraphs(out)
    return "\n\n".join(b.strip() for b in out)


def _merge_paragraphs(blocks: list[str]) -> list[str]:
    """Rebuild paragraphs: an indented block, a gap of non-breaking spaces
    inside a block (where the scraper flattened a list or a quote), or the
    block after a tweet's signature starts one."""
    paragraphs: list[str] = []
    for block in blocks:
        parts = _GAP.split(block)
        head = parts[0]
        if not paragraphs or _INDENT.match(head) or _TWEET_END.search(paragraphs[-1]):
            paragraphs.append(head.strip())
        else:
            paragraphs[-1] += " " + head.strip()
        paragraphs.extend(p.strip() for p in parts[1:] if p.strip())
    return [p for p in paragraphs if p]


_JOINED_SENTENCES = re.compile(
    r"(?<=[a-z]{2})(?=(?:The|This|These|They|There|It['’]s|I['’](?:m|ve|d|ll)|We|My|Our"
    r"|After|Before|Why|What|How|When|Where|Who|Do|Don['’]t|Want|Great|Give|Stop|Unable"
    r"|Building)\b)")


def _full_stop_unless_code(match: re.Match) -> str:
    """". " at a joined-sentence seam, unless the word is part of an address, a
    tag, a handle or code ("…/knowHow/", "#TeamBuilding", "@beGreat",
    "canDo()"). A brand ending in such a word ("GameStop") is still split:
    none is in the corpus, and the glued link cards are."""
    text, at = match.string, match.start()
    start = max(text.rfind(c, 0, at) for c in " \n\t(\"“‘'") + 1
    token = text[start:at]
    end = re.match(r"\S*", text[at:]).end() + at
    return "" if re.search(r"[#@/=.:_]", token) or "(" in text[at:end] else ". "


def fix_spacing(text: str) -> str:
    """Restore the spaces a scraper loses where list items were flattened.

    ``mentorship:Large companies``, ``right?.Because``, ``learning.I have``
    and ``(Adam Grant):Can`` become ``mentorship: Large companies``,
    ``right? Because``, ``learning. I have`` and ``(Adam Grant): Can``
    (the last two seen in visitor trial 20). Only a lowercase
    letter followed by punctuation and a capitalised word qualifies, so
    URLs and abbreviations are left alone. Where a scraper joined two quotes
    with nothing between (``relationshipIt’s``, ``CharmingThe``), or a link
    card's title onto the text after it (``Different NowAfter fumbling``,
    ``Lara HoganGreat example``, visitor trials 17 and 18), a full stop goes
    back before a word that starts sentences and titles, not names; camel-case
    names (LinkedIn, MentorCruise, YouTube) end in other words and are kept.
    """
    text = text.replace("\xa0", " ")
    text = _JOINED_SENTENCES.sub(_full_stop_unless_code, text)
    text = re.sub(r"\?\.(?=[A-Z])", "? ", text)
    text = re.sub(r"(?<=[a-z])([:.!?])(?=[A-Z][a-z])", r"\1 ", text)
    text = re.sub(r"(?<=[a-z]{2})([.!?])(?=I(?:\s|['’]))", r"\1 ", text)  # "…learning.I have"
    text = re.sub(r"(?<=[a-z]\)):(?=[A-Z][a-z])", ": ", text)  # "(from Adam Grant):Can I…"
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text)


# --- headings for plain text ----------------------------------------------------

_NUMBERED_HEADING = re.compile(r"^(CHAPTER|Chapter|PART|Part|Step|STEP)\s+\d+\b")
_LIST_MARK = re.compile(r"^\s*([-*•]|\d+[.)])\s")


def _looks_like_heading(line: str, following: str) -> bool:
    """Guess whether a plain-text line is a section title.

    Titles are short, end without sentence punctuation and introduce a
    paragraph (not a list of further short lines).
    """
    s = line.strip()
    if not s or "\n" in s or _LIST_MARK.match(line) or s.startswith("#"):
        return False
    if _NUMBERED_HEADING.match(s) and len(s) <= 100:
        return True
    words = s.split()
    if len(s) > 80 or len(words) > 12 or not (s[0].isupper() or s[0] in "“\""):
        return False
    if s[-1] in ".,;!?#-–—)" or s.endswith("..."):
        return False
    nxt = following.strip()
    if _LIST_MARK.match(nxt):
        return False
    if s.endswith(":"):
        return len(nxt) > 100 and len(words) <= 8
    return len(nxt) > 100


def restore_headings(text: str) -> str:
    """Mark likely section titles in plain text as ``##`` Markdown headings."""
    lines = text.split("\n")
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    for k, i in enumerate(nonblank):
        following = lines[nonblank[k + 1]] if k + 1 < len(nonblank) else ""
        previous = lines[nonblank[k - 1]] if k > 0 else ""
        if not _looks_like_heading(lines[i], following):
            continue
        if _NUMBERED_HEADING.match(lines[i].strip()):
            lines[i] = "## " + lines[i].strip()
        elif _is_short_line(previous) and not previous.lstrip().startswith("#"):
            continue  # one of a run of short lines: a list, not a title
        else:
            lines[i] = "### " + lines[i].strip().rstrip(":")
    return "\n".join(lines)


def _is_short_line(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= 80 and not s.endswith(".")


def separate_lines(text: str) -> str:
    """Give one-line-per-paragraph text the blank lines Markdown needs."""
    if re.search(r"\n\s*\n", text):
        return text
    return re.sub(r"\n", "\n\n", text)


def title_from_first_line(text: str) -> tuple[str, str]:
    """Use a plain-text document's first line as its title when it reads like one."""
    lines = text.lstrip().split("\n", 1)
    first = lines[0].strip()
    if first and len(first) <= 150 and not first.endswith((".", ",", ";")):
        return first.lstrip("# ").strip(), lines[1] if len(lines) > 1 else ""
    return "", text


def clean_body(text: str, *, plain: bool) -> str:
    """The shared pipeline: markup, tails, broken sentences, spacing, headings.

    ``plain`` is true for text without Markdown structure (``.txt``, PDF),
    where paragraphs and headings must be inferred.
    """
    text = fix_mojibake(text).replace("\r\n", "\n").replace("\r", "\n")
    text = strip_markup(text)
    text = cut_tail(text)
    if plain:  # a scraped page; Markdown a maintainer wrote is left as written
        text = untangle_tweets(text)
        text = separate_lines(text)
        text = rejoin_sentences(text)
        text = restore_headings(text)
    text = fix_spacing(text)
    return text.strip() + "\n"
