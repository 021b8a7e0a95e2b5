"""Repair UTF-8 text that was decoded as Windows-1252 somewhere upstream.

ftfy fixes the common case. Scrapers often go one step further and *drop* the
bytes that Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D), which
leaves sequences ftfy cannot undo: ``âž¡ï¸`` is ``➡️`` without its final 0x8F,
``ðŸ»`` is a skin-tone modifier without its 0x8F, ``â€`` is a zero-width joiner
without its 0x8D (or a closing quote without its 0x9D). We put back a missing
byte when exactly one is missing and the result is a real character, then let
ftfy finish the job.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

# Bytes Windows-1252 does not define; a lossy decode drops them.
_DROPPED = (0x8F, 0x8D, 0x90, 0x9D, 0x81)

# A run of characters that Windows-1252 can encode and that starts with a
# character whose byte is a UTF-8 lead byte (0xC2-0xF4).
_RUN = re.compile(r"[\u00c2-\u00f4][\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                  r"\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
                  r"\u2039\u203a\u20ac\u2122]+")


def _seq_len(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _is_cont(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF


def _candidates(lead: int, next_is_symbol: bool) -> tuple[int, ...]:
    """Order the dropped bytes by how likely they are in this position.

    ``E2 80 ??`` is either a zero-width joiner (8D, between emoji and symbols)
    or a closing double quote (9D, everywhere else).
    """
    if lead == 0xE2:
        return (0x8D, 0x9D) if next_is_symbol else (0x9D, 0x8D)
    return _DROPPED


def _assigned(text: str) -> bool:
    return all(unicodedata.category(ch) not in ("Cn", "Co", "Cs") for ch in text)


def _decode_one(data: bytes, i: int) -> tuple[str, int] | None:
    """Decode the sequence at ``data[i]``, inserting one dropped byte if needed.

    The dropped byte may have stood anywhere after the lead byte. Likelier
    bytes are tried first, each at the end and then earlier; only assigned
    characters are accepted.
    """
    n = _seq_len(data[i])
    if n == 0:
        return None
    chunk = data[i : i + n]
    if len(chunk) == n and all(_is_cont(b) for b in chunk[1:]):
        try:
            return chunk.decode("utf-8"), n
        except UnicodeDecodeError:
            return None
    have = 1
    while have < n and i + have < len(data) and _is_cont(data[i + have]):
        have += 1
    if have != n - 1 or have < 2:
        return None
    head = data[i : i + have]
    rest = data[i + have :]
    next_is_symbol = bool(rest) and rest[0] >= 0xE2
    for byte in _candidates(data[i], next_is_symbol):
        for pos in range(have, 0, -1):
            seq = head[:pos] + bytes([byte]) + head[pos:]
            try:
                text = seq.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if _assigned(text):
                return text, have
    return None


def _repair_run(run: str) -> str:
    try:
        data = run.encode("cp1252")
    except UnicodeEncodeError:
        return run
    out: list[str] = []
    i = 0
    while i < len(data):
        decoded = _decode_one(data, i)
        if decoded is None:
            return run  # not mojibake after all (or beyond repair): leave it alone
        text, used = decoded
        out.append(text)
        i += used
    return "".join(out)


def fix_mojibake(text: str) -> str:
    """Return ``text`` with double-decoded UTF-8 repaired, dropped bytes included."""
    text = _RUN.sub(lambda m: _repair_run(m.group(0)), text)
    return ftfy.fix_text(text, uncurl_quotes=False, normalization="NFC")
