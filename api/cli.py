"""The `reviewqa` command line. Thin: every command calls the same core functions as the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rag.config import Settings
from rag.errors import ReviewQAError

app = typer.Typer(
    help="ReviewQA: questions over UK Serious Case Reviews, answered with verified citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
EMPTY_HINT = (
    "the index is empty: run `reviewqa ingest data/reviews` first "
    "(`reviewqa serve` indexes the bundled reviews when it starts on an empty index)"
)


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as e:
        _fail(f"invalid settings: {e}")
        raise  # unreachable


def _qa(settings: Settings | None = None):  # noqa: ANN202
    from rag.service import build_pipeline

    try:
        return build_pipeline(settings or _settings())
    except ReviewQAError as e:
        _fail(str(e))


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Review files or folders to index.")],
    as_json: JsonOpt = False,
) -> None:
    """Index review files (txt, md, pdf, docx); unchanged files are skipped."""
    from ingest.pipeline import discover, ingest_paths

    settings = _settings()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")
    qa = _qa(settings)
    files = discover(paths)
    if as_json:
        summary = ingest_paths(files, qa.store, qa.embedder, settings)
    else:
        with typer.progressbar(length=len(files), label="ingesting", file=sys.stderr) as bar:
            summary = ingest_paths(
                files, qa.store, qa.embedder, settings, progress=lambda p, r: bar.update(1)
            )
    qa.refresh()  # rebuild and save BM25 now, in step with what was just indexed
    if as_json:
        _print_json(summary.model_dump())
    else:
        for r in summary.files:
            if r.status == "failed":
                typer.secho(f"  FAILED  {r.error}", fg=typer.colors.RED, err=True)
            else:
                typer.echo(
                    f"  {r.status:9} {r.review_id}: {r.chunks} chunks ({r.embedded} embedded)"
                )
        typer.echo(
            f"reviews {summary.reviews}, sections {summary.sections}, chunks {summary.chunks}, "
            f"skipped unchanged {summary.skipped_unchanged}, failed {summary.failed}, "
            f"seconds {summary.seconds}"
        )
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def outline(
    file: Annotated[Path, typer.Argument(help="A review file.")], as_json: JsonOpt = False
) -> None:
    """Show the detected section tree of one file (the index is not touched)."""
    from ingest.pipeline import prepare
    from ingest.sections import outline_lines

    try:
        parsed, _ = prepare(file, _settings())
    except ReviewQAError as e:
        _fail(str(e))
    if as_json:
        _print_json(
            {
                "meta": parsed.meta.model_dump(mode="json"),
                "sections": [
                    {
                        "path": list(s.path),
                        "kind": s.kind,
                        "label": s.label,
                        "blocks": len(s.blocks),
                        "paragraphs": [b.para for b in s.blocks if b.para],
                    }
                    for s in parsed.sections
                ],
                "warnings": list(parsed.warnings),
            }
        )
    else:
        m = parsed.meta
        typer.echo(f"{m.title}  [{m.review_id}]  boards: {', '.join(m.boards) or '?'}")
        for line in outline_lines(parsed):
            typer.echo(line)
        for w in parsed.warnings:
            typer.secho(f"warning: {w}", fg=typer.colors.YELLOW, err=True)


@app.command()
def chunks(
    file: Annotated[Path, typer.Argument(help="A review file.")], as_json: JsonOpt = False
) -> None:
    """Print the chunks of one file (the index is not touched)."""
    from ingest.pipeline import prepare

    try:
        _, chunk_list = prepare(file, _settings())
    except ReviewQAError as e:
        _fail(str(e))
    if as_json:
        _print_json(
            [
                c.model_dump(mode="json", exclude={"embed_text"})
                | {"section_path": list(c.section_path), "paragraphs": list(c.paragraphs)}
                for c in chunk_list
            ]
        )
    else:
        for c in chunk_list:
            dup = f"  (duplicate of {c.duplicate_of})" if c.duplicate_of else ""
            typer.echo(f"[{c.kind}] {c.label}  {c.tokens} tokens{dup}")


@app.command()
def reviews(as_json: JsonOpt = False) -> None:
    """List indexed reviews with their metadata and chunk counts."""
    from api.routes.reviews import _reviews

    rows = _reviews(_qa())
    if as_json:
        _print_json([r.model_dump() for r in rows])
        return
    if not rows:
        typer.echo("no reviews indexed; run: reviewqa ingest data/reviews")
    for r in rows:
        typer.echo(f"{r.review_id:28} {r.title:42} {r.chunks:5} chunks  {', '.join(r.boards)}")


@app.command()
def delete(
    review_id: Annotated[str, typer.Argument(help="Review id (see `reviewqa reviews`).")],
) -> None:
    """Remove one review and its chunks from the index."""
    qa = _qa()
    try:
        n = qa.store.delete_review(review_id)
    except ReviewQAError as e:
        _fail(str(e))
    qa.refresh()
    typer.echo(f"deleted {review_id} ({n} chunks)")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", help="Number of passages (1-50).")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Find the passages that best match a query."""
    from api.schemas import PassageOut

    if not query.strip():
        _fail("query must not be empty")
    if not 1 <= k <= 50:
        _fail(f"-k must be between 1 and 50 (got {k})")
    qa = _qa()
    if not qa.store.manifest.reviews:
        _fail(EMPTY_HINT)
    passages = qa.engine.search(query, k)
    if as_json:
        _print_json(
            {
                "query": query,
                "passages": [PassageOut.from_passage(p).model_dump() for p in passages],
            }
        )
        return
    for i, p in enumerate(passages, 1):
        typer.secho(f"{i}. {p.chunk.label}  (score {p.score:.4f}, {p.chunk.kind})", bold=True)
        first = " ".join(p.chunk.text.split())[:300]
        typer.echo(f"   {first}{'…' if len(p.chunk.text) > 300 else ''}\n")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in your own words.")],
    k: Annotated[int, typer.Option("-k", help="Passages to draw the answer from (1-50).")] = 8,
    sentences: Annotated[
        int | None,
        typer.Option("--sentences", help="At most this many quoted sentences (1-10)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the reviews, with numbered citations."""
    from api.routes.ask import to_response
    from rag.answer import answer_question

    if not question.strip():
        _fail("question must not be empty")
    if not 1 <= k <= 50:
        _fail(f"-k must be between 1 and 50 (got {k})")
    if sentences is not None and not 1 <= sentences <= 10:
        _fail(f"--sentences must be between 1 and 10 (got {sentences})")
    qa = _qa()
    if not qa.store.manifest.reviews:
        _fail(EMPTY_HINT)
    a = answer_question(qa, question, k, sentences=sentences)
    if as_json:
        _print_json(to_response(a).model_dump())
        return
    typer.echo(a.answer)
    if a.note:
        typer.secho(a.note, fg=typer.colors.YELLOW)
    if a.citations:
        typer.echo("")
    for c in a.citations:
        where = (
            f"lines {c.lines[0]}–{c.lines[1]}"
            if c.lines
            else (f"pages {c.pages[0]}–{c.pages[1]}" if c.pages else "")
        )
        typer.echo(f"[{c.n}] {c.label} ({where})")
    if a.refused:
        typer.echo("\nNearest passages:")
        for p in a.passages[:3]:
            typer.echo(f"  - {p.chunk.label}")


@app.command()
def score(
    question: Annotated[str, typer.Argument(help="The question the answer replies to.")],
    answer: Annotated[str, typer.Argument(help="The answer to score ('-' reads it from stdin).")],
    as_json: JsonOpt = False,
) -> None:
    """Score any answer's faithfulness to the reviews, sentence by sentence."""
    from api.routes.evaluate import run_evaluation
    from api.schemas import EvaluateRequest

    if answer == "-":
        answer = sys.stdin.read()
    try:
        body = EvaluateRequest(question=question, answer=answer)
    except ValueError as e:
        _fail(str(e))
    res = run_evaluation(_qa(), body)
    if as_json:
        _print_json(res.model_dump())
        return
    for v in res.sentences:
        mark = (
            typer.style("supported  ", fg=typer.colors.GREEN)
            if v.supported
            else typer.style("UNSUPPORTED", fg=typer.colors.RED)
        )
        typer.echo(f"{mark} {v.score:.2f}  {v.sentence}")
        for r in v.reasons:
            typer.echo(f"              - {r}")
    typer.echo(f"\nfaithfulness {res.faithfulness:.2f}")


@app.command(name="eval")
def eval_cmd(
    dataset: Annotated[Path, typer.Option(help="Questions file (JSON lines).")] = Path(
        "eval/questions.jsonl"
    ),
    out: Annotated[Path, typer.Option(help="Folder for report.md, report.json and plots.")] = Path(
        "eval/out"
    ),
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Also score the naive LangChain pipeline.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Only the first N questions (0 = all).")] = 0,
) -> None:
    """Evaluate retrieval and answers on an eval set and write a readable report."""
    from eval.metrics import load_questions
    from eval.report import write_report
    from eval.runner import run_eval

    try:
        questions = load_questions(dataset)
    except (OSError, ValueError, KeyError) as e:
        _fail(f"cannot read dataset {str(dataset)!r}: {e}")
    if limit:
        questions = questions[:limit]
    settings = _settings()
    qa = _qa(settings)
    if not qa.store.manifest.reviews:
        _fail(EMPTY_HINT)
    base = None
    if baseline:
        from eval.baseline import NaiveBaseline

        typer.echo("building the naive LangChain baseline…", err=True)
        base = NaiveBaseline(settings.reviews_dir, qa.embedder)
    with typer.progressbar(length=len(questions), label="evaluating", file=sys.stderr) as bar:
        summary = run_eval(qa, questions, base, progress=lambda r: bar.update(1))
    if base:
        base.close()
    path = write_report(summary, out, str(dataset))
    r, a = summary["retrieval"], summary["answers"]
    typer.echo(
        f"recall@500/1000/2000 {r.get('recall@500', 0):.3f}/{r.get('recall@1000', 0):.3f}/"
        f"{r.get('recall@2000', 0):.3f}, MRR {r.get('mrr', 0):.3f}; citation validity "
        f"{a['citation_validity']:.1%}; report: {path}"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    ingest_if_empty: Annotated[
        bool, typer.Option(help="Index REVIEWQA_REVIEWS_DIR first when the index is empty.")
    ] = True,
) -> None:
    """Run the HTTP API and web page."""
    import uvicorn

    from api.app import create_app
    from ingest.pipeline import ingest_paths

    settings = _settings()
    qa = _qa(settings)
    if ingest_if_empty and not qa.store.manifest.reviews:
        typer.echo(f"index is empty: ingesting {settings.reviews_dir}", err=True)
        summary = ingest_paths([settings.reviews_dir], qa.store, qa.embedder, settings)
        typer.echo(
            f"indexed {summary.reviews} reviews, {summary.chunks} chunks in {summary.seconds}s",
            err=True,
        )
        qa.refresh()
    typer.echo(f"ReviewQA on http://{host}:{port}/", err=True)
    uvicorn.run(create_app(settings, qa=qa), host=host, port=port, log_level="warning")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
