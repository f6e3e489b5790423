"""Torch models over tradegym observations (layer 2): sequence encoders and SB3 extractors.

Nothing here is imported by ``tradegym``; see ARCHITECTURE.md for the layering.
"""
