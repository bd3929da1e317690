"""loadwatch: a self-hosted training-load monitor for runners."""

from importlib.metadata import PackageNotFoundError, version

try:
    # The one place the version is read: pyproject.toml, through the installed metadata, so
    # a release bumps one line.
    __version__ = version("loadwatch")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
