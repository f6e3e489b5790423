"""Torch models over tradegym observations (layer 2): encoders, SB3 extractors, forecasters.

Nothing here is imported by ``tradegym``; see ARCHITECTURE.md for the layering.
"""
