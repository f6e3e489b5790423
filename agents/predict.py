"""Tomorrow's weights: the target a trained run chooses for the bar after ``as_of``.

The observation is the env's own: the run's env is built on the data up to ``as_of`` (no
later row is even loaded into it), reset one bar earlier and stepped to ``as_of`` holding
cash, so the window of features is exactly what a backtest would show the model at that
close. Its ``weights`` entry is then set to the current holdings (cash unless given),
the model acts deterministically, and the env's own mapping turns the action into target
weights. Because nothing after ``as_of`` reaches the env, new bars cannot change a
prediction already made (tests/agents/test_predict.py checks it).

A recurrent policy (``recurrent_ppo``) carries a state that a backtest builds up over its
period. Its state at ``as_of`` is built the same way: the policy trades the env from
``recurrent_warmup_bars`` bars before ``as_of`` (or the first decision bar) on its own
actions, as a backtest starting there would, and then decides at ``as_of`` with the caller's
holdings. A backtest started on that bar chooses the same target.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agents.evaluate import align_symbols, check_universe, run_symbols
from tradegym.errors import ConfigError, DataError
from tradegym.io import atomic_write
from tradegym.runs import RunDir

RECURRENT_WARMUP_BARS = 252
"""Bars a recurrent policy trades before ``as_of`` to build its state (a year of daily bars)."""
WEIGHT_TOLERANCE = 1e-6
"""How far from 1 the weights of a ``--weights`` file may sum."""


@dataclass(frozen=True)
class Prediction:
    """The target weights a run chooses for the bar after ``as_of``.

    Attributes:
        as_of: the close the decision is made at (the data's last bar up to ``as_of``).
        symbols: ``N`` symbols, in the run's order (the data's names).
        target: ``(A,)`` target weights, cash first, summing to 1.
        current: ``(A,)`` holdings the model was shown, cash first.
        run: the run directory.
        model: the model file (``best_model.zip`` or ``model.zip``).
        sha256: its hash from the run's manifest (``None`` if unrecorded).
        execution: the fill timing assumed (the run's env: ``next_open`` fills at the next
            open, ``next_close`` at the next close, ``close`` at ``as_of``'s close).
        data: the data spec or market name.
        action: the model's raw action (scores, or a discrete index).
    """

    as_of: pd.Timestamp
    symbols: tuple[str, ...]
    target: np.ndarray
    current: np.ndarray
    run: str
    model: str
    sha256: str | None
    execution: str
    data: str
    action: list[float]

    def frame(self) -> pd.DataFrame:
        """``symbol, weight, current_weight, trade``: one row per slot, cash first.

        ``weight`` is the target, so the file is tomorrow's ``--weights`` as it stands.
        """
        return pd.DataFrame({"symbol": ["cash", *self.symbols], "weight": self.target,
                             "current_weight": self.current, "trade": self.target - self.current})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text, weights as ``{symbol: weight}``."""
        names = ["cash", *self.symbols]
        return {
            "as_of": str(self.as_of.date()), "for": "the next bar after as_of",
            "execution": self.execution, "run": self.run, "model": self.model,
            "model_sha256": self.sha256, "data": self.data, "symbols": list(self.symbols),
            "target_weights": dict(zip(names, map(float, self.target), strict=True)),
            "current_weights": dict(zip(names, map(float, self.current), strict=True)),
            "action": self.action,
        }

    def lines(self) -> list[str]:
        """What ``tradegym predict`` prints: the header, then the table."""
        digest = f"sha256 {self.sha256}" if self.sha256 else "no hash recorded"
        return [
            f"target weights for the next bar after {self.as_of.date()} ({self.data})",
            f"run {self.run}, model {self.model} ({digest})",
            f"execution {self.execution}: {_EXECUTION.get(self.execution, 'custom')}",
            "", self.frame().to_string(index=False, float_format=lambda v: f"{v:.6f}"),
        ]


_EXECUTION = {
    "next_open": "filled at the next bar's open",
    "next_close": "filled at the next bar's close",
    "close": "filled at the as-of close itself (optimistic)",
}


def predict_weights(
    run_path: str | Path,
    data: Any,
    *,
    as_of: Any = None,
    current: Mapping[str, float] | np.ndarray | None = None,
    best: bool = True,
    map_symbols: Mapping[str, str] | None = None,
    echo: Callable[[str], Any] = print,
    recurrent_warmup_bars: int = RECURRENT_WARMUP_BARS,
) -> Prediction:
    """The target weights ``run_path``'s model chooses at the close of ``as_of``.

    Args:
        run_path: a run directory written by :func:`agents.train.train`.
        data: a data spec or a :class:`~tradegym.data.market.MarketData` with the run's
            symbols (another order is put in the run's, with a line saying so).
        as_of: the decision date (the last bar on or before it); default the data's last bar.
        current: holdings shown to the model: ``{symbol: weight}`` (cash under ``"cash"``)
            as :func:`read_weights` returns, or an ``(A,)`` array, cash first; default all cash.
        best: ``best_model.zip`` (chosen on validation) when present, else ``model.zip``.
        map_symbols: ``{run symbol: data symbol}`` for renamed symbols.
        echo: where the reorder line goes.
        recurrent_warmup_bars: bars a recurrent policy trades before ``as_of`` to build its
            state (fewer when the data has fewer); ignored for other policies.

    Returns:
        The :class:`Prediction`.

    Raises:
        ConfigError: not a run, symbols that are not the run's (naming them), or bad holdings.
        DataError: ``as_of`` outside the data, or too few bars before it for the window and
            the features' warm-up.
    """
    from agents.train import load_trained
    from tradegym.data import load_spec
    from tradegym.data.market import MarketData

    model, cfg = load_trained(run_path, best=best)
    spec = data if isinstance(data, str) else getattr(data, "name", "data")
    market = data if isinstance(data, MarketData) else load_spec(data)
    market = align_symbols(market, run_symbols(run_path), spec, map_symbols, echo)
    check_universe(model, market, run_path)
    t = _as_of_row(market, as_of)
    env = _env_at(cfg, market.slice_rows(0, t + 1), market.dates[t])
    long_short = bool(getattr(env.unwrapped, "long_short", False))
    holdings = _holdings(current, market.symbols, long_short)
    from agents.inference import Predictor

    predictor = Predictor(model)
    if getattr(model.policy, "lstm_actor", None) is not None:  # sb3-contrib's recurrent policies
        obs, state, fresh = _replay(env, predictor, t, recurrent_warmup_bars)
    else:
        obs, state, fresh = _observation_at(env, t), None, True
    obs["weights"] = holdings.astype(np.float32)  # (A,) the caller's, not the env's cash
    action, _ = predictor.predict(obs, state=state, episode_start=np.array([fresh]), deterministic=True)
    has_best = RunDir.open(run_path).file("best_model.zip").is_file()
    name = "best_model.zip" if best and has_best else "model.zip"
    # As the env would trade it: assets not tradable at the decision bar (not listed yet,
    # delisted, the file ended) get weight 0, the rest renormalised (long/short: moved to cash).
    from tradegym.envs.kernel import mask_targets

    target = mask_targets(_to_weights(env, action, holdings)[None, :], market.tradable[t][None, :],
                          to_cash=long_short)[0]
    return Prediction(
        as_of=market.dates[t], symbols=tuple(market.symbols), target=target,
        current=holdings, run=str(Path(run_path)), model=name, sha256=_model_hash(run_path, name),
        execution=str(env.unwrapped.execution), data=spec,
        action=np.asarray(action, dtype=float).ravel().tolist(),
    )


def _as_of_row(market: Any, as_of: Any) -> int:
    """Row of the last bar on or before ``as_of`` (the last bar when ``None``)."""
    if as_of is None:
        return market.n_bars - 1
    when = pd.Timestamp(as_of)
    first, last = market.dates[0], market.dates[-1]
    if when < first or when > last:
        raise DataError(
            f"--as-of {when.date()} is outside {market.name!r} ({first.date()} to {last.date()}); "
            "pick a date the data covers, or load data that reaches it")
    return int(market.dates.searchsorted(when, "right")) - 1


def _env_at(cfg: Any, history: Any, when: pd.Timestamp) -> Any:
    """The run's env on ``history`` (rows up to ``as_of``), or a DataError saying how much is missing."""
    from tradegym.envs import make

    try:
        return make(cfg.env.id, data=history, start="first", **cfg.env.env_kwargs())
    except DataError as exc:
        raise DataError(
            f"too little data before {when.date()} to predict ({history.n_bars} bars): {exc}. The "
            f"model reads {cfg.env.window_bars}-bar windows of warmed-up features, plus one bar to "
            "step into; pass a later --as-of or data that starts earlier") from None


def _observation_at(env: Any, t: int) -> dict[str, np.ndarray]:
    """The observation at row ``t`` (the env's last): reset at ``t - 1``, then one step in cash."""
    from gymnasium import spaces

    base = env.unwrapped
    if t - 1 < base.first_index:
        raise DataError(f"too little data before {base.data.dates[t].date()} to predict: the first "
                        f"decision bar is row {base.first_index + 1}; pass a later --as-of")
    env.reset(options={"start": t - 1})
    cash = np.eye(base.n_slots)[0]  # (A,) stay in cash: the step trades nothing
    hold = 1 if isinstance(env.action_space, spaces.Discrete) else base.weights_to_action(cash)
    obs, *_ = env.step(hold)
    return dict(obs)


def _replay(env: Any, predictor: Any, t: int, bars: int) -> tuple[dict[str, np.ndarray], Any, bool]:
    """A recurrent policy's observation at row ``t`` and its state, built by trading from ``t - bars``.

    Returns ``(obs, state, fresh)``: ``fresh`` when no bar before ``t`` could be traded (the
    state then starts at ``t``, as a backtest starting there would).
    """
    base = env.unwrapped
    start = max(base.first_index, t - max(int(bars), 0))
    if start >= t:  # nothing to trade before t: a fresh state, the window as any policy sees it
        return _observation_at(env, t), None, True
    obs, _ = env.reset(options={"start": start})
    state, first = None, True
    while base.current_index < t:  # the policy's own trades, as a backtest from `start`
        action, state = predictor.predict(obs, state=state, episode_start=np.array([first]),
                                          deterministic=True)
        obs, *_ = env.step(action)
        first = False
    return dict(obs), state, first


def _to_weights(env: Any, action: Any, holdings: np.ndarray) -> np.ndarray:
    """Target weights ``(A,)`` of ``action`` by the env's own mapping (a discrete hold keeps ``holdings``)."""
    base = env.unwrapped
    targets = getattr(base, "targets", None)
    if targets is not None:  # PortfolioDiscreteEnv: index 0 holds, the others are fixed targets
        index = int(np.asarray(action).reshape(()))
        return holdings.copy() if index == 0 else np.asarray(targets[index], dtype=float).copy()
    return base.action_to_weights(action)


def _model_hash(run_path: str | Path, name: str) -> str | None:
    """The model file's sha256 as the run's manifest records it."""
    run = RunDir.open(run_path)
    manifest = run.read_json("manifest.json") if run.file("manifest.json").is_file() else {}
    digest = manifest.get(name)
    return digest if isinstance(digest, str) else None


def _holdings(current: Mapping[str, float] | np.ndarray | None, symbols: tuple[str, ...],
              signed: bool = False) -> np.ndarray:
    """Holdings ``(A,)``, cash first, from ``current`` (:func:`predict_weights`); ``signed``: shorts too."""
    n_slots = len(symbols) + 1
    if current is None:
        return np.eye(n_slots)[0]
    if isinstance(current, Mapping):
        return weights_from_mapping(current, symbols, "current weights", signed)
    weights = np.asarray(current, dtype=float)
    if weights.shape != (n_slots,):
        raise ConfigError(f"current weights have shape {weights.shape}, expected ({n_slots},): cash, "
                          f"then {', '.join(symbols)}")
    return _checked(weights, "current weights", signed)


def weights_from_mapping(weights: Mapping[str, float], symbols: tuple[str, ...], where: str,
                         signed: bool = False) -> np.ndarray:
    """``{symbol: weight}`` -> ``(A,)`` cash first; missing symbols hold 0, a missing cash the rest.

    ``signed`` (a long/short run's holdings): weights may be negative and cash may be borrowed.

    Raises:
        ConfigError: unknown symbols (naming them), negative or non-finite weights, or a sum
            other than 1 (within :data:`WEIGHT_TOLERANCE`; without a cash entry, risky
            weights above 1).
    """
    unknown = [s for s in weights if s != "cash" and s not in symbols]
    if unknown:
        raise ConfigError(f"{where} name symbols the run does not trade: {unknown}; its symbols are "
                          f"{list(symbols)} (and cash)")
    risky = np.array([float(weights.get(s, 0.0)) for s in symbols])
    if "cash" not in weights and risky.sum() > 1 + WEIGHT_TOLERANCE and not signed:
        raise ConfigError(f"{where} sum to {risky.sum():.6g} without cash, more than 1; give every "
                          "holding as a fraction of the portfolio (cash is the rest when left out)")
    cash = float(weights["cash"]) if "cash" in weights else 1.0 - risky.sum()
    if "cash" not in weights and -WEIGHT_TOLERANCE < cash < 0:
        cash = 0.0  # fully invested, up to rounding
    return _checked(np.concatenate([[cash], risky]), where, signed)


def _checked(weights: np.ndarray, where: str, signed: bool = False) -> np.ndarray:
    if not np.isfinite(weights).all():
        raise ConfigError(f"{where} must be finite, got {weights.round(6).tolist()}")
    if (weights < 0).any() and not signed:
        raise ConfigError(f"{where} must be finite and >= 0 (long only, cash included), got "
                          f"{weights.round(6).tolist()}")
    if abs(weights.sum() - 1.0) > WEIGHT_TOLERANCE:
        raise ConfigError(f"{where} sum to {weights.sum():.6g}, not 1 (within {WEIGHT_TOLERANCE:g}); "
                          "give every holding as a fraction of the portfolio, cash included or left "
                          "to be the rest")
    return weights


def read_weights(path: str | os.PathLike[str]) -> dict[str, float]:
    """A holdings CSV (``symbol,weight``; a ``cash`` row optional) as ``{symbol: weight}``.

    Raises:
        ConfigError: a missing file, missing columns, a duplicated symbol or a non-number.
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"--weights {source} does not exist; write a CSV with columns symbol,weight")
    frame = pd.read_csv(source)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if not {"symbol", "weight"} <= set(frame.columns):
        raise ConfigError(f"--weights {source} has columns {list(frame.columns)}; it needs symbol,weight "
                          "(one row per holding, cash optional)")
    symbols = frame["symbol"].astype(str).str.strip()
    twice = sorted(set(symbols[symbols.duplicated()]))
    if twice:
        raise ConfigError(f"--weights {source} lists {twice} more than once; one row per symbol")
    values = pd.to_numeric(frame["weight"], errors="coerce")
    if values.isna().any():
        bad = symbols[values.isna()].tolist()
        raise ConfigError(f"--weights {source}: the weight of {bad} is not a number")
    return dict(zip(symbols, values.astype(float), strict=True))


def write_prediction(prediction: Prediction, out: str | os.PathLike[str]) -> list[Path]:
    """Write ``weights.csv`` and ``prediction.json`` into ``out`` atomically; return their paths."""
    folder = Path(out)
    return [atomic_write(folder / "weights.csv", prediction.frame().to_csv(index=False)),
            atomic_write(folder / "prediction.json", json.dumps(prediction.to_dict(), indent=2) + "\n")]


__all__ = ["WEIGHT_TOLERANCE", "Prediction", "predict_weights", "read_weights", "weights_from_mapping",
           "write_prediction"]
