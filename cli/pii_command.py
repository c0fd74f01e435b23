"""``shuzhi pii``: find personal data in free text and classify the columns of a table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.output import print_json, print_table

if TYPE_CHECKING:
    from pii.evaluation.scoring import EntityScore, Report

app = typer.Typer(help="Personal-data detection (offline, Presidio).", no_args_is_help=True)


@app.command("scan")
def scan(
    redact: bool = typer.Option(False, "--redact", help="Add the redacted text to each line."),
    workers: int = typer.Option(
        0, "--workers", help="Processes to use (0: every core this process may use)."
    ),
) -> None:
    """JSON Lines {"id", "text"} on stdin → {"id", "findings": [...]} on stdout.

    Offsets are Python string characters. A bad input line gets an
    {"line", "id", "error"} line in its place and makes the exit status 1.
    """
    from pii.jsonl_scan import scan_lines
    from pii.parallel import available_workers

    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="strict", closefd=False)  # noqa: SIM115
    summary = scan_lines(
        stdin, sys.stdout, with_redacted=redact, workers=workers or available_workers()
    )
    if summary.errors:
        print(
            f"error: {summary.errors} of {summary.lines} input lines could not be scanned "
            "(see their error lines)",
            file=sys.stderr,
        )
        raise typer.Exit(1)


@app.command("classify")
def classify(
    file: Path = typer.Argument(..., help="A CSV (any Chinese encoding), Excel or Parquet file."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    sample: int = typer.Option(1_000, "--sample", min=1, help="Rows to sample."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random sample."),
) -> None:
    """Per column: the personal-data entity it holds (or none) and the confidence."""
    from pii.column_classifier import classify_table
    from pii.table_sample import sample_file

    table = sample_file(file, rows=sample, seed=seed)
    classes = classify_table(table)
    if json_out:
        print_json(
            {
                "file": str(file),
                "sampled_rows": table.num_rows,
                "columns": {name: c.as_json() for name, c in classes.items()},
            }
        )
        return
    print_table(
        f"Personal data in {file.name}",
        ["column", "entity", "confidence", "kind", "values with it", "also seen"],
        [
            [
                name,
                c.entity or "-",
                f"{c.score:.2f}",
                c.kind,
                f"{c.matched:,} of {c.sampled:,}" if c.entity else f"- of {c.sampled:,}",
                ", ".join(f"{e} {s:.2f}" for e, s in c.entities.items() if e != c.entity) or "",
            ]
            for name, c in classes.items()
        ],
        caption=f"{table.num_rows:,} rows sampled",
    )


@app.command("evaluate")
def evaluate_command(
    generated: int = typer.Option(1_500, "--generated", min=0, help="Generated texts to add."),
    seed: int = typer.Option(20261201, "--seed", help="Seed of the generated texts."),
    errors: int = typer.Option(0, "--errors", min=0, help="Also list this many errors."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Precision and recall per entity on the labelled set (hand-written hard cases + generated)."""
    from pii.evaluation.generated import generate
    from pii.evaluation.labelled_set import load_hard_cases
    from pii.evaluation.scoring import evaluate, format_errors, format_table
    from pii.text_scan import find

    texts = load_hard_cases() + generate(generated, seed=seed)
    report = evaluate(texts, find)
    if json_out:
        print_json(_report_json(report, errors))
        return
    print(format_table(report))
    if errors:
        print()
        print(format_errors(report, limit=errors))


def _report_json(report: Report, errors: int) -> dict[str, object]:
    """Counts, precision and recall per entity and overall; the first ``errors`` errors."""

    def score(s: EntityScore) -> dict[str, object]:
        return {
            "labelled": s.labelled,
            "predicted": s.predicted,
            "true_positives": s.true_positives,
            "false_positives": s.false_positives,
            "false_negatives": s.false_negatives,
            "boundary": s.boundary,
            "precision": s.precision,
            "recall": s.recall,
            "relaxed": s.relaxed,
        }

    return {
        "texts": report.text_count,
        "entities": {name: score(s) for name, s in report.scores.items()},
        "overall": score(report.overall),
        "errors": [e.__dict__ for e in report.errors[:errors]],
    }
