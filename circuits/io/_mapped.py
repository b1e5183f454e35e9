"""A circuit file mapped into memory, read-only: its stored members used in place.

A member that ``save_circuit`` writes without compression (every member over 1 MiB) is a
``.npy`` array whose bytes lie in the file as they lie in memory, so the loader takes a NumPy
view of the mapping instead of reading it: loading a circuit of m' = 10^6 (4 GB) copies
nothing, and the pages an evaluator never touches are never read. The mapping is checked as a
read would check it: the member's local header, its ``.npy`` header (an integer type, C order,
a size that fills the member exactly) and its CRC-32.

*Pages.* Mapped pages that were read count in the process's resident memory until the
kernel reclaims them. For a file over ``RELEASE_ABOVE`` bytes, a pass over the whole file (the
hash, a CRC, a validation) gives its pages back as it goes (:func:`release_pages`), so the
resident size stays near what the evaluator itself allocates.

*Caveat.* The arrays are the file's pages: a file changed in place while a command runs changes
them too. superpose never writes a file in place (it writes a new file and renames it over the
old one, which leaves a mapping of the old one as it was); paper_notes/threats.md says so.
"""

from __future__ import annotations

import hashlib
import io
import math
import mmap
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from superpose.circuits.model import release_pages
from superpose.theory.errors import CircuitFormatError

__all__ = ["MappedFile", "RELEASE_ABOVE"]

#: a file larger than this gives back the pages each pass over it has read
RELEASE_ABOVE = 1 << 30
_PASS_CHUNK = 1 << 26
_LOCAL_HEADER = struct.Struct("<4s22xHH")


class MappedFile:
    """The regular file at ``path``, mapped read-only (``mapping``: the ``mmap``), and what is
    read from it: :meth:`sha256` of its bytes and :meth:`member` views of its stored
    members."""

    def __init__(self, path: Path, fd: int | None = None, crcs=None):
        """Open ``path``, or take over ``fd`` (a descriptor open for reading on it, which
        this object then owns and closes). ``crcs``: a
        :class:`superpose.theory.files.FileDigest` of the same open file whose pass computed
        members' CRC-32 (:meth:`member` takes them from it instead of reading the data)."""
        self.path, self._crcs = path, crcs
        if fd is None:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise CircuitFormatError(f"circuit file {str(path)!r} is not a regular file; "
                                         "name a circuit file")
            if info.st_size == 0:
                raise CircuitFormatError(f"circuit file {str(path)!r} is empty; rebuild it "
                                         "with 'superpose build'")
            self.mapping = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except BaseException:
            os.close(fd)
            raise
        #: the same open file, for zipfile's reads of the archive's directory and of its
        #: compressed members (closed by :meth:`close_file`; the mapping outlives it)
        self.file = os.fdopen(fd, "rb")
        self.size = len(self.mapping)
        self.release = self.size > RELEASE_ABOVE

    def close_file(self) -> None:
        self.file.close()

    def sha256(self) -> str:
        """The hex sha256 of the mapped bytes."""
        digest = hashlib.sha256()
        self._each_chunk(0, self.size, digest.update)
        return digest.hexdigest()

    def _each_chunk(self, start: int, end: int, use) -> None:
        view = memoryview(self.mapping)
        try:
            for lo in range(start, end, _PASS_CHUNK):
                hi = min(lo + _PASS_CHUNK, end)
                use(view[lo:hi])
                if self.release:
                    release_pages(np.frombuffer(view[lo:hi], dtype=np.uint8))
        finally:
            view.release()

    def member(self, info: zipfile.ZipInfo) -> np.ndarray | None:
        """The stored ``.npy`` member ``info`` as a read-only view of the mapping (a copy when
        its data are not aligned for their type: a file written before members were
        aligned), or None when it is not a plain integer array stored without compression
        (the caller reads it through ``zipfile``). CircuitFormatError when its headers do not
        fit the archive or its CRC-32 is not the one the archive records."""
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            return None
        where = f"{str(self.path)!r}: member {info.filename!r}"
        start = info.header_offset
        if start + _LOCAL_HEADER.size > self.size:
            raise CircuitFormatError(f"{where} lies past the end of the file; it is damaged")
        magic, name_len, extra_len = _LOCAL_HEADER.unpack_from(self.mapping, start)
        data = start + _LOCAL_HEADER.size + name_len + extra_len
        if magic != b"PK\x03\x04" or data + info.file_size > self.size:
            raise CircuitFormatError(f"{where} has a damaged local header")
        header = io.BytesIO(self.mapping[data:data + min(info.file_size, 1 << 16)])
        try:
            version = np.lib.format.read_magic(header)
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read(header)
        except (ValueError, OSError, SyntaxError):
            return None  # not a plain array header: zipfile and NumPy say what is wrong
        if fortran or dtype.kind not in "iu" or dtype.hasobject:
            return None
        count = math.prod(shape)  # exact: a forged shape cannot wrap around to fit
        offset = data + header.tell()
        if header.tell() + count * dtype.itemsize != info.file_size:
            raise CircuitFormatError(f"{where} holds {info.file_size} bytes, which its "
                                     f"shape {shape} of {dtype} does not fill; it is damaged")
        crc = None if self._crcs is None else self._crcs.crc32(data, data + info.file_size)
        if crc is None:
            crc = 0

            def add(chunk):
                nonlocal crc
                crc = zlib.crc32(chunk, crc)

            self._each_chunk(data, data + info.file_size, add)
        if crc != info.CRC:
            raise CircuitFormatError(f"{where} fails its CRC-32 check; the file is damaged, "
                                     "rebuild it with 'superpose build'")
        array = np.frombuffer(self.mapping, dtype=dtype, count=count, offset=offset)
        if offset % dtype.alignment:
            array = array.copy()
        return array.reshape(shape)
