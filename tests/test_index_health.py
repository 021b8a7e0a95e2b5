"""Index health: a running app follows a rebuilt or changed index, links out of the
corpus are not followed, an empty or missing corpus folder cannot wipe the index, and
damaged index files are found and rebuilt. Real Chroma, the ``hash`` embedder (the
faults are in bookkeeping, not meaning), and `careerbot` in real subprocesses where
the fault involves a second process."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from chat.chain import UNAVAILABLE, Chain
from core.config import Settings
from core.store import get_all, open_collection
from ingest.index import IngestError, ingest
from tests.conftest import CORPUS
from tests.helpers import run_cli

SMALL = ["essays/ml-mentorship-program.md", "resources/kaggle.md",
         "resources/mentorcruise.md", "resources/github-and-blogging.md"]
QUESTION = "What is the ML mentorship program?"
NEW_DOC = """---
title: Informational interviews
---

# Informational interviews

An informational interview is a short conversation with someone who already works in
the role you want. Ask them what a typical week looks like and which skills matter most
in their team. Send a thank-you note afterwards and keep in touch every few months.
"""
NEW_QUESTION = "What should I ask in an informational interview?"
SECRET = "The vault password is hunter2-zebra and the root login is admin."


def _answered(answer) -> bool:
    return not answer.refused and bool(answer.citations) and answer.error is None


@pytest.fixture
def small(tmp_path: Path, hash_settings) -> Settings:
    """A four-document corpus: enough to answer from, quick to embed."""
    corpus = tmp_path / "corpus"
    for rel in SMALL:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / rel, corpus / rel)
    return hash_settings(corpus, tmp_path / "data")


@pytest.fixture
def served(small: Settings) -> Chain:
    """An app's chain that has answered once, so it holds the index open."""
    ingest(small)
    chain = Chain(small)
    assert _answered(chain.ask(QUESTION))
    return chain


def _index_folders(settings: Settings) -> list[Path]:
    return [p for p in settings.chroma_path.iterdir() if p.is_dir()]


def _sentence_index_folder(settings: Settings) -> Path:
    """Where Chroma keeps the sentence collection's vector index."""
    with sqlite3.connect(settings.chroma_path / "chroma.sqlite3") as db:
        (segment,) = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE c.name = ? AND s.scope = 'VECTOR'", (f"{settings.collection}_sentences",)
        ).fetchone()
    return settings.chroma_path / segment


# --- fault 2: the app follows the index -------------------------------------------

def test_app_answers_again_after_a_rebuild_in_another_process(served, small):
    run = run_cli(["ingest", "--rebuild"], small)
    assert run.returncode == 0, run.stderr
    answer = served.ask(QUESTION)
    assert _answered(answer), answer.error or answer.answer


def test_app_sees_a_document_another_process_indexed(served, small):
    (small.corpus_dir / "uploads").mkdir()
    (small.corpus_dir / "uploads" / "informational-interviews.md").write_text(NEW_DOC)
    run = run_cli(["ingest"], small)
    assert run.returncode == 0, run.stderr
    answer = served.ask(NEW_QUESTION)
    assert _answered(answer), answer.error or answer.answer
    assert "uploads/informational-interviews" in {c.doc_id for c in answer.citations}


def test_app_answers_after_a_reindex_in_its_own_process_over_a_corrupt_manifest(
        served, small):
    small.manifest_path.write_text("{ not json")
    summary = ingest(small)  # what the admin tab's re-index runs
    answer = served.ask(QUESTION)
    assert _answered(answer), answer.error or answer.answer
    assert summary.added == len(SMALL)
    assert any("re-indexing everything" in n for n in summary.notices)


# --- fault 3: symbolic links ------------------------------------------------------

def test_links_out_of_the_corpus_are_skipped_and_named(small, tmp_path):
    outside = tmp_path / "secrets"
    outside.mkdir()
    (outside / "vault.md").write_text(f"# Vault\n\n{SECRET}\n")
    (small.corpus_dir / "resources" / "vault.md").symlink_to(outside / "vault.md")
    (small.corpus_dir / "private").symlink_to(outside, target_is_directory=True)
    summary = ingest(small)
    skipped = {Path(f.path).name: f.error for f in summary.failed}
    assert set(skipped) == {"vault.md", "private"}
    assert all("outside the corpus" in reason for reason in skipped.values())
    assert summary.documents == len(SMALL)
    stored = get_all(open_collection(small), ["documents"])["documents"]
    assert not any("hunter2" in text for text in stored)
    answer = Chain(small).ask("What is the vault password?")
    assert "hunter2" not in answer.answer


# --- fault 5: empty or missing corpus folder -----------------------------------------

def test_an_emptied_corpus_folder_does_not_wipe_the_index(served, small):
    for path in small.corpus_dir.iterdir():
        shutil.rmtree(path)
    run = run_cli(["ingest"], small)
    assert run.returncode == 2
    assert str(small.corpus_dir) in run.stderr and "--allow-empty" in run.stderr
    assert _answered(served.ask(QUESTION))  # the index is intact
    emptied = run_cli(["ingest", "--allow-empty", "--json"], small)
    assert emptied.returncode == 0, emptied.stderr
    assert json.loads(emptied.stdout.splitlines()[-1])["documents"] == 0


def test_an_empty_corpus_is_refused_in_process_too(served, small):
    for path in small.corpus_dir.iterdir():
        shutil.rmtree(path)
    with pytest.raises(IngestError, match="would remove all 4 indexed documents"):
        ingest(small, rebuild=True)
    assert _answered(served.ask(QUESTION))


def test_a_missing_corpus_folder_is_one_clear_line(small, tmp_path):
    missing = small.model_copy(update={"corpus_dir": tmp_path / "no-such-corpus"})
    run = run_cli(["ingest"], missing)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"error: corpus directory {missing.corpus_dir} does not exist"]


# --- fault 6: damaged index files, old folders --------------------------------------

def test_a_deleted_index_file_is_found_and_rebuilt(hash_indexed, tmp_path):
    # Chroma writes a vector index file once a collection passes 1,000 rows, so the
    # whole corpus is needed: its index is copied, and one file of it deleted.
    copy = hash_indexed.model_copy(update={"data_dir": tmp_path / "data"})
    shutil.copytree(hash_indexed.data_dir, copy.data_dir)
    (_sentence_index_folder(copy) / "index_metadata.pickle").unlink()
    chain = Chain(copy)
    assert chain.ask(QUESTION).answer == UNAVAILABLE
    summary = ingest(copy)
    assert summary.added == summary.documents and summary.unchanged == 0
    assert any("damaged" in n and "rebuilt" in n for n in summary.notices)
    answer = chain.ask(QUESTION)
    assert _answered(answer), answer.error or answer.answer


def test_rebuilds_leave_only_the_live_index_folders(served, small):
    assert len(_index_folders(small)) == 2  # one vector index per collection
    for _ in range(2):
        ingest(small, rebuild=True)
    assert len(_index_folders(small)) == 2
    assert _answered(served.ask(QUESTION))
