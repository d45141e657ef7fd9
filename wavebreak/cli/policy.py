"""CLI commands for policy (registered on wavebreak.cli.groups)."""
