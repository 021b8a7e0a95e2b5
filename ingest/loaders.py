"""Read a file of any supported kind into a cleaned ``Document``.

Every check that can reject a file lives here and raises ``LoadError`` with a
reason a maintainer can act on; the indexer reports it by path and moves on.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

import frontmatter
import yaml

from core.types import Document, LoadError
from ingest.clean import clean_body, title_from_first_line

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
_SNIFF = 8192


def doc_id_for(path: Path, root: Path | None) -> str:
    """A stable id: the path under the corpus without its extension."""
    try:
        rel = path.resolve().relative_to(root.resolve()) if root else Path(path.name)
    except ValueError:
        rel = Path(path.name)
    return rel.with_suffix("").as_posix()


def read_checked(path: Path, max_bytes: int) -> bytes:
    """Read a file's bytes, refusing empty and oversized files."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(
            f"file is {size:,} bytes, over the {max_bytes / 1e6:g} MB limit "
            "(CAREERBOT_MAX_FILE_MB)"
        )
    data = path.read_bytes()
    if not data.strip():
        raise LoadError("file is empty")
    return data


def decode_text(data: bytes) -> str:
    """Decode UTF-8 text, refusing binary content and other encodings by name."""
    if b"\x00" in data[:_SNIFF]:
        raise LoadError("binary content (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None
    controls = sum(1 for ch in text[:_SNIFF] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), _SNIFF):
        raise LoadError("binary content (control characters), not text")
    return text


def split_front_matter(text: str) -> tuple[dict, str]:
    """Separate YAML front matter from the body; broken YAML is an error."""
    if not text.lstrip().startswith("---"):
        return {}, text
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"front matter is not valid YAML: {first}") from None
    if not isinstance(post.metadata, dict):
        raise LoadError("front matter is not a mapping of fields")
    return dict(post.metadata), post.content


def _as_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    return str(value).strip()


def _as_tags(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if isinstance(value, list | tuple):
        return tuple(str(t).strip() for t in value if str(t).strip())
    return (str(value),)


def _has_markdown_structure(body: str) -> bool:
    return bool(re.search(r"^#{1,6} \S", body, re.M))


def build_document(
    meta: dict, body: str, *, path: Path, root: Path | None, plain: bool
) -> Document:
    """Clean ``body`` and combine it with normalised metadata."""
    text = clean_body(body, plain=plain)
    title = _as_str(meta.get("title"))
    if not title and plain:
        title, rest = title_from_first_line(text)
        text = rest.strip() + "\n" if title else text
    if len(text.strip()) < 20:
        raise LoadError("no readable text left after cleaning")
    known = {"title", "author", "url", "date", "tags", "tag", "kind", "audience"}
    return Document(
        doc_id=doc_id_for(path, root),
        text=text,
        source=_display_path(path, root),
        title=title or path.stem.replace("_", " ").replace("-", " "),
        author=_as_str(meta.get("author")),
        url=_as_str(meta.get("url")),
        date=_as_str(meta.get("date")),
        kind=_as_str(meta.get("kind")) or "essay",
        tags=_as_tags(meta.get("tags", meta.get("tag"))),
        audience=_as_str(meta.get("audience")),
        extra={k: _as_str(v) for k, v in meta.items() if k not in known},
    )


def _display_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return (root.name / path.resolve().relative_to(root.resolve())).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _load_text(data: bytes, path: Path, root: Path | None) -> Document:
    meta, body = split_front_matter(decode_text(data))
    plain = not meta and not _has_markdown_structure(body)
    return build_document(meta, body, path=path, root=root, plain=plain)


def _load_markdown(data: bytes, path: Path, root: Path | None) -> Document:
    meta, body = split_front_matter(decode_text(data))
    return build_document(meta, body, path=path, root=root, plain=False)


def _load_html(data: bytes, path: Path, root: Path | None) -> Document:
    import trafilatura

    html_text = decode_text(data)
    body = trafilatura.extract(
        html_text, output_format="markdown", include_links=True, include_tables=False,
        favor_recall=True,
    )
    if not body:
        raise LoadError("no main text found in the HTML")
    meta: dict = {}
    info = trafilatura.extract_metadata(html_text)
    if info is not None:
        meta = {"title": info.title, "author": info.author, "url": info.url, "date": info.date}
    return build_document(meta, body, path=path, root=root, plain=False)


def _load_pdf(data: bytes, path: Path, root: Path | None) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.startswith(b"%PDF"):
        raise LoadError("not a PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise LoadError("PDF is encrypted; save an unencrypted copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        # PyPdfError includes LimitReachedError: streams that inflate past pypdf's
        # limits (a 195 KB file that unpacks to 200 MB) are refused, not fatal
        raise LoadError(f"PDF could not be read ({type(exc).__name__}: {exc})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise LoadError("PDF has no extractable text (scanned images need OCR first)")
    info = reader.metadata or {}
    meta = {"title": info.get("/Title"), "author": info.get("/Author")}
    return build_document(meta, text, path=path, root=root, plain=True)


_LOADERS: dict[str, Callable[[bytes, Path, Path | None], Document]] = {
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".txt": _load_text,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
}


def load_bytes(data: bytes, path: Path, *, root: Path | None = None) -> Document:
    """Clean already-read bytes; ``path`` picks the loader and names the document."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix!r}; use one of {', '.join(SUPPORTED)}")
    return loader(data, path, root)


def load(path: Path, *, root: Path | None = None, max_bytes: int = 20_000_000) -> Document:
    """Load and clean one file; raise ``LoadError`` naming what is wrong with it."""
    if path.suffix.lower() not in _LOADERS:
        return load_bytes(b"", path, root=root)  # raises the unsupported-type error
    try:
        data = read_checked(path, max_bytes)
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from None
    return load_bytes(data, path, root=root)
