"""Benchmarks: run with `python -m bench.<name> --json`; figures are ratios against a baseline measured in the same run."""
