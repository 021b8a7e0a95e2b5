"""Write the eval report: Markdown and HTML, a per-category chart, misses first."""

from __future__ import annotations

import html
from pathlib import Path

from evals.suite import METRIC_KEYS, Result, per_category


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def category_chart(results: list[Result], path: Path) -> None:
    """Bar chart: share of correct decisions and right passage cited, per category."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = per_category(results[0].rows)
    names = list(cats)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    width = 0.8 / (2 * len(results))
    for i, result in enumerate(results):
        data = per_category(result.rows)
        for j, (key, label) in enumerate([("correct_decision", "answer/refuse right"),
                                          ("right_passage_cited", "right passage cited")]):
            offset = (2 * i + j) * width - 0.4 + width / 2
            values = [data[c][key] or 0 for c in names]
            ax.bar([x + offset for x in range(len(names))], values, width,
                   label=f"{result.backend}: {label}")
    ax.set_xticks(range(len(names)), [n.replace(" & ", " &\n") for n in names], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of questions")
    ax.set_title("careerbot eval by category")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _rows_sorted(result: Result):
    return sorted(result.rows, key=lambda r: (not r.miss, r.id))


def markdown(results: list[Result], baseline: dict | None, gate_lines: list[str]) -> str:
    head = "| metric | " + " | ".join(r.backend for r in results) + \
        (" | baseline |" if baseline else " |")
    lines = ["# careerbot eval", "", head,
             "|---|" + "---|" * (len(results) + (1 if baseline else 0))]
    for key in METRIC_KEYS:
        cells = [_fmt(r.metrics.get(key)) for r in results]
        if baseline:
            cells.append(_fmt(baseline.get("metrics", {}).get(key)))
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    if gate_lines:
        lines += ["", "## Gate", "", *[f"- {g}" for g in gate_lines]]
    lines += ["", "![per category](categories.png)", ""]
    for result in results:
        lines += [f"## Questions ({result.backend}), misses first", "",
                  "| id | category | question | expected | cited | refused | answer |",
                  "|---|---|---|---|---|---|---|"]
        for r in _rows_sorted(result):
            mark = "**miss** " if r.miss else ""
            lines.append(
                f"| {mark}{r.id} | {r.category} | {r.question.replace('|', '/')} | "
                f"{', '.join(d.split('/')[-1] for d in r.expected_docs) or '–'} | "
                f"{', '.join(d.split('/')[-1] for d in r.cited_docs) or '–'} | "
                f"{'yes' if r.refused else 'no'} | {r.answer[:160].replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def html_report(results: list[Result], baseline: dict | None, gate_lines: list[str]) -> str:
    esc = html.escape
    cols = "".join(f"<th>{esc(r.backend)}</th>" for r in results) + \
        ("<th>baseline</th>" if baseline else "")
    body = []
    for key in METRIC_KEYS:
        cells = "".join(f"<td>{_fmt(r.metrics.get(key))}</td>" for r in results)
        if baseline:
            cells += f"<td>{_fmt(baseline.get('metrics', {}).get(key))}</td>"
        body.append(f"<tr><th>{esc(key)}</th>{cells}</tr>")
    gate = "".join(f"<li>{esc(g)}</li>" for g in gate_lines)
    tables = []
    for result in results:
        rows = "".join(
            f"<tr class='{'miss' if r.miss else ''}'><td>{esc(r.id)}</td><td>{esc(r.category)}</td>"
            f"<td>{esc(r.question)}</td><td>{esc(', '.join(r.expected_docs))}</td>"
            f"<td>{esc(', '.join(r.cited_docs))}</td><td>{'yes' if r.refused else 'no'}</td>"
            f"<td>{esc(r.answer)}</td></tr>" for r in _rows_sorted(result))
        tables.append(f"<h2>Questions ({esc(result.backend)}), misses first</h2><table>"
                      "<tr><th>id</th><th>category</th><th>question</th><th>expected</th>"
                      f"<th>cited</th><th>refused</th><th>answer</th></tr>{rows}</table>")
    return ("<!doctype html><meta charset='utf-8'><title>careerbot eval</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;font-size:13px}"
            "tr.miss td{background:#fff0f0}</style><h1>careerbot eval</h1>"
            f"<table><tr><th>metric</th>{cols}</tr>{''.join(body)}</table>"
            f"<ul>{gate}</ul><img src='categories.png' alt='per-category chart'>"
            + "".join(tables))


def write(results: list[Result], folder: Path, baseline: dict | None,
          gate_lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    category_chart(results, folder / "categories.png")
    (folder / "report.md").write_text(markdown(results, baseline, gate_lines), encoding="utf-8")
    (folder / "report.html").write_text(html_report(results, baseline, gate_lines),
                                        encoding="utf-8")
    return folder / "report.md"
