"""What is searched for a question: its own words, cleaned, and the conversation.

Visitors type "honestly is learning maths for ml a good move or nah lol", put
three sentences of life story before the question, misspell the key word, or
ask "which one is for beginners?" after an answer. Each of those used to
reach the index as typed. Here a question becomes a ``Query``:

- ``own``: the question's own words with chat filler dropped and misspellings
  corrected towards the corpus (``chat.spelling``);
- ``searches``: the texts retrieved with, fused by the retriever: the cleaned
  question; for a long message, its question sentences alone (a story told
  first dilutes the embedding); and for a follow-up, the follow-up read with
  the previous question and with the previous answer, whose words name what
  "it", "that website" or "the second one" refer to.

The refusal check judges ``own`` (a follow-up that drifts to visas is still
about visas), helped by ``context``; sentence selection aims at both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from chat.condense import looks_like_follow_up
from chat.spelling import Speller
from core.text import ITEM_SEP, SENTENCE_BREAK, strip_markers, tokenize

# Words that point back at the conversation. With history present, a question
# holding one is also searched with the previous turn; the fusion keeps the
# question's own search too, so a false alarm costs little. ("which" alone is
# not one: "which websites help you find a mentor?" stands on its own, and read
# with the previous turn it pulled that turn's topic into the answer. Nor is
# "are there", "is there": it introduces, it does not point back; visitor trial 8's
# "are there websites where u can find mentors?" was searched with the last turn.)
_REFERS_BACK = re.compile(
    r"\b(it|its|they|them|their|that|this|those|these|(?<!is )(?<!are )(?<!was )(?<!were )there|"
    r"he|she|him|his|her|"
    r"one|ones|the (?:author|essay|program|blog|article|post|writer|book|list))\b", re.I)
# A visitor changing the subject: the question after it is not read with the last turn.
_NEW_TOPIC = re.compile(
    r"\b(?:forget (?:that|it|about (?:it|that))|never ?mind|nvm|any ?ways?|on another note|"
    r"(?:a |one )?(?:different|new|another|unrelated|last|final|separate) (?:question|topic|thing)|"
    r"(?:change|changing) (?:the )?(?:topic|subject)|"
    r"(?:no|sorry),? i meant)\b|(?<!the )\b(?:last|one more) one\s*[:,]|"
    # "random q but…", "ok diff question.": only as the message's opening words
    r"^\W*(?:(?:ok(?:ay)?|so|also|btw|hmm)\W+)?(?:a |one )?(?:diff(?:erent)?|random|unrelated) "
    r"(?:q|qs|question|questions)(?![\w&'’])", re.I)
# A short question naming something "the" conversation just mentioned ("what
# are the steps?" after an answer about Ng's steps) leans on it; this many
# words of its own at most.
FEW_WORDS = 3
# A message with this many content words the last turn did not use has a topic of
# its own, whatever pronoun it holds ("I've been a statistician for 12 years…
# they…"): no dev follow-up has more than 10 (see ``leans_on_history``).
OWN_TOPIC_WORDS = 12
_DEFINITE = re.compile(r"\bthe\s+([a-z][a-z'-]*)", re.I)
# Words that ask for more of what was said without naming a topic: "can you give
# an example?", "how long did that take?", "what do you mean?". (English
# question frames, stemmed as ``tokenize`` stems them; not fitted to any eval item.)
ASKING_WORDS = frozenset(tokenize(
    "example examples instance elaborate explain explanation mean meaning more detail "
    "details specific specifically clarify expand tell give show say said talk "
    "why long take took takes common often usually really true sure so ok okay "
    # ...or for the same thing as a list ("can you list the steps", visitor trial 22)
    "list lists name names exactly briefly summary summarise summarize"))
# The parts of a list an answer showed ("can you list the steps"): asking for
# more only after an answer that showed one. After a refused visa question,
# "can you list the steps?" asks for the visa's steps (found in review).
SEQUENCE_WORDS = frozenset(tokenize("step steps stage stages phase phases point points"))

# Words that carry tone, not topic. Dropped from what is searched; they would
# otherwise pull the embedding towards chat and count as words the corpus lacks.
FILLER = frozenset([
    "lol", "lmao", "haha", "hahaha", "hmm", "hm", "um", "umm", "uh", "tbh", "ngl", "imo",
    "imho", "idk", "btw", "fyi", "omg", "pls", "plz", "thx", "ty", "honestly", "literally",
    "basically", "actually", "seriously", "genuinely", "kinda", "sorta", "like", "yeah",
    "yep", "yup", "nah", "nope", "ok", "okay", "okey", "cool", "hey", "hi", "hello", "hiya",
    "yo", "guys", "bro", "dude", "mate", "folks", "ppl", "sooo", "soo", "super", "totally",
    "really", "pretty", "gonna", "wanna", "gotta", "lemme", "dunno", "ya", "u", "ur", "im",
    "ive", "thanks", "thank", "cheers", "anyway", "anyways", "though",
    "tho", "stuff",
])
# A message longer than this (in words) is searched with its question sentences too.
LONG_MESSAGE = 25
ANSWER_WORDS = 60   # words of the previous answer used to resolve a follow-up

# Where a message asks a second question: after a "?" that more text follows, or
# at ", and why/how/…" ("Should mentoring be free, and can peers mentor me too?").
_PART_BREAK = re.compile(
    r"(?<=\?)\s+(?=\S)|,?\s+and\s+(?=(?:what|how|why|when|where|who|which|whose|is|are|"
    r"was|were|do|does|did|can|could|should|will|would)\b)", re.I)
MAX_PARTS = 3
_QUOTED = re.compile(r"“([^”]*)”")
# "sum up what you told me", "tl;dr?", "recap in 3 bullet points": a request about
# the conversation, not a question for the corpus.
RECALLED = 4  # the answers a recap covers, the latest (a recap repeats at most three points)
_RECAP = re.compile(
    r"\b(?:sum(?:med)? (?:\w+ ){0,3}up|summ?ar(?:y|ise|ize)|recap|tl;? ?dr|"
    r"(?:main|key) (?:points|takeaways)|bullet ?points?)\b", re.I)
# Words of a recap request that name no topic: "main points on impostor syndrome"
# leaves "impostor syndrome" and asks the corpus.
_ABOUT_THE_CHAT = frozenset(tokenize(
    "sum summed up summary summarise summarize recap tldr tl dr main key points point "
    "takeaways bullet bullets what you told me said so far all everything the above "
    "this that conversation chat answer answers please pls can could would give list "
    "it them in a few short shortly three 3 two 2 five 5 four 4 quick quickly again "
    "brief briefly words one sentence you've we've i've you have we have discussed talked "
    "covered mentioned gave shown showed"))
# "who wrote that?", "who's the author?", "whats the writer's name": a question about a
# document's byline, which its text rarely holds (visitor trial 10: "who wrote that?"
# after three answers from Anirban's essay got quotes about Lara Hogan's books).
# Only as a sentence's question ("the blogger who wrote about X seemed sure" is not one).
_ASKS_AUTHOR = re.compile(
    r"(?:^|(?<=[.?!])\s+)(?:(?:and|so|ok|okay|but|btw|also|wait|then)\W+){0,2}"
    r"(?:who(?:'s|’s| is| was)?\s+(?:the\s+)?(?:wrote|writes|has written|authored|author|writer)"
    r"|what(?:'s|’s|s| is| was)\s+(?:the\s+)?(?:author|writer)(?:'s|’s|s)?\s+name"
    r"|who\s+(?:said|says)\s+(?:that|this|it)(?=\s*[?.!]*\s*$))\b", re.I)  # trial 12
# How an answer names its source: "*Title* — section: “…”", "…the author of *Title*."
_NAMED_TITLE = re.compile(r"\*([^*\n]+)\*")


@dataclass
class Query:
    """A question made ready for retrieval, scoring and the refusal check."""

    text: str                      # the guarded question, as typed
    own: str                       # its words, filler dropped, spelling corrected
    searches: list[str] = field(default_factory=list)  # retrieved with, fused
    context: str = ""              # the earlier turn a follow-up leans on ("" if none)
    said: str = ""                 # the answers so far, not to be quoted again ("" if none)
    parts: list[str] = field(default_factory=list)  # a two-part question's parts, else []
    recap: bool = False            # asks to sum up the answers so far (``said``)
    asks_author: bool = False      # "who wrote that?": answered from the byline
    about: str = ""                # the title the previous answer quoted first, if followed
    pointed: str = ""              # what of the previous answer it points at (a list item,
                                   # a point), if any
    new_words: int = 0             # a follow-up's content words the last turn did not use

    @property
    def follow_up(self) -> bool:
        return bool(self.context)

    @property
    def condensed(self) -> str:
        """The standalone query shown to people and given to a generative model."""
        return f"{self.context} {self.own}".strip() if self.context else self.own


# Filler that takes more than one word: dropping "thank" alone left "you." to be
# searched ("thank you. and the math" became "you. and the math", visitor trial 6).
_FILLER_PHRASES = re.compile(
    r"\b(?:thank\s+you|thanks|thx|ty)(?:\s+(?:so|very)\s+much|\s+a\s+(?:lot|ton|bunch))?\b[.!,]*",
    re.I)
# "like" carries meaning after these words ("I feel like a fraud", "what does it
# look like"); elsewhere it is chat ("like, how do I start").
_LIKE_MEANS = frozenset([
    "feel", "feels", "felt", "feeling", "look", "looks", "looked", "looking", "seem", "seems",
    "seemed", "sound", "sounds", "sounded", "something", "anything", "nothing", "things",
    "would", "i'd", "you'd", "we'd", "they'd",
])


def drop_filler(text: str) -> str:
    """The words that carry the question; the text as typed if nothing else is left."""
    words = _FILLER_PHRASES.sub(" ", text).split()
    kept = [w for i, w in enumerate(words) if not _is_filler(w, words[i - 1] if i else "")]
    return " ".join(kept) if kept else text


def _is_filler(word: str, before: str) -> bool:
    bare = _bare(word)
    return bare in FILLER and not (bare == "like" and _bare(before) in _LIKE_MEANS)


def _bare(word: str) -> str:
    return word.lower().strip(".,!?;:'\"()")


def question_sentences(text: str) -> str:
    """The sentences that ask: those ending in "?", else the last sentence."""
    sentences = [s.strip() for s in SENTENCE_BREAK.split(text) if s.strip()]
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking[-2:]) if asking else (sentences[-1] if sentences else text)


def _asking(own: str) -> str:
    """What a message asks: a long one's question sentences, not the story told
    first (visitor trial 9: a follow-up to a 40-word story was searched with the
    whole story, "35, been an SAP FICO consultant for about 9 years…", glued on)."""
    return question_sentences(own) if len(own.split()) > LONG_MESSAGE else own


def _own_words(text: str, speller: Speller | None) -> str:
    return drop_filler(speller.correct(text) if speller else text)


def _previous(history: list[dict[str, str]], role: str) -> str:
    turns = [t["content"] for t in history if t["role"] == role]
    return turns[-1].strip() if turns else ""


def _answer_words(answer: str) -> str:
    """The first words of what an answer said: its quotes when it quotes (the
    "*Title* — section:" before each names where, not what)."""
    return " ".join(_said_words(answer).split()[:ANSWER_WORDS])


def _said_words(answer: str) -> str:
    """An answer's quotes without their markers, or the answer if it quotes nothing."""
    quoted = _QUOTED.findall(answer)
    return strip_markers(" ".join(quoted) if quoted else answer)


# "the third one", "the 2nd step", "the last one", "the speaking one": a pointer
# at one thing of the previous answer. Resolved against that answer's list (its
# items) or, for an ordinal and no list, its points.
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7,
             "last": -1}
_THINGS = r"(?:one|ones|step|stage|phase|item|option|site|website|platform|(?P<said>point|thing))"
# (Only "one" after a word: "the explore phase" names a phase, "the explore one" points.)
_POINTER = re.compile(
    rf"\b(?:the|that|this)\s+(?:(?P<nth>{'|'.join(_ORDINALS)})\s+{_THINGS}|"
    rf"(?P<word>[a-z][a-z-]{{2,}}(?:\s+[a-z][a-z-]{{2,}}){{0,2}})\s+ones?)\b", re.I)
# "the same one", "the other one", "the right one": not a pointer at an item.
_NOT_A_NAME = frozenset(["same", "other", "right", "wrong", "best", "worst", "next", "new",
                         "only", "main", "whole", "free", "paid", "good", "bad", "easy", "hard"])
ITEM_WORDS = 6   # a thing named in a sentence's list ("mathematics in the context of ML")
_ITEM_BREAK = re.compile(r";\s+|,\s+(?:and\s+)?|\s+and\s+")


def resolve_pointer(own: str, answer: str) -> str:
    """``own`` with "the third one" / "the speaking one" replaced by the thing
    of the previous ``answer`` it points at; ``own`` unchanged if none is found.

    Read with the previous question glued on, "tell me more about the third one"
    after Ng's five steps was answered with the first step (visitor trial 8):
    the search had the whole list and no way to tell which item was meant.
    """
    found = pointed_at(own, answer)
    return _replaced(own, *found) if found else own


def _replaced(own: str, match: re.Match, thing: str) -> str:
    return f"{own[:match.start()]}{thing}{own[match.end():]}"


def pointed_at(own: str, answer: str) -> tuple[re.Match, str] | None:
    """Where ``own`` points at a thing of ``answer`` ("the third one", "the
    speaking one"), and that thing's words; None if it points at nothing."""
    match = _POINTER.search(own)
    if not match or not answer:
        return None
    items = _listed(answer)
    if match["nth"]:
        n = _ORDINALS[match["nth"].lower()]
        points = [q.split(". ")[0] for q in _QUOTED.findall(answer)]
        # "the second thing (you said)" is a point of the answer; "the second one",
        # "the second step" an item of its list, if it shows one
        pool = points if match["said"] and len(points) > 1 else items or points
        if not pool or n > len(pool):
            return None
        thing = pool[n - 1] if n > 0 else pool[-1]
        if not thing.strip(" .…"):  # "the last one" of a list cut at its seventh item
            return None
    else:
        stems = set(tokenize(" ".join(w for w in match["word"].lower().split()
                                      if w not in _NOT_A_NAME)))
        shared = [(len(stems & set(tokenize(i))), i) for i in items or _pieces(answer)]
        best = max(shared, key=lambda x: x[0], default=(0, ""))
        if not stems or not best[0]:
            return None
        thing = best[1]
    return match, strip_markers(thing).strip(" .")


def _listed(answer: str) -> list[str]:
    """The items of the first list the answer shows: a quote's "…: a; b; c" (how
    list units are quoted) or, in plain prose, "She lists six: a, b and c"."""
    for text in _QUOTED.findall(answer) or [answer]:
        _, colon, rest = text.partition(": ")
        if not colon:
            continue
        items = rest.split(ITEM_SEP) if ITEM_SEP in rest else _prose_items(rest)
        if len(items) >= 2:
            return [i.strip(" .") for i in items]  # a cut list's "…" is its last item
    # no introduced list: a sentence naming three short things or more, "He lists
    # the topics as ML skills, deep learning, maths and software development."
    # (the first item carries the sentence's start).
    named = [items for items in map(_prose_items, SENTENCE_BREAK.split(_said_words(answer)))
             if all(len(i.split()) <= ITEM_WORDS for i in items[1:])]
    return max(named, key=len, default=[])


def _prose_items(text: str) -> list[str]:
    """"a, b, c and d." -> [a, b, c, d]: commas first (an item may hold "and":
    "evaluate the feasibility and value…"), the last "and" only between the
    last two; "a and b" alone is not a list."""
    first = text.split(". ")[0]
    items = [i.strip(" .") for i in re.split(r",\s+|;\s+", first) if i.strip(" .")]
    if len(items) < 2:
        return []
    last = re.split(r"\s+(?:and|or)\s+", re.sub(r"^(?:and|or)\s+", "", items[-1]), maxsplit=1)
    items = items[:-1] + [i for i in last if i]
    return [re.sub(r"^(?:and|or)\s+", "", i) for i in items] if len(items) >= 3 else []


def _pieces(answer: str) -> list[str]:
    """The answer cut at commas, semicolons and "and": where a named thing sits."""
    return [p for p in _ITEM_BREAK.split(_said_words(answer)) if p.strip()]


def understand(text: str, history: list[dict[str, str]], speller: Speller | None,
               rewrite: str | None = None, names: Sequence[str] = ()) -> Query:
    """The ``Query`` for a guarded question; ``rewrite`` is an LLM's standalone
    version of a follow-up, used as one more search when given; ``names`` are
    the corpus's documents by name ("MentorCruise", "Kaggle"): a question naming
    one the last turn did not is about it, not read with that turn."""
    own = _own_words(text, speller)
    said = " ".join(t["content"] for t in history if t["role"] == "assistant")
    if _asks_recap(own, said):
        return _recap(text, history, speller, said)
    asking = _asking(own)
    searches = [own] if asking == own else [own, asking]
    context = ""
    question, answer = _previous(history, "user"), _previous(history, "assistant")
    follows = leans_on_history(own, f"{question} {answer}", text) \
        and not names_another(own, f"{question} {answer}", names)
    pointed = pointed_at(own, answer) if follows and question else None
    if pointed:
        own = _replaced(own, *pointed)
    if follows:
        searches[0] = own
    if follows and question:
        context = _asking(_own_words(question, speller))
        searches.append(f"{context} {own}")
    if follows and answer:
        searches.append(f"{own} {_answer_words(answer)}")
    if follows and rewrite:
        searches.append(rewrite)
    if context and not tokenize(own) and len(searches) > 1:
        searches = searches[1:]  # "what do i do about it?" alone finds nothing: lead with the turn
    named = _NAMED_TITLE.search(answer) if follows else None
    if named:  # "who runs it?": "it" is most often what the last answer quoted first
        searches.append(f"{own} {named.group(1).strip()}")
    return Query(text=text, own=own, searches=list(dict.fromkeys(searches)), context=context,
                 said=said, parts=question_parts(own), asks_author=bool(_ASKS_AUTHOR.search(own)),
                 about=named.group(1).strip() if named else "",
                 pointed=pointed[1] if pointed else "",
                 new_words=len(set(tokenize(own)) - set(tokenize(f"{question} {answer}")))
                 if follows else 0)


def _asks_recap(own: str, said: str) -> bool:
    """A request to sum up answers that quoted something, naming no topic of its own."""
    return bool(_RECAP.search(own) and _QUOTED.search(said)
                and not set(tokenize(own)) - _ABOUT_THE_CHAT)


def _recap(text: str, history: list[dict[str, str]], speller: Speller | None,
           said: str) -> Query:
    """The answers so far, each searched by what it quoted; judged as the
    questions they answered (the refusal reads ``own``), so the recap is not
    refused for naming no career topic itself. Each of the last ``RECALLED``
    answers is a part the recap covers: searched as one text, the answers
    after the first were lost (visitor trial 16: projects and mentors asked
    after a question on free programmes, and the recap was all programmes)."""
    asked = " ".join(t["content"] for t in history if t["role"] == "user"
                     and not _asks_recap(t["content"], said))
    own = _own_words(asked, speller) or text
    answers = [_said_words(t["content"]) for t in history
               if t["role"] == "assistant" and _QUOTED.search(t["content"])]
    return Query(text=text, own=own, searches=[own, *answers], said=said, recap=True,
                 parts=answers[-RECALLED:])


def question_parts(text: str) -> list[str]:
    """The questions a message asks, when it asks two or three, each with at
    least one word of its own ("and how?" is not a part); [] otherwise. A
    long story before the question is not a part: only its asking sentences are
    read."""
    asking = question_sentences(text) if len(text.split()) > LONG_MESSAGE else text
    parts = [p.strip() for p in _PART_BREAK.split(asking) if p and tokenize(p)]
    return parts if 2 <= len(parts) <= MAX_PARTS else []


def names_another(own: str, previous: str, names: Sequence[str]) -> bool:
    """Does the question name a document (every word of its name) that the
    previous turn did not? Visitor trial 9: "what about mentorcruise? is that
    free?" after an answer on free mentoring was searched with it, and three of
    its four searches were about free mentoring: the MentorCruise page was not
    cited. Asked alone, it was."""
    words, before = set(tokenize(own)), set(tokenize(previous))
    return any(stems <= words and not stems <= before
               for stems in (set(tokenize(n)) for n in names) if stems)


def asks_only_for_more(own: str, asked: str, said: str = "") -> bool:
    """Does a follow-up name nothing the conversation has not: every word of
    it asks for more ("why?", "can you give an example?"), was in the last
    question (``asked``) or an answer so far (``said``: "how long did that
    take him?" after "lasted 6-9 months"), or names the parts of a list an
    answer showed ("can you list the steps")? Such a question cannot drift out
    of scope by its words; one that does drift brings words of its own
    ("…how much do they get paid?", "…a work visa for the UK?"). Visitor
    trial 18 saw "why?", "can you give an example?" and "ok and how long did
    that take him?" refused after answers."""
    known = ASKING_WORDS | set(tokenize(f"{asked} {said}"))
    if _listed(said):
        known |= SEQUENCE_WORDS
    return set(tokenize(own)) <= known


def leans_on_history(own: str, previous: str, typed: str = "") -> bool:
    """Does a question (``own``: filler dropped) need the ``previous`` turn to be
    understood? Not when the visitor, as ``typed``, says it does not ("forget
    that", "anyway", "new question"), nor when it brings ``OWN_TOPIC_WORDS``
    content words the turn did not use, whatever pronoun it holds: its
    pronouns point inside it ("my manager says they…"). Unless it points at a
    thing of the turn ("the second one", "the speaking one"), however long."""
    if not previous.strip() or _NEW_TOPIC.search(typed or own):
        return False
    if _POINTER.search(own):
        return True
    own_words, said = set(tokenize(own)), set(tokenize(previous))
    if len(own_words - said) >= OWN_TOPIC_WORDS:
        return False
    # one content word at most ("how often?", "why?", "any examples?"), or only
    # words that ask for more ("can you give an example?"): no topic of its own
    if looks_like_follow_up(own) or _REFERS_BACK.search(own) or len(own_words) <= 1 \
            or own_words <= ASKING_WORDS | SEQUENCE_WORDS:
        return True
    named = set(tokenize(" ".join(_DEFINITE.findall(own))))
    return bool(named & said) and len(own_words) <= FEW_WORDS
