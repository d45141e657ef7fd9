"""Alembic revisions: each file is one step; never edit a released one, add a new one."""
