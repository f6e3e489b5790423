"""``MarketData``: the one in-memory form of a market.

Prices are an aligned float array ``(T, N, F)``: ``T`` bars, ``N`` symbols, ``F`` fields
among :data:`FIELDS`, in that order, holding only what the source has. A close-only
universe has ``fields == ("close",)``; an open column is never invented from closes.

Objects are built only through validating constructors (:meth:`MarketData.from_array`,
:meth:`MarketData.from_wide`, :meth:`MarketData.from_frames`), which reject NaN/inf,
non-positive prices, negative volume, unsorted or duplicated dates and empty data with a
:class:`~tradegym.errors.DataError` naming the field, symbol and date. The field vocabulary
(:data:`FIELDS`, :func:`canonical_field`) lives in :mod:`tradegym.data.fields` and the
constructors' validation and calendar alignment in :mod:`tradegym.data.validate`; their
names stay importable from here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from tradegym.data.fields import FIELDS, PRICE_FIELDS, canonical_field
from tradegym.data.validate import Align, Fill, build_array, require_datetime_index, stack_frames
from tradegym.errors import DataError
from tradegym.registry import suggest

DEFAULT_SPLIT: tuple[float, float] = (0.7, 0.15)
"""Train and validation fractions of rows (the test part is the rest, 15 %): the one default
of :meth:`MarketData.split`, every config's ``data.train``/``data.val`` and the CLI's ``--split``."""


class Split(NamedTuple):
    """Chronological train / validation / test parts of one market."""

    train: MarketData
    val: MarketData
    test: MarketData


@dataclass(frozen=True, eq=False)
class MarketData:
    """Aligned market prices.

    Attributes:
        prices: float64 array ``(T, N, F)``; prices in the source's currency, volume in shares.
        dates: ``DatetimeIndex`` of length ``T``, strictly increasing.
        symbols: ``N`` symbol names.
        fields: ``F`` field names, a subsequence of :data:`FIELDS`.
        name: a short label (source name) used in reports.
        meta: provenance (source, licence, adjustment) and source-specific extras.
        tradable: bool array ``(T, N)``: True where the asset is inside its listed life (a
            real or an honestly filled bar). Default all True. Outside it the prices are
            placeholders (the first open before listing, the last close after delisting;
            :mod:`tradegym.data.filling`) that no environment trades at.
        dynamic: whether the universe changes: the loaded market had a bar that is not
            tradable. Carried by every slice and selection, so all splits of one market
            give environments the same observation space (with its ``mask`` key).
            Default: ``not tradable.all()``.
    """

    prices: np.ndarray
    dates: pd.DatetimeIndex
    symbols: tuple[str, ...]
    fields: tuple[str, ...]
    name: str = "market"
    meta: Mapping[str, Any] = field(default_factory=dict)
    tradable: np.ndarray = None  # type: ignore[assignment]  # None -> all True
    dynamic: bool = None  # type: ignore[assignment]  # None -> not tradable.all()

    def __post_init__(self) -> None:
        # Shared by every split and env built on it: nobody may write into it.
        self.prices.flags.writeable = False
        shape = self.prices.shape[:2]
        if self.tradable is None:
            mask = np.ones(shape, dtype=bool)
        else:
            mask = np.asarray(self.tradable, dtype=bool)
            if mask.shape != shape:
                raise DataError(f"tradable has shape {mask.shape}, expected (dates, symbols) = {shape}")
        mask.flags.writeable = False
        object.__setattr__(self, "tradable", mask)
        if self.dynamic is None:
            object.__setattr__(self, "dynamic", not bool(mask.all()))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_array(
        cls,
        prices: np.ndarray,
        dates: Sequence[Any] | pd.DatetimeIndex,
        symbols: Sequence[str],
        fields: Sequence[str] = ("close",),
        *,
        name: str = "market",
        meta: Mapping[str, Any] | None = None,
        fill: Fill = None,
        adjust: bool = True,
        tradable: np.ndarray | None = None,
    ) -> MarketData:
        """Validate and build from an array ``(T, N, F)`` (or ``(T, N)`` for one field).

        Args:
            prices: the values; copied to float64.
            dates: ``T`` dates, strictly increasing.
            symbols: ``N`` distinct names.
            fields: ``F`` names from :data:`FIELDS` (aliases like ``"Adj Close"`` accepted).
            name: label for reports.
            meta: provenance, stored as given.
            fill: ``None`` rejects missing values; ``"ffill"`` fills a missing bar as a bar
                with no trade (open = high = low = close = the previous close, volume 0;
                :mod:`tradegym.data.filling`). Leading gaps are still an error (nothing to
                carry); trailing gaps end the symbol's life (not tradable), never filled.
            adjust: when an ``adj_close`` field is present, scale open/high/low/close by the
                daily factor ``adj_close / close`` (and volume by its inverse) and drop
                ``adj_close``, so returns include splits and dividends and the overnight and
                intraday moves stay consistent across a split. ``False`` keeps raw columns.
            tradable: optional ``(T, N)`` bool life of each symbol; values outside it may be
                NaN and are replaced by placeholders (see the class attributes).

        Raises:
            DataError: shapes disagree, unknown/duplicate fields or symbols, empty data,
                bad dates, NaN/inf, non-positive prices or negative volume.
        """
        values, index, names, columns, life = build_array(
            prices, dates, symbols, fields, fill=fill, adjust=adjust, life=tradable,
        )
        return cls(values, index, names, columns, name, dict(meta or {}), tradable=life)  # type: ignore[arg-type]

    @classmethod
    def from_wide(
        cls,
        frame: pd.DataFrame,
        field_name: str = "close",
        *,
        name: str = "market",
        meta: Mapping[str, Any] | None = None,
        fill: Fill = None,
    ) -> MarketData:
        """Build a one-field market from a wide frame: index dates, one column per symbol.

        Raises:
            DataError: as :meth:`from_array`.
        """
        require_datetime_index(frame, name)
        return cls.from_array(
            frame.to_numpy(dtype=np.float64),
            frame.index,
            [str(c) for c in frame.columns],
            (field_name,),
            name=name,
            meta=meta,
            fill=fill,
        )

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        *,
        align: Align = "strict",
        name: str = "market",
        meta: Mapping[str, Any] | None = None,
        fill: Fill = None,
        adjust: bool = True,
    ) -> MarketData:
        """Build from one OHLCV frame per symbol (index: dates; columns: fields).

        Args:
            frames: symbol -> frame. Column names may be any alias (``"Adj Close"``...).
            align: how differing calendars are reconciled, never silently:
                ``"strict"`` raises if they differ; ``"intersection"`` keeps common dates;
                ``"union"`` keeps every date of every symbol: bars before a symbol's first
                date or after its last are not tradable (a late listing, a delisting or
                the end of its file), and gaps inside its life need ``fill="ffill"``;
                ``"union+ffill"`` is ``"union"`` with ``fill="ffill"``.
            name: label for reports.
            meta: provenance, stored as given.
            fill: as :meth:`from_array`; ``align="union+ffill"`` implies ``"ffill"``.
            adjust: as :meth:`from_array`.

        Raises:
            DataError: no frames, differing field sets, misaligned calendars under
                ``"strict"``, or anything :meth:`from_array` rejects.
        """
        values, calendar, symbols, fields, life = stack_frames(frames, align, name)
        if align == "union+ffill":
            fill = "ffill"
        return cls.from_array(
            values, calendar, symbols, fields,
            name=name, meta=meta, fill=fill, adjust=adjust, tradable=life,
        )

    # ------------------------------------------------------------------ views
    @property
    def n_bars(self) -> int:
        """``T``, the number of rows (dates)."""
        return int(self.prices.shape[0])

    @property
    def n_assets(self) -> int:
        """``N``, the number of symbols."""
        return int(self.prices.shape[1])

    def __len__(self) -> int:
        return self.n_bars

    def has(self, field_name: str) -> bool:
        """Whether the market carries ``field_name``."""
        return field_name in self.fields

    def field(self, field_name: str) -> np.ndarray:
        """The ``(T, N)`` array of one field (a read-only view).

        Raises:
            DataError: the market does not have that field.
        """
        if field_name not in self.fields:
            raise DataError(
                f"market {self.name!r} has no {field_name!r} field (it has {list(self.fields)})"
            )
        view = self.prices[:, :, self.fields.index(field_name)]
        view.flags.writeable = False
        return view

    @property
    def close(self) -> np.ndarray:
        """``(T, N)`` closes (split- and dividend-adjusted when the source gave an adjusted close)."""
        return self.field("close")

    def life_events(self) -> list[tuple[pd.Timestamp, str, str]]:
        """Listings and delistings in the period: ``[(date, symbol, "listed" | "delisted")]``.

        Listed: the first tradable bar; delisted: the last one (a delisting or the file's end).

        >>> import numpy as np
        >>> life = np.array([[True, False], [True, True], [False, True]])
        >>> data = MarketData.from_array(np.ones((3, 2)), ["2021-01-04", "2021-01-05", "2021-01-06"],
        ...                              ["A", "B"], tradable=life)
        >>> [(str(d.date()), s, k) for d, s, k in data.life_events()]
        [('2021-01-05', 'B', 'listed'), ('2021-01-05', 'A', 'delisted')]
        """
        from tradegym.data.filling import life_events

        return life_events(self.tradable, self.dates, self.symbols)

    def to_frame(self) -> pd.DataFrame:
        """Long frame: index dates, columns ``(field, symbol)`` MultiIndex."""
        cols = pd.MultiIndex.from_product([self.fields, self.symbols], names=["field", "symbol"])
        data = self.prices.transpose(0, 2, 1).reshape(self.n_bars, -1)  # (T, F*N)
        return pd.DataFrame(data, index=self.dates, columns=cols)

    def describe(self) -> str:
        """One line: name, shape, fields and date range."""
        return (
            f"{self.name}: {self.n_bars} bars x {self.n_assets} assets, fields {list(self.fields)}, "
            f"{self.dates[0].date()} to {self.dates[-1].date()}"
        )

    def __repr__(self) -> str:
        return f"MarketData({self.describe()})"

    # ------------------------------------------------------------------ subsets
    def slice_rows(self, start: int, stop: int) -> MarketData:
        """Rows ``start:stop`` as a new market (no copy of the values is made)."""
        if not 0 <= start < stop <= self.n_bars:
            raise DataError(f"row range {start}:{stop} is empty or outside 0:{self.n_bars}")
        return MarketData(
            self.prices[start:stop], self.dates[start:stop], self.symbols, self.fields,
            self.name, self.meta, tradable=self.tradable[start:stop], dynamic=self.dynamic,
        )

    def between(self, start: Any = None, end: Any = None) -> MarketData:
        """Rows with ``start <= date <= end`` (either bound may be ``None``).

        Raises:
            DataError: no rows fall in the range.
        """
        lo = 0 if start is None else int(self.dates.searchsorted(pd.Timestamp(start), "left"))
        hi = self.n_bars if end is None else int(self.dates.searchsorted(pd.Timestamp(end), "right"))
        if hi <= lo:
            raise DataError(
                f"no rows of {self.name!r} between {start} and {end} "
                f"(data covers {self.dates[0].date()} to {self.dates[-1].date()})"
            )
        return self.slice_rows(lo, hi)

    def select(self, symbols: Sequence[str]) -> MarketData:
        """A market with only ``symbols``, in the given order.

        Raises:
            DataError: a symbol is unknown (with a suggestion).
        """
        idx = []
        for sym in symbols:
            if sym not in self.symbols:
                raise DataError(
                    f"unknown symbol {sym!r} in {self.name!r}.{suggest(sym, list(self.symbols))}"
                )
            idx.append(self.symbols.index(sym))
        return MarketData(
            self.prices[:, idx], self.dates, tuple(symbols), self.fields, self.name, self.meta,
            tradable=self.tradable[:, idx], dynamic=self.dynamic,
        )

    def split(
        self, train: float | Any = DEFAULT_SPLIT[0], val: float | Any = DEFAULT_SPLIT[1], *,
        min_rows: int = 2,
    ) -> Split:
        """Chronological train / val / test split.

        Args:
            train: fraction of rows (``0 < train < 1``) or the last date of the train part.
            val: fraction of rows or the last date of the validation part; the test part is
                the rest.
            min_rows: each part must keep at least this many rows (e.g. window + 2).

        Raises:
            DataError: a part would have fewer than ``min_rows`` rows.
        """
        if isinstance(train, float) and isinstance(val, float):
            if not (0 < train and 0 <= val and train + val < 1):
                raise DataError(f"split fractions train={train}, val={val} must be > 0 and sum < 1")
            a = int(round(self.n_bars * train))
            b = int(round(self.n_bars * (train + val)))
        else:
            a = int(self.dates.searchsorted(pd.Timestamp(train), "right"))
            b = int(self.dates.searchsorted(pd.Timestamp(val), "right"))
        parts = {"train": (0, a), "val": (a, b), "test": (b, self.n_bars)}
        for part, (lo, hi) in parts.items():
            if hi - lo < min_rows:
                raise DataError(
                    f"{part} split of {self.name!r} has {hi - lo} rows, fewer than the "
                    f"{min_rows} needed; use more data, a smaller window or other split points"
                )
        return Split(*(self.slice_rows(lo, hi) for lo, hi in parts.values()))

    def walk_forward(
        self, train_bars: int, test_bars: int, *, step_bars: int | None = None,
        expanding: bool = False,
    ) -> list[tuple[MarketData, MarketData]]:
        """Walk-forward folds: ``[(train, test), ...]`` with each test block after its train block.

        Args:
            train_bars: rows in each training block (the first one when ``expanding``).
            test_bars: rows in each test block.
            step_bars: rows between fold starts (default ``test_bars``: test blocks tile).
            expanding: training blocks grow from row 0 instead of sliding.

        Raises:
            DataError: not even one fold fits.
        """
        step = step_bars or test_bars
        if min(train_bars, test_bars, step) <= 0:
            raise DataError("train_bars, test_bars and step_bars must be positive")
        folds = []
        start = 0
        while start + train_bars + test_bars <= self.n_bars:
            lo = 0 if expanding else start
            mid = start + train_bars
            folds.append((self.slice_rows(lo, mid), self.slice_rows(mid, mid + test_bars)))
            start += step
        if not folds:
            raise DataError(
                f"{self.name!r} has {self.n_bars} rows; one fold needs "
                f"{train_bars} + {test_bars}"
            )
        return folds

    def fingerprint(self) -> str:
        """Stable SHA-256 of values, dates, symbols and fields (for run reproducibility).

        A dynamic market's ``tradable`` mask is hashed too; a static one hashes as before
        the mask existed, so fingerprints recorded by older runs still match.
        """
        digest = hashlib.sha256()
        header = {"symbols": self.symbols, "fields": self.fields, "shape": self.prices.shape}
        digest.update(json.dumps(header, sort_keys=True).encode())
        digest.update(self.dates.asi8.astype("<i8").tobytes())
        digest.update(np.ascontiguousarray(self.prices, dtype="<f8").tobytes())
        if self.dynamic:
            digest.update(np.packbits(self.tradable).tobytes())
        return digest.hexdigest()

    def require_rows(self, rows: int, why: str) -> None:
        """Raise a :class:`DataError` unless the market has at least ``rows`` rows."""
        if self.n_bars < rows:
            raise DataError(
                f"{self.name!r} has {self.n_bars} rows but {why} needs at least {rows}; "
                "use a longer date range or a smaller window"
            )


__all__ = [
    "DEFAULT_SPLIT", "FIELDS", "PRICE_FIELDS", "Align", "Fill", "MarketData", "Split", "canonical_field",
]
