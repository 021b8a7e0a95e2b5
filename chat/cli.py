"""The ``careerbot`` command. Settings are built here once and passed down."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from chat.config import Settings

app = typer.Typer(
    help="careerbot: career advice answered from a corpus of essays, with cited passages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _settings() -> Settings:
    return Settings()


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _progress_printer(enabled: bool):
    """A progress callback: a rich bar on a terminal, nothing otherwise."""
    if not enabled:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("indexing"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.description}"), transient=True)
    task = bar.add_task("", total=None)

    def update(name: str, done: int, total: int) -> None:
        bar.update(task, completed=done, total=total, description=name)

    return bar, update


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or folders to index (default: the whole corpus; only a whole-corpus "
             "run removes documents that were deleted).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Drop the index and embed everything again.")]
    = False,
    strict: Annotated[bool, typer.Option(help="Exit with status 3 if any file failed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one summary object as the "
                                          "last line of stdout.")] = False,
) -> None:
    """Index the corpus incrementally: only new or changed documents are embedded."""
    from chat.store import StoreError
    from ingest.index import IngestError
    from ingest.index import ingest as run_ingest

    settings = _settings()
    bar, update = _progress_printer(sys.stderr.isatty() and not as_json)
    try:
        if bar is not None:
            with bar:
                summary = run_ingest(settings, paths or None, rebuild=rebuild, progress=update)
        else:
            summary = run_ingest(settings, paths or None, rebuild=rebuild)
    except (IngestError, StoreError) as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        typer.echo(
            f"added {summary.added}, updated {summary.updated}, unchanged {summary.unchanged}, "
            f"removed {summary.removed}, failed {len(summary.failed)} — "
            f"{summary.documents} documents, {summary.chunks} chunks, "
            f"{summary.embedded} embedded, {summary.seconds:.1f}s"
        )
        for failure in summary.failed:
            typer.echo(f"  failed: {failure.path}: {failure.error}", err=True)
    if strict and summary.failed:
        raise typer.Exit(3)


@app.command()
def corpus(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Coverage report: documents, chunks and tokens, tags, near-duplicates, thin documents."""
    from chat.store import StoreError, open_collection
    from ingest.report import THIN_TOKENS, coverage

    settings = _settings()
    try:
        report = coverage(open_collection(settings))
    except StoreError as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    if not report.documents:
        typer.echo("The index is empty: run `careerbot ingest` first.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(report.documents)} documents, {report.chunk_count} chunks")
    for col in ("document", "kind", "chunks", "tokens", "sections"):
        table.add_column(col, justify="right" if col in ("chunks", "tokens") else "left")
    for d in report.documents:
        table.add_row(d.title[:60], d.kind, str(d.chunks), str(d.tokens), str(len(d.headings)))
    console = Console()
    console.print(table)
    console.print("Tags: " + ", ".join(f"{t} ({n})" for t, n in report.tags.items()))
    console.print(f"Thin documents (< {THIN_TOKENS} tokens): {', '.join(report.thin) or 'none'}")
    console.print(f"Near-duplicate chunk pairs: {len(report.near_duplicates)}")
    for pair in report.near_duplicates[:10]:
        console.print(f"  {pair['a_doc']} ~ {pair['b_doc']} ({pair['similarity']})")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
