"""Incremental ingest into a real on-disk Chroma (with the ``hash`` embedder: what is
measured here is bookkeeping, not meaning)."""

from __future__ import annotations

import json
from pathlib import Path

import filelock
import pytest

from core.config import Settings
from core.embedder import get_embedder
from core.store import open_collection
from ingest.index import IngestError, ingest
from tests.helpers import run_cli, write_bad_files


def _ids_by_doc(settings: Settings) -> dict[str, set[str]]:
    got = open_collection(settings).get(include=["metadatas"])
    out: dict[str, set[str]] = {}
    for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
        out.setdefault(meta["doc_id"], set()).add(cid)
    return out


def _sentence_ids(settings: Settings) -> set[str]:
    return set(open_collection(settings, sentences=True).get(include=[])["ids"])


def test_second_run_embeds_nothing_and_keeps_every_chunk(settings):
    first = ingest(settings)
    assert first.added == first.documents >= 17 and not first.failed
    assert first.embedded == first.chunks > 0
    second = ingest(settings)
    assert (second.added, second.updated, second.removed, second.embedded) == (0, 0, 0, 0)
    assert second.unchanged == first.documents
    assert second.chunks == first.chunks


def test_changed_document_replaces_its_chunks_only(settings):
    ingest(settings)
    before = _ids_by_doc(settings)
    path = settings.corpus_dir / "resources" / "kaggle.md"
    path.write_text(path.read_text() + "\nKaggle also hosts free notebooks with CPUs.\n")
    summary = ingest(settings)
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, summary.documents - 1)
    after = _ids_by_doc(settings)
    assert after["resources/kaggle"] != before["resources/kaggle"]
    assert summary.embedded == len(after["resources/kaggle"])
    assert {k: v for k, v in after.items() if k != "resources/kaggle"} == {
        k: v for k, v in before.items() if k != "resources/kaggle"}


def test_removed_document_loses_its_chunks(settings):
    ingest(settings)
    (settings.corpus_dir / "resources" / "topmate.md").unlink()
    summary = ingest(settings)
    assert summary.removed == 1
    assert "resources/topmate" not in _ids_by_doc(settings)


def test_bad_files_are_named_and_everything_else_is_indexed(settings, tmp_path):
    clean = ingest(settings.model_copy(update={"data_dir": tmp_path / "clean"}))
    expected = write_bad_files(settings.corpus_dir / "uploads", max_mb=1.0)
    small_cap = settings.model_copy(update={"max_file_mb": 1.0})
    summary = ingest(small_cap)
    failed = {Path(f.path).name: f.error for f in summary.failed}
    assert set(failed) == set(expected)
    for name, reason in expected.items():
        assert reason.lower() in failed[name].lower()
    assert summary.documents == clean.documents
    assert summary.chunks == clean.chunks


def test_killed_ingest_is_repaired_by_the_next_one(settings, tmp_path):
    reference = settings.model_copy(update={"data_dir": tmp_path / "ref"})
    ingest(reference)
    want = _ids_by_doc(reference)
    ingest(settings)
    # A crash between the store commit and the manifest write leaves orphans and
    # a manifest that is missing documents; a crash mid-upsert leaves partial docs.
    collection = open_collection(settings)
    unit = [0.0] * (get_embedder(settings.embedding_model).dimensions - 1) + [1.0]
    collection.upsert(ids=["orphan"], documents=["stale"], embeddings=[unit],
                      metadatas=[{"doc_id": "ghost"}])
    data = json.loads(settings.manifest_path.read_text())
    gone = sorted(data["documents"])[:2]
    for doc_id in gone:
        del data["documents"][doc_id]
    partial = sorted(data["documents"])[-1]
    collection.delete(ids=data["documents"][partial]["chunks"][:1])
    settings.manifest_path.write_text(json.dumps(data))
    open_collection(settings, sentences=True).upsert(
        ids=["orphan:0"], documents=["stale sentence"], embeddings=[unit],
        metadatas=[{"chunk_id": "orphan", "doc_id": "ghost", "i": 0}])
    summary = ingest(settings)
    assert summary.repaired >= 2
    assert _ids_by_doc(settings) == want
    assert _sentence_ids(settings) == _sentence_ids(reference)


def test_rebuild_starts_over(settings):
    first = ingest(settings)
    again = ingest(settings, rebuild=True)
    assert again.added == first.documents and again.embedded == first.chunks


def test_second_ingest_at_once_is_refused_clearly(settings):
    settings.data_dir.mkdir(parents=True)
    with filelock.FileLock(str(settings.lock_path)), pytest.raises(
        IngestError, match="another ingest is running"
    ):
        ingest(settings)


def test_unwritable_data_dir_is_named(tmp_path, settings):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    bad = settings.model_copy(update={"data_dir": blocker / "data"})
    with pytest.raises(IngestError, match=str(blocker)):
        ingest(bad)


@pytest.mark.slow  # three `careerbot` subprocesses, about 9 s
def test_cli_json_summary_and_strict_exit(settings):
    write_bad_files(settings.corpus_dir / "uploads", max_mb=1.0)
    run = run_cli(["ingest", "--json"], settings, CAREERBOT_MAX_FILE_MB="1")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert {"added", "updated", "unchanged", "removed", "failed", "documents", "chunks",
            "seconds"} <= set(summary)
    assert len(summary["failed"]) == 7 and all({"path", "error"} <= set(f)
                                                for f in summary["failed"])
    strict = run_cli(["ingest", "--strict", "--json"], settings, CAREERBOT_MAX_FILE_MB="1")
    assert strict.returncode == 3
    assert json.loads(strict.stdout.strip().splitlines()[-1])["added"] == 0
    report = run_cli(["corpus", "--json"], settings)
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["chunks"] == summary["chunks"] and len(data["documents"]) == summary["documents"]
