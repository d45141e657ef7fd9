"""CLI commands for demo (registered on wavebreak.cli.groups)."""
