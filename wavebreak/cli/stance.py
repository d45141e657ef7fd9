"""CLI commands for stance evaluation (registered on wavebreak.cli.groups)."""
