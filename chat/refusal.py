"""Whether to answer: two questions instead of one threshold.

1. *Is the question about this corpus's domain at all?* A logistic regression
   over the question's embedding, trained on general career questions against
   general off-topic ones (``evals/background/``), plus the corpus's own
   sentences as in-domain examples. Off-domain: refuse, unless a corpus
   sentence matches the question better than any dev out-of-scope question
   the model refused ("whats topmate" reads as off-topic, its best sentence
   is at 0.78).
2. *Does the corpus support an answer?* A logistic regression over a few
   signals of the retrieval (``Signals``), fitted on the dev split's answerable
   and out-of-scope career questions, its threshold set for a target false
   refusal rate on dev. Its strongest signal is how close the question comes
   to a question the documents were written down as answering
   (``ingest.questions``). In-domain but unsupported ("how do I write a cover
   letter?"): refuse, and say what the corpus has that is closest.

Both models and their thresholds live in ``evals/calibration.json``, written by
``careerbot calibrate`` (``evals/calibrate.py``) from the data beside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.text import tokenize
from core.types import Passage, searched

# What the support model reads. ``coverage`` and ``found`` are measured too but
# left out for questions asked alone: fitted on dev without one blind-written
# batch, a model with them refused 8.3% of that batch's answerable questions
# (target 2%), without them 4.2% (``careerbot calibrate`` recomputes this,
# ``support.held_out_batches``). A follow-up's ``found`` is read
# (``follow_up_found``): it tells a pointer back from a new topic.
SIGNALS = ("best_sentence", "best_passage", "domain", "generic", "best_question",
           "follow_up", "follow_up_found", "uncovered", "foreign")
MEASURED = ("best_sentence", "best_passage", "coverage", "found", "domain", "generic",
            "best_question", "follow_up", "follow_up_found", "uncovered", "foreign")
# Earlier builds' sets, each the signals added before one (calibration compares them).
BEFORE_FOREIGN = SIGNALS[:SIGNALS.index("foreign")]              # stop 31's set
BEFORE_UNCOVERED = SIGNALS[:SIGNALS.index("uncovered")]          # stop 30's set
BEFORE_FOLLOW_UPS = SIGNALS[:SIGNALS.index("follow_up")]         # stop 27's first set
BEFORE_QUESTIONS = SIGNALS[:SIGNALS.index("best_question")]      # stop 26's set
NEIGHBOURS = 3  # examples averaged by ``generic`` and ``uncovered``


class CalibrationError(RuntimeError):
    """The calibration file is missing or does not fit this code."""


@dataclass
class Signals:
    """What retrieval found for a question, as numbers the support model reads."""

    best_sentence: float  # cosine of the closest sentence to the question
    best_passage: float   # cosine of the closest retrieved passage
    coverage: float       # idf share of the question's own words the corpus uses at all
    found: float          # idf share of them in the retrieved passages
    domain: float         # log-odds that the question is about careers (model 1)
    generic: float        # closeness to general career questions (see ``Refusal.generic``)
    best_question: float = 0.0  # cosine of the closest question the documents answer
    follow_up: float = 0.0      # 1 when the question was read with the earlier turn
    uncovered: float = 0.0      # closeness to career questions the corpus does not answer
    foreign: float = 0.0        # 1 when it names what neither the corpus nor English knows

    @property
    def follow_up_found(self) -> float:
        """``found`` for a follow-up, else 0: are a follow-up's own words in the
        passages found with the conversation's help? ("how long did that take?":
        all of them; "which GPU should I buy for that?": not "GPU")."""
        return self.follow_up * self.found

    def as_list(self, names: tuple[str, ...] = SIGNALS) -> list[float]:
        return [float(getattr(self, name)) for name in names]

    def to_dict(self) -> dict[str, float]:
        return {name: round(value, 4) for name, value in zip(MEASURED, self.as_list(MEASURED),
                                                               strict=True)}


def support_probability(x, mean, scale, weights, bias: float) -> np.ndarray:
    """The support model's probability for each row of signals ``x`` (one formula
    for answering and for calibration's held-out scoring)."""
    z = (np.asarray(x, dtype=float) - np.asarray(mean)) / np.asarray(scale)
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(weights, dtype=float) + bias)))


@dataclass
class Decision:
    answer: bool
    reason: str = ""          # "off-domain" or "unsupported" when refused
    support: float = 0.0      # probability that the corpus supports an answer


def _shares(terms: set[str], idf, known: set[str] | dict, found: set[str]) -> tuple[float, float]:
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values())
    if not total:
        return 0.0, 0.0
    return (sum(w for t, w in weights.items() if t in known) / total,
            sum(w for t, w in weights.items() if t in found) / total)


def measure(terms: set[str], own: np.ndarray, passages: list[Passage],
            snapshot, domain: float, generic: float,
            texts: list[np.ndarray] = (), follow_up: bool = False,
            uncovered: float = 0.0, foreign: bool = False) -> Signals:
    """The signals for one question.

    ``terms`` and ``own`` (its embedding) are the question's own words, filler
    dropped and spelling corrected: a follow-up is judged by what it asks now
    ("and what salary should I expect?" after a question about projects is a
    salary question), while the passages were found with the conversation's
    help and ``Passage.dense`` is their best cosine to any searched text.
    ``texts`` are the embeddings of every text searched (the message, a long
    one's question sentences, a follow-up read with the earlier turn): the
    closest question the documents answer is the closest to any of them. A
    follow-up's own words name nothing ("how do i stop feeling like that?");
    measured on those alone, dev follow-ups were refused 4% of the time and the
    writing batches held out in turn 2.0% on average (1.35% this way, out of
    scope refused 0.788 and 0.782), and visitor trial 13 saw "does that ever go
    away?" refused after an answered question about impostor syndrome.

    The earlier turn lifts every signal of a follow-up, a drift out of scope
    included ("cool, and how much do ML engineers there get paid?" matched the
    earlier question's passages and questions): ``follow_up`` lets the support
    model ask more of a follow-up, and ``follow_up_found`` gives it back to one
    whose own words the passages hold (a pointer back, "how long did that
    take?", rather than a new topic, "which GPU should I buy for that?").
    Dev follow-ups that drift out of scope were refused 0.28 -> 0.60; on each
    dev writing batch held out in turn, out of scope refused 0.782 -> 0.832 at
    false refusals 1.36% -> 1.88% (docs/ARCHITECTURE.md).

    ``foreign``: the question's own words name something neither the documents
    nor an English dictionary know (``Speller.unknown``: "sagemaker", "omscs",
    "tripleten"), a tool, course or company the corpus cannot speak about;
    typos are corrected towards the corpus before, and filler dropped.
    """
    best_sentence = max((float(np.dot(s.vector, own)) for p in passages for s in p.sentences
                         if s.vector is not None), default=0.0)
    best_passage = max((p.dense or 0.0 for p in searched(passages)), default=0.0)
    found = set().union(*(snapshot.terms.get(p.chunk_id, ()) for p in passages))
    coverage, in_passages = _shares(terms, snapshot.idf, snapshot.df, found)
    asked = max((snapshot.best_question(v) for v in (own, *texts)), default=0.0)
    return Signals(best_sentence, best_passage, coverage, in_passages, domain, generic, asked,
                   float(follow_up), uncovered, float(foreign))


def names_a_title(terms: set[str], passages: list[Passage]) -> bool:
    """Does the question only name the document it found first ("kaggle?",
    "what books do the essays recommend?" for *Books the essays recommend*)?

    Such a question is answered whatever the models say: its words are the
    title the refusal itself lists as covered, so refusing it contradicts the
    refusal. (The domain model read "books" as off-topic, and a page listing
    books matches "recommend" weakly by its text.) No dev question does this;
    it changes no dev figure.
    """
    best = next(iter(searched(passages)), None)
    if not (terms and best):
        return False
    name = set(tokenize(best.title.split(":")[0]))
    return terms <= set(tokenize(best.title)) or bool(name) and name <= terms


def names_an_author(terms: set[str], authors: Mapping[str, frozenset[str]]) -> bool:
    """Does the question name an author of the corpus by every word of the
    name and ask about what that author wrote ("what was the Andrew Ng thing
    about reading papers?")?

    The domain model, a model of general wording, read that question as
    off-topic (log-odds −3.3; asked "Does Andrew Ng say anything about reading
    research papers?" it is answered), and the support model gave it 0.93
    (visitor trial 14). ``authors`` maps each author to the stems of their
    documents: every other word of the question must be among them, or "Is
    Andrew Ng married?" would pass the veto too (the support model, never
    fitted on such questions, gave it 0.86). A gloss in brackets is not part
    of the name ("Andrew Ng (summary of his e-book)")."""
    for author, said in authors.items():
        name = set(tokenize(author.split("(")[0]))
        rest = terms - name
        if name and name <= terms and rest and rest <= said:
            return True
    return False


def _nearest(examples: np.ndarray | None, vector: np.ndarray) -> float:
    """Mean cosine of the ``NEIGHBOURS`` examples closest to ``vector``."""
    if examples is None or not len(examples):
        return 0.0
    sims = examples @ vector
    k = min(NEIGHBOURS, len(sims))
    return float(np.mean(np.partition(sims, -k)[-k:]))


class Refusal:
    """The two calibrated models; built once from the calibration file."""

    def __init__(self, calibration: dict, examples: np.ndarray | None = None,
                 uncovered: np.ndarray | None = None) -> None:
        self._examples = examples  # embeddings of general career questions
        self._uncovered = uncovered  # ...and of career questions the corpus does not answer
        try:
            dom, sup = calibration["domain"], calibration["support"]
            self._domain_w = np.asarray(dom["weights"], dtype=np.float32)
            self._domain_b = float(dom["bias"])
            self.domain_threshold = float(dom["threshold"])
            self.domain_override = float(dom["override_best_sentence"])
            if list(sup["signals"]) != list(SIGNALS):
                raise CalibrationError(f"calibrated for signals {sup['signals']}, "
                                       f"this code has {list(SIGNALS)}: run careerbot calibrate")
            self._mean = np.asarray(sup["mean"])
            self._scale = np.asarray(sup["scale"])
            self._support_w = np.asarray(sup["weights"])
            self._support_b = float(sup["bias"])
            self.support_threshold = float(sup["threshold"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"the calibration file is incomplete: {exc!r}; "
                                   "run careerbot calibrate") from exc

    @classmethod
    def load(cls, path: Path, embedding_model: str | None = None) -> Refusal:
        """The models in ``path``; they read embeddings, so they must have been
        fitted with the embedder in use (``embedding_model``), or every
        decision would be noise."""
        try:
            calibration = json.loads(path.read_text(encoding="utf-8"))
            examples = np.load(path.parent / calibration["generic"]["examples"])
            uncovered = (calibration.get("uncovered") or {}).get("examples")
            uncovered = np.load(path.parent / uncovered) if uncovered else None
        except (OSError, ValueError, KeyError) as exc:
            raise CalibrationError(f"cannot read calibration {path}: {exc!r}") from exc
        fitted = calibration.get("embedding_model")
        if embedding_model and fitted != embedding_model:
            raise CalibrationError(
                f"{path} was calibrated for embedding model {fitted!r}, not "
                f"{embedding_model!r}: run `careerbot calibrate` with "
                "CAREERBOT_CALIBRATION_FILE naming a file for this model")
        model = cls(calibration, examples.astype(np.float32),
                    None if uncovered is None else uncovered.astype(np.float32))
        if uncovered is None and model.reads("uncovered"):
            # read as 0 it would add ~10 log-odds of support: every question answered
            raise CalibrationError(f"{path} weighs the signal 'uncovered' but names no "
                                   "examples for it: run careerbot calibrate")
        return model

    def generic(self, vector: np.ndarray) -> float:
        """How close the question is to general career questions (mean cosine of
        its nearest few in ``evals/background/in-domain.txt``).

        The corpus answers some career questions, not all; a question that is
        much closer to generic ones ("what salary can I expect in Berlin?") than
        to any corpus sentence is likely one the corpus does not answer.
        """
        return _nearest(self._examples, vector)

    def uncovered(self, vector: np.ndarray) -> float:
        """How close the question is to career questions written, by readers of
        the corpus, as ones it does not answer (``evals/background/uncovered.txt``).

        ``best_question`` is the nearest question the documents answer; this is
        its counterpart, so the two are a nearest-neighbour vote in the space
        where MiniLM is good (question against question). ``generic`` was
        written without the corpus, so it holds covered questions too.
        """
        return _nearest(self._uncovered, vector)

    def domain(self, vector: np.ndarray) -> float:
        """Log-odds that a question with this embedding is about careers."""
        return float(np.dot(self._domain_w, vector)) + self._domain_b

    def reads(self, signal: str) -> bool:
        """Does the support model give ``signal`` any weight?"""
        return bool(self._support_w[SIGNALS.index(signal)])

    def support(self, signals: Signals) -> float:
        return float(support_probability([signals.as_list()], self._mean, self._scale,
                                         self._support_w, self._support_b)[0])

    def decide(self, signals: Signals, names_author: bool = False) -> Decision:
        """Off-domain only if no corpus sentence matches better than any dev
        out-of-scope question the domain model refused (``domain_override``):
        a model of general wording reads "whats topmate" as off-topic. A
        question naming an author of the corpus (``names_an_author``) is about
        the corpus whatever the domain model reads: the support model decides."""
        if signals.domain < self.domain_threshold and not names_author and \
                signals.best_sentence <= self.domain_override:
            return Decision(False, "off-domain", 0.0)
        support = self.support(signals)
        if support < self.support_threshold:
            return Decision(False, "unsupported", support)
        return Decision(True, "", support)
