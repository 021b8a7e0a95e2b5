"""Admin upload and re-index: token, name and content checks, real ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from careerbot.web import AdminHandlers
from chat.chain import Chain
from ingest.uploads import UploadError, safe_name, save_upload
from tests.helpers import make_pdf


@pytest.mark.parametrize("name", ["../evil.md", "/etc/passwd.md", "..\\x.md", ".hidden.md",
                                  "notes.exe", "noext", "a/b.md", ""])
def test_unsafe_or_unsupported_names_are_refused(name):
    with pytest.raises(UploadError):
        safe_name(name)


def test_names_are_reduced_to_safe_characters():
    assert safe_name("Mentoring Tips (final) ✨.MD") == "Mentoring-Tips-final.md"


def test_content_is_checked_not_just_the_extension(tmp_path):
    with pytest.raises(UploadError, match="binary|PDF"):
        save_upload(b"MZ\x90\x00" * 100, "fake.pdf", tmp_path, 1_000_000)
    with pytest.raises(UploadError, match="binary"):
        save_upload(bytes(range(256)) * 10, "junk.md", tmp_path, 1_000_000)
    with pytest.raises(UploadError, match="limit"):
        save_upload(b"x" * 2000, "big.txt", tmp_path, 1000)
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_good_upload_lands_in_the_upload_folder_only(tmp_path):
    saved = save_upload(make_pdf(["Mentors help you plan a career switch into ML."]),
                        "switch.pdf", tmp_path, 1_000_000)
    assert saved == (tmp_path / "uploads" / "switch.pdf").resolve()
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["switch.pdf"]


class _File:
    def __init__(self, path: Path, orig_name: str) -> None:
        self.name, self.orig_name = str(path), orig_name


def test_admin_needs_the_token_and_reindexes(settings, tmp_path):
    admin_settings = settings.model_copy(update={"admin_token": "s3cret-token"})
    admin = AdminHandlers(admin_settings, Chain(admin_settings))
    src = tmp_path / "upload.md"
    src.write_text("---\ntitle: Finding a sponsor\n---\n\n## Sponsors\n\nA sponsor argues for "
                   "you in rooms you are not in; ask your manager who could sponsor you.\n")
    assert admin.upload("wrong", [_File(src, "upload.md")]) == "That token is not valid."
    assert admin.reindex("") == ("That token is not valid.", "")
    assert admin.unlock("wrong")[1] == "That token is not valid."
    report = admin.upload("s3cret-token", [_File(src, "upload.md"),
                                           _File(src, "../../escape.md")])
    assert "saved `upload.md`" in report and "refused" in report
    summary, coverage = admin.reindex("s3cret-token")
    assert "failed 0" in summary and "Finding a sponsor" in coverage
    assert (settings.corpus_dir / "uploads" / "upload.md").exists()
    assert not (settings.corpus_dir.parent / "escape.md").exists()
