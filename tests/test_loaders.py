"""Loading each supported format, and refusing bad files with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.types import LoadError
from ingest.loaders import load
from tests.helpers import GOOD_PDF_LINES, make_pdf, write_bad_files


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("bad")
    return folder, write_bad_files(folder, max_mb=1.0)


@pytest.mark.parametrize("name", ["empty.md", "junk.md", "latin1.txt", "broken-front-matter.md",
                                  "truncated.pdf", "encrypted.pdf", "huge.txt"])
def test_bad_file_is_refused_with_its_reason(bad_dir, name):
    folder, expected = bad_dir
    with pytest.raises(LoadError) as err:
        load(folder / name, max_bytes=1_000_000)
    assert expected[name].lower() in str(err.value).lower()


def test_unsupported_extension_is_named(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(LoadError, match=r"unsupported file type '\.docx'"):
        load(path)


def test_pdf_text_is_extracted(tmp_path):
    path = tmp_path / "interviews.pdf"
    path.write_bytes(make_pdf(GOOD_PDF_LINES))
    doc = load(path, root=tmp_path)
    assert "Informational interviews help you learn" in doc.text
    assert doc.doc_id == "interviews"


def test_html_main_text_is_extracted_without_page_chrome(tmp_path):
    article = " ".join(["A portfolio shows employers what you can build."] * 8)
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Portfolios</title><script>alert('x')</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<article><h1>Portfolios</h1><h2>Why build one</h2><p>{article}</p>"
        "<p>Start with three projects and explain each one.</p></article>"
        "<footer>Copyright 2024. Share on Twitter</footer></body></html>",
        encoding="utf-8",
    )
    doc = load(path, root=tmp_path)
    assert "A portfolio shows employers what you can build." in doc.text
    assert "alert(" not in doc.text
    assert doc.title == "Portfolios"


def test_markdown_front_matter_fields(tmp_path):
    path = tmp_path / "guide.md"
    path.write_text("---\ntitle: A guide\nauthor: Someone\nurl: https://example.org/g\n"
                    "tags: [mentoring, jobs]\nkind: resource\n---\n\n## Part\n\nSome useful "
                    "advice about finding a mentor.\n", encoding="utf-8")
    doc = load(path, root=tmp_path)
    assert (doc.title, doc.author, doc.url, doc.kind) == (
        "A guide", "Someone", "https://example.org/g", "resource")
    assert doc.tags == ("mentoring", "jobs")
