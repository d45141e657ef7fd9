"""CLI commands for simulate (registered on wavebreak.cli.groups)."""
