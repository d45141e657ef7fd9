"""CLI commands for bench (registered on wavebreak.cli.groups)."""
