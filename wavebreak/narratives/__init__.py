"""narratives."""
