#!/usr/bin/env bash
# Development only, until the first release: regenerate the initial migration from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f src/loadwatch/store/migrations/versions/0001_*.py /tmp/loadwatch-regen.db
cat > /tmp/alembic-regen.ini <<INI
[alembic]
script_location = $(pwd)/src/loadwatch/store/migrations
INI
.venv/bin/alembic -c /tmp/alembic-regen.ini -x url=sqlite:////tmp/loadwatch-regen.db revision --autogenerate --rev-id 0001 -m "initial schema" >/dev/null
f=$(ls src/loadwatch/store/migrations/versions/0001_*.py); [ "$f" = src/loadwatch/store/migrations/versions/0001_initial_schema.py ] || mv "$f" src/loadwatch/store/migrations/versions/0001_initial_schema.py
.venv/bin/ruff format -q src/loadwatch/store/migrations/versions/ && .venv/bin/ruff check -q --fix src/loadwatch/store/migrations/versions/ || true
echo "regenerated src/loadwatch/store/migrations/versions/0001_initial_schema.py"
