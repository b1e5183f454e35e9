"""Writing a file so that a failed write leaves nothing half-written behind, and nothing else
in the target directory is touched."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

__all__ = ["write_atomically", "write_text_atomically"]


def write_atomically(path, write: Callable[[BinaryIO], None], error: type[Exception]) -> Path:
    """Call ``write(fh)`` on a new temporary file next to ``path``, then rename it over
    ``path``.

    The temporary file gets a unique name and is created with O_EXCL (``tempfile.mkstemp``,
    which never follows a link and never opens an existing file), and ``write`` gets the open
    file itself, so no name is opened twice: nothing already in the directory (a link, a
    user's file, a directory) is followed, overwritten or removed. The finished file gets the
    permissions of a new file (0o666 less the umask) and replaces ``path`` by ``os.replace``,
    which renames over a link rather than through it. A target that exists and is not a
    regular file (a directory, a device such as /dev/null, a socket) is refused before anything
    is written. An OSError becomes one line of ``error`` naming the path; on any failure the
    temporary file (ours) is removed.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise error(f"output={str(path)!r} exists and is not a regular file (a directory or a "
                    "device); name a file to write")
    parent = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise error(f"cannot write {str(path)!r}: {exc.strerror}; choose a writable "
                    "path") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise error(f"cannot write {str(path)!r}: {exc.strerror}; choose a writable "
                        "path") from None
        raise
    return path


def write_text_atomically(path, text: str, error: type[Exception]) -> Path:
    """:func:`write_atomically` of ``text`` in UTF-8."""
    return write_atomically(path, lambda fh: fh.write(text.encode("utf-8")), error)


def _umask() -> int:
    """The process's umask: read from /proc on Linux (setting it to read it back, the only
    portable way, briefly changes it for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
