"""A third-party environment and data source shipped in their own package (see ``pyproject.toml``).

After ``pip install examples/plugin_package``, ``tradegym.make("myplugin/Momentum-v0")``
and ``gymnasium.make`` (after ``import tradegym``) both find the environment, and
``tradegym.data.load("calm")`` (or ``data: {source: calm}`` in a config) the data source.
"""

from tradegym.envs.portfolio import PortfolioEnv


class MomentumEnv(PortfolioEnv):
    """PortfolioEnv observing momentum and moving-average features only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", ["momentum_20", "ma_ratio_20"])
        super().__init__(**kwargs)


def calm_market(n_assets: int = 3, n_bars: int = 1000, seed: int = 0):
    """Low-volatility GBM market: a data source, ``tradegym.data.load("calm", ...)``."""
    from tradegym.data import load

    return load("gbm", n_assets=n_assets, n_bars=n_bars, sigma_annual=0.05, seed=seed)
