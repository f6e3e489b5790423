"""``tradegym data list|show``: the data sources (built-in and plug-in) and what they hold.

::

    tradegym data list
    tradegym data show NAME
"""

from __future__ import annotations

import argparse
from typing import Any


def _cmd_data_list(args: argparse.Namespace) -> int:
    from tradegym.data import SOURCES

    names = SOURCES.names()
    width = max(len(n) for n in names)
    for name in names:
        try:
            doc = (SOURCES.resolve(name).__doc__ or "").strip().splitlines()
            line = doc[0] if doc else ""
        except ValueError as exc:  # a source module not installed or not importable
            line = f"(unavailable: {exc})"
        print(f"{name:<{width}}  {line}")
    return 0


def _cmd_data_show(args: argparse.Namespace) -> int:
    import inspect

    from tradegym.data import SOURCES, load
    from tradegym.errors import ConfigError

    params = inspect.signature(SOURCES.resolve(args.name)).parameters.values()
    needed = [p.name for p in params if p.default is p.empty
              and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if needed:
        raise ConfigError(
            f"source {args.name!r} needs {', '.join(needed)}; load it from Python with "
            f"tradegym.data.load({args.name!r}, {', '.join(f'{n}=...' for n in needed)})"
        )
    market = load(args.name)
    print(market.describe())
    print(f"symbols: {', '.join(market.symbols)}")
    for key, value in market.meta.items():
        if isinstance(value, (str, int, float, bool)):
            print(f"{key}: {value}")
    return 0


def add_data_parser(commands: Any) -> None:
    """Register ``data list|show`` on the ``tradegym`` sub-command parser."""
    data = commands.add_parser("data", help="list or describe data sources")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    data_commands.add_parser("list", help="names of the data sources").set_defaults(func=_cmd_data_list)
    show = data_commands.add_parser("show", help="load a source and describe it")
    show.add_argument("name", help="source name, e.g. sp500_stocks")
    show.set_defaults(func=_cmd_data_show)
