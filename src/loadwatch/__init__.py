"""loadwatch: a self-hosted training-load monitor for runners."""


def __getattr__(name: str) -> str:
    # The one place the version is read: pyproject.toml, through the installed metadata, so a
    # release bumps one line.  Read on first use, not on import: importlib.metadata costs every
    # command ~40 ms of CPU, and only --version, backups, the API and a refused schema say it.
    if name != "__version__":
        raise AttributeError(f"module 'loadwatch' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("loadwatch")
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
