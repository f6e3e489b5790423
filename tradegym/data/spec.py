"""Data specs: ``SOURCE[:ARG][?key=value&key=value]``, the one string that names a market.

The same string works on the command line (``--data``), in a YAML config (``data.source``)
and in Python (:func:`tradegym.data.load`)::

    sp500_stocks
    gbm?n_assets=3&seed=7&ohlc=true
    csv:prices/?symbol_column=Name&align=intersection&date_format=%d/%m/%Y
    yahoo:SPY,QQQ?start=2015-01-01
    my_pkg.data:load_mine?path=x.csv

``SOURCE`` is a registered name or ``module:function``. ``ARG`` fills the source's main
argument (``path`` for files, ``tickers`` for Yahoo, otherwise its first required one).
Every other parameter of the source function is a ``key=value`` option, converted by its
type hint: ``true``/``false``, numbers, ``none``, comma lists where a list or tuple is
expected, one of the listed choices, ``module:function`` where a function is expected.
``ARG`` and values are URL-decoded (``%26`` is ``&``, ``%3F`` is ``?``); ``+`` stays a plus and
a ``%`` not followed by two hex digits stays itself, so ``date_format=%d/%m/%Y`` needs no escaping.

>>> parse_spec("gbm?n_assets=3&ohlc=true")
DataSpec(source='gbm', arg=None, kwargs={'n_assets': 3, 'ohlc': True})
>>> format_spec("csv", "prices/", {"align": "intersection", "date_format": "%d/%m/%Y"})
'csv:prices/?align=intersection&date_format=%d/%m/%Y'
"""

from __future__ import annotations

import collections.abc
import importlib.util
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple
from urllib.parse import unquote

from tradegym.errors import ConfigError
from tradegym.registry import import_object, suggest

MAIN_ARGUMENT: dict[str, str] = {"csv": "path", "parquet": "path", "yahoo": "tickers"}
"""Which parameter ``SOURCE:ARG`` fills, where it is not the source's first required one."""

_NONE = frozenset({"none", "null"})
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_HEX_ESCAPE = re.compile(r"%(?=[0-9A-Fa-f]{2})")  # a % that unquote would decode


class DataSpec(NamedTuple):
    """A parsed data spec.

    Attributes:
        source: a registered source name or ``module:function``.
        arg: the decoded ``ARG`` after the colon, or None.
        kwargs: what the source function is called with: ``ARG`` under its parameter's name
            and every option, converted by the parameter's type hint.
    """

    source: str
    arg: str | None
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Option:
    """One parameter of a source function, as a spec option.

    Attributes:
        name: the parameter (the spec's key).
        default: its default, or :data:`inspect.Parameter.empty` when it is required.
        help: the first sentence of its ``Args:`` entry in the docstring ("" if none).
    """

    name: str
    default: Any
    help: str

    @property
    def required(self) -> bool:
        """Whether the source needs a value (it has no default)."""
        return self.default is inspect.Parameter.empty


# ---------------------------------------------------------------------- text
def split_spec(spec: str) -> tuple[str, str | None, dict[str, str]]:
    """Split a spec into source, decoded ``ARG`` and decoded option strings (no conversion).

    ``NAME:ARG`` needs ``NAME`` to be a registered source; otherwise the text before ``?`` is
    ``module:function`` with an optional ``:ARG`` after it. A key without ``=`` means ``true``.

    Raises:
        ConfigError: an empty source, an empty key or a key given twice.
    """
    head, _, query = spec.partition("?")
    prefix, sep, rest = head.partition(":")
    if not sep:
        source, arg = head, None
    elif _registered(prefix):
        source, arg = prefix, unquote(rest)
    else:  # module:function[:ARG]
        attr, sep_arg, tail = rest.partition(":")
        source, arg = f"{prefix}:{attr}", (unquote(tail) if sep_arg else None)
    if not source.strip():
        raise ConfigError(f"data spec {spec!r} has no source; write SOURCE[:ARG][?key=value&...]")
    options: dict[str, str] = {}
    for part in filter(None, query.split("&")):
        key, eq, value = part.partition("=")
        key = unquote(key).strip()
        if not key:
            raise ConfigError(f"data spec {spec!r} has an option without a name: {part!r}")
        if key in options:
            raise ConfigError(f"data spec {spec!r} gives {key!r} twice; keep one")
        options[key] = unquote(value) if eq else "true"
    return source, arg, options


def format_spec(source: str, arg: str | None = None, options: Mapping[str, Any] | None = None) -> str:
    """The spec text of a source, its ``ARG`` and options (the inverse of :func:`split_spec`).

    Values are written as a spec reads them: ``true``/``false``, ``none``, comma lists.
    """
    text = source if arg is None else f"{source}:{_quote(arg, '?')}"
    query = "&".join(f"{_quote(str(k), '&=')}={_quote(_text(v), '&')}" for k, v in (options or {}).items())
    return f"{text}?{query}" if query else text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)


def _quote(text: str, special: str) -> str:
    """Escape what :func:`unquote` or the spec's syntax would misread, and nothing else."""
    text = _HEX_ESCAPE.sub("%25", text)
    for char in special:
        text = text.replace(char, f"%{ord(char):02X}")
    return text


def _registered(name: str) -> bool:
    from tradegym.data import SOURCES

    return name in SOURCES


# ---------------------------------------------------------------------- typed
LOAD_OPTIONS = ("strict",)
"""Options every spec takes, read by :func:`tradegym.data.load` rather than the source."""


def take_load_options(spec: str) -> tuple[str, dict[str, bool]]:
    """Split :data:`LOAD_OPTIONS` (``?strict=true``) off a spec, for the loader rather than the source.

    >>> take_load_options("gbm?strict&n_assets=3")
    ('gbm?n_assets=3', {'strict': True})
    """
    head, sep, query = spec.partition("?")
    kept, found = [], {}
    for part in filter(None, query.split("&")):
        key, eq, value = part.partition("=")
        if key.strip() in LOAD_OPTIONS:
            found[key.strip()] = _convert(unquote(value), bool) if eq else True
        else:
            kept.append(part)
    return head + ("?" + "&".join(kept) if kept else ""), found


def parse_spec(spec: str) -> DataSpec:
    """Parse a spec into its source and the keyword arguments of the source function.

    Raises:
        ConfigError: unknown source (with a suggestion), an ``ARG`` the source has no place
            for, an option the source does not take (naming the source, its options and a
            suggestion), an option given both as ``ARG`` and as a key, or a value its
            parameter's type does not accept.
    """
    from tradegym.data import SOURCES

    source, arg, raw = split_spec(spec)
    prefix = source.partition(":")[0]
    if ":" in source and "." not in prefix and importlib.util.find_spec(prefix) is None:
        SOURCES.resolve(prefix)  # "cvs:prices.csv": unknown data source 'cvs'. Did you mean 'csv'?
    function = SOURCES.resolve(source)
    options = {o.name: o for o in source_options(function)}
    if arg is not None:
        main = main_argument(source, function)
        if main is None:
            raise ConfigError(
                f"data source {source!r} takes no ARG after ':' (got {arg!r}); give options as "
                f"{format_spec(source, None, {'key': 'value'})}. Options: {', '.join(options) or 'none'}"
            )
        if main in raw:
            raise ConfigError(f"data spec {spec!r} gives {main} twice, as ARG and as ?{main}=; keep one")
        raw = {main: arg, **raw}
    hints = _type_hints(function)
    open_ended = any(p.kind is p.VAR_KEYWORD for p in _parameters(function))
    kwargs: dict[str, Any] = {}
    for key, text in raw.items():
        if key not in options and not open_ended:
            raise ConfigError(
                f"unknown option {key!r} for data source {source!r}.{suggest(key, list(options))} "
                f"Options: {', '.join(options) or 'none'} (see tradegym data list)"
            )
        try:
            kwargs[key] = _convert(text, hints.get(key, _guess_hint(options.get(key))))
        except ValueError as exc:
            raise ConfigError(
                f"option {key}={text!r} of data source {source!r}: expected {exc}"
            ) from None
    return DataSpec(source, arg, kwargs)


def merge_options(spec: str, from_spec: Mapping[str, Any], given: Mapping[str, Any],
                  where: str = "keyword argument") -> dict[str, Any]:
    """The spec's options with ``given`` ones added; the same key with two values is refused.

    Raises:
        ConfigError: a key in both with different values, naming both.
    """
    out = dict(from_spec)
    for key, value in given.items():
        if key in out and out[key] != value:
            raise ConfigError(
                f"{key} is {out[key]!r} in the data spec {spec!r} but {value!r} as {where}; give it once"
            )
        out[key] = value
    return out


def main_argument(source: str, function: Callable[..., Any]) -> str | None:
    """The parameter ``SOURCE:ARG`` fills: :data:`MAIN_ARGUMENT`'s, else the first required one."""
    if source in MAIN_ARGUMENT:
        return MAIN_ARGUMENT[source]
    required = [o.name for o in source_options(function) if o.required]
    return required[0] if required else None


def source_options(function: Callable[..., Any]) -> list[Option]:
    """The options a source function takes, with defaults and one line of help each."""
    docs = _arg_docs(function)
    return [Option(p.name, p.default, docs.get(p.name, "")) for p in _parameters(function)
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and not p.name.startswith("_")]


def _parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # builtins and C functions have none to show
        return []


def _type_hints(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - a plug-in's unresolvable hints: fall back to defaults' types
        return {}


def _guess_hint(option: Option | None) -> Any:
    """A hint from the default's type where the annotation is missing or unresolvable."""
    if option is None or option.required or option.default is None:
        return Any
    return type(option.default)


def _arg_docs(function: Callable[..., Any]) -> dict[str, str]:
    """``name -> first sentence`` from a Google-style ``Args:`` section."""
    out: dict[str, str] = {}
    inside, indent, current = False, None, None
    for line in (inspect.getdoc(function) or "").splitlines():
        if line.strip() == "Args:":
            inside = True
            continue
        if not inside or not line.strip():
            continue
        if not line.startswith(" "):  # the next section
            break
        match = re.match(r"^( +)(\w+)(?: \([^)]*\))?: ?(.*)$", line)
        if match and (indent is None or len(match.group(1)) == indent):
            indent, current = len(match.group(1)), match.group(2)
            out[current] = match.group(3).strip()
        elif current:
            out[current] += " " + line.strip()
    return {k: _first_sentence(_plain(v)) for k, v in out.items()}


def _plain(text: str) -> str:
    """Docstring markup dropped: ``x`` and :role:`x` become x."""
    return re.sub(r":\w+:`~?([^`]*)`", r"\1", text).replace("``", "")


def _first_sentence(text: str) -> str:
    """Up to the first ``.`` or ``;`` ending a clause outside parentheses (not ``e.g.``)."""
    depth = 0
    for i, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        ends = i + 1 == len(text) or text[i + 1] == " "
        if char in ".;" and depth <= 0 and ends and not text[:i].endswith(("e.g", "i.e")):
            return text[:i]
    return text.rstrip(".;")


# ---------------------------------------------------------------------- values
def _convert(text: str, hint: Any) -> Any:
    """``text`` as a value of ``hint``; ValueError says what was expected."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return None if text.lower() in _NONE else text
    if origin in (typing.Union, types.UnionType):
        if text.lower() in _NONE and type(None) in args:
            return None
        # Strings accept anything, so they are tried last.
        kinds = sorted((a for a in args if a is not type(None)), key=_is_text)
        reasons = []
        for kind in kinds:
            try:
                return _convert(text, kind)
            except ValueError as exc:
                reasons.append(str(exc))
        raise ValueError(" or ".join(reasons))
    if origin is Literal:
        if text.lower() in _NONE and None in args:
            return None
        choices = [a for a in args if a is not None]
        for choice in choices:
            if str(choice) == text or _text(choice) == text.lower():
                return choice
        names = [str(c) for c in choices]
        raise ValueError(f"one of {', '.join(names)}{suggest(text, names)}")
    if hint is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError("true or false")
    if hint is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError("an integer") from None
    if hint is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError("a number") from None
    if origin in (list, tuple, collections.abc.Sequence, collections.abc.Iterable) or hint in (list, tuple):
        return _convert_items(text, origin or hint, args)
    if hint is collections.abc.Callable or origin is collections.abc.Callable:
        return import_object(text)
    return text  # str, paths and types a spec cannot build: the text as given


def _convert_items(text: str, kind: Any, args: tuple[Any, ...]) -> list[Any] | tuple[Any, ...]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if kind is tuple and args and args[-1] is not Ellipsis:
        if len(items) != len(args):
            raise ValueError(f"{len(args)} comma-separated values")
        return tuple(_convert(t, a) for t, a in zip(items, args, strict=True))
    element = args[0] if args else Any
    values = [_convert(t, element) for t in items]
    return tuple(values) if kind is tuple else values


def _is_text(hint: Any) -> bool:
    return hint is str or hint is Any or "PathLike" in str(hint) or "Path" in getattr(hint, "__name__", "")


__all__ = ["MAIN_ARGUMENT", "DataSpec", "Option", "format_spec", "main_argument", "merge_options",
           "parse_spec", "source_options", "split_spec"]
