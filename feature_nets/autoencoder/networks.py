"""The autoencoder networks over ``(W, N, K)`` windows, and the trained model agents read.

:class:`WindowAutoencoder` squeezes a window into a code of ``C`` numbers, the total over
assets, so it compares at equal dimension with :class:`~feature_nets.autoencoder.pca.PCA`. Two asset
modes:

* ``asset_mode="joint"``: one code of the whole window, all assets mixed.

  - ``kind="mlp"``: ``(B, W, N, K) -> (B, W*N*K) -> Linear -> ReLU -> Linear -> (B, C)``;
  - ``kind="lstm"`` / ``"conv"`` (a causal TCN): the shared temporal encoder over the window
    with the assets as channels (``WindowEncoder(asset_mode="flatten")``),
    ``(B, W, N*K) -> (B, H) -> Linear -> (B, C)``.

  Decoding: ``(B, C) -> Linear -> ReLU -> Linear -> (B, W*N*K) -> (B, W, N, K)``.
* ``asset_mode="shared"``: each asset's ``(W, K)`` series is encoded alone by the same
  weights into ``C/N`` numbers (``C`` a multiple of ``N``), the code is the ``N`` parts in
  asset order: ``mlp`` ``(B, N, W*K) -> Linear -> ReLU -> Linear -> (B, N, C/N)``, ``lstm`` /
  ``conv`` ``WindowEncoder(asset_mode="shared")`` ``(B, N*H) -> (B, N, H) -> Linear ->
  (B, N, C/N)``, then ``(B, C)``; decoding per asset ``(B, N, C/N) -> (B, N, W*K) ->
  (B, W, N, K)``. An asset's part of the code reads that asset alone, and every asset
  teaches the same weights: ``N`` times the samples per parameter, which matters where the
  signal is weak and alike across assets (``benchmarks/AUTOENCODER.md``).

With ``linear_path=True`` a linear encoder ``(D, C)`` and decoder ``(C, D)`` (shared:
``(W*K, C/N)`` and ``(C/N, W*K)`` per asset) run beside those halves, set to the training PCA
(shared: a PCA of all assets' single-asset windows, :func:`per_asset_windows`), and the
halves' last layers start at zero: training starts from PCA's reconstruction and learns the
nonlinear residual. Inputs are centred on the training-split mean window before encoding, as
PCA centres them. ``noise_std > 0`` trains a denoising autoencoder: Gaussian noise of that sd
(in feature units) is added to the input, the clean window is the target. ``predict_head``
adds the predictive autoencoder's head (:mod:`feature_nets.autoencoder.train`), a training device
that :meth:`WindowAutoencoder.encode` and ``state`` never use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from feature_nets.autoencoder.pca import PCA, check_code_size
from feature_nets.encoders import WindowEncoder
from tradegym.errors import ConfigError
from tradegym.registry import check_choice

KINDS = {"mlp": None, "lstm": "lstm", "conv": "tcn"}
"""Autoencoder kind -> the temporal encoder of its encoder half (None: a flat MLP)."""
ASSET_MODES = ("joint", "shared")
"""``joint``: one code of the whole window; ``shared``: per-asset codes by shared weights."""


def per_asset_windows(windows: np.ndarray) -> np.ndarray:
    """Each asset's series as its own window: ``(M, W, N, K) -> (M*N, W, 1, K)``, sample-major."""
    m, w, n, k = windows.shape
    return np.ascontiguousarray(windows.transpose(0, 2, 1, 3)).reshape(m * n, w, 1, k)  # (M, N, W, K) -> ...


class WindowAutoencoder(nn.Module):
    """``(B, W, N, K) -> code (B, C) -> (B, W, N, K)``; see the module docstring for the kinds.

    Args:
        kind: ``"mlp"``, ``"lstm"`` or ``"conv"``.
        window_shape: ``(W, N, K)``.
        code_size: ``C``, total over assets.
        hidden_size: ``H``, the width of the hidden layers (and of the sequence encoder).
        noise_std: denoising noise sd, applied in training mode only.
        linear_path: add linear maps ``(D, C)`` and ``(C, D)`` beside the nonlinear halves
            (per asset with ``asset_mode="shared"``: ``(W*K, C/N)`` and ``(C/N, W*K)``), set by
            :meth:`init_from_pca`; the halves' last layers then start at zero.
        predict_head: add ``head``, a linear next-bar return predictor on the code
            (``(B, C) -> (B, N)``; shared per asset ``(B, N, C/N) -> (B, N)``) in standardised
            units, for the predictive auxiliary loss; unused by :meth:`encode`, :meth:`state`
            and :meth:`forward`.
        asset_mode: ``"joint"`` (one code of the whole window) or ``"shared"`` (each asset's
            ``(W, K)`` series encoded by the same weights into ``C/N`` numbers).

    Raises:
        ConfigError: unknown kind or asset mode, ``code_size`` above ``W*N*K``, or (shared) not
            a multiple of ``N``.
    """

    def __init__(self, kind: str, window_shape: tuple[int, int, int], code_size: int, *,
                 hidden_size: int = 128, noise_std: float = 0.0, linear_path: bool = False,
                 predict_head: bool = False, asset_mode: str = "joint") -> None:
        super().__init__()
        check_choice("autoencoder kind", kind, tuple(KINDS))
        check_choice("autoencoder asset_mode", asset_mode, ASSET_MODES)
        window_shape = (int(window_shape[0]), int(window_shape[1]), int(window_shape[2]))
        check_code_size(code_size, window_shape)
        w, n, k = window_shape
        shared = asset_mode == "shared"
        if shared and code_size % n:
            raise ConfigError(f"code_size {code_size} must be a multiple of the {n} assets with "
                              f"asset_mode='shared' (each asset gets C/N numbers); try "
                              f"{max(n, code_size // n * n)} or {(code_size // n + 1) * n}")
        parts = n if shared else 1  # P: codes per window, one per asset when shared
        d, c = w * n * k // parts, int(code_size) // parts  # input and code size of one part
        self.kind, self.window_shape, self.code_size = kind, window_shape, int(code_size)
        self.hidden_size, self.noise_std, self.asset_mode = int(hidden_size), float(noise_std), asset_mode
        self.register_buffer("mean", torch.zeros(window_shape))  # (W, N, K), the training mean window
        # Training-split mean and sd of each code component (set after training): agents see
        # standardised codes, as they see z-scored features, whatever the components' scales.
        self.register_buffer("code_mean", torch.zeros(code_size))  # (C,)
        self.register_buffer("code_std", torch.ones(code_size))  # (C,)
        temporal = KINDS[kind]
        if temporal is None:  # joint: flattens (B, W, N, K); shared: its input (B, N, W*K) is flat already
            self.encoder = nn.Sequential(nn.Flatten(start_dim=2 if shared else 1), nn.Linear(d, hidden_size),
                                         nn.ReLU(), nn.Linear(hidden_size, c))
        elif shared:
            self.encoder = nn.Sequential(
                WindowEncoder(temporal, w, n, k, hidden_size=hidden_size, asset_mode="shared"),
                nn.Unflatten(1, (n, hidden_size)), nn.Linear(hidden_size, c))  # (B, N*H) -> (B, N, C/N)
        else:
            self.encoder = nn.Sequential(
                WindowEncoder(temporal, w, n, k, hidden_size=hidden_size, asset_mode="flatten"),
                nn.Linear(hidden_size, c))
        self.decoder = nn.Sequential(nn.Linear(c, hidden_size), nn.ReLU(), nn.Linear(hidden_size, d))
        self.linear_path = bool(linear_path)
        if self.linear_path:
            self.project = nn.Linear(d, c, bias=False)
            self.unproject = nn.Linear(c, d, bias=False)
            for last in (self.encoder[-1], self.decoder[-1]):
                nn.init.zeros_(last.weight)
                nn.init.zeros_(last.bias)
        self.predict_head = bool(predict_head)
        if self.predict_head:
            self.head = nn.Linear(c, 1 if shared else n)

    @property
    def shared(self) -> bool:
        """Whether each asset is encoded on its own by shared weights (``asset_mode="shared"``)."""
        return self.asset_mode == "shared"

    def _parts(self, x: Tensor) -> Tensor:
        """``(B, W, N, K) -> (B, D)`` joint, ``(B, N, W*K)`` shared: the linear path's input."""
        b, w, n, k = x.shape
        return x.permute(0, 2, 1, 3).reshape(b, n, w * k) if self.shared else x.reshape(b, -1)

    @torch.no_grad()
    def init_from_pca(self, pca: PCA, asset_pca: PCA | None = None) -> None:
        """Centre on PCA's mean window; with a linear path, make that path PCA's ``(C, D)`` projection.

        With ``asset_mode="shared"`` the linear path is ``asset_pca``'s ``(C/N, W*K)``: a PCA of
        the single-asset windows ``(W, 1, K)`` of all assets, centred on ``pca``'s mean window.
        """
        self.mean.copy_(torch.from_numpy(pca.mean.reshape(self.window_shape).astype(np.float32)))
        if self.linear_path:
            if self.shared and asset_pca is None:
                raise ConfigError("a shared-asset autoencoder's linear path needs asset_pca, a PCA of the "
                                  "per-asset windows (see per_asset_windows)")
            source, size = (asset_pca, self.project.out_features) if self.shared else (pca, self.code_size)
            components = torch.from_numpy(source.components[:size].astype(np.float32))  # (C or C/N, D)
            self.project.weight.copy_(components)
            self.unproject.weight.copy_(components.T)

    def encode(self, window: Tensor) -> Tensor:
        """``(B, W, N, K) -> (B, C)``; noisy input in training mode when ``noise_std > 0``."""
        x = window - self.mean  # (B, W, N, K)
        if self.training and self.noise_std > 0:
            x = x + self.noise_std * torch.randn_like(x)
        flat_input = self.shared and self.kind == "mlp"  # the shared MLP reads (B, N, W*K)
        code = self.encoder(self._parts(x) if flat_input else x)  # (B, C) or (B, N, C/N)
        if self.linear_path:
            code = code + self.project(self._parts(x))
        return code.reshape(len(x), self.code_size)  # (B, C), asset-major when shared

    def state(self, window: Tensor) -> Tensor:
        """Standardised code, what agents observe: ``(encode(window) - code_mean) / code_std``, ``(B, C)``."""
        return (self.encode(window) - self.code_mean) / self.code_std  # (B, C)

    def decode(self, code: Tensor) -> Tensor:
        """``(B, C) -> (B, W, N, K)``."""
        w, n, k = self.window_shape
        part = code.reshape(len(code), n, -1) if self.shared else code  # (B, N, C/N) or (B, C)
        flat = self.decoder(part) + self.unproject(part) if self.linear_path else self.decoder(part)
        if self.shared:  # (B, N, W*K) -> (B, N, W, K) -> (B, W, N, K)
            return flat.reshape(len(code), n, w, k).permute(0, 2, 1, 3) + self.mean
        return flat.reshape(len(code), *self.window_shape) + self.mean  # (B, D) -> (B, W, N, K)

    def forward(self, window: Tensor) -> Tensor:
        """Reconstruction ``(B, W, N, K) -> (B, W, N, K)``."""
        return self.decode(self.encode(window))

    def predict(self, code: Tensor) -> Tensor:
        """The head's standardised next-bar return ``(B, N)`` from a code ``(B, C)``.

        Raises:
            ConfigError: the model has no prediction head.
        """
        if not self.predict_head:
            raise ConfigError("this autoencoder has no prediction head "
                              "(it was trained with model.predict_weight = 0)")
        if self.shared:
            per_asset = code.reshape(len(code), self.window_shape[1], -1)  # (B, N, C/N)
            return self.head(per_asset)[..., 0]  # (B, N, 1) -> (B, N)
        return self.head(code)  # (B, N)

    def reconstruct_and_predict(self, window: Tensor) -> tuple[Tensor, Tensor]:
        """Reconstruction ``(B, W, N, K)`` and standardised next-bar return prediction ``(B, N)``.

        Both from one encoding (one noise draw in training mode).

        Raises:
            ConfigError: the model has no prediction head.
        """
        code = self.encode(window)  # (B, C)
        return self.decode(code), self.predict(code)  # (B, W, N, K), (B, N)


@dataclass
class Autoencoder:
    """A trained autoencoder with the features it reads.

    Attributes:
        net: the :class:`WindowAutoencoder` in eval mode.
        window_bars: ``W``.
        features: the ``K`` feature names.
        normalize: ``"rolling"`` or ``"expanding"``.
        symbols: the ``N`` assets, in order.
    """

    net: WindowAutoencoder
    window_bars: int
    features: tuple[str, ...]
    normalize: str
    symbols: tuple[str, ...]

    @property
    def window_shape(self) -> tuple[int, int, int]:
        """``(W, N, K)`` the model reads."""
        return self.net.window_shape

    @property
    def code_size(self) -> int:
        """``C``."""
        return self.net.code_size

    def env_kwargs(self) -> dict[str, Any]:
        """``window_bars``, ``features`` and ``normalize`` for a ``PortfolioEnv`` this model can read."""
        return {"window_bars": self.window_bars, "features": list(self.features), "normalize": self.normalize}

    def _check(self, windows: Any) -> np.ndarray:
        arr = np.asarray(windows, dtype=np.float32)
        arr = arr[None] if arr.ndim == 3 else arr
        if arr.ndim != 4 or arr.shape[1:] != self.window_shape:
            raise ConfigError(f"windows have shape {np.shape(windows)}, expected (B, W, N, K) or (W, N, K) "
                              f"with (W, N, K) = {self.window_shape}, the shape this autoencoder was "
                              "trained on; build the env or windows with autoencoder.env_kwargs()")
        return arr

    @torch.inference_mode()
    def _apply(self, fn: Callable[[Tensor], Tensor], arr: np.ndarray, batch_size: int) -> np.ndarray:
        if self.net.training:
            self.net.eval()
        if len(arr) <= batch_size:  # one forward: the per-step path of the compressed env
            return fn(torch.from_numpy(np.ascontiguousarray(arr))).numpy()
        return np.concatenate([fn(torch.from_numpy(np.ascontiguousarray(arr[lo : lo + batch_size]))).numpy()
                               for lo in range(0, len(arr), batch_size)])

    def encode(self, windows: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Codes ``(B, C)`` float32 of windows ``(B, W, N, K)``, or ``(C,)`` of one window ``(W, N, K)``.

        Raises:
            ConfigError: windows of another ``(W, N, K)`` than the model was trained on.
        """
        arr = self._check(windows)
        out = self._apply(self.net.encode, arr, batch_size)  # (B, C)
        return out[0] if np.ndim(windows) == 3 else out

    def state(self, windows: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Standardised codes ``(B, C)`` or ``(C,)``, what the compressed observation holds.

        Each component is centred and scaled by its training-split mean and sd, so the
        policy reads unit-scale inputs (PCA-like codes range over several orders of variance).

        Raises:
            ConfigError: windows of another ``(W, N, K)`` than the model was trained on.
        """
        out = self._apply(self.net.state, self._check(windows), batch_size)  # (B, C)
        return out[0] if np.ndim(windows) == 3 else out

    def reconstruct(self, windows: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """``(B, W, N, K) -> (B, W, N, K)`` reconstructions, float32."""
        return self._apply(self.net, self._check(windows), batch_size)


__all__ = ["ASSET_MODES", "KINDS", "Autoencoder", "WindowAutoencoder", "per_asset_windows"]
