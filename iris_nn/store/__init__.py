"""The run directory: its files named, written and read in pairs (``rundir``, ``model_file``), the
checks of files a person may have edited (``runchecks``), the ``--out`` directory a run is built
and found in (``outdir``, ``listing``), the data a saved run was trained on (``rundata``) and
starting weights read from a file (``init_weights``)."""
