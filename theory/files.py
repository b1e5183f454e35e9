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

import contextlib
import errno
import hashlib
import mmap
import os
import stat
import struct
import threading
import zipfile
import zlib

__all__ = ["FileDigest", "NotARegularFile", "map_regular", "read_regular"]

_MOST_PER_READ = 1 << 30  # Linux reads at most 2 GiB - 4 KiB at once


class NotARegularFile(OSError):
    """What was opened is not a regular file of at most the size asked for (the message says
    which); callers turn it into their own one-line error."""


def read_regular(path, max_bytes: int, *, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at ``path`` (at most ``max_bytes`` of them).

    Raises IsADirectoryError for a directory, :class:`NotARegularFile` for anything else that
    is not a regular file or for a file larger than ``max_bytes``, and the OSError of the open
    otherwise (with ``follow_links=False``, a link at ``path`` fails to open)."""
    fd, info = _open_regular(path, max_bytes, follow_links)
    try:
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


def map_regular(path, max_bytes: int, *, follow_links: bool = True) -> mmap.mmap:
    """The regular file at ``path`` (at most ``max_bytes``, not empty), mapped read-only: its
    bytes without a copy, the pages read from the page cache as they are touched. Raises as
    :func:`read_regular` does, and ValueError for an empty file. The mapping is the file's:
    one written in place while mapped changes what it holds (superpose writes files whole
    and renames them into place, which leaves a mapping of the old file as it was)."""
    fd, _ = _open_regular(path, max_bytes, follow_links)
    try:
        mapping = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    if len(mapping) > max_bytes:  # it grew after the check
        mapping.close()
        raise NotARegularFile(f"more than the {max_bytes} bytes allowed")
    return mapping


def _open_regular(path, max_bytes: int, follow_links: bool) -> tuple[int, os.stat_result]:
    """A descriptor open (non-blocking) on the regular file at ``path`` of at most
    ``max_bytes``, and its status, checked on the descriptor (:func:`read_regular`)."""
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
    except BaseException:
        os.close(fd)
        raise
    return fd, info


_DIGEST_CHUNK = 1 << 24
_LOCAL_HEADER = struct.Struct("<4s22xHH")
#: stored zip members at least this large get their CRC-32 computed in the digest's pass
_CRC_AT_LEAST = 1 << 20


class FileDigest:
    """The sha256 of the regular file at ``path``, computed by a thread of its own from a
    descriptor opened (non-blocking) and checked here; ``fd`` is that descriptor (open until
    :meth:`close`), so what is hashed is the file it names, whatever the path names later;
    ``size`` its size when opened. Raises :class:`NotARegularFile` for anything else, and the
    OSError of the open.

    With ``zip_members``, the same pass also computes the CRC-32 of the data of every member
    of at least ``_CRC_AT_LEAST`` bytes stored uncompressed, when the file is a zip archive
    (read from its own directory and local headers; nothing when it is not one):
    :meth:`crc32` gives one as soon as the pass is past it."""

    def __init__(self, path, zip_members: bool = False):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise NotARegularFile("not a regular file (a FIFO, a device or a socket)")
            self.fd, self.size = fd, info.st_size
            self._crcs = dict.fromkeys(_stored_ranges(fd) if zip_members else (), 0)
            self._digest: str | None = None
            self._error: BaseException | None = None
            self._done, self._progress = 0, threading.Condition()
            self._thread = threading.Thread(target=self._hash, name="superpose-sha256",
                                            daemon=True)
            self._thread.start()
        except BaseException:  # (the descriptor is this object's only once its thread runs)
            os.close(fd)
            raise

    def _hash(self) -> None:
        try:
            digest, offset = hashlib.sha256(), 0
            for chunk in self._chunks():
                count = len(chunk)
                digest.update(chunk)
                for start, end in self._crcs:
                    lo, hi = max(start, offset), min(end, offset + count)
                    if lo < hi:
                        self._crcs[start, end] = zlib.crc32(chunk[lo - offset:hi - offset],
                                                            self._crcs[start, end])
                offset += count
                with self._progress:
                    self._done = offset
                    self._progress.notify_all()
            self._digest = digest.hexdigest()
        except BaseException as exc:  # (handed to the caller of result)
            self._error = exc
        finally:
            with self._progress:
                self._done = None  # finished (or failed)
                self._progress.notify_all()

    def _chunks(self):
        """The file's bytes in order, ``_DIGEST_CHUNK`` at a time: views of one read-only
        mapping of the whole file (no copy: what the loader maps too; each chunk's pages given
        back once hashed), else, where it cannot be mapped, read into one buffer (``preadv``)
        or as new bytes (``pread``)."""
        try:
            mapping = mmap.mmap(self.fd, 0, access=mmap.ACCESS_READ) if self.size else None
        except (OSError, ValueError):
            mapping = None
        if mapping is not None:
            with contextlib.closing(mapping):
                view = memoryview(mapping)
                try:
                    for lo in range(0, len(mapping), _DIGEST_CHUNK):
                        with view[lo:lo + _DIGEST_CHUNK] as piece:  # (released after use)
                            yield piece
                            _give_back(mapping, lo, len(piece))
                finally:
                    view.release()  # (no view may outlive the mapping it closes)
            return
        buffer, offset = bytearray(_DIGEST_CHUNK), 0
        view = memoryview(buffer)
        while True:
            if hasattr(os, "preadv"):
                count = os.preadv(self.fd, [view], offset)
                chunk = view[:count]
            else:  # (no preadv: a new bytes object per chunk)
                chunk = os.pread(self.fd, _DIGEST_CHUNK, offset)
                count = len(chunk)
            if not count:
                return
            yield chunk
            offset += count

    def crc32(self, start: int, end: int) -> int | None:
        """The CRC-32 of bytes [start, end) when they are the data of a stored member the pass
        covers, once the pass is past them; None otherwise (or when the pass failed)."""
        if (start, end) not in self._crcs:
            return None
        with self._progress:
            self._progress.wait_for(lambda: self._done is None or self._done >= end)
        if self._error is not None or (self._done is None and self._digest is None):
            return None
        return self._crcs[start, end]

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


def _give_back(mapping: mmap.mmap, start: int, length: int) -> None:
    """Drop this process's pages of a read-only file mapping that was just read (they stay in
    the page cache): hashing a file of gigabytes must not hold it resident beside the
    loader's own mapping. A no-op where ``madvise`` is missing."""
    if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED, start, length)


def _stored_ranges(fd: int) -> list[tuple[int, int]]:
    """The byte ranges of the data of the members of at least ``_CRC_AT_LEAST`` bytes stored
    uncompressed in the zip archive open at ``fd`` (read through a descriptor of their own);
    none when it is not a readable archive."""
    ranges = []
    try:
        with os.fdopen(os.dup(fd), "rb") as file, zipfile.ZipFile(file) as archive:
            for info in archive.infolist():
                if info.compress_type != zipfile.ZIP_STORED \
                        or info.compress_size != info.file_size \
                        or info.file_size < _CRC_AT_LEAST:
                    continue
                file.seek(info.header_offset)
                magic, name_len, extra_len = _LOCAL_HEADER.unpack(file.read(_LOCAL_HEADER.size))
                if magic == b"PK\x03\x04":
                    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
                    ranges.append((start, start + info.file_size))
    except (OSError, ValueError, EOFError, NotImplementedError, struct.error,
            zipfile.BadZipFile):
        return []
    finally:
        os.lseek(fd, 0, os.SEEK_SET)  # (a duplicate shares the descriptor's offset)
    return ranges
