"""A third-party environment shipped in its own package (see ``pyproject.toml``).

After ``pip install examples/plugin_package``, ``tradegym.make("myplugin/Momentum-v0")``
and ``gymnasium.make`` (after ``import tradegym``) both find it.
"""

from tradegym.envs.portfolio import PortfolioEnv


class MomentumEnv(PortfolioEnv):
    """PortfolioEnv observing momentum and moving-average features only."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", ["momentum_20", "ma_ratio_20"])
        super().__init__(**kwargs)
