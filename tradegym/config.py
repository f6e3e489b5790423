"""Typed configs: dataclasses next to what they configure, YAML that holds data only.

One loader for every config in tradegym: :func:`load_config` reads YAML with
``yaml.safe_load`` (never ``eval``), applies ``a.b=value`` overrides, and builds the
dataclass with :func:`from_dict`, which rejects unknown keys with a suggestion and
checks each value's type against the field's annotation.

>>> from dataclasses import dataclass
>>> @dataclass
... class Costs:
...     name: str = "proportional"
...     rate: float = 0.001
>>> from_dict(Costs, apply_overrides({"name": "flat"}, ["rate=0.002"]))
Costs(name='flat', rate=0.002)
>>> from_dict(Costs, {"rat": 1})
Traceback (most recent call last):
...
tradegym.errors.ConfigError: config: unknown key 'rat'. Did you mean 'rate'? Known keys: name, rate
"""

from __future__ import annotations

import dataclasses
import datetime
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, Union

from tradegym.errors import ConfigError
from tradegym.registry import suggest

T = TypeVar("T")


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping with ``yaml.safe_load``.

    Raises:
        ConfigError: missing file, invalid YAML (with the line), or not a mapping.
    """
    import yaml

    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"config file {file} does not exist")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {file} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {file} must hold a mapping at the top, got {type(data).__name__}")
    return data


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with ``"a.b=value"`` overrides applied (values parsed as YAML).

    Raises:
        ConfigError: an override without ``=`` or one that descends into a non-mapping.
    """
    import copy

    import yaml

    out = copy.deepcopy(dict(data))
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} must look like 'section.key=value'")
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            value = raw
        node = out
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {item!r}: {part!r} is not a section")
            node = child
        node[parts[-1]] = value
    return out


def from_dict(cls: type[T], data: Mapping[str, Any], where: str = "config") -> T:
    """Build dataclass ``cls`` from a mapping, recursively, checking keys and types.

    Raises:
        ConfigError: unknown key (with a suggestion), or a value of the wrong type, naming
            the dotted key.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping for {cls.__name__}, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {}
    prefix = "" if where == "config" else f"{where.removeprefix('config.')}."
    for key, value in _renamed(cls, data, prefix).items():
        if key not in fields:
            raise ConfigError(
                f"config: unknown key '{prefix}{key}'.{suggest(str(key), list(fields))} "
                f"Known keys: {', '.join(fields)}"
            )
        kwargs[key] = _coerce(hints[key], value, f"{where}.{key}")
    return cls(**kwargs)


def _renamed(cls: type, data: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """``data`` with keys a config renamed (its ``RENAMED = {old: new}``) under their new name.

    Old config files and run directories keep loading after a knob is renamed; an old
    ``None`` ("the default") is dropped so the new field's default applies.

    Raises:
        ConfigError: both the old and the new name are given.
    """
    renamed: Mapping[str, str] = getattr(cls, "RENAMED", {})
    out = dict(data)
    for old, new in renamed.items():
        if old not in out:
            continue
        if new in out:
            raise ConfigError(f"config: '{prefix}{old}' is the old name of '{prefix}{new}'; give only "
                              f"'{prefix}{new}'")
        value = out.pop(old)
        if value is not None:
            out[new] = value
    return out


def to_dict(obj: Any) -> dict[str, Any]:
    """A dataclass config as plain data (for YAML/JSON)."""
    return dataclasses.asdict(obj)


def load_config(
    cls: type[T],
    source: str | Path | Mapping[str, Any] | T | None = None,
    overrides: Sequence[str] = (),
    *,
    shipped: Path | None = None,
    what: str = "config",
) -> T:
    """The one config loader: a YAML path, a shipped name, a mapping or a config, overrides, checks.

    Args:
        cls: the config dataclass; its ``check()`` method, if it has one, runs last.
        source: a YAML path, a mapping, a ``cls`` instance (its values; a new object is
            returned), None (all defaults), or, with ``shipped``, the name of a YAML file in
            that folder.
        overrides: ``a.b=value`` strings.
        shipped: a folder of shipped YAML configs; a config read from a file there or from
            a path then takes its ``name`` from the file's stem unless it sets one.
        what: what the config is, in errors (``config``, ``sweep``).

    Raises:
        ConfigError: unknown shipped name or missing file (with a suggestion), invalid YAML,
            unknown keys, wrong types, or a value ``check()`` rejects.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if shipped is not None and not path.suffix and not path.exists():
            names = sorted(p.stem for p in shipped.glob("*.yaml"))
            if str(source) not in names:
                raise ConfigError(f"unknown {what} {str(source)!r}.{suggest(str(source), names)} "
                                  f"Shipped: {', '.join(names)}; or pass a YAML path")
            path = shipped / f"{source}.yaml"
        data = read_yaml(path)
        if shipped is not None:
            data.setdefault("name", path.stem)
    elif isinstance(source, Mapping) or source is None:
        data = dict(source or {})
    else:  # a config object of cls
        data = to_dict(source)
    cfg = from_dict(cls, apply_overrides(data, overrides))
    check = getattr(cfg, "check", None)
    if callable(check):
        check()
    return cfg


def _coerce(annotation: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(arg, value, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if len(errors) == 1 else f"{where}: {value!r} fits none of {args}")
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return from_dict(annotation, value or {}, where)
    if origin in (list, tuple, Sequence) or annotation in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        inner = args[0] if args else Any
        items = [_coerce(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple or annotation is tuple else items
    if origin in (dict, Mapping) or annotation is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if annotation is str:
        if isinstance(value, str):
            return value
        if isinstance(value, datetime.date):  # YAML reads 2020-01-31 as a date
            return value.isoformat()
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value
