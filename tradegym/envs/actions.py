"""Scores to target weights, for every action mapping: one object the single and vector envs share.

=================  ============================================  ================================
mapping            weights                                       formulas
=================  ============================================  ================================
``"softmax"``      long-only, on the simplex (default)           :func:`kernel.scores_to_weights`
``"simplex"``      long-only, on the simplex (projection)        :func:`kernel.scores_to_weights`
``"long_short"``   ``|w_i| <= 1``, gross and net limits,         :mod:`tradegym.envs.longshort`
                   cash ``= 1 - sum w_i`` (may be negative)
=================  ============================================  ================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from gymnasium import spaces

from tradegym.envs import kernel
from tradegym.envs.longshort import (
    MAPPING,
    Book,
    check_long_short,
    long_short_into,
    weights_to_long_short_scores,
)
from tradegym.errors import ConfigError

MAPPINGS = (*kernel.MAPPINGS, MAPPING)


class ActionMap:
    """Maps action scores ``(B, A)`` in ``[-1, 1]`` to target weights ``(B, A)``, cash first.

    Args:
        mapping: one of :data:`MAPPINGS`.
        temperature, dust: the ``"softmax"`` mapping's parameters.
        book: the env's :class:`~tradegym.envs.longshort.Book` (limits of ``"long_short"``).

    Raises:
        ConfigError: unknown mapping, temperature out of ``[0.01, 2]``, or ``"long_short"``
            without a book.
    """

    def __init__(self, mapping: str, temperature: float, dust: float, book: Book | None) -> None:
        if mapping not in MAPPINGS:
            raise ConfigError(f"unknown action_mapping {mapping!r}; use {list(MAPPINGS)}")
        if not 0.01 <= temperature <= 2:
            raise ConfigError(f"temperature must be in [0.01, 2], got {temperature}")
        if mapping == MAPPING and book is None:
            raise ConfigError("action_mapping 'long_short' needs the env's book (limits)")
        self.mapping, self.temperature, self.dust, self.book = mapping, temperature, dust, book
        self.long_short = mapping == MAPPING
        self._inv_temperature = 1.0 / temperature

    def into(self, scores: np.ndarray, out: np.ndarray) -> bool:
        """Write the weights of ``scores (B, A)`` (float32 or 64) into ``out (B, A)``; False if not finite."""
        if self.mapping == "softmax":  # the compiled mapping directly: the hot path of every step
            return bool(kernel.softmax_into(scores, self._inv_temperature, self.dust, out))
        if self.long_short:
            book = self.book
            assert book is not None  # checked in __init__
            return bool(long_short_into(scores, book.max_gross, book.net_low, book.net_high, out))
        if not np.isfinite(scores).all():
            return False
        kernel.scores_to_weights(scores, self.mapping, out=out)
        return True

    def inverse(self, weights: Any, n_slots: int) -> np.ndarray:
        """The action ``(A,)`` float32 that maps to ``weights`` (cash first).

        Long-only weights are renormalised to sum 1; long/short weights must lie in the book's
        allowed set (cash is recomputed as ``1 - sum`` of the risky ones).

        Raises:
            ValueError: wrong shape, not finite, negative (long-only) or outside the limits.
        """
        w = np.asarray(weights, dtype=np.float64)
        if self.long_short:
            assert self.book is not None
            if w.shape != (n_slots,) or not np.isfinite(w).all():
                raise ValueError(f"weights must be ({n_slots},) finite, got {w!r}")
            w = w.copy()
            w[0] = 1.0 - w[1:].sum()
            problem = self.check_target(w)
            if problem is not None:
                raise ValueError(f"weights {w.tolist()} {problem}")
            return weights_to_long_short_scores(w, self.book).astype(np.float32)
        if w.shape != (n_slots,) or not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"weights must be ({n_slots},) finite and >= 0, got {w!r}")
        w = w / w.sum()
        return kernel.weights_to_scores(w, self.mapping, self.temperature).astype(np.float32)

    def check_target(self, weights: np.ndarray) -> str | None:
        """What is wrong with target weights ``(A,)`` (after "target weights ..."), or ``None``."""
        if self.long_short:
            assert self.book is not None
            return check_long_short(weights, self.book)
        with np.errstate(over="ignore", invalid="ignore"):  # inf or nan sums: the check says so
            total = weights.sum()
        if not np.isfinite(weights).all() or (weights < 0).any() or abs(total - 1) > 1e-9:
            return "must be finite, >= 0 and sum to 1"
        return None

    def weights_space(self, n_slots: int) -> spaces.Box:
        """The observation space of the held weights ``(A,)``.

        Long-only weights lie in ``[0, 1]``. A long/short book's drift is bounded by its margin
        rule (gross at most ``1 / maintenance`` at a close, cash ``1 -`` net, a deleveraging
        trade's cost on top): ``+-(1 + 2 / maintenance)``; unbounded without a rule or when a
        call ends the episode.
        """
        if not self.long_short:
            return spaces.Box(0.0, 1.0, (n_slots,), np.float32)
        book = self.book
        assert book is not None
        bound = 1.0 + 2.0 / book.maintenance if book.maintenance > 0 and book.deleverage else np.inf
        return spaces.Box(-bound, bound, (n_slots,), np.float32)


def numeric_row(value: Any, what: str, n_slots: int, where: Callable[[], str]) -> np.ndarray:
    """``value`` as a float64 row ``(A,)``: an action's scores or target weights, cash first.

    ``where()`` says the step and date for a message; it is called only on an error (it
    formats a date, which would cost a hot step more than the checks).

    Raises:
        ValueError: bool, complex, text, objects, ragged lists or a wrong shape, naming
            ``what`` and ``where()``.
    """
    arr = value if isinstance(value, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as exc:  # ragged lists
            raise ValueError(f"{what} {value!r} is not an array of numbers {where()}: {exc}") from None
    if arr.dtype.kind not in "iuf":  # integers and floats only: no silent casts
        raise ValueError(f"{what} has dtype {arr.dtype} ({type(value).__name__}), expected real numbers "
                         f"{where()}")
    if arr.shape != (n_slots,):
        verb, unit = ("have", "weights") if what.endswith("weights") else ("has", "scores")
        raise ValueError(f"{what} {verb} shape {arr.shape}, expected ({n_slots},) = N+1 {unit}, cash first, "
                         f"{where()}")
    return arr.astype(np.float64, copy=False)
