"""Write the evaluation as report.md, report.json and PNG plots (matplotlib, headless)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.metrics import BUDGETS


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def plots(summary: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    fig, ax = plt.subplots(figsize=(6, 4))
    ret = summary["retrieval"]
    ax.plot(BUDGETS, [ret[f"recall@{b}"] for b in BUDGETS], marker="o", label="ReviewQA")
    if "baseline" in summary:
        base = summary["baseline"]
        ax.plot(
            BUDGETS, [base[f"recall@{b}"] for b in BUDGETS], marker="s", label="naive LangChain"
        )
    ax.set_xlabel("context budget (tokens)")
    ax.set_ylabel("recall of gold quotes")
    ax.set_ylim(0, 1)
    ax.set_xticks(BUDGETS)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Retrieval recall vs token budget")
    fig.tight_layout()
    fig.savefig(out / "recall_vs_budget.png", dpi=110)
    plt.close(fig)
    files.append("recall_vs_budget.png")

    types = list(summary["by_type"])
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = range(len(types))
    ours = [summary["by_type"][t]["recall@1000"] for t in types]
    w = 0.4 if "baseline_by_type" in summary else 0.8
    ax.bar([x - (w / 2 if w < 0.8 else 0) for x in xs], ours, width=w, label="ReviewQA")
    if "baseline_by_type" in summary:
        ax.bar(
            [x + w / 2 for x in xs],
            [summary["baseline_by_type"][t]["recall@1000"] for t in types],
            width=w,
            label="naive LangChain",
        )
    ax.set_xticks(list(xs))
    ax.set_xticklabels(types, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("recall@1000")
    ax.set_title("Recall within 1000 tokens, by question type")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "recall_by_type.png", dpi=110)
    plt.close(fig)
    files.append("recall_by_type.png")
    return files


def write_report(summary: dict[str, Any], out: Path, dataset: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(
        json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    images = plots(summary, out)
    ret, ans, lat = summary["retrieval"], summary["answers"], summary["latency_ms"]
    lines = [
        "# ReviewQA evaluation report",
        "",
        f"Dataset: `{dataset}`: {summary['questions']} questions "
        f"({summary['answerable']} answerable, {summary['unanswerable']} unanswerable).",
        "",
        "## Retrieval",
        "Recall = share of each gold quote's word 3-grams found in the passages returned within "
        "the token budget (tiktoken cl100k), averaged over questions. MRR: rank of the first "
        "passage holding half of a gold quote.",
        "",
        "| system | recall@500 | recall@1000 | recall@2000 | all gold found@2000 | MRR |",
        "|---|---|---|---|---|---|",
        f"| ReviewQA | {_f(ret['recall@500'])} | {_f(ret['recall@1000'])} | {_f(ret['recall@2000'])} | "
        f"{_f(ret['all_found@2000'])} | {_f(ret['mrr'])} |",
    ]
    if "baseline" in summary:
        b = summary["baseline"]
        lines.append(
            f"| naive LangChain (1000/200 splitter, MiniLM, Chroma) | {_f(b['recall@500'])} | "
            f"{_f(b['recall@1000'])} | {_f(b['recall@2000'])} | n/a | {_f(b['mrr'])} |"
        )
    lines += [
        "",
        f"![recall vs budget]({images[0]})",
        "",
        "### By question type",
        "",
        "| type | n | recall@500 | recall@1000 | recall@2000 | MRR | fact recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for t, r in summary["by_type"].items():
        lines.append(
            f"| {t} | {r['n']} | {_f(r['recall@500'])} | {_f(r['recall@1000'])} | "
            f"{_f(r['recall@2000'])} | {_f(r['mrr'])} | {_f(r['fact_recall'])} |"
        )
    lines += [
        "",
        f"![recall by type]({images[1]})",
        "",
        "### By review",
        "",
        "| review | n | recall@1000 | recall@2000 | MRR |",
        "|---|---|---|---|---|",
    ]
    for t, r in summary["by_review"].items():
        lines.append(
            f"| {t} | {r['n']} | {_f(r['recall@1000'])} | {_f(r['recall@2000'])} | {_f(r['mrr'])} |"
        )
    lines += [
        "",
        "## Answers (extractive unless an LLM is configured)",
        "",
        "| metric | value |",
        "|---|---|",
        f"| citation validity (quote verbatim in its passage) | {_pct(ans['citation_validity'])} of {ans['citations']} |",
        f"| sentence support rate | {_pct(ans['sentence_support_rate'])} |",
        f"| citation recall (ALCE) | {_pct(ans['citation_recall'])} |",
        f"| citation precision (ALCE) | {_pct(ans['citation_precision'])} |",
        f"| answer facts present (lenient word match; refusals count 0) | {_f(ans['fact_recall'])} |",
        f"| unanswerable questions refused | {_pct(ans['unanswerable_refused'])} |",
        f"| answerable questions wrongly refused | {_pct(ans['false_refusals'])} |",
        "",
        "Support and citation metrics use ReviewQA's own deterministic scorer (see README, "
        '"How the support scorer decides"); extractive answers quote their passages, so they '
        "measure the pipeline's bookkeeping more than its judgement.",
        "",
        "## Latency (in process)",
        "",
        f"search p50 {lat['search_p50']:.0f} ms, p95 {lat['search_p95']:.0f} ms; "
        f"ask p50 {lat['ask_p50']:.0f} ms, p95 {lat['ask_p95']:.0f} ms (ask reuses the query "
        "vector that search computed; bench/answers.py times it cold).",
        "",
        "## Where it goes wrong",
        "",
    ]
    if summary["wrong_refusals"]:
        lines.append(f"Answerable questions refused: {', '.join(summary['wrong_refusals'])}.")
    if summary["unanswerable_answered"]:
        lines.append(
            f"Unanswerable questions answered anyway: {', '.join(summary['unanswerable_answered'])}."
        )
    lines.append("")
    for w in summary["worst"]:
        lines += [
            f"### {w['id']} ({w['type']}): {w['question']}",
            f"recall@1000 {w['recall']['1000']:.2f}, reciprocal rank {w['rr']:.2f}"
            + (", refused" if w["refused"] else ""),
            "",
        ]
        for m in w["missed_quotes"]:
            lines.append(f"- not in the top 10 passages: “{m}”")
        lines.append("")
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
