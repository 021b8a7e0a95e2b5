"""Text conventions every stage shares: the search vocabulary, citation markers,
and how a chunk's heading path and list items are written.

They live here, not in the stage that first needed them, because the corpus
side writes them and the question side, the evals and the web page read them:
two copies would drift apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

# ---- the search vocabulary: index and query must tokenize alike ------------------

_STOPWORD_TEXT = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves really get got also
want wanna need know tell please much many one ones thing things way ve ll re don isn
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lowercase word stems without stopwords; shared by index and query."""
    words = re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", text.lower())
    words = [_CODE.sub(r"\1\2", w) for w in words if w not in STOPWORDS]
    return _stemmer().stemWords(words)


# A name of letters and a number is typed with or without its hyphen: "dp-203" and
# "dp203" are one word (visitor trial 9's "wat is dp203" found nothing of DP-203).
_CODE = re.compile(r"^([a-z]{1,5})-(\d+)$")


# ---- citation markers: "[n]", 1-based into the passages an answer was given ------

CITATION = re.compile(r"\[(\d{1,3})\]")
MARKER = re.compile(r"\s*\[(\d{1,3})\]")           # a marker with the space before it
MARKER_RUN = re.compile(r"(?:\s*\[\d{1,3}\])+")    # "[1][3]" or "[1] [3]"


def markers(text: str) -> list[int]:
    """Every ``[n]`` in ``text``, in order."""
    return [int(m) for m in CITATION.findall(text)]


def strip_markers(text: str) -> str:
    """The answer's words without its citation markers."""
    return MARKER.sub("", text)


# ---- chunk structure: written by ingest.chunking, read by the answerers ----------

# Quotation marks and apostrophes, straight or curly, single or double, as one
# mark: an answer shows a quote's own marks as single ones inside its marks
# (``chat.answerers.nested``), and a check that it quotes the source, or holds
# a support string, must not count that as a change of words.
QUOTE_MARKS = str.maketrans({"“": "'", "”": "'", "‘": "'", "’": "'", '"': "'"})


def comparable(text: str) -> str:
    """Text as quotes are compared: case, spacing and the kind of quotation mark aside."""
    return " ".join(text.lower().translate(QUOTE_MARKS).split())

ITEM_SEP = "; "  # between the items of a list unit (see ``chat.answerers.quote_found``)
SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+")  # between a visitor's sentences
# A Markdown heading line: its level marks (group 1) and its words (group 2),
# closing marks aside. Chunks are cut at these; a quote's section is read by them.
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


def heading_words(heading: str) -> str:
    """A heading path without Markdown's "#" marks ("## Finding a mentor" -> "Finding a mentor")."""
    return re.sub(r"(^|\s)#{1,6}\s+", r"\1", heading).strip()


def innermost_heading(heading: str) -> str:
    """The last part of a chunk's heading path ("PART 2 > “Amplify” phase"), as words."""
    return heading_words(heading.split(" > ")[-1])


def title_and_section(title: str, heading: str) -> tuple[str, str]:
    """How a source is named to a reader (an answer's attribution, a web chip): its
    title and innermost section without Markdown emphasis; the section is "" when
    it only repeats the title."""
    title = title.replace("*", "").strip()
    section = innermost_heading(heading).replace("*", "").strip()
    return title, "" if section.lower() == title.lower() else section
