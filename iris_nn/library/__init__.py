"""The Python library (SPEC 12): ``train``, ``load`` and ``Run``, for a notebook."""
