"""Store: SQLAlchemy 2 (SQLite by default, PostgreSQL to scale out) plus content-addressed
raw bytes and Parquet streams under the data dir.  The store keeps; it never computes."""
