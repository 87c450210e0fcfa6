"""Detection with peers (an experiment, not the shipped default): do neighbouring series help the detector?

Real sources with several series (GEFCom zones, BigDEAL, PJM and ERCOT regions, Tetouan zones), each calendar
year; a random scenario injected into 30 % of the series, the rest clean; each series' peers are the others of
its year (``datasets.peer_set``). Three rows on the held-out series: the bundled model without and with peers,
and a model trained on the training series' peer sets (used with peers).

    cd benchmarks && ../.venv/bin/python peers_detection.py
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

from datasets import PEER_SOURCES, peer_set

import detector
from detector.evaluation import score_sets, summarise

RESULTS = Path(__file__).resolve().parent / "results"


def peer_sets(split: str, n_seeds: int, event_share: float) -> list[detector.LabelledSet]:
    base = 1500 if split == "held-out" else 500
    sets = [
        peer_set(source, split=split, seed=base + 10 * r + i, event_share=event_share)
        for r in range(n_seeds)
        for i, source in enumerate(PEER_SOURCES)
    ]
    return [s for s in sets if len(s.truth)]


def row(scores: object, threshold: float) -> dict[str, object]:
    summary = summarise(scores, threshold)  # type: ignore[arg-type]
    o = summary["overall"]
    keep = ("average_precision", "roc_auc", "precision", "recall", "fpr")
    return {
        **{k: round(float(o[k]), 3) for k in keep},
        "ap_by_source": {k: round(float(v["average_precision"]), 3) for k, v in summary["by_source"].items()},
        "lookalike_flag_rate": summary["flag_rate_by_lookalike"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="injection rounds per source (held out)")
    parser.add_argument("--train-seeds", type=int, default=16)
    parser.add_argument("--event-share", type=float, default=0.3)
    args = parser.parse_args()
    held = peer_sets("held-out", args.seeds, args.event_share)
    bundled = detector.load_model()
    peers_model = detector.train(peer_sets("train", args.train_seeds, args.event_share))
    with tempfile.TemporaryDirectory() as tmp:  # the same round trip as a shipped artefact
        peers_model = detector.load_model(detector.save_model(peers_model, Path(tmp) / "m"))
    plain = [dataclasses.replace(s, peers=None) for s in held]
    out = {
        "series": int(sum(len(s.truth) for s in held)),
        "positives": int(sum(int(s.truth.label.sum()) for s in held)),
        "bundled, no peers": row(score_sets(plain, bundled), bundled.threshold),
        "bundled, with peers": row(score_sets(held, bundled), bundled.threshold),
        "peers-trained, with peers": row(score_sets(held, peers_model), peers_model.threshold),
    }
    print(json.dumps(out, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "peers_detection.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
