"""How often the answer tells a build-up before the rise (``Signature.build_up``), by scenario, with peers.

Each province posted as one input (``headline.py``'s ``score_province``, province mode, windows from January,
April, July and October), with the main box's ``build_up`` recorded where the package computes the signature.
Prints, for rows scored 0.3 or more and for flagged rows, by scenario (mining prefixed ``mining:``): the count,
the median share of the rise and t, and the share told at ``evidence.BUILD_UP_TOLD`` and at a stricter pair.
``--split train`` (default): the TRAINING zones' provinces (seeds from 7000), where the pair was read;
``--split held_out``: the headline's provinces and seeds, a check. Stop 61, BENCHMARKS.md.

    cd benchmarks && ../.venv/bin/python build_up_rates.py [--split train|held_out] [--rounds 3] [--save rows.csv]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from headline import score_province  # type: ignore[import-not-found]
from provinces import provinces  # type: ignore[import-not-found]

import detector
import detector.scoring
from detector.scoring.evidence import BUILD_UP_TOLD

STRICTER = (0.25, 4.0)


@contextmanager
def _recorded() -> Iterator[dict[str, tuple[float, float, float] | None]]:
    """series id -> the main box's ``build_up``, recorded as the package computes each signature (benchmark only)."""
    seen: dict[str, tuple[float, float, float] | None] = {}
    inner: Callable[..., Any] = detector.scoring.signature_of

    def recording(series: Any, country: str, peers: Any = None, **kw: Any) -> Any:
        out = inner(series, country, peers, **kw)
        seen[series.series_id] = out[0].build_up
        return out

    detector.scoring.signature_of = recording  # type: ignore[assignment]
    try:
        yield seen
    finally:
        detector.scoring.signature_of = inner  # type: ignore[assignment]


def rows(split: str, rounds: int) -> pd.DataFrame:
    """Province-mode rows of ``split`` with each counted zone's build-up (share of the rise, t)."""
    model = detector.load_model()
    out = []
    for month in (1, 4, 7, 10):
        for prov in provinces(rounds=rounds, seed=7000 if split == "train" else 5000, split=split, start_month=month):
            with _recorded() as seen:
                df, _, _ = score_province(prov, "province", model)
            found = [seen.get(sid) for sid in df.series_id]
            df["bu_share"] = [np.nan if b is None else b[1] for b in found]
            df["bu_t"] = [np.nan if b is None else b[2] for b in found]
            df["start_month"] = month
            out.append(df)
    return pd.concat(out, ignore_index=True)


def told(df: pd.DataFrame, pair: tuple[float, float]) -> pd.Series:
    return (df.bu_share >= pair[0]) & (df.bu_t >= pair[1])


def table(df: pd.DataFrame) -> pd.DataFrame:
    """By scenario: count, median share and t, share told at the shipped and at the stricter pair."""
    kind = np.where(df.label == 1, "mining:" + df.scenario.astype(str), df.scenario.astype(str))
    df = df.assign(kind=kind, told=told(df, BUILD_UP_TOLD), stricter=told(df, STRICTER))
    return df.groupby("kind").agg(
        n=("score", "size"),
        share_median=("bu_share", "median"),
        t_median=("bu_t", "median"),
        told=("told", "mean"),
        told_stricter=("stricter", "mean"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("train", "held_out"), default="train")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--save", default="", help="also write the rows to this CSV")
    args = parser.parse_args()
    df = rows(args.split, args.rounds)
    if args.save:
        df.to_csv(args.save, index=False)
    print(f"{len(df)} rows, build-up measured on {df.bu_share.notna().mean():.1%}; told at {BUILD_UP_TOLD}")
    print("scored 0.3 or more:")
    print(table(df[df.score >= 0.3]).round(3).to_string())
    print("flagged:")
    print(table(df[df.flagged.astype(bool)]).round(3).to_string())


if __name__ == "__main__":
    main()
