"""Accept a document uploaded through the admin tab, safely.

The file name is reduced to a plain, safe base name; the content is checked
by actually loading it (the same loaders the indexer uses), so a PDF that is
not a PDF, or binary junk called ``.md``, is refused before it is written;
nothing is ever written outside ``corpus/uploads``, and nothing already there
is replaced: a second ``notes.md`` is refused with a message saying so (the
operator renames it to keep both, or deletes the old file to replace it), since
a silent overwrite loses a document nobody chose to lose.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path

from core.types import LoadError
from ingest.loaders import SUPPORTED, load_bytes

UPLOAD_DIR = "uploads"


class UploadError(ValueError):
    """An upload that was refused; the message says why."""


def safe_name(name: str) -> str:
    """A base name of letters, digits, dot, dash and underscore, with a supported extension.

    Any directory part (``../``, ``/etc/``, ``C:\\``) is refused outright rather
    than silently dropped, so a hostile name is visible in the admin's report.
    """
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise UploadError(f"file name {name!r} is not allowed (no paths, no hidden files)")
    stem, dot, ext = name.rpartition(".")
    if not dot or f".{ext.lower()}" not in SUPPORTED:
        raise UploadError(f"{name!r}: only {', '.join(SUPPORTED)} files can be uploaded")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("-._")[:80]
    if not clean:
        raise UploadError(f"file name {name!r} has no usable characters")
    return f"{clean}.{ext.lower()}"


def save_upload(data: bytes, name: str, corpus_dir: Path, max_bytes: int) -> Path:
    """Check and store one uploaded document; returns where it was written."""
    filename = safe_name(name)
    if len(data) > max_bytes:
        raise UploadError(f"{name!r} is {len(data):,} bytes, over the "
                          f"{max_bytes / 1e6:g} MB limit")
    folder = (corpus_dir / UPLOAD_DIR).resolve()
    target = (folder / filename).resolve()
    if target.parent != folder:  # belt and braces: safe_name already forbids this
        raise UploadError(f"{name!r} would be written outside the upload folder")
    if target.exists():
        raise UploadError(_taken(name, filename))
    try:
        load_bytes(data, target, root=corpus_dir)
    except LoadError as exc:
        raise UploadError(f"{name!r}: {exc}") from None
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    tmp.write_bytes(data)
    try:
        os.link(tmp, target)  # atomic, and fails if the name is taken: never overwrites
    except FileExistsError:
        raise UploadError(_taken(name, filename)) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _taken(name: str, filename: str) -> str:
    return (f"{name!r}: {UPLOAD_DIR}/{filename} already exists and was not replaced; "
            f"rename the file to keep both, or delete {UPLOAD_DIR}/{filename} to replace it")
