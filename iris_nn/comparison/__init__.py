"""Comparing runs: the config keys that differ and the metrics side by side."""
