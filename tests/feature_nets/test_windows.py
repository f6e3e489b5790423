"""Causal window sets: windows equal the env's observations, targets are the next return, no look-ahead."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feature_nets.windows import (
    ForecastDataConfig,
    fit_feature_normalization,
    make_windows,
    split_market,
    train_feature_names,
)
from tests.conftest import make_market
from tests.envs.test_no_lookahead import perturb_after
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import DataError


def test_windows_are_the_env_observations_and_targets_the_next_return():
    market = make_market(160, 3, ohlc=True, seed=2)
    ws = make_windows(market, 10)
    env = PortfolioEnv(market, window_bars=10)
    assert ws.rows[0] == env.first_index and ws.rows[-1] == market.n_bars - 2
    for i in (0, 7, len(ws) - 1):
        obs, _ = env.reset(options={"start": int(ws.rows[i])})
        np.testing.assert_array_equal(ws.windows[i], obs["window"])
    r = np.log(market.close)
    np.testing.assert_allclose(ws.target, r[ws.rows + 1] - r[ws.rows])
    np.testing.assert_allclose(ws.last_return, r[ws.rows] - r[ws.rows - 1])


def test_too_short_data_is_a_data_error_naming_the_need():
    with pytest.raises(DataError, match=r"'toy' has 50 rows but a forecaster with a 30-bar window after 39 "
                                        r"warm-up bars plus one next bar needs at least 70"):
        make_windows(make_market(50, 2), 30)



@settings(max_examples=20, deadline=None)
@given(t=st.integers(45, 118), seed=st.integers(0, 10_000), normalize=st.sampled_from(["rolling", "expanding"]))
def test_windows_up_to_t_ignore_later_prices(t: int, seed: int, normalize: str) -> None:
    data = make_market(120, 3, ohlc=False, seed=seed % 5)
    base, moved = make_windows(data, 5, normalize=normalize), make_windows(perturb_after(data, t, seed), 5,
                                                                            normalize=normalize)
    np.testing.assert_array_equal(base.rows, moved.rows)
    known = base.rows <= t  # samples whose window ends at or before t
    np.testing.assert_array_equal(base.windows[known], moved.windows[known])
    np.testing.assert_array_equal(base.last_return[known], moved.last_return[known])
    label_known = base.rows + 1 <= t  # the label r[t+1] is a later price: only a label, never an input
    np.testing.assert_array_equal(base.target[label_known], moved.target[label_known])


def test_fits_read_the_training_split_only() -> None:
    data = make_market(400, 2, ohlc=True, seed=1)
    cfg = ForecastDataConfig(train=0.6, val=0.2)
    split = split_market(data, cfg, 10)
    moved = split_market(perturb_after(data, split.train.n_bars - 1, 3), cfg, 10)
    assert [p.n_bars for p in split] == [240, 80, 80]
    names = train_feature_names(split.train)
    assert names == train_feature_names(moved.train) and "open_gap" in names
    assert train_feature_names(split.train, ["log_return"]) == ("log_return",)
    scaler, again = (fit_feature_normalization(s.train, names, "train") for s in (split, moved))
    np.testing.assert_array_equal(scaler.mean, again.mean)
    np.testing.assert_array_equal(scaler.std, again.std)
    assert fit_feature_normalization(split.train, names, "rolling") == "rolling"


def test_a_split_too_short_for_a_window_is_a_data_error() -> None:
    with pytest.raises(DataError):
        split_market(make_market(60, 2), ForecastDataConfig(train=0.7, val=0.15), 30)
