"""Wavebreak: keep false and hateful viral waves from being amplified, explainably."""

__version__ = "0.1.0"
