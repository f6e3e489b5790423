"""Training callbacks: atomic checkpoints and validation backtests with best-model saving."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback

from agents.inference import Predictor
from tradegym.data.market import MarketData
from tradegym.errors import CacheError
from tradegym.io import atomic_write
from tradegym.runs import RunDir

EVAL_COLUMNS = ("timesteps", "sharpe", "total_return", "max_drawdown", "turnover")
VAL_RETURNS = "val_returns.csv"
"""Per-bar validation returns (net of costs) of ``best_model.zip``, indexed by date."""


def save_model(run: RunDir, name: str, model: Any) -> None:
    """Save an SB3 model into the run atomically and record its hash in the manifest."""
    run.save_artifact(name, model.save)


class CheckpointCallback(BaseCallback):
    """Every ``freq`` timesteps save ``checkpoints/step_<n>.zip``; keep the last ``keep``."""

    def __init__(self, run: RunDir, freq: int, keep: int = 3) -> None:
        super().__init__()
        self.run, self.freq, self.keep = run, freq, keep
        self._last = 0

    def _on_training_start(self) -> None:
        self._last = self.num_timesteps

    def _on_step(self) -> bool:
        if self.freq > 0 and self.num_timesteps - self._last >= self.freq:
            self.save()
        return True

    def save(self) -> None:
        """Write a checkpoint now and prune old ones."""
        self._last = self.num_timesteps
        save_model(self.run, f"checkpoints/step_{self.num_timesteps:09d}.zip", self.model)
        for _, name in self.run.checkpoints()[: -self.keep]:
            self.run.remove_artifact(name)


class ValidationCallback(BaseCallback):
    """Every ``freq`` timesteps backtest the deterministic policy on the validation split.

    Records ``eval/sharpe`` and friends in TensorBoard, appends a row to ``eval.csv``, and
    saves ``best_model.zip`` and its validation returns (``val_returns.csv``) when the
    validation Sharpe improves. ``data`` may include
    history before the validation period; ``start`` is then its first date, so the whole
    period is traded (see :func:`tradegym.backtest.backtest`). ``report``, when given, is
    called with each metrics row after it is written (a sweep reports it to Ray Tune).
    """

    def __init__(self, run: RunDir, data: MarketData, env_id: str, env_kwargs: Mapping[str, Any],
                 freq: int, start: Any = None,
                 report: Callable[[dict[str, float]], Any] | None = None) -> None:
        super().__init__()
        self.run, self.data, self.env_id, self.start, self.report = run, data, env_id, start, report
        self.env_kwargs, self.freq = dict(env_kwargs), freq
        self.best_sharpe = -math.inf
        self.rows: list[dict[str, float]] = []
        self._last = 0

    def _on_training_start(self) -> None:
        self._last = self.num_timesteps
        if self.run.file("eval.csv").is_file():  # resuming: keep the history and the best
            try:
                with open(self.run.file("eval.csv"), newline="") as handle:
                    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]
            except (ValueError, TypeError) as exc:
                raise CacheError(f"{self.run.file('eval.csv')} is corrupt ({exc}); delete it to "
                                 "resume without the validation history") from None
            sharpes = [r["sharpe"] for r in rows if not math.isnan(r["sharpe"])]
            # The best so far counts every evaluation (best_model.zip may come from one after
            # the checkpoint); the history keeps only rows up to the resumed step, so the
            # evaluations that are redone are not listed twice.
            self.best_sharpe = max(sharpes, default=-math.inf)
            self.rows = [r for r in rows if r["timesteps"] <= self.num_timesteps]

    def _on_step(self) -> bool:
        if self.freq > 0 and self.num_timesteps - self._last >= self.freq:
            self.evaluate()
        return True

    def evaluate(self) -> dict[str, float]:
        """Backtest now; return the metrics row."""
        from feature_nets.runtime import torch_runtime
        from tradegym.backtest import backtest

        self._last = self.num_timesteps
        # One observation per call (PPO+LSTM: 20 sequences of 30 bars) is too small for a second
        # thread to pay for the OpenMP hand-off: 0.61 s against 0.69 s per 1,246-bar backtest on
        # 2 cores, the same weights. The count before is given back after.
        with torch_runtime(1, "cpu"):
            result = backtest(Predictor(self.model), self.data, env_kwargs=self.env_kwargs,
                              env_id=self.env_id, name="agent", start=self.start)
        m = result.metrics
        row = {"timesteps": float(self.num_timesteps), "sharpe": _num(m.get("sharpe")),
               "total_return": _num(m.get("total_return")),
               "max_drawdown": _num(m.get("max_drawdown")), "turnover": _num(m.get("turnover"))}
        self.rows.append(row)
        for key in EVAL_COLUMNS[1:]:
            self.logger.record(f"eval/{key}", row[key])
        self._write_csv()
        if row["sharpe"] > self.best_sharpe:
            self.best_sharpe = row["sharpe"]
            save_model(self.run, "best_model.zip", self.model)
            # The kept model's daily validation returns: a sweep's PBO and deflated Sharpe
            # ratio are computed over these, one column per trial.
            atomic_write(self.run.file(VAL_RETURNS), result.returns.rename("return").to_csv())
        if self.report is not None:
            self.report(dict(row))
        return row

    def _write_csv(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(EVAL_COLUMNS))
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write(self.run.file("eval.csv"), buffer.getvalue())


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)


class FollowCoresCallback(BaseCallback):
    """Polls a :class:`~feature_nets.runtime.CoreFollower` at every env step and optimizer step.

    The optimizer hook covers the gradient updates, most of a PPO+LSTM run; it is removed when
    training ends. ``echo`` gets a line per change of the thread count.
    """

    def __init__(self, follower: Any, echo: Callable[[str], Any] = print) -> None:
        super().__init__()
        self.follower, self.echo = follower, echo
        self._hook: Any = None

    def _poll(self) -> None:
        if self.follower.poll():
            _, count, others = self.follower.changes[-1]
            self.echo(f"torch threads -> {count} at step {self.num_timesteps}: other processes "
                      f"used {others:.1f} cores")

    def _on_training_start(self) -> None:
        optimizer = getattr(self.model.policy, "optimizer", None)
        if optimizer is not None:
            self._hook = optimizer.register_step_pre_hook(lambda *_: self._poll())

    def _on_step(self) -> bool:
        self._poll()
        return True

    def _on_training_end(self) -> None:
        if self._hook is not None:
            self._hook.remove()
            self._hook = None
