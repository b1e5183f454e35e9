"""Where superpose keeps what it derives from a circuit file between runs.

The cache directory is ``$SUPERPOSE_CACHE_DIR`` when that is set, else
``$XDG_CACHE_HOME/superpose``, else ``~/.cache/superpose``. Nothing is created here: a
writer creates what it needs below it.
"""

from __future__ import annotations

import os
from pathlib import Path

from superpose.theory.errors import InvalidArgument

__all__ = ["CACHE_ENV", "cache_dir"]

CACHE_ENV = "SUPERPOSE_CACHE_DIR"


def cache_dir() -> Path:
    """The cache directory (module docstring), as an absolute path.

    Raises InvalidArgument when ``$SUPERPOSE_CACHE_DIR`` is set but empty, or names something
    that exists and is not a directory.
    """
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        if not chosen.strip():
            raise InvalidArgument(f"{CACHE_ENV}={chosen!r} must name a directory; unset it for "
                                  "the default (~/.cache/superpose) or pass --no-cache")
        path = Path(chosen).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or ""
        path = (Path(base) if base.strip() and Path(base).is_absolute()
                else Path.home() / ".cache") / "superpose"
    path = path.absolute()
    if path.exists() and not path.is_dir():
        raise InvalidArgument(f"{CACHE_ENV}={str(path)!r} exists and is not a directory; "
                              "point it at a directory or pass --no-cache")
    return path
