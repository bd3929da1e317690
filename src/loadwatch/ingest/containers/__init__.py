"""Containers and safety: what a user hands us (files, folders, archives, uploads) as
leaf files, within budgets; hardened XML."""
