"""Old path of :mod:`tradegym.cli.forecast`, kept importable (the CLI became a package)."""

from tradegym.cli.forecast import add_forecast_parser

__all__ = ["add_forecast_parser"]
