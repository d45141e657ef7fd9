"""CLI commands for signals (registered on wavebreak.cli.groups)."""
