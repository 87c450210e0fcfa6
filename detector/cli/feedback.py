"""`detector outcomes import|list` and `detector recalibrate` (registered on the main CLI app).

They use the service's database (``DETECTOR_DATABASE_URL`` / ``DETECTOR_DATA_DIR``, as `detector keys`),
so outcomes recorded over HTTP and imported from files land in one place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

import detector
from detector.cli.common import err, fail, out
from detector.cli.database import open_store
from detector.feedback import LoadSource, OutcomeFileError, RecalibrationReport, recalibrate
from detector.service.settings import Settings

outcomes_app = typer.Typer(
    no_args_is_help=True, help="Record inspection outcomes and list them (in the service's database)."
)


def _fail(exc: Exception) -> None:
    """One line on stderr, exit 2, as every command answers: flags named, the message never read as markup."""
    fail(exc)


def _error_line(message: object) -> Text:
    return Text.assemble(("error:", "red"), " ", str(message))  # a value like '[red]x' stays as it was sent


@outcomes_app.command("import")
def import_cmd(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV: series_id, outcome (mining, not_mining, not_inspected)"
            "[, job_id, segment_start, model_version, note, recorded_by, inspected_at]"
        ),
    ],
    by: Annotated[str | None, typer.Option("--by", help="who recorded them, where recorded_by is empty")] = None,
    tenant: Annotated[
        str | None,
        typer.Option(help="tenant whose keys see rows without a job_id over HTTP (default: only the CLI sees them)"),
    ] = None,
) -> None:
    """Check every row, then store all of them or, if any row is bad, none (each bad row is listed).

    A row naming a job belongs to that job's tenant (the keys that see the job see the outcome).
    """
    from detector.service import feedback

    try:
        added, skipped = feedback.import_outcomes(open_store(Settings()), path, recorded_by=by, tenant=tenant)
    except OutcomeFileError as exc:
        for e in exc.errors[:10]:
            err.print(_error_line(e), highlight=False, soft_wrap=True)
        if len(exc.errors) > 10:
            err.print(f"... and {len(exc.errors) - 10} more bad rows", highlight=False)
        err.print(f"{len(exc.errors)} bad rows; nothing imported", highlight=False)
        raise typer.Exit(2) from exc
    except detector.DetectorError as exc:
        _fail(exc)
    ids = f" (ids {added[0].id}-{added[-1].id})" if added else ""
    again = f"; {skipped} already recorded, skipped" if skipped else ""
    out.print(f"imported {len(added)} outcomes{ids}{again}", highlight=False)


@outcomes_app.command("list")
def list_cmd(
    series: Annotated[str | None, typer.Option("--series", help="only this series")] = None,
    job: Annotated[str | None, typer.Option("--job", help="only this job")] = None,
    limit: Annotated[int, typer.Option(min=1, help="rows shown (the CSV gets all)")] = 50,
    csv: Annotated[Path | None, typer.Option("--out", help="write them all as CSV")] = None,
) -> None:
    """Outcomes in the order they were recorded."""
    from detector.service import feedback

    total, items = feedback.list_outcomes(open_store(Settings()), series_id=series, job_id=job)
    if csv is not None:
        detector.escape_formulas(pd.DataFrame([o.to_dict() for o in items])).to_csv(csv, index=False)
    table = Table("id", "series", "outcome", "job", "segment", "model", "by", "recorded", "note")
    for o in items[:limit]:
        table.add_row(
            str(o.id),
            o.series_id,
            o.outcome,
            (o.job_id or "")[:8],
            f"{o.segment_start:%Y-%m-%d %H:%M}" if o.segment_start is not None else "",
            o.model_version or "",
            o.recorded_by,
            f"{o.recorded_at:%Y-%m-%d %H:%M}",
            (o.note or "")[:40],
        )
    out.print(table)
    out.print(f"{total} outcomes" + (f"; first {limit} shown" if total > limit else ""))


def recalibrate_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="directory for the new model version")],
    model: Annotated[Path | None, typer.Option(help="parent model directory (default: the bundled model)")] = None,
    data: Annotated[
        Path | None, typer.Option(help="loads of outcomes recorded without a job (CSV or Parquet long table)")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="unit of --data (else its 'unit' column)")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="zone of naive timestamps in --data")] = None,
    country: Annotated[
        str | None, typer.Option(help="holiday calendar of --data; default: the country of --tz, as in score")
    ] = None,
    budget: Annotated[int, typer.Option(min=1, help="inspection budget K: precision among the top K")] = 20,
    folds: Annotated[int, typer.Option(min=2, help="cross-validation folds for the before/after figures")] = 5,
    prior_strength: Annotated[
        float, typer.Option("--prior-strength", min=0.0, help="the parent map counts as this many inspections")
    ] = 10.0,
    min_precision: Annotated[
        float | None,
        typer.Option("--min-precision", min=0.0, max=1.0, help="threshold: best F1 among cuts at least this precise"),
    ] = None,
    name: Annotated[str, typer.Option(help="name of the new model, the prefix of its version")] = "recalibrated",
    seed: Annotated[int, typer.Option()] = 0,
    report: Annotated[Path | None, typer.Option(help="also write the report as JSON")] = None,
) -> None:
    """Refit calibration and threshold on recorded outcomes; write a NEW model version (trees unchanged).

    Outcomes that name a job are matched to that job's upload; the rest to --data. 'not_inspected'
    outcomes are left out. Figures after the refit are cross-validated on the inspected series.
    """
    from detector.service import feedback

    store = open_store(Settings())
    outcomes = feedback.all_outcomes(store)
    if not outcomes:
        _fail(detector.DataSufficiencyError("no outcomes recorded yet: `detector outcomes import FILE` first"))
    sources = feedback.job_sources(store, sorted({o.job_id for o in outcomes if o.job_id is not None}))
    if data is not None:
        sources[None] = LoadSource(data, unit, tz, country)
    try:
        parent = detector.load_model(model)
        result = recalibrate(
            outcomes,
            sources,
            model=parent,
            budget=budget,
            folds=folds,
            prior_strength=prior_strength,
            min_precision=min_precision,
            name=name,
            random_state=seed,
        )
    except detector.DetectorError as exc:
        _fail(exc)
    detector.save_model(result.model, out_dir)
    others = sorted({o.model_version for o in outcomes if o.model_version not in (None, parent.version)})
    if others:
        out.print(
            f"outcomes name other model versions ({', '.join(others)}); their series were re-scored with "
            f"{parent.version} (the features do not depend on the model)",
            highlight=False,
        )
    _print_report(result.report, out_dir)
    if report is not None:
        report.write_text(json.dumps(result.report.to_dict(), indent=2) + "\n")


def _print_report(r: RecalibrationReport, out_dir: Path) -> None:
    out.print(
        f"model {r.model_version} (parent {r.parent_version}) written to {out_dir}: {r.n_outcomes} outcomes on "
        f"{r.n_series} inspected series ({r.n_mining} mining, {r.n_not_mining} not), {r.n_not_inspected} "
        f"'not_inspected' left out; {r.folds}-fold cross-validated",
        highlight=False,
    )
    table = Table("", f"precision, top {r.budget}", "Brier", "threshold", "precision", "recall", "flagged")
    for label, s in (("before", r.before), ("after", r.after)):
        table.add_row(
            label,
            f"{s.precision_at_budget:.3f}",
            f"{s.brier:.3f}",
            f"{s.threshold:.3f}",
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.flagged} of {r.n_population}",
        )
    out.print(table)
    for line in r.skipped[:5]:
        out.print(f"skipped {line}", highlight=False)
    if len(r.skipped) > 5:
        out.print(f"... {len(r.skipped) - 5} more skipped", highlight=False)
