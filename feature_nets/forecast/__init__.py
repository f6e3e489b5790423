"""The forecasting wing: supervised next-bar forecasters over the env's own causal feature windows.

A forecaster reads exactly what ``PortfolioEnv`` shows an agent — the window ``(W, N, K)``
of :func:`tradegym.features.compute_features` ending at the close of bar ``t``, built by the
core's :mod:`feature_nets.windows` — and predicts, per asset, the next log return
``r[t+1] = log(close[t+1] / close[t])`` (``task="regression"``) or the probability that it
is positive (``"classification"``).

==============================  ==============================================================
:mod:`~.config`                 :class:`ForecastConfig` (data, model, fit, AR order), its loader
:mod:`~.model`                  :class:`ForecastNet` ``(B, W, N, K) -> (B, N)``, the trained
                                :class:`Forecaster`, save / load
:mod:`~.train`                  :func:`train_forecaster`: one run directory, scalers from train
:mod:`~.evaluate`               naive baselines, metrics, Diebold–Mariano tests, plots
:mod:`~.observation`            :class:`ForecastObservation`: the forecast as an env feature
==============================  ==============================================================

The old flat modules ``feature_nets.forecasters``, ``feature_nets.forecast_eval`` and
``feature_nets.forecast_obs`` still import (:mod:`feature_nets._moved`); the first is this
package, which re-exports every public name of all three.
"""

from feature_nets.forecast.config import (
    NORMALIZE,
    TASKS,
    ForecastConfig,
    ForecastDataConfig,
    ForecastModelConfig,
    load_forecast_config,
    load_market,
)
from feature_nets.forecast.evaluate import (
    SPLITS,
    DMResult,
    ar_forecast,
    baseline_forecasts,
    diebold_mariano,
    evaluate_forecaster,
    evaluate_on,
    evaluation_table,
    fit_ar,
    forecast_metrics,
    format_table,
    plot_forecasts,
    spearman,
)
from feature_nets.forecast.model import (
    Forecaster,
    ForecastNet,
    forecast_frame,
    load_forecaster,
    save_forecaster,
)
from feature_nets.forecast.observation import ForecastObservation, forecast_env
from feature_nets.forecast.train import ForecastRun, fit_scalers, train_forecaster
from feature_nets.windows import WindowSet, log_returns, make_windows

__all__ = [
    "NORMALIZE", "SPLITS", "TASKS", "DMResult", "ForecastConfig", "ForecastDataConfig",
    "ForecastModelConfig", "ForecastNet", "ForecastObservation", "ForecastRun", "Forecaster", "WindowSet",
    "ar_forecast", "baseline_forecasts", "diebold_mariano", "evaluate_forecaster", "evaluate_on",
    "evaluation_table", "fit_ar", "fit_scalers", "forecast_env", "forecast_frame", "forecast_metrics",
    "format_table", "load_forecast_config", "load_forecaster", "load_market", "log_returns", "make_windows",
    "plot_forecasts", "save_forecaster", "spearman", "train_forecaster",
]
