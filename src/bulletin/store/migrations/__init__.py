"""The migrations of the project's database (Alembic), oldest first in `versions/`."""
