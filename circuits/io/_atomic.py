"""Writing a file so that a failed write leaves nothing half-written behind."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

__all__ = ["write_atomically"]


def write_atomically(path, write: Callable[[Path], None], error: type[Exception]) -> Path:
    """Call ``write(tmp)`` on ``path`` + ".tmp" next to ``path``, then rename it into place.

    A target that exists and is not a regular file (a directory, a device such as /dev/null,
    a socket) is refused before anything is written: renaming over it would replace it. An
    OSError becomes one line of ``error`` naming the path, and the temporary file is removed.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise error(f"output={str(path)!r} exists and is not a regular file (a directory or a "
                    "device); name a file to write")
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise error(f"cannot write {str(path)!r}: {exc.strerror}; choose a writable "
                    "path") from None
    return path
