"""``tradegym data list|show|check``: the data sources (built-in and plug-in), what they hold, and an audit.

::

    tradegym data list
    tradegym data show SPEC        # e.g. gbm?n_assets=3, csv:prices/?align=intersection
    tradegym data check SPEC [--json] [--limit 20] [--stale-bars 5] [--move-threshold 0.4]

``data check`` exits 0 when the data is usable (warnings allowed), 1 when it is not.
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


def _cmd_data_check(args: argparse.Namespace) -> int:
    import json

    from tradegym.data.audit import check_spec

    report, problem = check_spec(args.spec, stale_bars=args.stale_bars, move_threshold=args.move_threshold)
    usable = problem is None and not report.errors
    if args.json:
        print(json.dumps({"spec": args.spec, "usable": usable, "problem": problem, **report.to_dict()},
                         indent=2))
    else:
        print(report.table(limit=args.limit))
        if problem is not None:
            print(f"unusable: {problem}")
        counts = {k: v for k, v in report.counts().items() if v}
        verdict = "usable" if usable else "NOT usable"
        print(f"{args.spec}: {verdict}; findings: {counts or 'none'}")
    return 0 if usable else 1


def add_data_parser(commands: Any) -> None:
    """Register ``data list|show|check`` on the ``tradegym`` sub-command parser."""
    data = commands.add_parser("data", help="list, describe or check data sources")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    data_commands.add_parser(
        "list", help="the data sources and their spec options"
    ).set_defaults(func=_cmd_data_list)
    show = data_commands.add_parser("show", help="load a data spec and describe it")
    show.add_argument("name", metavar="SPEC",
                      help="data spec SOURCE[:ARG][?key=value&...], e.g. sp500_stocks, "
                           "gbm?n_assets=3, csv:prices/?align=intersection")
    show.set_defaults(func=_cmd_data_show)
    check = data_commands.add_parser(
        "check", help="audit a market: gaps, empty values, broken bars, stale runs, split-sized moves",
        description="Print a per-symbol table and the findings; writes nothing. "
        "Exit code 0: usable (warnings allowed); 1: not usable as given.",
    )
    check.add_argument("spec", help="data spec, e.g. sp500_stocks or csv:prices/")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--limit", type=int, default=20,
                       help="findings shown per check, 0 all (default: %(default)s)")
    check.add_argument("--stale-bars", type=int, default=5,
                       help="identical closes in a row that count as stale (default: %(default)s)")
    check.add_argument("--move-threshold", type=float, default=0.4,
                       help="one-day |return| flagged as a move (default: %(default)s)")
    check.set_defaults(func=_cmd_data_check)


__all__ = ["add_data_parser"]
