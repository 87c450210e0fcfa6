"""The `detector score` file contract and the train/evaluate commands, through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from typer.testing import CliRunner

import detector
from detector import simulate
from detector.cli import app
from tests.conftest import hourly_table

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
runner = CliRunner()


@pytest.fixture(scope="module")
def mixed_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")
    frame = frame[frame.series_id.isin(["feeder-0001", "feeder-0006", "feeder-0020", "feeder-0013"])].copy()
    bad = frame[frame.series_id == "feeder-0020"].copy()
    bad["series_id"], bad["load"] = "broken", bad["load"].astype(object)
    bad.iloc[5, bad.columns.get_loc("load")] = "abc"
    path = tmp_path_factory.mktemp("in") / "mixed.csv"
    pd.concat([frame, bad]).to_csv(path, index=False)
    return path


def test_score_file_contract(mixed_input: Path, tmp_path: Path) -> None:
    out, seg = tmp_path / "scores.csv", tmp_path / "seg.csv"
    result = runner.invoke(app, ["score", str(mixed_input), "--out", str(out), "--segments", str(seg), "--quiet"])
    assert result.exit_code == 1  # one series failed; the others were scored
    scores = pd.read_csv(out)
    assert list(scores.columns[:6]) == ["series_id", "score", "flagged", "onset", "end", "excess_load"]
    assert {"evidence", "data_quality", "error", "rigs", "unit"} <= set(scores.columns)
    added = ["excess_low", "excess_high", "peers", "onset_local", "end_local", "rigs_low", "rigs_high"]
    assert list(scores.columns[-9:]) == [*added, "false_alarm_rate", "recall_by_size"]  # added columns come last
    assert scores[["onset_local", "end_local"]].isna().all().all()  # filled for Solar Hijri input only
    # A rig count, with its 90 % interval, only for a flagged series.
    flagged = scores[scores.flagged == True]  # noqa: E712 (the failed series' cell is blank)
    assert len(flagged) > 0
    assert (flagged.rigs_low < flagged.rigs).all()
    assert (flagged.rigs < flagged.rigs_high).all()
    unflagged = scores[(scores.flagged == False) & scores.error.isna()]  # noqa: E712
    assert (unflagged.rigs == 0).all()
    assert unflagged[["rigs_low", "rigs_high"]].isna().all().all()
    broken = scores.set_index("series_id").loc["broken"]
    assert "field 'load': load is not a number (got 'abc')" in broken["error"]
    good = scores[scores.series_id != "broken"]
    assert good.error.isna().all()
    assert good.score.between(0, 1).all()
    assert list(good.score) == sorted(good.score, reverse=True)  # a ranked inspection list
    # Each context's recall by size, and the sentence an unflagged row carries (feeders with temperature, as peers).
    assert good.recall_by_size.str.fullmatch(r"5%: 0\.\d\d; 10%: 0\.\d\d; 20%: 0\.\d\d").all()
    assert good[~good.flagged.astype(bool)].data_quality.str.contains("not flagged, which does not rule out").all()
    # How often clean real loads of the same context score as high: never more often for a higher score.
    assert good.false_alarm_rate.between(0, 1).all()
    assert list(good.false_alarm_rate) == sorted(good.false_alarm_rate)
    assert set(pd.read_csv(seg).series_id) <= set(good.series_id)


def test_top_k_moves_the_operating_point(mixed_input: Path, tmp_path: Path) -> None:
    out = tmp_path / "top.csv"
    runner.invoke(app, ["score", str(mixed_input), "--out", str(out), "--top", "1", "--quiet"])
    scores = pd.read_csv(out)
    assert scores.flagged.sum() == 1
    assert bool(scores.iloc[0].flagged)
    # The budget decides which rows are findings: rig counts, with their interval, on those rows only.
    assert scores.iloc[0].rigs_low < scores.iloc[0].rigs < scores.iloc[0].rigs_high
    assert (scores.iloc[1:].rigs.fillna(0) == 0).all()
    assert scores.iloc[1:][["rigs_low", "rigs_high"]].isna().all().all()
    runner.invoke(app, ["score", str(mixed_input), "--out", str(out), "--top", "4", "--quiet"])
    every = pd.read_csv(out)
    scored = every[every.error.isna()]
    assert scored.flagged.all()
    assert (scored.score < scored.threshold).any()  # a row the model's threshold left out, flagged by the budget
    assert (scored.rigs > 0).all()
    assert (scored.rigs_low <= scored.rigs).all()
    # What a context finds was measured at the model's operating points: a budget's file quotes none of it.
    assert every.recall_by_size.isna().all()
    assert not every.data_quality.fillna("").str.contains("does not rule out").any()
    assert every.data_quality[scored.index].str.startswith("1h data, coverage").all()
    result = runner.invoke(app, ["score", str(mixed_input), "--out", str(out), "--top", "1", "--threshold", "0.5"])
    assert result.exit_code == 2
    assert "give --threshold or --top, not both" in result.output


def test_a_false_alarm_budget_flags_the_rows_whose_rate_is_within_it(mixed_input: Path, tmp_path: Path) -> None:
    out = tmp_path / "budget.csv"
    args = ["score", str(mixed_input), "--out", str(out), "--quiet", "--max-false-alarm"]
    result = runner.invoke(app, [*args, "0.2"])
    assert result.exit_code in (0, 1), result.output  # 1: the mixed input holds a series that fails
    scored = pd.read_csv(out).dropna(subset=["false_alarm_rate"])
    assert len(scored) > 1
    flagged = scored.flagged.astype(bool)
    assert (flagged == (scored.false_alarm_rate <= 0.2)).all()
    assert (scored.rigs[~flagged] == 0).all()
    for other, message in (("--threshold", "give --threshold"), ("--top", "give --top")):
        result = runner.invoke(app, [*args, "0.05", other, "1"])
        assert result.exit_code == 2
        reason = f"{message} or --max-false-alarm, not both (got 0.05)"
        assert result.output == f"error: field '--max-false-alarm': {reason}\n"


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("series_id,time,load\nm,2024-01-01T00:00Z,1\n")
    result = runner.invoke(app, ["score", str(tmp_path / "x.csv"), "--out", str(tmp_path / "o.csv"), "--unit", "kW"])
    assert result.exit_code == 2
    assert "field 'timestamp': required column missing" in result.output
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def small_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four simulated feeders of one city, 60 days (UTC timestamps, MW): a small input to be its own peers."""
    fleet = simulate.make_fleet(kind="feeder", n_series=4, days=60, mining_share=0.5, seed=5)
    path = tmp_path_factory.mktemp("fleet") / "feeders.csv"
    fleet.loads.assign(unit=fleet.unit).to_csv(path, index=False)
    return path


def test_peers_auto_lists_the_other_series_and_none_scores_alone(small_fleet: Path, tmp_path: Path) -> None:
    ids = set(pd.read_csv(small_fleet, usecols=["series_id"]).series_id)
    alone, auto = tmp_path / "alone.csv", tmp_path / "auto.csv"
    result = runner.invoke(app, ["score", str(small_fleet), "--out", str(alone), "--peers", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["score", str(small_fleet), "--out", str(auto), "--workers", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "is scored in one process, not 2, because peers need the whole input" in result.output
    assert pd.read_csv(alone).peers.isna().all()  # an empty cell: scored alone
    with_peers = pd.read_csv(auto).set_index("series_id").peers.dropna().str.split(" ")
    assert len(with_peers) > 0
    assert all(set(used) <= ids - {sid} for sid, used in with_peers.items())  # other series of the input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--peers", "xyz"], "error: field '--peers': peers must be auto or none (got 'xyz')"),
        (
            ["--peers", "none", "--peers-file", "p.csv"],
            "error: field '--peers-file': give --peers none or --peers-file, not both (got 'p.csv')",
        ),
        (
            ["--engine", "dask", "--peers-file", "p.csv"],
            "error: field '--peers-file': the dask engine scores each series alone (got 'p.csv')",
        ),
    ],
)
def test_bad_peers_options_exit_2_with_one_line(
    small_fleet: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["score", str(small_fleet), "--out", str(tmp_path / "o.csv"), *args])
    assert result.exit_code == 2
    assert result.output == message + "\n"


def test_evaluate_checks_peers_as_score_does(small_fleet: Path, tmp_path: Path) -> None:
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"series_id": ["x"], "label": [0], "scenario": ["clean"], "start": [""], "end": [""]}).to_csv(
        truth, index=False
    )
    result = runner.invoke(app, ["evaluate", str(small_fleet), str(truth), "--peers", "xyz"])
    assert result.exit_code == 2
    assert result.output == "error: field '--peers': peers must be auto or none (got 'xyz')\n"


def test_evaluate_refuses_to_resample_by_a_missing_truth_column(small_fleet: Path, tmp_path: Path) -> None:
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"series_id": ["x"], "label": [0], "scenario": ["clean"], "start": [""], "end": [""]}).to_csv(
        truth, index=False
    )
    result = runner.invoke(app, ["evaluate", str(small_fleet), str(truth), "--unit", "kW", "--resample-by", "base"])
    assert result.exit_code == 2
    assert result.output == (
        "error: field 'base': the truth table of 'feeders' has no such column to resample by "
        "(got ['end', 'label', 'scenario', 'series_id', 'start'])\n"
    )


@pytest.mark.slow  # trains a model and evaluates it (about 16 s): `make test-slow`
def test_train_then_evaluate(tmp_path: Path) -> None:
    for kind, seed in (("feeder", 1), ("meter", 2)):
        r = runner.invoke(
            app,
            [
                "simulate",
                "--kind",
                kind,
                "--n-series",
                "24",
                "--days",
                "200",
                "--seed",
                str(seed),
                "--out",
                str(tmp_path / f"{kind}.parquet"),
            ],
        )
        assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        ["train", str(tmp_path / "feeder.parquet"), str(tmp_path / "meter.parquet"), "--out", str(tmp_path / "model")],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "evaluate",
            str(tmp_path / "feeder.parquet"),
            str(tmp_path / "feeder.truth.csv"),
            "--model",
            str(tmp_path / "model"),
            "--out",
            str(tmp_path / "report.json"),
        ],
    )
    assert r.exit_code == 0, r.output
    r_evaluate = r
    report = json.loads((tmp_path / "report.json").read_text())
    # The figures are read back and recomputed from `detector score` with the trained model on the same file,
    # both with their defaults: each series with the file's other series as peers.
    assert report["peers"] == "auto"
    assert "each series with the file's other series as peers (--peers auto)" in r.output
    out = tmp_path / "scores.csv"
    args = ["score", str(tmp_path / "feeder.parquet"), "--model", str(tmp_path / "model")]
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    truth = pd.read_csv(tmp_path / "feeder.truth.csv").set_index("series_id")
    scores = pd.read_csv(out).set_index("series_id").join(truth[["label", "scenario"]])
    assert scores.model_version.unique().tolist() == [detector.load_model(tmp_path / "model").version]
    assert scores.peers.notna().all()  # every series was scored with peers
    y, p = scores.label.to_numpy(), scores.score.to_numpy()
    flag = scores.flagged.to_numpy().astype(bool)  # the answers' own flags (the peers operating point)
    overall = report["overall"]
    assert (overall["n"], overall["n_positive"]) == (24, int(truth.label.sum()))
    assert overall["average_precision"] == pytest.approx(average_precision_score(y, p), abs=1e-6)
    assert overall["roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-6)
    assert overall["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-6)
    assert overall["recall"] == pytest.approx((flag & (y == 1)).sum() / (y == 1).sum())
    assert overall["fpr"] == pytest.approx((flag & (y == 0)).sum() / (y == 0).sum())
    negatives = scores[scores.label == 0]
    expected_rates = negatives.groupby("scenario")["flagged"].mean().round(4).to_dict()
    assert report["flag_rate_by_lookalike"] == pytest.approx(expected_rates)
    # Intervals over the 24 series, printed and written: they hold the figures measured on all of them.
    assert "90 % intervals over the series (1000 resamples): AP " in r_evaluate.output
    low, high = report["intervals_90"]["recall"]
    assert low <= overall["recall"] <= high
    in_bin = np.clip(np.digitize(p, np.linspace(0, 1, 11)) - 1, 0, 9)
    assert [b["n"] for b in report["reliability"]] == np.bincount(in_bin, minlength=10).tolist()


def test_a_series_dated_in_year_9999_fails_alone_without_a_traceback(tmp_path: Path) -> None:
    frame = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")
    frame = frame[frame.series_id.isin(["feeder-0001", "feeder-0006", "feeder-0013"])].copy()
    frame["timestamp"] = frame.timestamp.map(lambda t: t.isoformat())
    bad = frame.index[frame.series_id == "feeder-0006"]
    row = frame.index.get_loc(bad[10]) + 1
    frame.loc[bad[10], "timestamp"] = "9999-12-31T23:00:00+03:30"
    frame.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(tmp_path / "in.csv"), "--out", str(out), "--quiet"])
    assert result.exit_code == 1, result.output  # one series failed; the others were scored
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    scores = pd.read_csv(out).set_index("series_id")
    assert list(scores.reset_index().columns[:6]) == ["series_id", "score", "flagged", "onset", "end", "excess_load"]
    assert scores.loc[["feeder-0001", "feeder-0013"], "score"].notna().all()
    assert scores.loc["feeder-0006", "error"] == (
        f"row {row}, field 'timestamp': timestamp must be between 1900-01-01 and 2199-12-31 "
        "(got '9999-12-31T23:00:00+03:30') [series 'feeder-0006']"
    )


def test_score_file_neutralises_formulas_in_text_cells_only(tmp_path: Path) -> None:
    one = pd.read_parquet(SAMPLE / "tehran_feeders.parquet").query("series_id == 'feeder-0006'")
    frame = pd.concat([one.assign(series_id="-feeder"), one.iloc[:48].assign(series_id='=HYPERLINK("x")')])
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    out, seg = tmp_path / "scores.csv", tmp_path / "seg.csv"
    args = ["score", str(tmp_path / "in.parquet"), "--out", str(out), "--segments", str(seg), "--quiet"]
    assert runner.invoke(app, args).exit_code == 1  # the two-day series fails
    scores = pd.read_csv(out)
    assert scores.series_id.tolist() == ["'-feeder", '\'=HYPERLINK("x")']
    assert scores.score.dtype == "float64"
    assert scores.excess_load.dtype == "float64"
    assert set(pd.read_csv(seg).series_id) <= {"'-feeder"}


def _short_series(path: Path, n: int) -> Path:
    """``n`` series of three days (m00, m01, ...): each fails, too short to score."""
    pd.concat([hourly_table(f"m{i:02d}", days=3, seed=i) for i in range(n)]).assign(unit="kW").to_csv(path, index=False)
    return path


def _too_short(sid: str) -> str:
    return (
        "need >= 28 days of hourly load (four weeks, so each hour-of-week slot is seen at least four times); "
        f"got 3.0 [series {sid!r}]"
    )


def test_failed_series_are_named_on_stderr_first_ten_then_a_count(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(_short_series(tmp_path / "in.csv", 12)), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        *(f"failed: {_too_short(f'm{i:02d}')}" for i in range(10)),
        "... and 2 more failed series (see the CSV's error column)",
    ]
    scores = pd.read_csv(out)
    assert list(scores.columns) == list(detector.ScoreReport.ROW_COLUMNS)  # every column, though all failed
    assert list(scores.columns[:6]) == ["series_id", "score", "flagged", "onset", "end", "excess_load"]
    assert scores.error.tolist() == [_too_short(f"m{i:02d}") for i in range(12)]
    assert scores.drop(columns=["series_id", "error"]).isna().all().all()  # empty where unknown


def test_row_columns_are_the_keys_of_a_row() -> None:
    report = detector.ScoreReport(
        series_id="x", model_version="v", score=0.5, threshold=0.5, unit="kW", segments=(), rigs=0.0, quality={}
    )
    assert tuple(report.to_row()) == detector.ScoreReport.ROW_COLUMNS


def test_a_failed_first_series_keeps_the_column_order(mixed_input: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(mixed_input)
    short = hourly_table("aaa-short", days=3).assign(unit=frame.unit.iloc[0])
    pd.concat([short, frame[frame.series_id == "feeder-0001"]]).to_csv(tmp_path / "in.csv", index=False)
    result = runner.invoke(app, ["score", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert result.stderr == f"failed: {_too_short('aaa-short')}\n"
    assert result.stdout.startswith("1 series scored, ")
    assert ", 1 failed; written to" in result.stdout
    assert list(pd.read_csv(tmp_path / "o.csv").columns) == list(detector.ScoreReport.ROW_COLUMNS)


def _naive(path: Path) -> Path:
    frame = hourly_table("naive", days=30)
    frame.assign(timestamp=frame.timestamp.str[:19], unit="kW").to_csv(path, index=False)
    return path


NAIVE = (
    "row 1, field 'timestamp': timestamp has no UTC offset; give --tz (e.g. --tz Asia/Tehran) or write offsets "
    "(got '2024-01-01T00:00:00') [series 'naive']"
)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--unit", "kW", "--country", "XX"],
            "error: field '--country': unknown holiday country; use an ISO 3166 code such as 'IR' or 'US' (got 'XX')",
        ),
        (
            ["--tz", "Mars/Base"],
            "error: field '--tz': unknown time zone; use an IANA name such as 'Asia/Tehran' (got 'Mars/Base')",
        ),
        (
            ["--unit", "parsec"],
            "error: field '--unit': unknown unit; use one of W, kW, MW, GW, Wh, kWh, MWh, GWh (got 'parsec')",
        ),
    ],
)
def test_score_messages_name_the_flags(tmp_path: Path, args: list[str], message: str) -> None:
    src = _naive(tmp_path / "naive.csv")
    result = runner.invoke(app, ["score", str(src), "--out", str(tmp_path / "o.csv"), *args])
    assert result.exit_code == 2
    assert result.output == message + "\n"


def test_a_country_code_is_taken_in_any_case() -> None:
    from detector.features.calendar import check_country

    assert check_country("ir") == "IR"
    with pytest.raises(detector.InputValidationError, match=r"^field 'country': unknown holiday country"):
        check_country("XX")


def test_missing_unit_names_the_flag(tmp_path: Path) -> None:
    hourly_table("m1", days=30).to_csv(tmp_path / "in.csv", index=False)
    expected = (
        "error: field '--unit': the unit is required: pass --unit (e.g. --unit kW) or add a 'unit' column (got None)\n"
    )
    for command in (["score", "--out", str(tmp_path / "o.csv")], ["check"]):
        result = runner.invoke(app, [command[0], str(tmp_path / "in.csv"), *command[1:]])
        assert result.exit_code == 2
        assert result.output == expected


def test_a_naive_series_fails_naming_the_tz_flag(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["score", str(_naive(tmp_path / "naive.csv")), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert result.stderr == f"failed: {NAIVE}\n"
    assert pd.read_csv(out).error.tolist() == [NAIVE]


def _error_column(table: str) -> str:
    """The text of the check table's last column, its wrapped lines joined without the wrapping spaces."""
    cells = [line.split("│")[-2] for line in table.splitlines() if line.startswith("│")]
    return "".join("".join(cells).split())


def test_check_prints_whole_messages(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(_naive(tmp_path / "naive.csv"))], env={"COLUMNS": "80"})
    assert result.exit_code == 1
    assert "…" not in result.output
    assert _error_column(result.output) == "".join(NAIVE.split())
    assert result.output.endswith("0 series accepted, 1 rejected\n")
