"""CLI commands for narratives (registered on wavebreak.cli.groups)."""
