"""Settings: every config key with its type, default and allowed values; TOML files read, merged
with ``--set`` and the named options, checked, and written back with a run."""
