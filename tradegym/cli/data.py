"""``tradegym data list|show``: the data sources (built-in and plug-in) and what they hold.

::

    tradegym data list
    tradegym data show SPEC        # e.g. gbm?n_assets=3, csv:prices/?align=intersection
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
            function = SOURCES.resolve(name)
        except ValueError as exc:  # a source module not installed or not importable
            print(f"{name:<{width}}  (unavailable: {exc})")
            continue
        doc = (function.__doc__ or "").strip().splitlines()
        print(f"{name:<{width}}  {doc[0] if doc else ''}")
        for line in _option_lines(name, function):
            print(f"{'':<{width}}    {line}")
    return 0


def _option_lines(name: str, function: Any) -> list[str]:
    """``spec: NAME[:ARG]?key=value&...`` then one line per option: key, default, help."""
    from tradegym.data.spec import main_argument, source_options

    options = source_options(function)
    main = main_argument(name, function)
    head = f"{name}:{main.upper()}" if main else name
    lines = [f"spec: {head}" + ("?key=value&..." if any(o.name != main for o in options) else "")]
    for option in options:
        if option.name == main:
            default = "(the ARG)"
        else:
            default = "(required)" if option.required else f"= {_default(option.default)}"
        lines.append(f"  {option.name:<16} {default:<14} {option.help}".rstrip())
    return lines


def _default(value: Any) -> str:
    from tradegym.data.spec import format_spec

    return format_spec("x", None, {"v": value}).partition("=")[2]  # as a spec would write it


def _cmd_data_show(args: argparse.Namespace) -> int:
    from tradegym.data import load

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
    data_commands.add_parser(
        "list", help="the data sources and their spec options"
    ).set_defaults(func=_cmd_data_list)
    show = data_commands.add_parser("show", help="load a data spec and describe it")
    show.add_argument("name", metavar="SPEC",
                      help="data spec SOURCE[:ARG][?key=value&...], e.g. sp500_stocks, "
                           "gbm?n_assets=3, csv:prices/?align=intersection")
    show.set_defaults(func=_cmd_data_show)


__all__ = ["add_data_parser"]
