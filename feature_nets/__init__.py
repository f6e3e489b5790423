"""Torch models over tradegym observations (layer 2).

Encoders, SB3 extractors, forecasters, autoencoders and the compressed observations they give
agents. Nothing here is imported by ``tradegym``; see ARCHITECTURE.md for the layering.
"""

from feature_nets import _moved, runtime

_moved.install()
runtime.limit_spinning()  # before any module here imports torch
