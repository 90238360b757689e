"""The live playground behind ``iris-nn serve``: a page per person, the same engine as ``train``.

``session`` holds one page's network and trainer (no web code); ``app`` is the Starlette app (the
page's files, the WebSocket protocol, the safety checks); ``run`` binds the port and runs uvicorn.
Only ``iris-nn serve`` imports this package: no other command loads Starlette or uvicorn.
"""
