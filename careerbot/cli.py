"""The ``careerbot`` command. Settings are built here once and passed down."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from core.config import Settings

app = typer.Typer(
    help="careerbot: career advice answered from a corpus of essays, with cited passages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _worst(support: dict) -> str:
    """The worst held-out batch's false refusals under the chosen target."""
    tried = support.get("targets_tried", {}).get(str(support["target_false_refusals"]), {})
    worst = tried.get("worst_false_refusal_rate")
    return "n/a" if worst is None else f"{worst:.3f}"


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
    allow_empty: Annotated[bool, typer.Option(help="Let a whole-corpus run remove every "
                                              "indexed document (an empty corpus folder); "
                                              "without it such a run exits with status 2.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one summary object as the "
                                          "last line of stdout.")] = False,
) -> None:
    """Index the corpus incrementally: only new or changed documents are embedded.

    A document's questions file beside it (foo.md: foo.questions.jsonl, one
    {"question", "answer"} a line) is indexed with it and counts as part of it:
    editing it re-indexes the document. The store is checked against the
    manifest first; damaged index files are rebuilt and old index folders
    removed (said on stdout). Symbolic links
    leading out of the corpus are not followed and are listed as failed.
    """
    from core.store import StoreError
    from ingest.index import IngestError
    from ingest.index import ingest as run_ingest

    settings = _settings()
    bar, update = _progress_printer(sys.stderr.isatty() and not as_json)
    try:
        if bar is not None:
            with bar:
                summary = run_ingest(settings, paths or None, rebuild=rebuild, progress=update,
                                     allow_empty=allow_empty)
        else:
            summary = run_ingest(settings, paths or None, rebuild=rebuild,
                                 allow_empty=allow_empty)
    except (IngestError, StoreError) as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
    else:
        typer.echo(summary.line())
        for notice in summary.notices:
            typer.echo(f"  {notice}")
        for failure in summary.failed:
            typer.echo(f"  failed: {failure.path}: {failure.error}", err=True)
    if strict and summary.failed:
        raise typer.Exit(3)


@app.command()
def corpus(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Coverage report: documents, chunks and tokens, tags, near-duplicates, thin documents."""
    from core.store import StoreError, open_collection
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


def _chain(settings: Settings):
    from chat.chain import Chain

    return Chain(settings)


def _print_answer(answer, console) -> None:
    """An answer for a person: the text, then the numbered sources under it."""
    from rich.markup import escape

    console.print(escape(answer.answer))
    if answer.notice:
        console.print(f"[dim]{escape(answer.notice)}[/dim]")
    for c in answer.citations:
        where = " > ".join(x for x in (c.title, c.heading) if x)
        link = f" {c.url}" if c.url else ""
        console.print(f"  [bold][{c.n}][/bold] {escape(where)} ({escape(c.source)}){escape(link)}")


def _batch(chain, lines) -> None:
    """JSON lines in, JSON lines out, same order; a bad line gets an error object."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError('each line must be an object with a string "question"')
        except ValueError as exc:
            typer.echo(json.dumps({"id": None, "line": number, "error": str(exc)}), nl=True)
            continue
        answer = chain.ask(item["question"], item.get("history"), id=item.get("id"))
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
        sys.stdout.flush()


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question to answer.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one answer object.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Batch: read JSON lines "
                     '({"question", "id"?, "history"?}) from stdin, write one answer per line '
                     "in the same order. Only the last CAREERBOT_HISTORY_TURNS turns of a "
                     "history are read, CAREERBOT_HISTORY_CHARS characters each.")] = False,
) -> None:
    """Answer one question from the corpus, with numbered citations."""
    settings = _settings()
    if jsonl:
        _batch(_chain(settings), sys.stdin)
        return
    if question is None:
        _fail("give a QUESTION, or --jsonl to read questions from stdin", 2)
    answer = _chain(settings).ask(question)
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        from rich.console import Console

        _print_answer(answer, Console())


@app.command()
def chat() -> None:
    """A conversation in the terminal; follow-up questions use what was said before."""
    from rich.console import Console

    console = Console()
    chain = _chain(_settings())
    history: list[dict[str, str]] = []
    console.print("Ask a career question (empty line or Ctrl-D to quit).")
    while True:
        try:
            question = console.input("[bold]you>[/bold] ")
        except (EOFError, KeyboardInterrupt):
            break
        if not question.strip():
            break
        answer = chain.ask(question, history)
        _print_answer(answer, console)
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": answer.answer}]


@app.command("eval")
def eval_command(
    split: Annotated[str, typer.Option(help="Which metrics to print: dev (tuned on), holdout "
                                       "(two later writers, never tuned on), test "
                                       "(frozen, never tuned on) or all.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print one metrics object (of "
                                          "--split) as the last line of stdout.")] = False,
    gate: Annotated[bool, typer.Option(help="Exit 1 if a test-split metric regressed against "
                                       "evals/baseline.json or crossed a floor.")] = False,
    update_baseline: Annotated[bool, typer.Option(help="Accept these figures as the new "
                                                  "baseline.")] = False,
    report: Annotated[Path, typer.Option(help="Folder for report.md, report.html and "
                                         "kinds.png.")] = Path("artifacts/eval"),
) -> None:
    """Score answers against evals/reference_qa.jsonl; write a report; gate a release.

    Every item is run once; the report shows the dev, holdout and test splits
    side by side, and the gate judges the test split. The index is brought up to date
    first (incremental). With an LLM configured the generative answerer is
    scored beside the extractive one; the gate judges the configured answerer.
    """
    from chat.chain import Chain
    from evals import gate as release_gate
    from evals import report as eval_report
    from evals.suite import SPLITS, evaluate
    from ingest.index import ingest as run_ingest

    if split not in SPLITS:
        _fail(f"--split must be one of {', '.join(SPLITS)}, not {split!r}", 2)
    settings = _settings()
    run_ingest(settings)
    chain = Chain(settings)
    results = [evaluate(chain)]
    if chain.answerer is not chain.extractive:
        results.append(evaluate(Chain(settings, embedder=chain.embedder,
                                      retriever=chain.retriever, answerer=chain.extractive)))
    metrics = results[0].metrics
    baseline = release_gate.load_baseline()
    failures = release_gate.check(metrics[release_gate.GATED_SPLIT], baseline)
    where = eval_report.write(results, report, baseline, failures or ["gate passes"])
    if update_baseline:
        release_gate.save_baseline(metrics)
    shown = metrics[split]
    if as_json:
        typer.echo(json.dumps(shown))
    else:
        for key, value in shown.items():
            if key != "by_kind":
                typer.echo(f"{key:>22}: {value}")
        for kind, figures in shown["by_kind"].items():
            typer.echo(f"{kind:>22}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
        typer.echo(f"report: {where}")
    for failure in failures:
        typer.echo(f"regression: {failure} (test split)", err=True)
    if gate and failures and not update_baseline:
        raise typer.Exit(1)


@app.command()
def calibrate() -> None:
    """Fit the query adapter on the documents' own questions and the refusal
    models on the dev split and background questions; write
    evals/calibration.json and its arrays (commit them). The test split is
    never read."""
    from chat.chain import Chain
    from evals import calibrate as cal
    from evals.suite import load_items
    from ingest.index import ingest as run_ingest

    settings = _settings()
    run_ingest(settings)
    chain = Chain(settings)
    records = chain.retriever.snapshot().records.values()
    passages = [f"{r.get('heading', '')}. {r['text']}" for r in records]
    result, examples, matrix = cal.calibrate(chain, load_items(split="dev"), passages)
    cal.write(result, examples, settings.calibration_file, matrix)
    sup, dom = result["support"], result["domain"]
    typer.echo(f"domain model: C={dom['C']}, threshold {dom['threshold']:.3f}; on dev it "
               f"refuses {dom['dev']['refused_unanswerable']}/{dom['dev']['unanswerable']} "
               f"out-of-scope and {dom['dev']['refused_answerable']} answerable questions")
    oof = sup["out_of_fold"]
    typer.echo(f"support model: false refusal target {sup['target_false_refusals']:.3f} "
               f"(held-out writing batches, worst: {_worst(sup)}), threshold "
               f"{sup['threshold']:.3f}; out of fold on dev: false "
               f"refusals {oof['false_refusal_rate']:.3f}, out-of-scope refused "
               f"{oof['refusal_accuracy']:.3f}")
    ada = result["adapter"]
    typer.echo(f"query adapter: lambda {ada['lambda']}; dev questions' answering chunk "
               f"by dense rank, MRR {ada['dev_mrr']['identity']:.3f} without it, "
               f"{ada['dev_mrr'][str(ada['lambda'])]:.3f} with it")
    typer.echo(f"wrote {settings.calibration_file}")


@app.command()
def serve() -> None:
    """Serve the web chat (the same as `python app.py`) on CAREERBOT_HOST:CAREERBOT_PORT."""
    from careerbot.serve import main as serve_main

    serve_main()


@app.command()
def feedback(
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    export: Annotated[Path | None, typer.Option(
        help="Write downvoted questions as candidate eval items (JSON lines) to this file.")]
    = None,
) -> None:
    """Summarise visitors' thumbs up/down; export downvoted questions as eval candidates."""
    from careerbot import feedback as fb

    settings = _settings()
    entries = fb.load(settings.data_dir)
    report = fb.summary(entries)
    if export is not None:
        items = fb.eval_candidates(entries)
        export.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                          encoding="utf-8")
        report["exported"] = len(items)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    typer.echo(f"{report['votes']} votes: {report['up']} up, {report['down']} down "
               f"({report['refused_down']} of them on refusals)")
    for row in report["most_downvoted"]:
        typer.echo(f"  {row['down']} × {row['question']}")
    if export is not None:
        typer.echo(f"wrote {report['exported']} candidate eval items to {export}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
