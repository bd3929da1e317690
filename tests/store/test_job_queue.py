"""The queue's connection string: what procrastinate's pool reads of the store's URL."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict

from loadwatch.store.job_queue import conninfo


def test_options_with_spaces_reach_libpq_whole() -> None:
    # Two server settings in one ``options`` (a search path and a timeout): SQLAlchemy renders
    # the space as "+", which libpq kept, so the pool searched a schema named
    # "x+-cstatement_timeout=5000" and found none of the queue's types.
    url = (
        "postgresql+psycopg://loadwatch:s%20cret@db.example:6543/coach"
        "?options=-csearch_path%3Dx%20-cstatement_timeout%3D5000&sslmode=require"
    )
    assert conninfo_to_dict(conninfo(url)) == {
        "host": "db.example",
        "port": "6543",
        "dbname": "coach",
        "user": "loadwatch",
        "password": "s cret",
        "options": "-csearch_path=x -cstatement_timeout=5000",
        "sslmode": "require",
    }


def test_a_plain_url_keeps_what_it_names() -> None:
    assert conninfo_to_dict(conninfo("postgresql+psycopg://postgres@127.0.0.1/test")) == {
        "host": "127.0.0.1",
        "dbname": "test",
        "user": "postgres",
    }
