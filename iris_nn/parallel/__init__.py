"""A process pool for independent tasks (the folds of ``cv``, the networks of ``seeds``) that
stops every worker on an error or an interrupt."""
