"""Write the eval report: dev, holdout and test side by side, per kind, a chart, misses first."""

from __future__ import annotations

import html
from pathlib import Path

from evals.suite import METRIC_KEYS, Result

SIDE_BY_SIDE = ("dev", "holdout", "test")


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _kind_score(figures: dict) -> float | None:
    """One number per kind for the chart: right passage cited, or refusals right."""
    return figures.get("right_passage_cited", figures.get("refusal_accuracy"))


def kind_chart(results: list[Result], path: Path) -> None:
    """Bars per kind, dev beside holdout and test: right passage cited (answerable
    kinds) or refusal accuracy (out-of-scope kinds). A holdout or test bar far
    below its dev bar is tuning that did not generalise."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = results[0].metrics
    kinds = sorted(set().union(*(metrics[s]["by_kind"] for s in SIDE_BY_SIDE)))
    fig, ax = plt.subplots(figsize=(10, 4.2))
    width = 0.8 / len(SIDE_BY_SIDE)
    for i, split in enumerate(SIDE_BY_SIDE):
        by_kind = metrics[split]["by_kind"]
        values = [_kind_score(by_kind[k]) or 0 if k in by_kind else 0 for k in kinds]
        ax.bar([x + i * width - 0.4 + width / 2 for x in range(len(kinds))], values, width,
               label=split)
    ax.set_xticks(range(len(kinds)), kinds, fontsize=8, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("right passage cited / refused")
    ax.set_title(f"careerbot eval by kind ({results[0].backend})")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _columns(results: list[Result]) -> list[tuple[str, str, Result]]:
    return [(f"{r.backend} {split}", split, r) for r in results for split in SIDE_BY_SIDE]


def _kind_rows(result: Result) -> list[tuple[str, ...]]:
    """(kind, then its figures in each of ``SIDE_BY_SIDE``) as short text."""
    def text(fig: dict | None) -> str:
        if not fig:
            return "–"
        keys = [k for k in ("right_passage_cited", "false_refusal_rate", "answer_hit",
                            "refusal_accuracy") if k in fig]
        return f"n={fig['n']} " + " ".join(f"{k}={fig[k]:.2f}" for k in keys)

    by = [result.metrics[s]["by_kind"] for s in SIDE_BY_SIDE]
    kinds = sorted(set().union(*by))
    return [(k, *(text(b.get(k)) for b in by)) for k in kinds]


def _rows_sorted(result: Result):
    return sorted(result.rows, key=lambda r: (not r.miss, r.split, r.id))


def markdown(results: list[Result], baseline: dict | None, gate_lines: list[str]) -> str:
    cols = _columns(results)
    base = (baseline or {}).get("metrics", {}).get("test")
    head = "| metric | " + " | ".join(c[0] for c in cols) + (" | baseline test |" if base
                                                               else " |")
    lines = ["# careerbot eval", "", head, "|---|" + "---|" * (len(cols) + bool(base))]
    for key in METRIC_KEYS:
        cells = [_fmt(r.metrics[split].get(key)) for _, split, r in cols]
        if base:
            cells.append(_fmt(base.get(key)))
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    if gate_lines:
        lines += ["", "## Gate (test split)", "", *[f"- {g}" for g in gate_lines]]
    for result in results:
        lines += ["", f"## By kind ({result.backend})", "",
                  "| kind | " + " | ".join(SIDE_BY_SIDE) + " |",
                  "|---|" + "---|" * len(SIDE_BY_SIDE)]
        lines += ["| " + " | ".join(row) + " |" for row in _kind_rows(result)]
    lines += ["", "![by kind](kinds.png)", ""]
    for result in results:
        lines += [f"## Questions ({result.backend}), misses first", "",
                  "| id | split | kind | question | expected | cited | refused | answer |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in _rows_sorted(result):
            mark = "**miss** " if r.miss else ""
            lines.append(
                f"| {mark}{r.id} | {r.split} | {r.kind} | {r.question.replace('|', '/')} | "
                f"{', '.join(d.split('/')[-1] for d in r.expected_docs) or '–'} | "
                f"{', '.join(d.split('/')[-1] for d in r.cited_docs) or '–'} | "
                f"{'yes' if r.refused else 'no'} | {r.answer[:160].replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def html_report(results: list[Result], baseline: dict | None, gate_lines: list[str]) -> str:
    esc = html.escape
    cols = _columns(results)
    base = (baseline or {}).get("metrics", {}).get("test")
    head = "".join(f"<th>{esc(c[0])}</th>" for c in cols) + \
        ("<th>baseline test</th>" if base else "")
    body = []
    for key in METRIC_KEYS:
        cells = "".join(f"<td>{_fmt(r.metrics[split].get(key))}</td>" for _, split, r in cols)
        if base:
            cells += f"<td>{_fmt(base.get(key))}</td>"
        body.append(f"<tr><th>{esc(key)}</th>{cells}</tr>")
    gate = "".join(f"<li>{esc(g)}</li>" for g in gate_lines)
    tables = []
    for result in results:
        kinds = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                        for row in _kind_rows(result))
        rows = "".join(
            f"<tr class='{'miss' if r.miss else ''}'><td>{esc(r.id)}</td><td>{esc(r.split)}"
            f"</td><td>{esc(r.kind)}</td><td>{esc(r.question)}</td>"
            f"<td>{esc(', '.join(r.expected_docs))}</td>"
            f"<td>{esc(', '.join(r.cited_docs))}</td><td>{'yes' if r.refused else 'no'}</td>"
            f"<td>{esc(r.answer)}</td></tr>" for r in _rows_sorted(result))
        heads = "".join(f"<th>{s}</th>" for s in SIDE_BY_SIDE)
        tables.append(f"<h2>By kind ({esc(result.backend)})</h2><table><tr><th>kind</th>"
                      f"{heads}</tr>{kinds}</table>"
                      f"<h2>Questions ({esc(result.backend)}), misses first</h2><table>"
                      "<tr><th>id</th><th>split</th><th>kind</th><th>question</th>"
                      "<th>expected</th><th>cited</th><th>refused</th><th>answer</th></tr>"
                      f"{rows}</table>")
    return ("<!doctype html><meta charset='utf-8'><title>careerbot eval</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}"
            "tr.miss td{background:#fff0f0}</style><h1>careerbot eval</h1>"
            f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"
            f"<h2>Gate (test split)</h2><ul>{gate}</ul>"
            "<img src='kinds.png' alt='right passage cited or refused, per kind, "
            "dev, holdout and test'>"
            + "".join(tables))


def write(results: list[Result], folder: Path, baseline: dict | None,
          gate_lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    kind_chart(results, folder / "kinds.png")
    (folder / "report.md").write_text(markdown(results, baseline, gate_lines), encoding="utf-8")
    (folder / "report.html").write_text(html_report(results, baseline, gate_lines),
                                        encoding="utf-8")
    return folder / "report.md"
