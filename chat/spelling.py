"""Spelling correction towards the corpus's own words.

Visitors type "how do i find a mentr" and "protfolio". A misspelt key word is
invisible to BM25, blurs the embedding, and used to count against the
question in the refusal check. The fix is deliberately narrow:

- a word the corpus uses is never changed ("kaggle", "vLookUp", "DP-203");
- a word English knows (symspellpy's shipped frequency dictionary, 82k words)
  is never changed either, unless the corpus spells it another way
  ("imposter" for "impostor", "specialize" for "specialise":
  ``VARIANT_ENDINGS``): "wear" is not a typo of "year", and a question
  about clothes must stay one; nor is a known word with a prefix the
  dictionary lacks ("unsupportive" is not "supportive": the correction
  turned a visitor's complaint into its opposite, visitor trial 6);
- anything else of four letters or more becomes the closest corpus word within
  one edit (two for words of seven letters or more). On a tie the commonest
  slips come first: a letter typed twice ("writte" is "write", not
  "written"), then letters left out ("wich" is "which", not the more
  frequent "with"); else the most frequent word.

Short tokens ("ml", "ai", "cv", "lol") are left alone: too many corpus words
are one edit away from them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

MIN_LENGTH = 4
LONG_WORD = 7   # from this length on, two edits are allowed
# Prefixes that make a new word of a known one ("un" + "supportive").
PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "mis", "anti", "over", "under",
            "re", "pre", "self", "co")

# Endings that spell one word two ways (British and American, -er and -or):
# a word the corpus lacks becomes the corpus's spelling of it.
VARIANT_ENDINGS = tuple((a, b) for x, y in (
    ("ise", "ize"), ("ised", "ized"), ("ising", "izing"), ("isation", "ization"),
    ("yse", "yze"), ("our", "or"), ("ours", "ors"), ("tre", "ter"), ("ter", "tor"),
    ("ters", "tors"), ("ogue", "og"),
) for a, b in ((x, y), (y, x)))
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The words of symspellpy's English frequency dictionary (shipped in the wheel)."""
    from importlib.resources import files

    text = (files("symspellpy") / "frequency_dictionary_en_82_765.txt").read_text("utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


class Speller:
    """Corrects words towards a vocabulary; build one per index snapshot."""

    def __init__(self, counts: Counter[str]) -> None:
        from symspellpy import SymSpell

        self.vocabulary = frozenset(counts)
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in counts.items():
            if len(word) >= MIN_LENGTH - 1:
                self._symspell.create_dictionary_entry(word, count)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Speller:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(w.lower() for w in _WORD.findall(text))
        return cls(counts)

    def word(self, word: str) -> str:
        """The corpus word ``word`` was meant to be, or ``word`` itself."""
        from symspellpy import Verbosity

        lower = word.lower()
        if len(lower) >= MIN_LENGTH and lower not in self.vocabulary \
                and (variant := self._variant(lower)):
            return variant
        if (len(lower) < MIN_LENGTH or not lower.isalpha() or self._known(lower)
                or any(self._known(rest) for rest in _unprefixed(lower))):
            return word
        distance = 2 if len(lower) >= LONG_WORD else 1
        found = self._symspell.lookup(lower, Verbosity.CLOSEST, max_edit_distance=distance)
        if not found:
            return word
        doubled = [s.term for s in found if _typed_twice(lower, s.term)]  # "writte"
        omitted = [s.term for s in found if _left_out_of(lower, s.term)]  # "wich"
        return (doubled or omitted or [found[0].term])[0]

    def _variant(self, lower: str) -> str | None:
        """The corpus's spelling of a word it spells another way ("imposter" for
        its "impostor", "specialize" for "specialise"): both are English, so the
        word was never corrected, and "how do i stop feeling like an imposter"
        was refused (visitor trial 21)."""
        for typed, corpus in VARIANT_ENDINGS:
            if lower.endswith(typed) and len(lower) - len(typed) >= 3:
                candidate = lower[: -len(typed)] + corpus
                if candidate in self.vocabulary:
                    return candidate
        return None

    def _known(self, lower: str) -> bool:
        return lower in self.vocabulary or lower in english_words()

    def recognises(self, text: str) -> bool:
        """Does ``text`` hold a word at all: one the corpus or English knows, or a
        slip of a corpus word? 2,100 x's (visitor trial 10) were read as a
        follow-up with no words of its own and answered with the last topic's
        quotes. Text without letters is not judged here."""
        words = [w.lower() for w in _WORD.findall(text)]
        return not words or not all(self._unrecognised(w) for w in words)

    def unknown(self, text: str) -> list[str]:
        """The words of ``text`` that neither the corpus nor English knows and
        that are no slip of a corpus word: the names of tools, courses and
        companies the documents never mention ("sagemaker", "omscs"). On dev,
        35% of the out-of-scope questions hold one, 10% of the answerable ones
        (slang, "pharma", a home town)."""
        return [w for w in (m.lower() for m in _WORD.findall(text))
                if len(w) >= MIN_LENGTH and self._unrecognised(w)]

    def _unrecognised(self, lower: str) -> bool:
        """Neither the corpus nor English knows the word, and it is no slip of a corpus word."""
        return not self._known(lower) and self.word(lower).lower() == lower

    def correct(self, text: str) -> str:
        """``text`` with every misspelt word replaced; everything else as typed."""
        return _WORD.sub(lambda m: self.word(m.group(0)), text)


def _unprefixed(word: str) -> list[str]:
    """``word`` without each prefix of ``PREFIXES`` it starts with ("under…" is
    also "un…"), where what is left is a word's length (``MIN_LENGTH``)."""
    return [word[len(p):] for p in PREFIXES
            if word.startswith(p) and len(word) - len(p) >= MIN_LENGTH]


def _left_out_of(typed: str, word: str) -> bool:
    """Is ``typed`` ``word`` with some letters left out, the rest in order?"""
    letters = iter(word)
    return all(ch in letters for ch in typed)


def _typed_twice(typed: str, word: str) -> bool:
    """Is ``typed`` ``word`` with one letter doubled?"""
    return any(typed[i] == typed[i - 1] and typed[:i] + typed[i + 1:] == word
               for i in range(1, len(typed)))
