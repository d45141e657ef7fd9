"""Alembic migrations for the Wavebreak schema (shipped as package data, run by ``open_storage``)."""
