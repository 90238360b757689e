"""Runs: the config, model files, the run directory and its files, one run end to end, listing,
prediction and evaluation."""
