"""Answer-quality metrics: small pure functions, each with its own tests.

They need no network and no judge model, so the suite runs in CI. The price
is that "support" and "faithfulness" are measured by word overlap, not by
understanding: see ``answer_support`` for what that can and cannot catch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.text import MARKER_RUN, comparable, markers, strip_markers
from core.types import Answer

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def counted_citations(answer: Answer) -> list[tuple[str, str]]:
    """The (doc_id, text) of what an ``Answer`` cites, as scored: a refusal's
    pointer to the closest passage is not an answer and earns nothing (the eval
    and the bench count alike)."""
    return [] if answer.refused else [(c.doc_id, c.text) for c in answer.citations]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def contains_support(passage: str, support: str) -> bool:
    """Does ``passage`` hold ``support``? Case-insensitive; a long support string
    cut by a chunk boundary counts when its first or last 40 characters are there."""
    p, s = passage.lower(), support.lower()
    return s in p or (len(s) > 40 and (s[:40] in p or s[-40:] in p))


def answer_hit(answer: str, supports: Sequence[str]) -> bool:
    """Does the answer text itself hold a support string (markers and spacing aside)?

    Stricter than a right citation: the passage may be cited for a sentence
    that is not the one that answers. The support's closing stop is not
    required: a list item quoted in a list ends in ";" ("Identify the business
    problem (not the AI problem); Brainstorm…"), not in its line's ".". Nor is
    the kind of quotation mark: a quote's own marks are shown as single ones.
    """
    text = comparable(strip_markers(answer))
    wanted = (comparable(s).rstrip(".;:!") for s in supports)
    return any(w in text for w in wanted if w)


def first_hit(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant result, or None."""
    return next((i for i, r in enumerate(relevant, start=1) if r), None)


def hit_at_k(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def citation_precision(cited: Sequence[tuple[str, str]], supports: Sequence[str],
                       expected_docs: Sequence[str]) -> float | None:
    """Share of cited passages (doc_id, text) that hold a support string or come
    from an expected document. None when nothing was cited."""
    if not cited:
        return None
    good = sum(1 for doc, text in cited
               if doc in expected_docs or any(contains_support(text, s) for s in supports))
    return good / len(cited)


def citation_recall(cited: Sequence[tuple[str, str]], supports: Sequence[str]) -> float:
    """Share of support strings that some cited passage holds."""
    if not supports:
        return 0.0
    return sum(1 for s in supports if any(contains_support(t, s) for _, t in cited)) / len(supports)


def answer_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Split an answer at its citation markers: (text before a marker run, the [n] cited).

    Text after the last marker is a sentence citing nothing; pieces without
    any word (a full stop after "[1]") are dropped.
    """
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for match in MARKER_RUN.finditer(answer):
        sentence = answer[pos : match.start()].strip().lstrip(".!?;:, ")
        cited = markers(match.group(0))
        if words(sentence):
            out.append((sentence, cited))
        elif out:
            out[-1][1].extend(cited)
        pos = match.end()
    if words(answer[pos:]):
        out.append((answer[pos:].strip(), []))
    return out


def answer_support(answer: str, passages: Sequence[str], threshold: float = 0.8) -> float:
    """Share of answer sentences whose words mostly (``threshold``) appear in the
    passages they cite — an offline stand-in for faithfulness.

    Catches: sentences with no citation, sentences citing a passage that does
    not contain their words, invented facts with new words. Misses: a sentence
    that reuses the passage's words to say something it does not say
    (negation, recombination), and paraphrases that are faithful but use other
    words (they count as unsupported).
    """
    sentences = answer_sentences(answer)
    if not sentences:
        return 0.0
    supported = 0
    for sentence, cited in sentences:
        sentence_words = set(words(sentence))
        pool = set()
        for n in cited:
            if 1 <= n <= len(passages):
                pool |= set(words(passages[n - 1]))
        share = len(sentence_words & pool) / len(sentence_words) if sentence_words else 0.0
        if cited and share >= threshold:
            supported += 1
    return supported / len(sentences)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 between an answer (markers removed) and the reference."""
    pred, ref = words(strip_markers(prediction)), words(reference)
    if not pred or not ref:
        return 0.0
    common: dict[str, int] = {}
    ref_counts: dict[str, int] = {}
    for w in ref:
        ref_counts[w] = ref_counts.get(w, 0) + 1
    overlap = 0
    for w in pred:
        if ref_counts.get(w, 0) > common.get(w, 0):
            common[w] = common.get(w, 0) + 1
            overlap += 1
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (longest common subsequence of words)."""
    a, b = words(strip_markers(prediction)), words(reference)
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))])


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
