"""The leave-one-peer-out test: a farm in the series keeps its size whichever peer leaves the design; a box that one
peer's own event put there vanishes with that peer."""

from __future__ import annotations

import numpy as np
import pytest

from detector.models.changepoint import Box
from detector.models.signature import peer_columns, peer_leave_one_out
from detector.scoring import LEANS_ON_PEER_SHARE

N = 365
DAYS = np.arange(N)
BOX = Box(start=150, end=N, delta=0.05, t=20.0, sigma=0.01, rho=0.0)


def _province(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A shared weather signal, the target's daily level (over its mean) and three peers' levels that follow it."""
    rng = np.random.default_rng(seed)
    weather = np.sin(2 * np.pi * DAYS / 365) * 0.1 + rng.normal(0, 0.03, N)
    target = 1.0 + weather + rng.normal(0, 0.005, N)
    peers = np.column_stack([1.0 + weather + rng.normal(0, 0.005, N) for _ in range(3)])
    return target, peers


def _design(peers: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(N), peers])


def test_a_farm_in_the_series_keeps_its_size_whichever_peer_leaves() -> None:
    target, peers = _province(1)
    farm = target + 0.05 * (DAYS >= 150)
    low_t, size, _ = peer_leave_one_out(farm, _design(peers), peer_columns(1, 3, 3), BOX)
    assert low_t > 0.8
    assert size == pytest.approx(1.0, abs=0.05)


def test_a_box_one_peer_carries_vanishes_without_it() -> None:
    """A neighbour's seasonal farm switches off on day 150: its level drops, so the target's expected load drops
    with it and the target seems to rise. Left out, that peer takes the box with it."""
    target, peers = _province(2)
    peers[:, 0] -= 0.2 * (DAYS >= 150)
    low_t, size, each = peer_leave_one_out(target, _design(peers), peer_columns(1, 3, 3), BOX)
    assert low_t < 0.3
    assert abs(size - 1.0) > 0.7
    # The answer names the peer (``scoring.leaning_peer_warnings``): only the first one's leaving takes the box.
    assert each[0] < 0.3
    assert min(each[1:]) > LEANS_ON_PEER_SHARE


def test_fewer_than_two_peers_tell_nothing() -> None:
    target, peers = _province(3)
    assert peer_leave_one_out(target, _design(peers[:, :1]), peer_columns(1, 1, 1), BOX) == (1.0, 1.0, ())
    assert peer_leave_one_out(target, _design(peers), [], BOX) == (1.0, 1.0, ())


def test_each_peer_leaves_with_its_level_and_both_bands() -> None:
    """The layout of ``scoring.signature_of``: every peer's level first, then each peer's floor and peak band."""
    assert peer_columns(10, 9, 3) == [[10, 13, 14], [11, 15, 16], [12, 17, 18]]
    assert peer_columns(4, 2, 2) == [[4], [5]]
    assert peer_columns(4, 5, 2) == []
