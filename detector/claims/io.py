"""Claim files: a claims table in (``read_claims``), one results row per claim out (``result_row``), and your
own rigs' power (``read_rig_table``)."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Literal

import pandas as pd

from detector.claims.model import Claim, ClaimRow, parse_curtail_months, parse_hours
from detector.claims.report import Verification
from detector.errors import DetectorError, ErrorCode, InputValidationError
from detector.rigs import RIGS

_NUMBERS = ("rigs", "kw_per_rig", "power_kw", "uptime", "licensed_kw", "curtail_share")
_TRUE, _FALSE = {"true", "1", "yes", "y"}, {"false", "0", "no", "n", ""}


def read_claims(source: str | Path | pd.DataFrame) -> list[ClaimRow]:
    """Claims from a CSV or DataFrame: ``series_id, start`` and ``rigs`` (+ ``rig_model`` or ``kw_per_rig``) or
    ``power_kw``; optional ``claim_id, uptime, licensed_kw, curtail_hours, curtail_share, curtail_months,
    dedicated, peers``.
    Other columns (e.g. your own truth) are ignored. A bad value raises, naming its row, field and value."""
    if isinstance(source, pd.DataFrame):
        frame = source.astype("string").fillna("")
    else:
        try:
            frame = pd.read_csv(source, dtype=str, keep_default_na=False)
        except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputValidationError(
                code=ErrorCode.UNREADABLE_FILE, field="claims", value=str(source), reason=f"not a readable CSV: {exc}"
            ) from exc
    for required in ("series_id", "start"):
        if required not in frame.columns:
            raise InputValidationError(
                code=ErrorCode.MISSING_COLUMN,
                field=required,
                value=list(frame.columns),
                reason="claims table needs this column",
            )
    out: list[ClaimRow] = []
    seen: set[str] = set()
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        cell = {k: str(v).strip() for k, v in rec.items()}
        numbers: dict[str, float | None] = {}
        for name in _NUMBERS:
            text = cell.get(name, "")
            try:
                numbers[name] = float(text) if text else None
            except ValueError:
                raise InputValidationError(
                    code=ErrorCode.BAD_VALUE, row=i, field=name, value=text, reason="not a number"
                ) from None
        flag = cell.get("dedicated", "").lower()
        if flag not in _TRUE | _FALSE:
            raise InputValidationError(
                code=ErrorCode.BAD_CHOICE, row=i, field="dedicated", value=flag, reason="use true or false"
            )
        claim_id = cell.get("claim_id") or str(i)
        if claim_id in seen:
            raise InputValidationError(
                code=ErrorCode.DUPLICATE_ID, row=i, field="claim_id", value=claim_id, reason="repeats an earlier row"
            )
        seen.add(claim_id)
        if not cell["series_id"]:
            raise InputValidationError(code=ErrorCode.MISSING_VALUE, row=i, field="series_id", value="", reason="empty")
        try:
            curtail_months, curtail_calendar = parse_curtail_months(cell.get("curtail_months"))
            claim = Claim(
                start=cell["start"],
                rigs=numbers["rigs"],
                rig_model=cell.get("rig_model") or None,
                kw_per_rig=numbers["kw_per_rig"],
                power_kw=numbers["power_kw"],
                uptime=numbers["uptime"] if numbers["uptime"] is not None else 1.0,
                licensed_kw=numbers["licensed_kw"],
                curtail_hours=parse_hours(cell.get("curtail_hours")),
                curtail_share=numbers["curtail_share"] if numbers["curtail_share"] is not None else 1.0,
                curtail_months=curtail_months,
                dedicated=flag in _TRUE,
                curtail_calendar=curtail_calendar,
            )
            claim.check()
            claim.rig_kw()
        except InputValidationError as exc:
            raise InputValidationError(
                code=exc.code, row=i, field=exc.field, value=exc.value, reason=exc.reason
            ) from None
        peers_text = cell.get("peers", "")
        peers: tuple[str, ...] | Literal["all"] = (
            "all" if peers_text.lower() == "all" else tuple(p.strip() for p in peers_text.split(",") if p.strip())
        )
        out.append(ClaimRow(claim_id, cell["series_id"], claim, peers))
    return out


def result_row(row: ClaimRow, result: Verification | DetectorError) -> dict[str, object]:
    """One row of the claims results file."""
    if isinstance(result, DetectorError):
        return {"claim_id": row.claim_id, "series_id": row.series_id, "verdict": "", "error": str(result)}
    obs = result.observed
    curtail = result.curtailment
    return {
        "claim_id": row.claim_id,
        "series_id": row.series_id,
        "verdict": result.verdict,
        "finding": result.finding,
        "unit": result.unit,
        "claimed": result.claimed,
        "observed": None if obs is None else obs.value,
        "low": None if obs is None else obs.low,
        "high": None if obs is None else obs.high,
        "rigs_claimed": result.rigs_claimed,
        "rigs_implied": result.rigs_implied,
        "curtailment": "" if curtail is None else curtail.verdict,
        "method": result.method,
        "reasons": " | ".join(result.reasons),
        "error": "",
    }


def read_rig_table(path: str | Path) -> dict[str, float]:
    """The built-in rig table (``RIGS``) plus rows ``model,kw`` (kW at the wall per rig) from a CSV; yours win.

    A bad row raises, naming its row (1-based data rows), field and value.
    """
    table = dict(RIGS)
    with Path(path).open(newline="") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        for required in ("model", "kw"):
            if required not in columns:
                raise InputValidationError(
                    code=ErrorCode.MISSING_COLUMN, field=required, value=columns, reason="rig table needs this column"
                )
        for i, row in enumerate(reader, start=1):
            model, text = (row["model"] or "").strip(), (row["kw"] or "").strip()  # a short row's cells are None
            if not model:
                raise InputValidationError(
                    code=ErrorCode.MISSING_VALUE, row=i, field="model", value=model, reason="rig model is empty"
                )
            try:
                kw = float(text)
            except ValueError:
                raise InputValidationError(
                    code=ErrorCode.BAD_VALUE, row=i, field="kw", value=text, reason="kW per rig is not a number"
                ) from None
            if not (math.isfinite(kw) and kw > 0):
                raise InputValidationError(
                    code=ErrorCode.OUT_OF_RANGE, row=i, field="kw", value=text, reason="kW per rig must be > 0"
                )
            table[model] = kw
    return table
