"""Ralph's ASGI app with its fs backend appending to a store's file (run by the Ralph venv's uvicorn).

Ralph 5.1.0's filesystem LRS backend writes every POSTed batch with the data backend's default
operation, ``create``, which refuses a target file that exists: only the first batch of each
store would ever be written (500 "Statements bulk indexation failed" after that). Appending is
what an LRS does; this sets it before the app loads. Nothing else of Ralph is changed: its
validation, authentication, duplicate handling (``statements_are_equivalent``) and GET API are
the real ones.
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402 (after the patch, which the app's backend reads)

__all__ = ["app"]
