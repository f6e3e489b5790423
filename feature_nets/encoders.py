"""Sequence encoders over the observation window: ``(B, W, N, K) -> (B, D)``.

Two levels, both plain ``nn.Module``s reused by the SB3 extractor
(:mod:`feature_nets.extractors`), forecasters, the autoencoder and GAN critics:

* **Temporal encoders** map one sequence ``(B', W, C)`` to per-position outputs
  ``(B', W, H)`` with ``sequence(x)`` and to one summary ``(B', H)`` with ``forward(x)``:
  :class:`LSTMEncoder`, :class:`GRUEncoder`, :class:`TransformerEncoder`,
  :class:`TCNEncoder` and :class:`MLPEncoder`. All but the MLP are causal: the output at
  position ``t`` reads inputs at positions ``<= t`` only (the Transformer with its default
  ``causal=True``). ``ENCODERS`` maps their names to the classes; ``module:Class`` works too.
* :class:`WindowEncoder` applies one of them to a ``PortfolioEnv`` window under an
  ``asset_mode``, the one place where assets are handled:

  - ``"shared"`` (default): every asset's ``(W, K)`` series goes through the same temporal
    encoder and the ``N`` codes are concatenated in asset order,
    ``(B, W, N, K) -> (B*N, W, K) -> (B*N, H) -> (B, N*H)``. Asset identity is kept by
    position in the output and the parameter count does not grow with ``N``; cross-asset
    interactions are left to the layers after the encoder.
  - ``"flatten"``: the assets are channels of one sequence,
    ``(B, W, N*K) -> (B, H)``. The encoder mixes assets itself; its input layer grows with ``N``.

Shape letters: B batch, W window bars, N assets, K features per asset, C channels
(``K`` or ``N*K``), H hidden size, D output size.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tradegym.errors import ConfigError
from tradegym.registry import Registry, check_choice

ASSET_MODES = ("shared", "flatten")


def _require_positive(**values: int) -> None:
    """Raise ConfigError naming the first size that is not a positive integer."""
    for name, value in values.items():
        if int(value) != value or value < 1:
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}")


class TemporalEncoder(nn.Module):
    """Base class: a sequence ``(B', W, C)`` to outputs ``(B', W, H)`` and a summary ``(B', H)``.

    Subclasses take ``(input_size, hidden_size, window_bars, **options)`` and implement
    :meth:`sequence`; ``forward`` returns the last position, which under a causal encoder
    has read the whole window.

    Args:
        input_size: channels ``C`` per position.
        hidden_size: output size ``H`` per position and of the summary.
        window_bars: the window length ``W`` the encoder is built for.

    Raises:
        ConfigError: a size that is not a positive integer.
    """

    time_major_input = False
    """Whether ``(B', W, C)`` inputs are cheaper as a view of time-major ``(W, B', C)`` memory."""

    def __init__(self, input_size: int, hidden_size: int, window_bars: int) -> None:
        super().__init__()
        _require_positive(input_size=input_size, hidden_size=hidden_size, window_bars=window_bars)
        self.input_size, self.hidden_size, self.window_bars = input_size, hidden_size, window_bars

    def sequence(self, x: Tensor) -> Tensor:
        """Per-position outputs: ``(B', W, C) -> (B', W, H)``."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """Summary of the sequence: ``(B', W, C) -> (B', H)``, the last position's output."""
        return self.sequence(x)[:, -1]  # (B', H)


class _RecurrentEncoder(TemporalEncoder):
    """An ``nn.LSTM`` or ``nn.GRU`` over the window: batch first, zero initial state, causal.

    The summary is the last position's top-layer hidden state.

    Args:
        input_size: channels ``C``.
        hidden_size: ``H``.
        window_bars: ``W`` (any length is accepted at run time).
        num_layers: stacked recurrent layers.
        dropout: between stacked layers (ignored with one layer).
    """

    rnn_class: type[nn.RNNBase]
    # torch's CPU kernels (oneDNN) run time-major: a batch-first view of time-major memory
    # saves two copies per call (input and output), about 4 % of a PPO+LSTM update.
    time_major_input = True

    def __init__(self, input_size: int, hidden_size: int, window_bars: int, *,
                 num_layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__(input_size, hidden_size, window_bars)
        _require_positive(num_layers=num_layers)
        # torch warns on dropout with one layer: it only acts between stacked layers.
        self.rnn = self.rnn_class(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                                  dropout=dropout if num_layers > 1 else 0.0)

    def sequence(self, x: Tensor) -> Tensor:
        """Top layer's hidden state at every position: ``(B', W, C) -> (B', W, H)``."""
        out, _ = self.rnn(x)  # (B', W, H)
        return out


class LSTMEncoder(_RecurrentEncoder):
    """``nn.LSTM`` over the window; options ``num_layers=1, dropout=0.0`` (see ``_RecurrentEncoder``)."""

    rnn_class = nn.LSTM


class GRUEncoder(_RecurrentEncoder):
    """``nn.GRU`` over the window; options ``num_layers=1, dropout=0.0`` (see ``_RecurrentEncoder``)."""

    rnn_class = nn.GRU


def sinusoidal_positions(length: int, size: int) -> Tensor:
    """Sinusoidal positional encoding ``(length, size)`` of Vaswani et al. (2017), section 3.5.

    >>> [round(v, 3) for v in sinusoidal_positions(3, 4)[1].tolist()]  # position 1
    [0.841, 0.54, 0.01, 1.0]
    """
    position = torch.arange(length, dtype=torch.float32)[:, None]  # (L, 1)
    rate = torch.exp(torch.arange(0, size, 2, dtype=torch.float32) * (-math.log(10_000.0) / size))
    angle = position * rate  # (L, ceil(size/2))
    encoding = torch.zeros(length, size)
    encoding[:, 0::2] = torch.sin(angle)  # (L, ceil(size/2))
    encoding[:, 1::2] = torch.cos(angle)[:, : size // 2]  # (L, floor(size/2))
    return encoding


class TransformerEncoder(TemporalEncoder):
    """Transformer encoder over the window: input projection, sinusoidal positions, attention.

    ``(B', W, C) -> Linear -> + positions -> nn.TransformerEncoder -> (B', W, H)``, pre-norm
    layers with a final LayerNorm. With ``causal=True`` (default) a causal mask lets position
    ``t`` attend to positions ``<= t`` only, so ``sequence`` is causal like the RNNs.

    Pooling for ``forward``: ``"last"`` (default) is the last position; ``"mean"`` is the
    mean of the per-position outputs over the whole window. Under the causal mask each of
    those outputs reads only bars up to its own, so the mean reads nothing after the last
    bar either; it is a summary of the window, not a per-position output.

    Args:
        input_size: channels ``C``.
        hidden_size: model size ``H``; must be divisible by ``heads``.
        window_bars: ``W``; longer sequences get their positions computed on the fly.
        heads: attention heads.
        layers: encoder layers.
        feedforward_size: inner size of each layer's MLP (default ``4 * H``).
        dropout: dropout inside the layers (0 by default: RL batches are small and noisy).
        causal: mask attention to the past.
        pooling: ``"last"`` or ``"mean"``.

    Raises:
        ConfigError: ``hidden_size`` not divisible by ``heads``, or unknown ``pooling``.
    """

    def __init__(self, input_size: int, hidden_size: int, window_bars: int, *, heads: int = 4,
                 layers: int = 2, feedforward_size: int | None = None, dropout: float = 0.0,
                 causal: bool = True, pooling: str = "last") -> None:
        super().__init__(input_size, hidden_size, window_bars)
        _require_positive(heads=heads, layers=layers)
        if hidden_size % heads:
            raise ConfigError(f"transformer hidden_size {hidden_size} is not divisible by heads {heads}; "
                              f"use a multiple of {heads} or fewer heads")
        if pooling not in ("last", "mean"):
            raise ConfigError(f"unknown transformer pooling {pooling!r}; use 'last' or 'mean'")
        self.causal, self.pooling = causal, pooling
        self.project = nn.Linear(input_size, hidden_size)
        self.register_buffer("positions", sinusoidal_positions(window_bars, hidden_size), persistent=False)
        layer = nn.TransformerEncoderLayer(hidden_size, heads, feedforward_size or 4 * hidden_size, dropout,
                                           batch_first=True, norm_first=True)
        # Nested tensors only serve padding masks, and pre-norm layers cannot use them.
        self.transformer = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(hidden_size),
                                                 enable_nested_tensor=False)

    def sequence(self, x: Tensor) -> Tensor:
        """Per-position outputs: ``(B', W, C) -> (B', W, H)``; causal unless ``causal=False``."""
        w = x.shape[1]
        positions = self.positions if w <= len(self.positions) else sinusoidal_positions(w, self.hidden_size)
        h = self.project(x) + positions[:w].to(x)  # (B', W, H)
        mask = None
        if self.causal:
            mask = nn.Transformer.generate_square_subsequent_mask(w, device=x.device, dtype=h.dtype)  # (W, W)
        return self.transformer(h, mask=mask, is_causal=self.causal)  # (B', W, H)

    def forward(self, x: Tensor) -> Tensor:
        """Summary ``(B', W, C) -> (B', H)``: the last position or the mean over positions."""
        out = self.sequence(x)  # (B', W, H)
        return out[:, -1] if self.pooling == "last" else out.mean(dim=1)  # (B', H)


class _CausalConvBlock(nn.Module):
    """Two dilated causal convolutions with a residual connection (Bai et al., 2018, fig. 1b).

    Padding goes on the left only, ``(kernel_size - 1) * dilation`` steps, so the output at
    position ``t`` reads inputs ``<= t``. ``(B', C_in, W) -> (B', C_out, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int,
                 dropout: float) -> None:
        super().__init__()
        self.left_pad = (kernel_size - 1) * dilation
        self.conv1 = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation)
        self.conv2 = nn.Conv1d(out_channels, out_channels, kernel_size, dilation=dilation)
        self.dropout = nn.Dropout(dropout)
        # A 1x1 convolution matches the channels when they change (the first block).
        self.skip = nn.Conv1d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """``(B', C_in, W) -> (B', C_out, W)``."""
        h = self.dropout(F.relu(self.conv1(F.pad(x, (self.left_pad, 0)))))  # (B', C_out, W)
        h = self.dropout(F.relu(self.conv2(F.pad(h, (self.left_pad, 0)))))  # (B', C_out, W)
        return F.relu(h + self.skip(x))  # (B', C_out, W)


class TCNEncoder(TemporalEncoder):
    """Temporal convolutional network: residual blocks of dilated causal convolutions.

    Dilations ``1, 2, 4, ...``, one block each, are added until the receptive field
    ``1 + 2 * (kernel_size - 1) * sum(dilations)`` covers ``window_bars``, so the last
    position reads the whole window. The summary is the last position.

    Args:
        input_size: channels ``C``.
        hidden_size: channels ``H`` of every block.
        window_bars: ``W`` the receptive field must cover.
        kernel_size: taps per convolution (at least 2).
        dropout: after each convolution.

    Raises:
        ConfigError: ``kernel_size < 2``.
    """

    def __init__(self, input_size: int, hidden_size: int, window_bars: int, *, kernel_size: int = 3,
                 dropout: float = 0.0) -> None:
        super().__init__(input_size, hidden_size, window_bars)
        if int(kernel_size) != kernel_size or kernel_size < 2:
            raise ConfigError(f"tcn kernel_size must be an integer >= 2, got {kernel_size!r}")
        dilations = [1]
        while 1 + 2 * (kernel_size - 1) * sum(dilations) < window_bars:
            dilations.append(2 * dilations[-1])
        self.dilations = dilations
        self.receptive_field = 1 + 2 * (kernel_size - 1) * sum(dilations)
        self.blocks = nn.Sequential(*(
            _CausalConvBlock(input_size if i == 0 else hidden_size, hidden_size, kernel_size, d, dropout)
            for i, d in enumerate(dilations)
        ))

    def sequence(self, x: Tensor) -> Tensor:
        """Per-position outputs, causal: ``(B', W, C) -> (B', W, H)``."""
        h = self.blocks(x.transpose(1, 2))  # (B', H, W)
        return h.transpose(1, 2)  # (B', W, H)


class MLPEncoder(TemporalEncoder):
    """Flattened window through a two-layer MLP: ``(B', W, C) -> (B', W*C) -> (B', H)``.

    It reads the whole window at once, so it has no per-position (causal) outputs and
    needs exactly ``window_bars`` positions. A baseline for the sequence models.

    Args:
        input_size: channels ``C``.
        hidden_size: ``H``.
        window_bars: ``W``, fixed.
        dropout: after the hidden layer.
    """

    def __init__(self, input_size: int, hidden_size: int, window_bars: int, *, dropout: float = 0.0) -> None:
        super().__init__(input_size, hidden_size, window_bars)
        self.net = nn.Sequential(nn.Linear(window_bars * input_size, hidden_size), nn.ReLU(),
                                 nn.Dropout(dropout), nn.Linear(hidden_size, hidden_size))

    def sequence(self, x: Tensor) -> Tensor:
        """Not available: the MLP has no per-position outputs; use ``forward``."""
        raise NotImplementedError("MLPEncoder reads the whole window at once and has no per-position "
                                  "outputs; call it (forward) for the (B', H) summary")

    def forward(self, x: Tensor) -> Tensor:
        """``(B', W, C) -> (B', H)``.

        Raises:
            ValueError: the sequence is not ``(W, C)`` as built.
        """
        if tuple(x.shape[1:]) != (self.window_bars, self.input_size):
            raise ValueError(f"MLPEncoder input has shape {tuple(x.shape)}, expected (B', W, C) = "
                             f"(B', {self.window_bars}, {self.input_size})")
        return self.net(x.reshape(len(x), -1))  # (B', W*C) -> (B', H)


ENCODERS: Registry[type[TemporalEncoder]] = Registry("encoder")
ENCODERS.add("lstm", LSTMEncoder)
ENCODERS.add("gru", GRUEncoder)
ENCODERS.add("transformer", TransformerEncoder)
ENCODERS.add("tcn", TCNEncoder)
ENCODERS.add("mlp", MLPEncoder)


class WindowEncoder(nn.Module):
    """A temporal encoder applied to an observation window: ``(B, W, N, K) -> (B, D)``.

    ``asset_mode="shared"`` encodes each asset with the same weights, ``D = N * H``;
    ``"flatten"`` encodes the ``N*K`` channels as one sequence, ``D = H`` (see the module
    docstring for the trade-off).

    Args:
        encoder: a name in ``ENCODERS`` (lstm, gru, transformer, tcn, mlp), ``module:Class``,
            or a :class:`TemporalEncoder` subclass.
        window_bars: ``W``.
        n_assets: ``N``.
        n_features: ``K``.
        hidden_size: ``H``, the temporal encoder's output size.
        asset_mode: ``"shared"`` or ``"flatten"``.
        **encoder_kwargs: options of the temporal encoder (``num_layers``, ``heads``, ...).

    Raises:
        ConfigError: unknown encoder or asset mode (with a suggestion), a size < 1, or an
            option the encoder does not take.

    >>> enc = WindowEncoder("gru", window_bars=10, n_assets=3, n_features=7, hidden_size=16)
    >>> enc.output_dim, tuple(enc(torch.zeros(5, 10, 3, 7)).shape)
    (48, (5, 48))
    """

    def __init__(self, encoder: str | type[TemporalEncoder], window_bars: int, n_assets: int,
                 n_features: int, *, hidden_size: int = 32, asset_mode: str = "shared",
                 **encoder_kwargs: Any) -> None:
        super().__init__()
        _require_positive(window_bars=window_bars, n_assets=n_assets, n_features=n_features,
                          hidden_size=hidden_size)
        check_choice("asset_mode", asset_mode, ASSET_MODES)
        cls = ENCODERS.resolve(encoder)
        channels = n_features if asset_mode == "shared" else n_assets * n_features
        try:
            self.temporal = cls(channels, hidden_size, window_bars, **encoder_kwargs)
        except TypeError as exc:
            raise ConfigError(f"encoder {encoder!r} ({cls.__name__}) rejected options "
                              f"{sorted(encoder_kwargs)}: {exc}") from None
        self.window_shape = (window_bars, n_assets, n_features)
        self.asset_mode = asset_mode
        self.hidden_size = hidden_size
        self.output_dim = n_assets * hidden_size if asset_mode == "shared" else hidden_size

    def forward(self, window: Tensor) -> Tensor:
        """Encode a batch of windows: ``(B, W, N, K) -> (B, D)``.

        Raises:
            ValueError: the window's ``(W, N, K)`` differs from the one the encoder was built for.
        """
        if window.dim() != 4 or tuple(window.shape[1:]) != self.window_shape:
            w, n, k = self.window_shape
            raise ValueError(
                f"window has shape {tuple(window.shape)}, expected (B, W, N, K) = (B, {w}, {n}, {k}): "
                f"this encoder was built for (W, N, K) = {self.window_shape}; build it from the "
                "observation space of the env it reads (window_bars, assets, features)"
            )
        b, w, n, k = window.shape
        if self.asset_mode == "flatten":
            return self.temporal(window.reshape(b, w, n * k))  # (B, W, N*K) -> (B, H)
        if getattr(self.temporal, "time_major_input", False):
            x = window.permute(1, 0, 2, 3).reshape(w, b * n, k)  # (W, B*N, K), one copy
            x = x.transpose(0, 1)  # (B*N, W, K) view; same values as below
        else:
            x = window.permute(0, 2, 1, 3).reshape(b * n, w, k)  # (B, N, W, K) -> (B*N, W, K)
        h = self.temporal(x)  # (B*N, H)
        return h.reshape(b, n * self.hidden_size)  # (B, N*H), asset i in columns i*H:(i+1)*H
