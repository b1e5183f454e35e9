"""Reading a file that someone else wrote: a regular file of bounded size, or nothing.

Claim files, shard files and cache entries are untrusted input (paper_notes/threats.md). Each is
read through :func:`read_regular`: opened non-blocking (a FIFO put at the path cannot hang the
open), checked on the open descriptor to be a regular file of at most ``max_bytes`` (a device
such as /dev/zero, a FIFO or a huge file is never read; checking the descriptor, not the path,
leaves no window for a swap), and read to at most ``max_bytes``.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["NotARegularFile", "read_regular"]

_MOST_PER_READ = 1 << 30  # Linux reads at most 2 GiB - 4 KiB at once


class NotARegularFile(OSError):
    """What was opened is not a regular file of at most the size asked for (the message says
    which); callers turn it into their own one-line error."""


def read_regular(path, max_bytes: int, *, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at ``path`` (at most ``max_bytes`` of them).

    Raises IsADirectoryError for a directory, :class:`NotARegularFile` for anything else that
    is not a regular file or for a file larger than ``max_bytes``, and the OSError of the open
    otherwise (with ``follow_links=False``, a link at ``path`` fails to open)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile("not a regular file (a FIFO, a device or a socket)")
        if info.st_size > max_bytes:
            raise NotARegularFile(f"{info.st_size} bytes, more than the {max_bytes} allowed")
        # the first read asks for the whole file (and one byte more): one buffer, which
        # join hands back uncopied; later reads only if the file grew meanwhile
        chunks, size, want = [], 0, info.st_size + 1
        while size <= max_bytes:
            chunk = os.read(fd, min(max(want, 1 << 20), max_bytes + 1 - size, _MOST_PER_READ))
            want = 0
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:  # it grew after the check
            raise NotARegularFile(f"more than the {max_bytes} bytes allowed")
        return b"".join(chunks)
    finally:
        os.close(fd)
