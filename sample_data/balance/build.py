"""Rebuild the feeder energy-balance sample: ``python sample_data/balance/build.py``.

Six simulated LV feeders (kW) with their billed meters (Wh per hour, 20-36 per feeder) and the
mapping, a year hourly from 1402-01-01 (2023-03-21), Asia/Tehran, made by
``detector.balance.simulate.make_balance_set`` (seed 11), one feeder per scenario: an unmetered rig
block tapped before the meters, a bypassed meter, a meter remapped to another feeder mid-year,
meters with missing reads, a household joining mid-year, and a clean feeder.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from detector.balance.simulate import make_balance_set

HERE = Path(__file__).resolve().parent
SEED = 11


def _write(frame, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Parquet, small: dictionary-coded ids and loads, delta-coded timestamps, zstd."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=19,
        use_dictionary=["series_id", "unit", "load"],
        column_encoding={"timestamp": "DELTA_BINARY_PACKED"},
    )


def main() -> None:
    s = make_balance_set(n_meters=(20, 36), seed=SEED)
    _write(s.feeders.assign(load=s.feeders["load"].round(2)), HERE / "feeders.parquet")
    # Billing meters register energy: Wh per hour in steps of 10 Wh (0.01 kWh), as integers.
    _write(
        s.meters.assign(load=(s.meters["load"] * 100).round().astype("int32") * 10, unit="Wh"), HERE / "meters.parquet"
    )
    s.mapping.to_csv(HERE / "mapping.csv", index=False)
    s.truth.to_csv(HERE / "truth.csv", index=False)
    size = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix in (".parquet", ".csv"))
    rows = f"{len(s.feeders):,} feeder rows, {len(s.meters):,} meter rows, {len(s.mapping)} mapping rows"
    print(f"wrote {rows}; {size / 1e6:.2f} MB")  # noqa: T201 - a build script reports what it wrote


if __name__ == "__main__":
    main()
