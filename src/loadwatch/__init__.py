"""loadwatch: a self-hosted training-load monitor for runners."""

__version__ = "0.1.0"
