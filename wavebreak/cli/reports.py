"""CLI commands for transparency: statements of reasons, reports, why, research export."""
