"""The field vocabulary of :class:`~tradegym.data.market.MarketData`: canonical names and aliases.

Sources name their columns many ways (``"Adj Close"``, ``"Close"``, ``"price"``);
:func:`canonical_field` maps each to one of :data:`FIELDS`, whose order is the order of the
field axis of ``MarketData.prices``. Importable from :mod:`tradegym.data.market` too.

>>> canonical_field("Adj Close"), FIELDS.index("close")
('adj_close', 3)
"""

from __future__ import annotations

from tradegym.errors import DataError
from tradegym.registry import suggest

FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume", "adj_close")
"""Canonical field names, in array order."""

PRICE_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close")

_COLUMN_ALIASES: dict[str, str] = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "price": "close",
    "volume": "volume",
    "adj close": "adj_close",
    "adj_close": "adj_close",
    "adjclose": "adj_close",
    "adjusted close": "adj_close",
    "adjusted_close": "adj_close",
}


def canonical_field(column: str, where: str = "") -> str:
    """Map a source column name (``"Adj Close"``, ``"Close"``...) to a field in :data:`FIELDS`.

    Raises:
        DataError: the column is not a known price or volume field.
    """
    key = str(column).strip().lower().replace("-", " ")
    if key in _COLUMN_ALIASES:
        return _COLUMN_ALIASES[key]
    place = f" in {where}" if where else ""
    raise DataError(
        f"unknown column {column!r}{place}.{suggest(key, list(_COLUMN_ALIASES))} "
        f"Expected some of: Open, High, Low, Close, Adj Close, Volume."
    )
