"""The alert tests use the shared `store` fixture: every one runs on SQLite and PostgreSQL."""
