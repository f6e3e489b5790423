"""A trained generator as a sampler of markets, loaded from its run directory; the ``gan`` data source.

:class:`GanModel` is what evaluation sees of a GAN: it satisfies
:class:`~feature_nets.gan.protocols.MarketSampler` (``sample_returns``, ``sample_prices``,
``symbols``, ``fields``). ``data: {source: gan, run: DIR}`` resolves to :func:`gan_market`
(the string ``"feature_nets.gan:gan_market"``).

Shape letters: ``n`` windows, ``L`` bars, ``N`` assets, ``Cb`` channels per asset, ``F`` price fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from feature_nets.gan.codec import BarCodec
from feature_nets.gan.networks import Generator
from tradegym.data import MarketData
from tradegym.errors import ConfigError, DataError
from tradegym.runs import RunDir


class GanModel:
    """A trained generator with its codec: samples channels, returns, prices and markets."""

    def __init__(
        self,
        generator: Generator,
        codec: BarCodec,
        symbols: Sequence[str],
        burn_in: int,
        source: str = "gan",
        mean_offset: Sequence[float] | None = None,
    ) -> None:
        self.generator = generator.eval()
        self.codec = codec
        self.symbols = tuple(symbols)
        self.burn_in = burn_in
        self.source = source
        n_channels = len(self.symbols) * len(codec.channels)
        self.mean_offset = np.zeros(n_channels) if mean_offset is None else np.asarray(mean_offset, float)
        """``(N*Cb,)`` subtracted from every generated bar: see :func:`calibrate_mean`."""

    @property
    def n_assets(self) -> int:
        """``N``, the training market's number of assets."""
        return len(self.symbols)

    @property
    def fields(self) -> tuple[str, ...]:
        """The price fields of a sampled market, in ``MarketData`` order (``F``)."""
        return self.codec.fields

    def sample_channels(self, n: int, length: int, seed: int = 0) -> np.ndarray:
        """Standardised channels ``(n, length, N, Cb)``, deterministic in ``seed``.

        Raises:
            ValueError: ``n`` or ``length`` below 1.
        """
        if int(n) < 1 or int(length) < 1:
            raise ValueError(f"n and length must be >= 1, got n={n}, length={length}")
        g = torch.Generator().manual_seed(int(seed))
        out = []
        with torch.inference_mode():
            for start in range(0, int(n), 512):
                b = min(512, int(n) - start)
                out.append(self.generator(b, int(length), self.burn_in, generator=g).numpy())
        x = np.concatenate(out).astype(np.float64) - self.mean_offset
        return x.reshape(int(n), int(length), self.n_assets, len(self.codec.channels))

    def calibrate(self, n: int = 1024, length: int = 256, seed: int = 20261124) -> np.ndarray:
        """Set :attr:`mean_offset` to the generator's own mean bar over ``n`` windows of ``length``.

        Returns:
            the offset ``(N*Cb,)`` in standardised units (see :func:`calibrate_mean`).
        """
        self.mean_offset[:] = 0.0
        x = self.sample_channels(n, length, seed)  # (n, L, N, Cb)
        self.mean_offset[:] = x.reshape(-1, x.shape[2] * x.shape[3]).mean(axis=0)
        return self.mean_offset.copy()

    def sample_returns(self, n: int, length: int, seed: int = 0) -> np.ndarray:
        """Log close-to-close returns ``(n, length, N)`` (the evaluation's generator interface)."""
        return self.codec.destandardize(self.sample_channels(n, length, seed))[..., 0]

    def default_start(self) -> np.ndarray:
        """``(N, F)`` start row: prices of 100 and volume 1e6 (so the adj/close ratio is 1)."""
        return np.array([[1e6 if f == "volume" else 100.0 for f in self.codec.fields]] * self.n_assets)

    def sample_prices(
        self, n: int, length: int, seed: int = 0, start: np.ndarray | None = None
    ) -> np.ndarray:
        """Prices ``(n, length, N, F)`` of the bars after ``start``.

        ``start`` is ``(n, N, F)`` or ``(N, F)`` in :attr:`BarCodec.fields` order; by default
        prices of 100, volume 1e6 and an adj/close ratio of 1.
        """
        if start is None:
            start = self.default_start()
        return self.codec.decode(self.sample_channels(n, length, seed), start)

    def sample_market(
        self,
        n_bars: int = 2520,
        seed: int = 0,
        start_date: str = "2000-01-03",
        start: np.ndarray | None = None,
    ) -> MarketData:
        """One synthetic market of ``n_bars`` business days, the training symbols and fields.

        Raises:
            DataError: ``n_bars`` < 2.
        """
        if int(n_bars) < 2:
            raise DataError(f"a GAN market needs n_bars >= 2, got {n_bars}")
        prices = self.sample_prices(1, int(n_bars) - 1, seed, start)[0]  # (T-1, N, F)
        first = np.asarray(start if start is not None else self.default_start())
        values = np.concatenate([first[None].astype(np.float64), prices], axis=0)
        if "volume" in self.codec.fields:  # volume may round to 0; prices stay positive by construction
            values[..., self.codec.fields.index("volume")] = np.maximum(
                values[..., self.codec.fields.index("volume")], 1.0
            )
        dates = pd.bdate_range(start_date, periods=int(n_bars))
        return MarketData.from_array(
            values,
            dates,
            list(self.symbols),
            list(self.codec.fields),
            name="gan",
            meta={"source": "gan", "run": self.source, "seed": int(seed)},
            adjust=False,
        )



def snapshot_name(iteration: int) -> str:
    """Run-relative path of the generator weights saved at ``iteration`` (``select: judge``)."""
    return f"snapshots/gen_{iteration:09d}.pt"


def load_gan(run_path: str | Path, which: str = "best") -> GanModel:
    """Load a trained generator (CPU, eval mode) from its run directory, hashes checked.

    Args:
        run_path: a directory written by :func:`~feature_nets.gan.train.train_gan`.
        which: ``best`` (best monitored stylized facts; the default) or ``last``.

    Raises:
        ConfigError: not a GAN run directory, or an unknown ``which``.
        CacheError: the weights are missing or do not match the manifest.
    """
    if which not in ("best", "last"):
        raise ConfigError(f"which must be 'best' or 'last', got {which!r}")
    run = RunDir.open(run_path, kind="gan")
    meta = run.read_json("codec.json")
    codec = BarCodec.from_json(meta)
    gen = Generator(
        len(meta["symbols"]) * len(codec.channels),
        meta["noise_dim"],
        meta["hidden_size"],
        meta.get("vol_timescales", ()),
        meta.get("feedback", False),
    )
    if which == "best" and run.file("best.pt").exists():
        state = torch.load(run.verify("best.pt"), map_location="cpu", weights_only=True)["generator"]
    else:
        state = torch.load(run.verify("generator.pt"), map_location="cpu", weights_only=True)
    gen.load_state_dict(state)
    return GanModel(
        gen,
        codec,
        meta["symbols"],
        meta["burn_in"],
        source=str(run.path),
        mean_offset=meta.get("mean_offset"),
    )


def calibrate_mean(
    run_path: str | Path, n: int = 1024, length: int = 256, seed: int = 20261124
) -> np.ndarray:
    """Measure the generator's mean bar and store it as ``mean_offset`` in ``codec.json``.

    The Wasserstein critic barely sees a drift of a few hundredths of a standard deviation
    per bar, yet over a year it decides the paths' trend: an uncalibrated generator on
    us_indices drifted up about 25 % a year. The training channels have mean 0 (standardised
    on the training split), so the generator's own mean over ``n`` windows of ``length``
    bars is subtracted from every bar it makes. Only the mean moves; scale and dynamics stay.

    Returns:
        the offset ``(N*Cb,)`` in standardised units.

    Raises:
        ConfigError: not a GAN run directory.
    """
    return load_calibrated(run_path, n, length, seed).mean_offset.copy()


def load_calibrated(run_path: str | Path, n: int = 1024, length: int = 256, seed: int = 20261124) -> GanModel:
    """:func:`calibrate_mean`, returning the loaded model (``best.pt``) with its offset set and stored."""
    run = RunDir.open(run_path, kind="gan")
    meta = run.read_json("codec.json")
    meta.pop("mean_offset", None)
    model = load_gan(run_path)
    offset = model.calibrate(n, length, seed)
    run.write_json("codec.json", {**meta, "mean_offset": offset.tolist()})
    return model


def gan_market(
    run: str, n_bars: int = 2520, seed: int = 0, start_date: str = "2000-01-03", which: str = "best"
) -> MarketData:
    """The ``gan`` data source: one market sampled from a trained GAN run.

    ``data: {source: gan, run: runs/gan_us_indices-..., kwargs: {n_bars: 2520, seed: 0}}``
    in a training config trains an agent on synthetic paths; different seeds give
    different markets. Prices start at 100 (volume at 1e6) on ``start_date``.

    Raises:
        ConfigError: ``run`` is not a GAN run directory.
        CacheError: its weights fail their hash check.
        DataError: ``n_bars`` < 2.
    """
    return load_gan(run, which).sample_market(n_bars, seed, start_date)



__all__ = ["GanModel", "calibrate_mean", "gan_market", "load_calibrated", "load_gan", "snapshot_name"]
