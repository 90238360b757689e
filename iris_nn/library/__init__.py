"""The Python library: ``train``, ``load`` and ``Run``, for a notebook."""
