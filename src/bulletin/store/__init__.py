"""The project's database: the subscriber list and the send log, on SQLite or PostgreSQL."""
