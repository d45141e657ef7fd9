"""CLI commands for transparency (registered on wavebreak.cli.groups)."""
