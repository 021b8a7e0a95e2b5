"""Small builders for test documents that the suite makes itself."""

from __future__ import annotations

import io
from pathlib import Path


def make_pdf(text_lines: list[str]) -> bytes:
    """A minimal, valid one-page PDF whose text pypdf can extract."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
        for line in text_lines
    ) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
              f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypt_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


GOOD_PDF_LINES = [
    "Informational interviews help you learn about a role before applying.",
    "Ask what a typical week looks like and which skills matter most.",
    "Prepare a few questions and respect the person's time.",
]


def write_bad_files(folder: Path, max_mb: float = 1.0) -> dict[str, str]:
    """The six kinds of bad file a maintainer may drop in; returns name -> expected reason."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf = make_pdf(GOOD_PDF_LINES)
    files = {
        "empty.md": (b"", "empty"),
        "junk.md": (bytes(range(256)) * 40, "binary"),
        "latin1.txt": ("Café crème and mentoring advice. ".encode("cp1252") * 10, "UTF-8"),
        "broken-front-matter.md": (b"---\ntitle: [unclosed\ntags: : :\n---\n\nBody text here "
                                   b"long enough to count as a document.\n", "front matter"),
        "truncated.pdf": (pdf[: len(pdf) // 2], "PDF"),
        "encrypted.pdf": (encrypt_pdf(pdf), "encrypted"),
        "huge.txt": (b"mentoring " * int(max_mb * 1_000_000 / 10 + 1000), "limit"),
    }
    expected = {}
    for name, value in files.items():
        data, reason = value
        (folder / name).write_bytes(data)
        expected[name] = reason
    return expected


def run_cli(args: list[str], settings, stdin: str | None = None, **env: str):
    """Run ``careerbot ARGS`` in a subprocess with ``settings`` passed as environment."""
    import subprocess
    import sys

    from tests.servers import settings_env

    root = Path(__file__).resolve().parent.parent
    environ = {**settings_env(settings), "PATH": str(Path(sys.executable).parent), **env}
    return subprocess.run([sys.executable, "-m", "careerbot.cli", *args], input=stdin,
                          capture_output=True, text=True, env=environ, cwd=root, timeout=1500)


def quoted_from(quote: str, citation) -> bool:
    """Is ``quote`` the source's own words? In the cited passage, or, for a list
    whose items run past the passage's end, in the document it comes from."""
    from chat.answerers import quote_found

    if quote_found(quote, citation.text):
        return True
    path = Path(citation.source)
    return path.is_file() and quote_found(quote, path.read_text(encoding="utf-8"))
