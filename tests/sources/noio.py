"""A guard that sees I/O: files, sockets, processes and databases opened inside a block.

Python's audit hooks report every such call (`open`, `socket.connect`, `subprocess.Popen`,
`sqlite3.connect`, ...) whoever makes it, so the guard needs no knowledge of a connector's
libraries. A hook cannot be removed once added: it is installed once per test process and
acts only inside `no_io()`, and only on the thread that entered it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["no_io"]

_WATCHED = (
    "open",
    "os.listdir",
    "os.scandir",
    "os.mkdir",
    "os.remove",
    "os.rename",
    "shutil.",
    "socket.",
    "subprocess.",
    "sqlite3.connect",
    "http.client.",
    "urllib.Request",
)
_CODE = (".py", ".pyc", ".so")  # a lazy import reads code; that is not the feed's I/O

_state = threading.local()
_installed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    seen: list[str] | None = getattr(_state, "seen", None)
    if seen is None or not event.startswith(_WATCHED):
        return
    if event == "open" and str(args[0]).endswith(_CODE):
        return
    seen.append(f"{event} {args[0]!r}" if args else event)
    raise PermissionError(f"no I/O allowed here, got {event}")


@contextmanager
def no_io() -> Iterator[list[str]]:
    """Refuse (PermissionError) and list every I/O call made in the block on this thread."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    seen: list[str] = []
    _state.seen = seen
    try:
        yield seen
    finally:
        _state.seen = None
