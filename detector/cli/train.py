"""``detector train``: fit a model on labelled load files (each with its truth table beside it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import detector
from detector.cli.common import COUNTRY_HELP, TZ_HELP, calendar_note, fail, out, print_note


def _labelled(paths: list[Path], unit: str | None, tz: str | None, country: str | None) -> list[detector.LabelledSet]:
    import pandas as pd

    sets = []
    for path in paths:
        truth_path = path.with_name(path.name.split(".")[0] + ".truth.csv")
        if not truth_path.exists():
            fail(
                detector.InputValidationError(
                    code=detector.ErrorCode.FILE_NOT_FOUND,
                    field="truth",
                    value=str(truth_path),
                    reason=f"no truth table beside {path.name}",
                )
            )
        frame = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
        u = unit or (str(frame["unit"].iloc[0]) if "unit" in frame else None)
        if u is None:
            fail(
                detector.InputValidationError(
                    code=detector.ErrorCode.MISSING_VALUE, field="unit", value=None, reason=f"{path.name}: pass --unit"
                )
            )
        sets.append(detector.LabelledSet(path.stem, frame, pd.read_csv(truth_path), str(u), tz, country))
    return sets


def train_cmd(
    data: Annotated[list[Path], typer.Argument(help="labelled load files; each with <name>.truth.csv beside it")],
    out_dir: Annotated[Path, typer.Option("--out", help="model directory to write")],
    tz: Annotated[str | None, typer.Option("--tz", help=TZ_HELP)] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option(help=COUNTRY_HELP)] = None,
    name: Annotated[str, typer.Option(help="model name, the prefix of its version")] = "model",
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Fit classifier, calibrator and threshold on labelled data; write a versioned artefact.

    Zone and holiday calendar default as in `detector score`.
    """
    try:
        model = detector.train(_labelled(data, unit, tz, country), name=name, random_state=seed)
    except (detector.DetectorError, ValueError) as exc:
        fail(exc)
    detector.save_model(model, out_dir)
    val = model.metadata["validation"]
    out.print(
        f"model {model.version} written to {out_dir}: threshold {model.threshold:.3f}, validation AP "
        f"{val['average_precision']:.3f}, recall {val['recall']:.2f}, FPR {val['fpr']:.3f}"
    )
    print_note(calendar_note(country, tz))
