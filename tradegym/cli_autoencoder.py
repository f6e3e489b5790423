"""Old path of :mod:`tradegym.cli.autoencoder`, kept importable (the CLI became a package)."""

from tradegym.cli.autoencoder import add_autoencoder_parser

__all__ = ["add_autoencoder_parser"]
