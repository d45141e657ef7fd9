"""CLI commands for review (registered on wavebreak.cli.groups)."""
