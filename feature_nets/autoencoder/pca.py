"""The linear yardstick of the autoencoders: PCA of flattened observation windows, in numpy.

Windows ``(M, W, N, K)`` are flattened to ``(M, D)``, ``D = W*N*K``, centred on their mean,
and projected on the top ``C`` principal directions. Reconstruction MSE is the mean over
windows and all ``D`` values of the squared error, the same definition the autoencoders use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradegym.errors import ConfigError


def check_code_size(code_size: int, window_shape: tuple[int, int, int]) -> None:
    """Raise ConfigError unless ``1 <= code_size <= W*N*K``: a larger code compresses nothing."""
    w, n, k = window_shape
    if int(code_size) != code_size or code_size < 1:
        raise ConfigError(f"code_size must be an integer >= 1, got {code_size!r}")
    if code_size > w * n * k:
        raise ConfigError(f"code_size {code_size} is larger than the input: a window (W, N, K) = "
                          f"{window_shape} holds {w * n * k} values; pick code_size <= {w * n * k}")


@dataclass(frozen=True)
class PCA:
    """Linear yardstick: principal components of centred, flattened windows (numpy SVD / eigh).

    Attributes:
        mean: ``(D,)`` mean flattened training window, ``D = W*N*K``.
        components: ``(C, D)`` orthonormal rows, by decreasing explained variance.
        explained_variance: ``(C,)`` variance of the training windows along each component.
        window_shape: ``(W, N, K)``.

    >>> x = np.random.default_rng(0).normal(size=(50, 2, 3, 1))
    >>> pca = PCA.fit(x, 6)  # full rank: exact
    >>> bool(np.allclose(pca.reconstruct(x), x))
    True
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    window_shape: tuple[int, int, int]

    @classmethod
    def fit(cls, windows: np.ndarray, code_size: int) -> PCA:
        """Fit on training windows ``(M, W, N, K)``: mean, then the top ``code_size`` right singular vectors.

        Raises:
            ConfigError: ``code_size`` above ``W*N*K`` or above the number of windows.
        """
        m, *shape = np.shape(windows)
        window_shape = (shape[0], shape[1], shape[2])
        check_code_size(code_size, window_shape)
        if code_size > m:
            raise ConfigError(f"PCA code_size {code_size} exceeds the {m} training windows; use more data")
        x = np.asarray(windows, dtype=np.float64).reshape(m, -1)  # (M, D)
        mean = x.mean(axis=0)  # (D,)
        xc = x - mean  # (M, D)
        if m > xc.shape[1]:
            # Many windows: the eigenvectors of the (D, D) scatter matrix are the right singular
            # vectors, and far cheaper than the SVD of (M, D) (seconds, not minutes, at D = 1800).
            values, vectors = np.linalg.eigh(xc.T @ xc)  # ascending, (D,), (D, D)
            s2, vt = values[::-1].clip(min=0), vectors[:, ::-1].T  # (D,), (D, D)
        else:
            _, s, vt = np.linalg.svd(xc, full_matrices=False)  # s (M,), vt (M, D)
            s2 = s**2
        return cls(mean, vt[:code_size], s2[:code_size] / max(m - 1, 1), window_shape)

    @property
    def code_size(self) -> int:
        """``C``."""
        return len(self.components)

    def truncate(self, code_size: int) -> PCA:
        """The same PCA keeping only the first ``code_size`` components."""
        check_code_size(code_size, self.window_shape)
        return PCA(self.mean, self.components[:code_size], self.explained_variance[:code_size],
                   self.window_shape)

    def encode(self, windows: np.ndarray) -> np.ndarray:
        """``(B, W, N, K) -> (B, C)`` projections of the centred windows."""
        x = np.asarray(windows, dtype=np.float64).reshape(len(windows), -1)  # (B, D)
        return (x - self.mean) @ self.components.T  # (B, C)

    def decode(self, code: np.ndarray) -> np.ndarray:
        """``(B, C) -> (B, W, N, K)``."""
        return (code @ self.components + self.mean).reshape(len(code), *self.window_shape)

    def reconstruct(self, windows: np.ndarray) -> np.ndarray:
        """``(B, W, N, K) -> (B, W, N, K)``: decode(encode(windows))."""
        return self.decode(self.encode(windows))


def reconstruction_mse(windows: np.ndarray, recon: np.ndarray) -> float:
    """Mean over windows and all ``W*N*K`` values of the squared error (feature units squared)."""
    return float(np.mean((np.asarray(windows, dtype=np.float64) - recon) ** 2))


__all__ = ["PCA", "check_code_size", "reconstruction_mse"]
