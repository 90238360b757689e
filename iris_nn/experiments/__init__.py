"""Experiments end to end: one training run from a config to its run directory (``experiment``)
and the seeds study of many initial weights (``seeds``)."""
