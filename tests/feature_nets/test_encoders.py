"""Sequence encoders: shapes, gradients, causality, asset handling, errors — over the registry."""

from __future__ import annotations

import re

import pytest
import torch

from feature_nets.encoders import ASSET_MODES, ENCODERS, TCNEncoder, WindowEncoder
from tradegym.errors import ConfigError

W, N, K, H = 12, 3, 5, 8
# Every registered temporal encoder but the MLP has per-position outputs.
SEQUENCE_ENCODERS = [name for name in ENCODERS.names() if name != "mlp"]


def make(name: str, asset_mode: str = "shared", **kwargs) -> WindowEncoder:
    torch.manual_seed(0)
    return WindowEncoder(name, W, N, K, hidden_size=H, asset_mode=asset_mode, **kwargs)


def test_registry_holds_the_documented_encoders() -> None:
    assert ENCODERS.names() == ["gru", "lstm", "mlp", "tcn", "transformer"]


@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize("asset_mode", ASSET_MODES)
@pytest.mark.parametrize("name", ENCODERS.names())
def test_output_has_the_documented_shape(name: str, asset_mode: str, batch: int) -> None:
    enc = make(name, asset_mode)
    out = enc(torch.randn(batch, W, N, K))
    expected_dim = N * H if asset_mode == "shared" else H
    assert enc.output_dim == expected_dim
    assert out.shape == (batch, expected_dim) and out.dtype == torch.float32
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", SEQUENCE_ENCODERS)
def test_sequence_gives_one_output_per_position(name: str) -> None:
    torch.manual_seed(0)
    temporal = ENCODERS.resolve(name)(K, H, W)
    x = torch.randn(4, W, K)
    seq = temporal.sequence(x)
    assert seq.shape == (4, W, H)
    torch.testing.assert_close(temporal(x), seq[:, -1])  # pooled = last position


def test_mlp_has_no_per_position_outputs() -> None:
    with pytest.raises(NotImplementedError, match="no per-position outputs"):
        ENCODERS.resolve("mlp")(K, H, W).sequence(torch.randn(2, W, K))


@pytest.mark.parametrize("asset_mode", ASSET_MODES)
@pytest.mark.parametrize("name", ENCODERS.names())
def test_gradients_reach_every_parameter(name: str, asset_mode: str) -> None:
    enc = make(name, asset_mode)
    enc(torch.randn(4, W, N, K)).sum().backward()
    for param_name, p in enc.named_parameters():
        assert p.grad is not None, param_name
        assert p.grad.abs().sum() > 0, param_name


def test_transformer_mean_pooling_is_the_mean_over_positions() -> None:
    torch.manual_seed(0)
    temporal = ENCODERS.resolve("transformer")(K, H, W, pooling="mean")
    x = torch.randn(3, W, K)
    torch.testing.assert_close(temporal(x), temporal.sequence(x).mean(dim=1))


def changed_after(x: torch.Tensor, t: int) -> torch.Tensor:
    """``x`` with every position after ``t`` replaced by fresh noise."""
    y = x.clone()
    y[:, t + 1 :] = torch.randn_like(y[:, t + 1 :]) * 3
    return y


@pytest.mark.parametrize("name", SEQUENCE_ENCODERS)
def test_outputs_up_to_t_ignore_inputs_after_t(name: str) -> None:
    torch.manual_seed(0)
    temporal = ENCODERS.resolve(name)(K, H, W).eval()
    x = torch.randn(2, W, K)
    with torch.no_grad():
        base = temporal.sequence(x)
        for t in range(W - 1):
            seq = temporal.sequence(changed_after(x, t))
            torch.testing.assert_close(seq[:, : t + 1], base[:, : t + 1], rtol=0, atol=1e-6)
            assert not torch.allclose(seq[:, t + 1 :], base[:, t + 1 :], atol=1e-6)


def test_non_causal_transformer_lets_the_past_see_the_future() -> None:
    # The check above can fail: without the mask, early positions move with later inputs.
    torch.manual_seed(0)
    temporal = ENCODERS.resolve("transformer")(K, H, W, causal=False).eval()
    x = torch.randn(2, W, K)
    with torch.no_grad():
        base, seq = temporal.sequence(x), temporal.sequence(changed_after(x, W // 2))
    assert not torch.allclose(seq[:, : W // 2 + 1], base[:, : W // 2 + 1], atol=1e-6)


@pytest.mark.parametrize("name", ENCODERS.names())
def test_summary_reads_the_first_bar_of_the_window(name: str) -> None:
    # The receptive field covers W: the oldest bar still moves the pooled output.
    torch.manual_seed(0)
    temporal = ENCODERS.resolve(name)(K, H, W).eval()
    x = torch.randn(2, W, K)
    y = x.clone()
    y[:, 0] += 3
    with torch.no_grad():
        assert not torch.allclose(temporal(x), temporal(y), atol=1e-6)


@pytest.mark.parametrize("window_bars", [1, 2, 5, 9, 10, 60])
def test_tcn_receptive_field_covers_the_window(window_bars: int) -> None:
    tcn = TCNEncoder(K, H, window_bars)
    assert tcn.receptive_field >= window_bars
    assert tcn.dilations == [2**i for i in range(len(tcn.dilations))]
    smaller = 1 + 4 * sum(tcn.dilations[:-1])  # one block fewer would not cover the window
    assert len(tcn.dilations) == 1 or smaller < window_bars


@pytest.mark.parametrize("name", ENCODERS.names())
def test_shared_mode_encodes_each_asset_with_the_same_weights(name: str) -> None:
    enc = make(name, "shared").eval()
    window = torch.randn(4, W, N, K)
    with torch.no_grad():
        out = enc(window)
        for i in range(N):
            torch.testing.assert_close(out[:, i * H : (i + 1) * H], enc.temporal(window[:, :, i]))
        # Swapping two assets swaps their blocks: identity is kept by position.
        swapped = enc(window[:, :, [1, 0, 2]])
    torch.testing.assert_close(swapped[:, :H], out[:, H : 2 * H])
    torch.testing.assert_close(swapped[:, 2 * H :], out[:, 2 * H :])


@pytest.mark.parametrize("asset_mode", ASSET_MODES)
@pytest.mark.parametrize("name", ENCODERS.names())
def test_wrong_window_shape_names_expected_and_actual(name: str, asset_mode: str) -> None:
    enc = make(name, asset_mode)
    message = (
        f"window has shape (2, 5, {N}, {K}), expected (B, W, N, K) = (B, {W}, {N}, {K}): this encoder "
        f"was built for (W, N, K) = ({W}, {N}, {K}); build it from the observation space of the env "
        "it reads (window_bars, assets, features)"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        enc(torch.randn(2, 5, N, K))
    with pytest.raises(ValueError, match=re.escape(f"window has shape ({W}, {N}, {K}), expected")):
        enc(torch.randn(W, N, K))  # a single observation without its batch axis


def test_unknown_encoder_suggests_a_name() -> None:
    with pytest.raises(ConfigError, match="^unknown encoder 'lstn'. Did you mean 'lstm'?"):
        WindowEncoder("lstn", W, N, K)


def test_encoder_resolves_module_attribute_strings() -> None:
    enc = WindowEncoder("feature_nets.encoders:GRUEncoder", W, N, K, hidden_size=H)
    assert type(enc.temporal).__name__ == "GRUEncoder"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"asset_mode": "shard"}, "unknown asset_mode 'shard'. Did you mean 'shared'? Known: shared, flatten"),
    ({"hidden_size": 0}, "hidden_size must be an integer >= 1, got 0"),
    ({"num_layer": 2}, "encoder 'lstm' (LSTMEncoder) rejected options ['num_layer']"),
])
def test_bad_options_raise_config_error(kwargs, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        WindowEncoder("lstm", W, N, K, **kwargs)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"heads": 3}, "transformer hidden_size 8 is not divisible by heads 3"),
    ({"pooling": "max"}, "unknown transformer pooling 'max'; use 'last' or 'mean'"),
])
def test_bad_transformer_options_raise_config_error(kwargs, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        WindowEncoder("transformer", W, N, K, hidden_size=H, **kwargs)


def test_tcn_rejects_a_kernel_that_cannot_grow_the_receptive_field() -> None:
    with pytest.raises(ConfigError, match="tcn kernel_size must be an integer >= 2, got 1"):
        TCNEncoder(K, H, W, kernel_size=1)


@pytest.mark.parametrize("name", SEQUENCE_ENCODERS)
def test_stacked_layers_keep_the_shapes(name: str) -> None:
    option = {"lstm": {"num_layers": 2}, "gru": {"num_layers": 2}, "transformer": {"layers": 3},
              "tcn": {"kernel_size": 2}}[name]
    assert make(name, **option)(torch.randn(2, W, N, K)).shape == (2, N * H)


@pytest.mark.parametrize("name", ["lstm", "gru"])
@pytest.mark.parametrize("batch", [1, 4, 64])
def test_time_major_input_changes_nothing_but_the_copies(name: str, batch: int) -> None:
    torch.manual_seed(0)
    enc = WindowEncoder(name, window_bars=12, n_assets=5, n_features=3, hidden_size=16)
    assert enc.temporal.time_major_input
    window, weight = torch.randn(batch, 12, 5, 3), torch.randn(batch, 5 * 16)

    def run(time_major: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        enc.temporal.time_major_input = time_major
        enc.zero_grad()
        out = enc(window)
        (out * weight).sum().backward()
        return out.detach(), [p.grad.clone() for p in enc.parameters()]

    fast, slow = run(True), run(False)
    assert torch.equal(fast[0], slow[0])
    assert all(torch.equal(a, b) for a, b in zip(fast[1], slow[1], strict=True))
