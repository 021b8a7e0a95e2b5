"""Whatever a maintainer's Markdown looks like, questions about it are answered.

A document that is only a bullet list of single words once crashed every
question that retrieved it (issue 14). Here hypothesis writes odd documents
(word lists, tables, code, empty sections, headings only, very long lines,
Unicode, HTML fragments), each is ingested into real Chroma (``hash`` embedder)
next to one ordinary resource page, and questions that retrieve it are asked:
nothing raises, and every answer verifies (each marker points at a citation,
each quoted sentence is in the passage it cites).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from chat.answerers import points
from chat.chain import Chain
from core.text import markers
from core.types import Answer
from ingest.index import ingest
from tests.helpers import quoted_from

ROOT = Path(__file__).resolve().parent.parent
ORDINARY = ROOT / "corpus" / "resources" / "kaggle.md"
SKILLS = ["Python", "SQL", "Docker", "Airflow", "Kubernetes", "Spark", "Excel", "Git"]
WORDS = ["mentor", "career", "portfolio", "interview", "learning", "project", "data",
         "résumé", "naïve", "日本語", "🚀", "ML", "AI", "switch", "skills"]

word = st.sampled_from(SKILLS + WORDS)
sentence = st.lists(word, min_size=1, max_size=14).map(lambda w: " ".join(w) + ".")
word_list = st.lists(st.sampled_from(SKILLS), min_size=1, max_size=12).map(
    lambda w: "\n".join(f"- {x}" for x in w))
numbered = st.lists(sentence, min_size=1, max_size=6).map(
    lambda s: "\n".join(f"{i}. {x}" for i, x in enumerate(s, 1)))
table = st.lists(st.tuples(word, word), min_size=1, max_size=6).map(
    lambda rows: "| skill | note |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows))
code = st.lists(word, min_size=1, max_size=20).map(lambda w: "```python\n" + " ".join(w) + "\n```")
heading = st.tuples(st.integers(1, 6), st.lists(word, min_size=1, max_size=4)).map(
    lambda h: "#" * h[0] + " " + " ".join(h[1]))
long_line = st.lists(word, min_size=200, max_size=600).map(" ".join)
unicode = st.text(min_size=1, max_size=200)
html = st.sampled_from(["<div>Python <b>SQL</b></div>", "<br/>", "<script>alert(1)</script>",
                        "<img src=x onerror=alert(1)>", "<table><tr><td>Docker</td></tr></table>",
                        "&nbsp;&amp;&lt;", "<!-- a comment -->"])
block = st.one_of(sentence, word_list, numbered, table, code, heading, long_line, unicode, html,
                  st.just(""))
document = st.lists(block, min_size=1, max_size=8).map("\n\n".join)


def _questions(text: str) -> list[tuple[str, list | None]]:
    """Questions aimed at the document: its own words, the crash's question, a follow-up."""
    found = [w for w in SKILLS if w in text][:2] or ["Docker", "Airflow"]
    first = f"Should I learn {' and '.join(found)}?"
    return [(first, None),
            ("Should I learn Docker and Airflow?", None),
            ("and which one first?", [{"role": "user", "content": first},
                                      {"role": "assistant", "content": "Python and SQL."}])]


def _assert_verifies(answer: Answer) -> None:
    assert answer.error is None, answer.error
    if answer.refused:
        assert answer.answer.strip()
        return
    assert answer.citations
    used = markers(answer.answer)
    assert used and all(1 <= n <= len(answer.citations) for n in used), answer.answer
    found = points(answer.answer)
    assert len(found) == len(answer.answer.splitlines()), answer.answer
    for _, quote, n in found:
        assert quoted_from(quote, answer.citations[n - 1]), (quote, n)


@pytest.mark.slow  # fifteen small indexes, about 8 s
@hsettings(max_examples=12, deadline=None, derandomize=True, database=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=document)
@example(text="- Python\n- SQL\n- Docker\n- Airflow")  # the reproduced crash
@example(text="# Skills\n\n## Docker\n\n### Airflow")    # headings only
@example(text="| Docker | Airflow |\n|---|---|\n| yes | no |")
def test_any_markdown_document_is_ingested_and_answered(text, hash_settings):
    root = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        corpus = root / "corpus"
        corpus.mkdir()
        shutil.copy(ORDINARY, corpus / "kaggle.md")
        (corpus / "odd.md").write_text(text, encoding="utf-8")
        settings = hash_settings(corpus, root / "data")
        ingest(settings)
        chain = Chain(settings)
        for question, history in _questions(text):
            _assert_verifies(chain.ask(question, history))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_document_of_single_word_bullets_does_not_break_questions(tmp_path, hash_settings):
    """The reproduced crash: ``- Python`` lines and nothing else (issue 14, fault 1)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ORDINARY, corpus / "kaggle.md")
    (corpus / "skills.md").write_text("\n".join(f"- {s}" for s in SKILLS) + "\n",
                                      encoding="utf-8")
    settings = hash_settings(corpus, tmp_path / "data")
    ingest(settings)
    chain = Chain(settings)
    answer = chain.ask("Should I learn Docker and Airflow?")
    _assert_verifies(answer)
    assert "went wrong" not in answer.answer


def test_a_question_that_finds_only_a_reference_list_is_answered_or_refused(tmp_path,
                                                                            hash_settings):
    """A reference list is found but never quoted (it has no answer units): a
    question that retrieves nothing else must not be told the index is down."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    books = [f"- The Art of Mentoring, volume {n}, by Author Number {n}." for n in range(1, 16)]
    (corpus / "reading.md").write_text("# Reading\n\n## References\n\n" + "\n".join(books)
                                       + "\n", encoding="utf-8")
    settings = hash_settings(corpus, tmp_path / "data")
    ingest(settings)
    answer = Chain(settings).ask("Which books on mentoring are listed?")
    assert answer.error is None, answer.error
    assert answer.refused and "temporarily unavailable" not in answer.answer
