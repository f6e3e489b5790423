"""One resolver for every pluggable name: rewards, costs, sources, baselines, encoders.

A value is either a name registered in a :class:`Registry` or a ``"module:attribute"``
string naming any importable object, so users plug in their own code by string in
configs and on the command line. Unknown names get a "did you mean" suggestion.

A registry may also read an entry-point group (``Registry("data source",
group="tradegym.data_sources")``): installed packages, tradegym's own upper layers among
them, declare ``name = "module:attr"`` there and this layer never names them.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from tradegym.errors import ConfigError

T = TypeVar("T")


def import_object(spec: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute.

    Raises:
        ConfigError: the spec has no colon, the module does not import, or the attribute is absent.
    """
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise ConfigError(f"{spec!r} is not of the form 'module:attribute'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import module {module_name!r} from {spec!r}: {exc}") from exc
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"module {module_name!r} has no attribute {attr_path!r} ({spec!r})")
        obj = getattr(obj, part)
    return obj


def check_choice(what: str, value: Any, known: Sequence[str]) -> None:
    """Raise if ``value`` is not one of ``known``: ``unknown WHAT 'x'. Did you mean 'y'? Known: ...``.

    >>> check_choice("task", "regresion", ("regression", "rank"))
    Traceback (most recent call last):
    ...
    tradegym.errors.ConfigError: unknown task 'regresion'. Did you mean 'regression'? Known: regression, rank

    Raises:
        ConfigError: ``value`` is not in ``known``.
    """
    if value not in known:
        raise ConfigError(f"unknown {what} {value!r}.{suggest(str(value), list(known))} "
                          f"Known: {', '.join(known)}")


def suggest(name: str, choices: list[str]) -> str:
    """Return a `` Did you mean 'x'?`` hint, or an empty string.

    >>> suggest("log_retrun", ["log_return", "simple_return"])
    " Did you mean 'log_return'?"
    """
    close = difflib.get_close_matches(name, choices, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


class Registry(Generic[T]):
    """A name -> object table with ``module:attr`` fallback and did-you-mean errors.

    With ``group``, the entry points of that group (``name = "module:attr"``, from installed
    packages' metadata) join the table the first time a name is missing or the names are
    listed; a name registered in code wins over an entry point of the same name.

    >>> rewards = Registry("reward")
    >>> @rewards.register("zero")
    ... def zero(ctx):
    ...     return 0.0
    >>> rewards.resolve("zero") is zero
    True
    >>> rewards.resolve("zer")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tradegym.errors.ConfigError: unknown reward 'zer'. Did you mean 'zero'? Known: zero; or pass ...
    """

    def __init__(self, kind: str, group: str | None = None) -> None:
        self.kind = kind
        self.group = group
        self._items: dict[str, T] = {}
        self._lazy: dict[str, str] = {}
        self._group_read = group is None

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering an object under ``name``."""

        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        """Register ``obj`` under ``name`` (a later registration replaces an earlier one)."""
        self._items[name] = obj

    def add_lazy(self, name: str, spec: str) -> None:
        """Register ``"module:attr"`` under ``name``, imported only when first resolved."""
        self._lazy[name] = spec

    def _read_group(self) -> None:
        """Add the entry points of :attr:`group` once (scanning installed metadata is slow)."""
        if self._group_read or self.group is None:
            return
        self._group_read = True
        for ep in entry_points(group=self.group):
            if ep.name not in self._items and ep.name not in self._lazy:
                self._lazy[ep.name] = ep.value

    def names(self) -> list[str]:
        """Registered names, entry points included, sorted."""
        self._read_group()
        return sorted({*self._items, *self._lazy})

    def __contains__(self, name: object) -> bool:
        if name not in self._items and name not in self._lazy:
            self._read_group()
        return name in self._items or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def resolve(self, spec: str | T) -> T:
        """Return the object for a registered name or a ``module:attr`` string.

        Non-string values are returned unchanged, so callers may pass objects directly.

        Raises:
            ConfigError: unknown name (with a suggestion) or an import failure.
        """
        if not isinstance(spec, str):
            return spec
        if spec not in self._items and spec not in self._lazy and ":" not in spec:
            self._read_group()
        if spec in self._items:
            return self._items[spec]
        if spec in self._lazy:
            self._items[spec] = import_object(self._lazy[spec])  # stays lazy if this raises
            del self._lazy[spec]
            return self._items[spec]
        if ":" in spec:
            return import_object(spec)
        known = ", ".join(self.names())
        raise ConfigError(
            f"unknown {self.kind} {spec!r}.{suggest(spec, self.names())} "
            f"Known: {known}; or pass 'module:attribute'."
        )
