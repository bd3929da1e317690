"""Alembic environment: run with a connection handed in by ``loadwatch.store.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from loadwatch.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` CLI during development: a URL in -x url=...
        url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///dev.db")
        with create_engine(url).connect() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
