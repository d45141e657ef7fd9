"""CLI commands for ingest (registered on wavebreak.cli.groups)."""
