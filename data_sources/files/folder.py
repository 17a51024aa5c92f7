"""The watched folder: which files are ready, reading one whole, moving it away when done.

A file is ready when its name matches a pattern (case aside: Windows writes DATA.CSV), is not
a dotfile nor a partial upload (`.tmp`, `.part`, `.partial`, `.crdownload`, `~`), and has not
changed for `settle_s` by the file system's clock (mtime against the wall clock, both the
machine's). A file that changes while it is read is left for the next run. Only the folder's
top level is watched, so done/ and failed/ inside it are never picked up again.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Dropped", "move_to", "ready_files", "take"]

_PARTIAL = (".tmp", ".part", ".partial", ".crdownload", "~")
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Dropped:
    """A file read whole: its bytes (None when over the size limit) and their sha256."""

    path: Path
    digest: str
    size: int
    data: bytes | None


def _wanted(name: str, patterns: Sequence[str]) -> bool:
    if name.startswith(".") or name.lower().endswith(_PARTIAL):
        return False
    return any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)


def ready_files(folder: Path, patterns: Sequence[str], settle_s: float) -> list[Path]:
    """The folder's files ready to take, oldest first (then by name)."""
    settled_before = time.time() - settle_s
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not _wanted(entry.name, patterns) or not entry.is_file():
                continue
            mtime = entry.stat().st_mtime
            if mtime <= settled_before:
                found.append((mtime, entry.name, Path(entry.path)))
    return [path for _, _, path in sorted(found)]


def _digest_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def take(path: Path, max_bytes: int) -> Dropped | None:
    """`path` read whole with its digest; None when it changed meanwhile (still written).

    A file over `max_bytes` is hashed, not kept: it is refused as a whole."""
    before = path.stat()
    if before.st_size > max_bytes:
        data, digest = None, _digest_of(path)
    else:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
    after = path.stat()
    changed = (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)
    if changed or (data is not None and len(data) != after.st_size):
        return None
    return Dropped(path, digest, after.st_size, data)


def move_to(path: Path, folder: Path, note: str | None = None) -> Path:
    """Move `path` into `folder` (made when missing) under its name, or `name.1.csv`, ...
    when that is taken; `note`, when given, is written beside it as `<name>.txt`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 0
    while target.exists():
        n += 1
        target = folder / f"{path.stem}.{n}{path.suffix}"
    shutil.move(path, target)  # a rename on one file system, a copy across two
    if note is not None:
        target.with_name(target.name + ".txt").write_text(note + "\n", encoding="utf-8")
    return target
