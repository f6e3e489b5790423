"""Backtest a trained run on a split it never trained on, next to the baselines.

The agent and every baseline go through the same environment the agent trained in
(same env id, costs, execution timing, window), on the run's own date split.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from agents.inference import Predictor
from agents.train import load_data, load_trained
from feature_nets.runtime import apply_runtime, restores_threads
from tradegym.errors import ConfigError
from tradegym.policy import check_universe
from tradegym.runs import RunDir


@restores_threads
def evaluate_run(
    run_path: str | Path,
    *,
    split: str = "test",
    baselines: Sequence[str] | None = None,
    out: str | Path | None = None,
    best: bool = True,
    label: str | None = None,
    data: str | None = None,
    write_report: bool = True,
    echo: Callable[[str], Any] = print,
    benchmark: str | None = "equal_weight",
    static: bool = False,
    map_symbols: Mapping[str, str] | None = None,
    env_overrides: Mapping[str, Any] | None = None,
    periods_per_year: float | None = None,
) -> list[Any]:
    """Backtest a run's model on ``split`` next to ``baselines``; print and write the report.

    The split is the run's own (its config's dates and fractions); rows before it are
    history for the features and the baselines' estimates, so the whole split is traded.

    Args:
        run_path: a run directory written by :func:`agents.train.train`.
        split: ``"test"`` (default: never seen in training or model selection), ``"val"``,
            ``"train"`` or ``"all"``.
        baselines: baseline names (default
            :func:`~tradegym.backtest.baselines.baseline_names` of the market and env:
            ``momentum_ls`` joins on a long/short env).
        out: report folder (default: ``RUN/backtest-<split>``).
        best: use ``best_model.zip`` (chosen on validation) when present, else ``model.zip``.
        label: the agent's row name (default ``<algo>_<extractor>``).
        data: another market (a source spec) with the run's symbols, split with the run's
            fractions, instead of the run's own. The same symbols in another order are put
            in the run's order (and a line says so): the model's weight ``i`` is for the
            run's symbol ``i``.
        map_symbols: ``{run symbol: data symbol}`` for ``data`` whose names differ (the
            same company under another ticker); see :func:`align_symbols`.
        env_overrides: env settings replacing the run's: ``execution`` and ``cost_rate``
            (printed as ``overrides: ...``); ``window_bars`` only if equal to the run's.
        write_report: print the table and write charts and metrics (else only return them).
        echo: where report lines go.
        benchmark: the row the report tests the others against (a baseline name, added
            to ``baselines`` when missing, or a data spec of one series such as
            ``"sp500_index"``); ``None`` for no evidence.
        static: also write the PNG charts and ``report_static.html``.
        periods_per_year: bars per year for the metrics; ``None`` takes the config's
            ``data.periods_per_year`` for the run's own data, else infers it from the
            market's dates (see :mod:`tradegym.data.frequency`).

    Returns:
        ``[agent result, *baseline results]``.

    Raises:
        ConfigError: not a run directory, unknown split, a market whose symbols are not the
            run's (naming the missing and the extra ones), or an override that cannot apply
            (another window: the model's input shape is fixed).
        CacheError: the model file does not match the run's manifest.
    """
    from tradegym.backtest.baselines import BASELINES, baseline_names
    from tradegym.backtest.compare import compare, period
    from tradegym.data import load_spec

    model, cfg = load_trained(run_path, best=best)
    apply_runtime(cfg.train.torch_threads, "cpu", "train.")  # the run's threads, restored on return
    if data is None:
        market, _ = load_data(cfg)
    else:
        market = align_symbols(load_spec(data), run_symbols(run_path), data, map_symbols, echo)
    run_kwargs = cfg.env.env_kwargs()
    # The env's own default, spelled out so an override can say what it replaces.
    run_kwargs.setdefault("execution", "next_open" if market.has("open") else "next_close")
    env_kwargs, override_line = override_env(run_kwargs, env_overrides or {})
    check_universe(model, market, run_path)
    history, start = period(market, split, cfg.data.train, cfg.data.val,
                            min_rows=cfg.env.window_bars + 2)
    label = label or f"{cfg.agent.algo}_{cfg.agent.extractor}"
    if baselines is None:
        baselines = baseline_names(market, env_kwargs)
    if write_report and benchmark in BASELINES and benchmark not in baselines:
        baselines = [*baselines, benchmark]
    results = compare([(Predictor(model), label)], history, start=start, baselines=baselines,
                      env_kwargs=env_kwargs, env_id=cfg.env.id, periods_per_year=periods_per_year)
    if write_report:
        from tradegym.backtest.report import report

        echo(f"{split} split of {market.describe()}")
        if override_line:
            echo(override_line)
        report(results, out or Path(run_path) / f"backtest-{split}", echo,
               title=f"Backtest of {label} ({Path(run_path).name}) on the {split} split",
               benchmark=benchmark, market=history, static=static,
               provenance={**run_provenance(run_path, cfg, split, best, data),
                           **({"overrides": override_line[len("overrides: "):]} if override_line else {})},
               in_sample=split != "test")
    return results


OVERRIDABLE = ("execution", "cost_rate", "costs", "cash_rate", "financing_rate", "borrow_rate",
               "margin_maintenance", "margin_call")
"""Env settings a backtest of a run may change: they act on the fills and the accounting, not on
the model's input or the meaning of its action."""


def override_env(run_kwargs: Mapping[str, Any], overrides: Mapping[str, Any]
                 ) -> tuple[dict[str, Any], str]:
    """The run's env keyword arguments with ``overrides`` applied, and the header line saying so.

    ``None`` values are "not given". ``window_bars`` equal to the run's is no override.

    Returns:
        ``(env_kwargs, "overrides: execution=close (run: next_open), ...")``; the line is
        empty when nothing changes.

    Raises:
        ConfigError: another ``window_bars`` (the model's input is ``(W, N, K)`` with the
            run's ``W``), or a key that is not an overridable env setting.
    """
    kwargs, changed = dict(run_kwargs), []
    for key, value in overrides.items():
        if value is None:
            continue
        run_value = run_kwargs.get(key)
        if key == "window_bars":
            if int(value) != int(run_kwargs.get("window_bars", 30)):
                raise ConfigError(
                    f"--window {value}: this run's model reads windows of {run_value} bars (its "
                    f"input shape (W, N, K) is fixed at training), so it cannot run on {value}; "
                    "drop --window, or train a run with env.window_bars=" + str(value))
            continue
        if key not in OVERRIDABLE:
            raise ConfigError(f"cannot override the run's {key!r} (it changes what the model reads or "
                              f"what its action means); only {list(OVERRIDABLE)} (and window_bars "
                              "equal to the run's)")
        if value != run_value:
            kwargs[key] = value
            shown = "default" if run_value is None else run_value
            changed.append(f"{key}={value} (run: {shown})")
    return kwargs, ("overrides: " + ", ".join(changed)) if changed else ""


def run_symbols(run_path: str | Path) -> list[str]:
    """The symbols a run trained on, in the order of its model's weights (from ``data.json``).

    Raises:
        ConfigError: the run recorded no symbols.
    """
    run = RunDir.open(run_path)
    recorded = run.read_json("data.json") if run.file("data.json").is_file() else {}
    if not recorded.get("symbols"):
        raise ConfigError(f"{run.path} records no symbols (no data.json with 'symbols'); it cannot "
                          "be matched to other data; backtest it on its own data (drop --data)")
    return [str(s) for s in recorded["symbols"]]


def align_symbols(market: Any, symbols: Sequence[str], spec: str,
                  mapping: Mapping[str, str] | None = None,
                  echo: Callable[[str], Any] = print) -> Any:
    """``market`` with its assets in the order of ``symbols`` (a run's), or a refusal.

    A model's output slot ``i`` is a weight for the run's symbol ``i``: data with the same
    symbols in another order is reordered (and a line says so); other symbols are refused.

    Args:
        market: the :class:`~tradegym.data.market.MarketData` to apply the run to.
        symbols: the run's symbols, in order.
        spec: the data spec, for messages.
        mapping: ``{run symbol: data symbol}`` for names that differ; the result keeps the
            data's names.
        echo: where the reorder and mapping lines go.

    Raises:
        ConfigError: symbols missing from the data or extra in it (naming both), or a
            mapping naming a symbol the run does not have.
    """
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(symbols))
    if unknown:
        raise ConfigError(f"--map-symbols names {unknown}, which the run was not trained on; its "
                          f"symbols are {list(symbols)} (write RUN_SYMBOL=DATA_SYMBOL)")
    wanted = [mapping.get(s, s) for s in symbols]
    missing = [s for s in wanted if s not in market.symbols]
    extra = [s for s in market.symbols if s not in wanted]
    if missing or extra:
        raise ConfigError(
            f"the run was trained on {len(symbols)} assets ({', '.join(symbols)}), one weight "
            f"each; {spec} does not have them: missing {missing}, extra {extra}. Load data with "
            "exactly those symbols, or map renamed ones with --map-symbols RUN_SYMBOL=DATA_SYMBOL,...")
    if mapping:
        echo("mapped symbols: " + ", ".join(f"{k}->{v}" for k, v in mapping.items() if k != v))
    if list(market.symbols) == wanted:
        return market
    echo(f"reordered {spec}'s symbols to the run's order")
    return market.select(wanted)


def run_provenance(run_path: str | Path, cfg: Any, split: str, best: bool, data: str | None
                   ) -> dict[str, Any]:
    """What a report says about the run: directory, model and its hash, config, data, split."""
    run = RunDir.open(run_path)
    model = "best_model.zip" if best and run.file("best_model.zip").is_file() else "model.zip"
    manifest = run.read_json("manifest.json") if run.file("manifest.json").is_file() else {}
    recorded = run.read_json("data.json") if run.file("data.json").is_file() else {}
    digest = manifest.get(model)
    splits = recorded.get("splits", {})
    return {
        "run directory": str(Path(run_path).resolve()),
        "model": f"{model}, sha256 {digest}" if isinstance(digest, str) else model,
        "agent": f"{cfg.agent.algo} with the {cfg.agent.extractor} extractor, seed {cfg.train.seed}",
        "env": f"{cfg.env.id} {cfg.env.env_kwargs()}",
        "data spec": data or cfg.data.source,
        "trained on": recorded.get("description", "-"),
        "split": f"{split} (the run's train {cfg.data.train} / val {cfg.data.val} cut)",
        **{f"{part} rows": f"{info['start']} to {info['end']} ({info['rows']} rows)"
           for part, info in splits.items() if isinstance(info, dict) and "start" in info},
    }


def seed_summary(results: Sequence[Any], agent_prefix: str, benchmark: str | None = "equal_weight",
                 n_resamples: int = 1000) -> str:
    """``"<agent> Sharpe over n seeds: mean ± sd (min..max); baselines: ...; SPA ..."``.

    With ``benchmark`` among the results, the line ends with Hansen's SPA over the seeds
    (does any seed beat the benchmark, allowing for having tried several?).
    """
    import numpy as np

    from tradegym.backtest.evidence import shared_returns, spa
    from tradegym.errors import DataError

    agents = [r.metrics["sharpe"] for r in results if r.name.startswith(agent_prefix)]
    others = ", ".join(f"{r.name} {r.metrics['sharpe']:.2f}" for r in results
                       if not r.name.startswith(agent_prefix) and r.metrics["sharpe"] is not None
                       and np.isfinite(r.metrics["sharpe"]))
    values = np.array([a for a in agents if a is not None], dtype=float)
    spread = f" ± {values.std(ddof=1):.2f}" if len(values) > 1 else ""
    line = (f"{agent_prefix} Sharpe over {len(values)} seed(s): {values.mean():.2f}{spread} "
            f"(min {values.min():.2f}, max {values.max():.2f}); {others}")
    bench = next((r for r in results if r.name == benchmark), None)
    seeds = [r for r in results if r.name.startswith(agent_prefix)]
    if bench is None or not seeds:
        return line
    try:
        frame = shared_returns([*seeds, bench])  # (T, seeds + 1): the bars all of them share
    except DataError:  # too few shared bars for a test: the line without it
        return line
    test = spa(frame[[r.name for r in seeds]], frame[benchmark], n_resamples=n_resamples)
    answer = (f"at least one seed beats {benchmark}" if test.p_value < 0.05
              else f"no seed is distinguishable from {benchmark}")
    return f"{line}; SPA over the {len(seeds)} seed(s) vs {benchmark}: p = {test.p_value:.2f}, {answer}"
