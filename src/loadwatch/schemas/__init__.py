"""The request and response models, by topic: what services return and the API and CLI show.

Models only (and the validators they are built with); the functions that fill them live in
``services/``.  Services and api import from here; nothing here imports ``api``.
"""
