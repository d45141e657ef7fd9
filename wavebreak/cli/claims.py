"""CLI commands for veracity and claim retrieval (registered on wavebreak.cli.groups)."""
