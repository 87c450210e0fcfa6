"""Probe (stop 65, not shipped): the headline with an answer re-scored without the peers its switch-on fall names.

An answer with peers whose warning says a peer fell as the main rise switched on (``scoring.FELL_AT_SWITCH_ON_
WARNING``; only peers ``fell_apart`` does not name already) is scored again with those peers out of its pool. This
wraps ``score_series`` for ``headline.py`` and runs it with the same arguments; the shipped trees, no retrain:

    cd benchmarks && ../.venv/bin/python drop_fallen_peer.py --rounds 3 --start-month all --modes province \\
        --seed 5000 --name _drop --out ROWS.csv

Compare its rows with ``headline.py``'s (BENCHMARKS.md, stop 65). ``--split train --seed 7000`` for the training
zones.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import headline  # type: ignore[import-not-found]

import detector.pipeline as pipeline
import detector.scoring as scoring
from detector.artifacts import MiningModel
from detector.features.peers import PeerPool
from detector.ingest.series import LoadSeries
from detector.scoring.report import ScoreReport

FELL = re.compile(r"^as the main rise switched on .*?, peer (\S+)'s load fell")
shipped = scoring.score_series
rescored: list[str] = []


def without(pool: PeerPool, names: set[str]) -> PeerPool:
    """``pool`` without the series ``names`` (its copy answers shared)."""
    out = PeerPool([], pool.country)
    out.levels = {k: v for k, v in pool.levels.items() if k not in names}
    out.bands = {k: v for k, v in pool.bands.items() if k not in names}
    out.watts = {k: v for k, v in pool.watts.items() if k not in names}
    out._pair_copy, out._pair_ids = pool._pair_copy, frozenset(out.levels)
    return out


def score_series(
    series: LoadSeries, model: MiningModel, *, peers: PeerPool | Sequence[LoadSeries] | None = None, **kw: Any
) -> ScoreReport:
    """``scoring.score_series``, then again without the peers its switch-on fall warnings name."""
    report = shipped(series, model, peers=peers, **kw)
    names = {m[1] for w in report.warnings if (m := FELL.match(w))}
    if not names or not report.peers or not isinstance(peers, PeerPool):
        return report
    rescored.append(series.series_id)
    return shipped(series, model, peers=without(peers.joined(series), names), **kw)


if __name__ == "__main__":
    pipeline.score_series = score_series  # type: ignore[assignment]
    sys.argv[0] = "headline.py"
    headline.main()
    print(f"answers re-scored without a peer: {len(rescored)}", file=sys.stderr)
