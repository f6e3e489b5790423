"""Error types raised at tradegym's boundaries.

All of them are ``ValueError`` subclasses, so callers that only know the standard
library can still catch bad input; the command line maps them to exit code 2.
"""

from __future__ import annotations


class TradegymError(ValueError):
    """Base class: bad input, with a message that says what, where and how to fix."""


class DataError(TradegymError):
    """Market data that cannot be used as given (NaN, non-positive prices, bad dates...)."""


class ConfigError(TradegymError):
    """A configuration value, name or option that is unknown or out of range."""


class CacheError(TradegymError):
    """A cache file that is missing, corrupt or not what it claims to be."""


class DataWarning(UserWarning):
    """Market data that loads but looks wrong (a broken bar, a stale run, a split-sized move)."""


def describe_more(count: int) -> str:
    """Return the `` and N more`` suffix used when listing the first bad item.

    >>> describe_more(1), describe_more(3)
    ('', ' and 2 more')
    """
    return f" and {count - 1} more" if count > 1 else ""
