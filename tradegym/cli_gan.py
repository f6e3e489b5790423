"""Old path of :mod:`tradegym.cli.gan`, kept importable (the CLI became a package)."""

from tradegym.cli.gan import add_gan_parser

__all__ = ["add_gan_parser"]
