"""Reading a file that someone else wrote: a regular file of bounded size, or nothing.

Claim files, shard files and cache entries are untrusted input (paper_notes/threats.md). Each is
read through :func:`read_regular`: opened non-blocking (a FIFO put at the path cannot hang the
open), checked on the open descriptor to be a regular file of at most ``max_bytes`` (a device
such as /dev/zero, a FIFO or a huge file is never read; checking the descriptor, not the path,
leaves no window for a swap), and read to at most ``max_bytes``.

A large file is hashed by :class:`FileDigest`: the sha256 of the regular file open at a
descriptor, computed by a thread of its own (hashlib releases the GIL), so a command can go on
(importing, mapping the same descriptor) meanwhile.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading

__all__ = ["FileDigest", "NotARegularFile", "read_regular"]

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


_DIGEST_CHUNK = 1 << 24


class FileDigest:
    """The sha256 of the regular file at ``path``, computed by a thread of its own from a
    descriptor opened (non-blocking) and checked here; ``fd`` is that descriptor (open until
    :meth:`close`), so what is hashed is the file it names, whatever the path names later;
    ``size`` its size when opened. Raises :class:`NotARegularFile` for anything else, and the
    OSError of the open."""

    def __init__(self, path):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise NotARegularFile("not a regular file (a FIFO, a device or a socket)")
        except BaseException:
            os.close(fd)
            raise
        self.fd, self.size = fd, info.st_size
        self._digest: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._hash, name="superpose-sha256", daemon=True)
        self._thread.start()

    def _hash(self) -> None:
        try:
            digest, buffer, offset = hashlib.sha256(), bytearray(_DIGEST_CHUNK), 0
            view = memoryview(buffer)
            while True:
                if hasattr(os, "preadv"):
                    count = os.preadv(self.fd, [view], offset)
                    chunk = view[:count]
                else:  # (no preadv: a new bytes object per chunk)
                    chunk = os.pread(self.fd, _DIGEST_CHUNK, offset)
                    count = len(chunk)
                if not count:
                    break
                digest.update(chunk)
                offset += count
            self._digest = digest.hexdigest()
        except BaseException as exc:  # (handed to the caller of result)
            self._error = exc

    def result(self) -> str:
        """The hex sha256 of the file's bytes (waits for the thread); the thread's OSError,
        if it had one."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest

    def close(self) -> None:
        """Wait for the thread, then close the descriptor."""
        self._thread.join()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
