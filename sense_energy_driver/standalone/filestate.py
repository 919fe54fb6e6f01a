"""A device file's state on disk: its signature, and what a reload found changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .schema import Zone

__all__ = ["FileChanges", "Signature", "signature", "unchanged"]


@dataclass(frozen=True, slots=True)
class FileChanges:
    """What a reload found changed: attribute names (never values) and zones."""

    attributes: tuple[str, ...] = ()
    zones_added: tuple[Zone, ...] = ()
    zones_removed: tuple[Zone, ...] = ()
    zones_relabelled: tuple[Zone, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.attributes or self.zones_added or self.zones_removed or self.zones_relabelled
        )


Signature = tuple[int, int, int]


def signature(path: Path) -> Signature | None:
    """Inode, mtime and size: changes whenever the file is replaced or written."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def unchanged(path: Path, source: Signature | None) -> Callable[[], bool]:
    """A check that the file is still the one read (a save re-reads it when not)."""
    return lambda: signature(path) == source
