"""``benchmarks/peer_events.py``: which peer's own event sits at an answer's onset."""

from __future__ import annotations

import sys

import pandas as pd

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))
peer_events = benchmark_module("peer_events")

UTC = "UTC"


def _events() -> pd.DataFrame:
    t = pd.Timestamp
    return pd.DataFrame(
        {
            "series_id": ["GEF12-Z12", "GEF12-Z14", "GEF12-Z16", "GEF12-Z18"],
            "scenario": ["seasonal", "staircase", "clean", "heat_wave"],
            "size": [0.05, 0.2, 0.1, 0.1],
            "start": [t("2006-07-01 05:00", tz=UTC), t("2006-10-11 00:00", tz=UTC), None, t("2006-08-01", tz=UTC)],
            "end": [t("2006-10-17 22:00", tz=UTC), None, None, t("2006-08-15", tz=UTC)],
        }
    )


def test_the_nearest_switch_of_a_peer_within_a_week_is_named_with_its_lag() -> None:
    onset = pd.Timestamp("2006-10-16 05:00", tz=UTC)
    named = peer_events.peer_event_near(onset, ["GEF12-Z12", "GEF12-Z14", "GEF12-Z16"], _events())
    # Z12's seasonal farm switched off 1.7 days after the onset; Z14's staircase began 5 days before it.
    assert named == "GEF12-Z12 seasonal 5% off 2006-10-17 (+2 d)"


def test_only_the_answers_peers_and_only_within_the_window_count() -> None:
    onset = pd.Timestamp("2006-10-16 05:00", tz=UTC)
    named = peer_events.peer_event_near(onset, ["GEF12-Z14"], _events())
    assert named == "GEF12-Z14 staircase 20% on 2006-10-11 (-5 d)"
    assert peer_events.peer_event_near(onset, ["GEF12-Z14"], _events(), days=4) == ""
    # Z16 is clean; Z18's heat wave was in August.
    assert peer_events.peer_event_near(onset, ["GEF12-Z16", "GEF12-Z18"], _events()) == ""


def test_no_onset_no_peers_or_no_events_name_nothing() -> None:
    onset = pd.Timestamp("2006-10-16", tz=UTC)
    assert peer_events.peer_event_near(None, ["GEF12-Z12"], _events()) == ""
    assert peer_events.peer_event_near(pd.NaT, ["GEF12-Z12"], _events()) == ""
    assert peer_events.peer_event_near(onset, [], _events()) == ""
    assert peer_events.peer_event_near(onset, ["GEF12-Z12"], pd.DataFrame()) == ""


def test_the_summary_counts_flagged_answers_at_a_peers_event() -> None:
    rows = pd.DataFrame(
        {
            "label": [0, 0, 1, 1, 0],
            "flagged": [True, True, True, False, False],
            "peer_event": ["GEF12-Z12 seasonal 5% off 2006-10-17 (+2 d)", None, "", "x", "y"],
        }
    )
    counts = peer_events.peer_event_counts(rows)
    assert counts == {"negatives_flagged": 1, "of_negatives_flagged": 2, "mining_flagged": 0, "of_mining_flagged": 1}
