"""Replace a file atomically, so a crash mid-write never leaves a half-written device file."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write_text"]


def atomic_write_text(
    path: Path,
    text: str,
    *,
    new_file_mode: int = 0o600,
    still_current: Callable[[], bool] | None = None,
) -> os.stat_result | None:
    """Write `text` to a temp file beside `path`, fsync it, then os.replace it over `path`.

    The original's permission bits are kept; a new file gets `new_file_mode`, since device files
    can hold secrets until the first load encrypts them. `still_current`, asked just before the
    replace, can call it off (None returned, `path` untouched): a read-modify-write whose source
    changed meanwhile starts over instead of undoing that change. Returns the written file's stat
    (the rename keeps inode, size and mtime), taken before anyone else could replace it again.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = new_file_mode
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
            written = os.fstat(out.fileno())
        if still_current is not None and not still_current():
            tmp.unlink()
            return None
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return written


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every platform lets a directory be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
