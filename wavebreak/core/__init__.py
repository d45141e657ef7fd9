"""Core model: plain typed records, the closed action set, and named constants."""
