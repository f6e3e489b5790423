"""The long/short action mapping: every score lands in the allowed set, every point of it is reached."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_market
from tradegym.envs.discrete import PortfolioDiscreteEnv
from tradegym.envs.longshort import long_short_into, weights_to_long_short_scores
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

N = 4
BOOKS = {  # (max_gross, net band)
    "unlevered": (1.0, (-1.0, 1.0)),
    "reg_t": (2.0, (-2.0, 2.0)),
    "dollar_neutral": (2.0, (0.0, 0.0)),
    "130/30": (1.6, (1.0, 1.0)),
    "long_biased": (1.5, (0.2, 1.0)),
}


def env_for(book: str, **kwargs) -> PortfolioEnv:
    gross, band = BOOKS[book]
    return PortfolioEnv(make_market(80, N), window_bars=4, action_mapping="long_short", max_gross=gross,
                        net_exposure=band, **kwargs)


def in_book(w: np.ndarray, book: str, tol: float = 1e-9) -> bool:
    gross, (low, high) = BOOKS[book]
    risky = w[1:]
    return bool(abs(w.sum() - 1) < tol and (np.abs(risky) <= 1 + tol).all()
                and np.abs(risky).sum() <= gross + tol and low - tol <= risky.sum() <= high + tol)


def corners(book: str) -> list[np.ndarray]:
    """Vertices of the allowed set and points on its faces: the extremes a mapping must reach."""
    gross, (low, high) = BOOKS[book]
    points = []
    for signs in itertools.product([-1.0, 0.0, 1.0], repeat=N):  # on the box or the gross limit
        risky = np.array(signs)
        if risky.any():
            risky = risky * min(1.0, gross / np.abs(risky).sum())
            if low <= risky.sum() <= high:
                points.append(risky)
    for net in {low, high}:  # at the gross limit on the band's edges: long L, short S, L - S = net
        longs, shorts = (gross + net) / 2, (gross - net) / 2
        for i, j, k in itertools.permutations(range(N), 3):
            risky = np.zeros(N)
            risky[i] = min(1.0, longs)
            risky[k] += longs - risky[i]
            risky[j] -= shorts
            if np.abs(risky).max() <= 1:
                points.append(risky)
    return [np.concatenate([[1 - r.sum()], r]) for r in points]


@pytest.mark.parametrize("book", list(BOOKS))
def test_every_extreme_of_the_allowed_set_is_reached_and_inverted(book: str) -> None:
    env = env_for(book)
    points = corners(book)
    assert len(points) >= 24
    for w in points:
        assert in_book(w, book)
        action = env.weights_to_action(w)
        assert env.action_space.contains(action)
        np.testing.assert_allclose(env.action_to_weights(action), w, atol=2e-7)  # float32 actions
        scores = weights_to_long_short_scores(w, env.book)[None]
        assert np.abs(scores).max() <= 1 + 1e-12
        out = np.empty_like(scores)
        gross, (low, high) = BOOKS[book]
        long_short_into(scores, gross, low, high, out)
        np.testing.assert_allclose(out[0], w, atol=1e-14)  # float64: exact to rounding


@settings(max_examples=300, deadline=None)
@given(scores=st.lists(st.floats(-3, 3), min_size=N + 1, max_size=N + 1), book=st.sampled_from(list(BOOKS)))
def test_any_scores_map_into_the_allowed_set(scores: list[float], book: str) -> None:
    gross, (low, high) = BOOKS[book]
    out = np.empty((1, N + 1))
    assert long_short_into(np.array([scores]), gross, low, high, out)
    assert in_book(out[0], book)


@settings(max_examples=300, deadline=None)
@given(raw=st.lists(st.floats(-1, 1), min_size=N, max_size=N), scale=st.floats(0, 1),
       size=st.sampled_from([1.0, 1e-3, 1e-9, 1e-13]), book=st.sampled_from(list(BOOKS)))
def test_any_allowed_point_is_its_own_image(raw: list[float], scale: float, size: float, book: str) -> None:
    """Points of the set, drawn by mapping random scores into it, come back through the inverse.

    Tiny risky scores are a direction too (the book's size is the cash score's): they must not
    turn rounding noise into a book, nor leave the band by it.
    """
    gross, (low, high) = BOOKS[book]
    w = np.empty((1, N + 1))
    long_short_into(np.array([[2 * scale - 1, *(size * np.array(raw))]]), gross, low, high, w)
    assert in_book(w[0], book)
    scores = weights_to_long_short_scores(w[0], env_for(book).book)
    assert np.abs(scores).max() <= 1 + 1e-12
    back = np.empty_like(w)
    long_short_into(scores[None], gross, low, high, back)
    np.testing.assert_allclose(back, w, atol=1e-12)


def test_the_cash_score_sets_the_exposure_and_the_risky_scores_the_direction() -> None:
    env = env_for("reg_t")
    scores = np.array([0.0, 1.0, -1.0, 0.5, -0.5])
    full, half, flat = (env.action_to_weights(np.concatenate([[s0], scores[1:]])) for s0 in (1.0, 0.0, -1.0))
    np.testing.assert_allclose(full[1:], [2 / 3, -2 / 3, 1 / 3, -1 / 3], atol=1e-12)  # gross 2
    np.testing.assert_allclose(half[1:], full[1:] / 2, atol=1e-12)
    np.testing.assert_array_equal(flat, [1.0, 0, 0, 0, 0])
    small = env.action_to_weights(np.concatenate([[1.0], scores[1:] / 100]))
    np.testing.assert_allclose(small, full, atol=1e-12)  # a small mean action is the same book


def test_step_weights_rejects_targets_outside_the_limits_by_name() -> None:
    env = env_for("dollar_neutral")
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"net exposure 0.5 outside net_exposure \[0, 0\]"):
        env.step_weights([0.5, 0.5, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"gross exposure 3 above max_gross 2"):
        env.step_weights([1.0, 1.0, -1.0, 0.5, -0.5])
    with pytest.raises(ValueError, match=r"must each lie in \[-1, 1\]"):
        env.step_weights([1.0, 1.5, -1.5, 0.0, 0.0])
    with pytest.raises(ValueError, match="must be finite and sum to 1"):
        env.step_weights([0.0, 0.5, -0.5, 0.0, 0.0])


@pytest.mark.parametrize("kwargs, message", [
    ({"max_gross": 2.0}, "max_gross and net_exposure apply to action_mapping='long_short'"),
    ({"action_mapping": "long_short", "max_gross": 9.0}, r"max_gross must be in \(0, 4\]"),
    ({"action_mapping": "long_short", "net_exposure": (1.0, 1.0)}, "leaves no room under max_gross 1"),
    ({"action_mapping": "long_short", "max_gross": 4.0, "margin_maintenance": 0.3},
     "breaches margin_maintenance 0.3 at once"),
    ({"action_mapping": "long_short", "margin_call": "liquidate"}, "unknown margin_call 'liquidate'"),
    ({"action_mapping": "long_short", "borrow_rate": 3.0}, r"borrow_rate must be an annual fraction"),
    ({"cash_rate": np.zeros(3)}, r"cash_rate must be an annual fraction .* one value per bar \(80\), got shape \(3,\)"),
    ({"cash_rate": "5%"}, r"cash_rate must be an annual fraction \(0.05 = 5 %\).*got '5%'"),
    ({"cash_rate": pd.Series([0.01], index=[0])}, r"this series is indexed by int64 \(first .*\), not dates"),
    ({"cash_rate": pd.Series([0.01], index=pd.DatetimeIndex(["2019-01-01"], tz="UTC"))},
     r"cash_rate series dates are in UTC, the data's are not; pass the series as "
     r"cash_rate=series\.tz_localize\(None\)"),
    ({"action_mapping": "long_short", "borrow_rate": {"A0": "x"}}, r"borrow_rate of A0 must be an annual"),
    ({"action_mapping": "long_short", "max_gross": "2"}, r"max_gross must be a finite number, e.g. 2 .*got '2'"),
    ({"action_mapping": "long_short", "margin_maintenance": None}, r"margin_maintenance must be a finite number"),
    ({"action_mapping": "long_short", "net_exposure": (0, 0, 1)}, r"net_exposure must be \[low, high\]"),
    ({"action_mapping": "long_short", "net_exposure": ["a", 1]}, r"net_exposure's bounds must be a finite number"),
])
def test_bad_book_settings_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PortfolioEnv(make_market(80, N), window_bars=4, **kwargs)


@pytest.mark.parametrize("book", list(BOOKS))
def test_the_discrete_long_short_set_lies_in_the_book(book: str) -> None:
    gross, band = BOOKS[book]
    env = PortfolioDiscreteEnv(make_market(80, N), window_bars=4, action_mapping="long_short",
                               max_gross=gross, net_exposure=band)
    assert env.action_space.n == 2 * N + 4 == len(env.target_names)
    assert env.target_names[:4] == ["hold", "flat", "long_all", "short_all"]
    for row in env.targets[1:]:
        assert in_book(row, book)
    env.reset(seed=0)
    info = env.step(4)[4]  # long:S00
    assert info["target"][1] == env.targets[4][1] > 0
    if book == "dollar_neutral":  # long one, short the rest equally
        np.testing.assert_allclose(env.targets[4][1:], [1.0, -1 / 3, -1 / 3, -1 / 3])
