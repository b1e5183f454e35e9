"""A size-capped, checksummed store of arrays derived from circuit files.

An *entry* is what one computation derived from one file at one sparsity (the event
evaluator's first-layer gain table, say). Its key is

    (kind, sha256 of the circuit file's bytes, sparsity, CACHE_VERSION),

so a changed file, another sparsity or a change in how superpose derives the arrays never
finds an old entry. Each entry is one uncompressed ``.npz`` under ``<cache dir>/derived/``
(``np.load`` reads it) holding the arrays and a manifest: the key's four parts, the arrays'
names, dtypes and shapes, and the CRC-32 of their bytes in order. Each member's array data
starts on a multiple of 64 bytes of the file, so a read takes the arrays as views of the
file's bytes: one CRC pass over them, not one per member as well.

*Never trusted.* An entry is read only if it is a regular file (not a link), no larger than the
cap, its manifest names this very key, and the CRC-32 of the arrays read back equals the
manifest's; anything else (a flipped byte, a truncated file, another version's entry, a file
that is not an archive, a damaged header) is reported, deleted and rebuilt by the caller.
Checksums detect corruption, not a forger with write access to the cache directory: a
CRC-32, as zip itself keeps per member, finds every burst of up to 32 flipped bits and misses
other damage once in 2^32, at 3 GB/s where a sha256 ran at 1.8 (the 98 MB table of an and2
circuit at m' = 10^5 took 56 ms to hash, 30 ms to CRC, on the path of every run that reads it).

*Reads* map the entry read-only (:func:`superpose.theory.files.map_regular`) and take its
arrays as views of the mapping: no copy into fresh memory (whose page faults cost more than
the read itself on a small virtual machine), the CRC pass reading the page cache. Entries
are never written in place (below), so what was checked stays what is used.

*Writes* go to a unique temporary file in the same directory (``tempfile.mkstemp``: created
with O_EXCL, never through an existing name or link) that is renamed over the entry's name;
two runs writing the same entry at once each rename a complete file, and a reader sees one of
them whole. *Eviction*: a read touches the entry's modification time; after each write the
oldest entries are deleted until the directory holds at most ``max_bytes``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import stat
import struct
import tempfile
import threading
import zipfile
import zlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from superpose.circuits.cache._dirs import cache_dir
from superpose.theory.errors import InvalidArgument
from superpose.theory.files import NotARegularFile, map_regular

__all__ = ["CACHE_VERSION", "DEFAULT_MAX_BYTES", "DerivedCache", "file_sha256"]

#: bump when the arrays any entry holds would be computed differently
CACHE_VERSION = 2
#: the default cap of the whole store (``SUPERPOSE_CACHE_MAX_MB`` changes it)
DEFAULT_MAX_BYTES = 4 << 30
_MAX_ENV = "SUPERPOSE_CACHE_MAX_MB"
_SUFFIX = ".npz"
_HASH_CHUNK = 1 << 24


def file_sha256(data: bytes | memoryview) -> str:
    """The hex sha256 of ``data`` (the bytes of a circuit file as read)."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class DerivedCache:
    """The derived-array store of the module docstring, for the circuit file whose bytes have
    sha256 ``digest``. ``root`` defaults to ``cache_dir() / "derived"``; ``events`` records,
    in order, what each get/put did ("hit", "miss", "stored", "rebuilt: <why>", ...)."""

    digest: str
    root: Path | None = None
    max_bytes: int | None = None
    events: list[str] = field(default_factory=list)
    _opening: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _writing: list = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not (isinstance(self.digest, str) and len(self.digest) == 64
                and all(c in "0123456789abcdef" for c in self.digest)):
            raise InvalidArgument(f"digest={self.digest!r} must be a hex sha256 (64 "
                                  "characters); pass file_sha256(the file's bytes)")
        self.root = Path(self.root) if self.root is not None else cache_dir() / "derived"
        if self.max_bytes is None:
            self.max_bytes = _max_bytes_from_env()

    def path(self, kind: str, sparsity: int) -> Path:
        """Where the entry (kind, this file, sparsity) lives."""
        name = hashlib.sha256(f"{kind}|{self.digest}|{sparsity}|{CACHE_VERSION}".encode())
        return self.root / f"{kind}-{name.hexdigest()[:40]}{_SUFFIX}"

    def prefetch(self, kind: str, sparsity: int) -> None:
        """Start :meth:`get`'s read of the entry (kind, this file, sparsity) and of its
        checksum on a thread of their own, for the next ``get`` of that key to take up: what
        the caller does meanwhile (loading the circuit the entry must fit, say) overlaps
        them. Nothing read is used before ``get`` has checked it."""
        key = (kind, int(sparsity))
        if key not in self._opening:
            self._opening[key] = _in_background(self._open, kind, int(sparsity))

    def get(self, kind: str, sparsity: int, fit=None):
        """The entry's arrays, checked against their checksum; None (and the entry deleted
        when it was there but bad) otherwise.

        ``fit(arrays)``, if given, checks that the arrays fit what they were derived from and
        returns what the caller makes of them, which ``get`` then returns in their place. It
        runs while a thread of its own computes the checksum (both only read the mapped
        entry; or the checksum was computed already, by :meth:`prefetch`), and what it
        returns is used only once the checksum has passed: a checksum that fails makes the
        entry corrupt whatever ``fit`` did. ``fit`` raises InvalidArgument for arrays that
        pass their checksum but do not fit; the entry is then deleted and rebuilt by the
        caller, the event naming why, and None returned."""
        path = self.path(kind, sparsity)
        opening = self._opening.pop((kind, int(sparsity)), None)
        try:
            if opening is not None:
                opened = opening.result()
            else:
                opened = self._open(kind, sparsity, checksum=False)
            if opened is None:
                self.events.append(f"{kind}: miss")
                return None
            arrays, checksum, computed = opened
            if computed is None:
                computed = _in_background(_arrays_crc32, arrays.values())
            try:
                made, unfit = (arrays if fit is None else fit(arrays)), None
            except InvalidArgument as exc:
                made, unfit = None, exc
            except Exception:  # (a damaged entry may break fit in any way)
                if _result(computed) != checksum:
                    raise _Corrupt("checksum mismatch") from None
                raise
            if _result(computed) != checksum:
                raise _Corrupt("checksum mismatch")
        except _Corrupt as bad:
            self.events.append(f"{kind}: rebuilt ({bad})")
            _remove(path)
            return None
        if unfit is not None:
            self.events.append(f"{kind}: rebuilt ({unfit})")
            _remove(path)
            return None
        try:
            os.utime(path)  # least recently used = oldest modification time
        except OSError:
            pass
        self.events.append(f"{kind}: hit")
        return made

    def _open(self, kind: str, sparsity: int, checksum: bool = True):
        """(arrays, the checksum the manifest records, the checksum computed: None unless
        ``checksum``) of the entry, or None when there is none; _Corrupt when it cannot be
        used as it is."""
        path = self.path(kind, sparsity)
        try:
            info = path.lstat()
        except OSError:
            return None
        arrays, recorded = self._read(path, info, kind, sparsity)
        return arrays, recorded, _arrays_crc32(arrays.values()) if checksum else None

    def put_later(self, kind: str, sparsity: int, arrays: dict[str, np.ndarray]) -> None:
        """:meth:`put` on a thread of its own, so that the caller goes on (checking inputs
        with the table it has just built, say) while the entry is written: writing a 98 MB
        table took 0.2 s where the file system was still writing back the circuit file just
        built. The arrays must not change until :meth:`flush`, which waits for the write
        (and raises what it raised); the process does not end before it either."""
        self._writing.append(_in_background(self.put, kind, sparsity, arrays, daemon=False))

    def flush(self) -> None:
        """Wait for every :meth:`put_later` (its events then recorded)."""
        while self._writing:
            self._writing.pop(0).result()

    def put(self, kind: str, sparsity: int, arrays: dict[str, np.ndarray]) -> Path | None:
        """Store ``arrays`` as the entry, atomically; then evict down to the cap. Returns the
        path, or None when the entry alone exceeds the cap or the directory is not writable
        (the run goes on without a cache: nothing is lost but time)."""
        arrays = {name: np.asarray(a, order="C") for name, a in arrays.items()}
        size = sum(a.nbytes for a in arrays.values())
        if size > self.max_bytes:
            self.events.append(f"{kind}: not stored ({size} bytes > cap {self.max_bytes})")
            return None
        manifest = {"kind": kind, "digest": self.digest, "sparsity": int(sparsity),
                    "version": CACHE_VERSION, "names": list(arrays),
                    "dtypes": [a.dtype.str for a in arrays.values()],
                    "shapes": [list(a.shape) for a in arrays.values()],
                    "crc32": _arrays_crc32(arrays.values())}
        path = self.path(kind, sparsity)
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=self.root)
            with os.fdopen(fd, "wb") as out:
                _write_archive(out, {"manifest": np.array(json.dumps(manifest))} | arrays)
            os.replace(tmp, path)
        except BaseException as exc:  # never a temporary file left behind, whatever failed
            if tmp is not None:
                _remove(Path(tmp))
            if not isinstance(exc, OSError):
                raise
            self.events.append(f"{kind}: not stored ({exc.strerror or exc})")
            return None
        self.events.append(f"{kind}: stored")
        self.evict()
        return path

    def evict(self) -> list[Path]:
        """Delete the least recently used entries until the store holds at most the cap;
        returns what was deleted. Temporary files of other runs are left alone."""
        entries = []
        try:
            with os.scandir(self.root) as scan:
                for item in scan:
                    if item.name.endswith(_SUFFIX) and not item.name.startswith(".tmp-") \
                            and item.is_file(follow_symlinks=False):
                        st = item.stat(follow_symlinks=False)
                        entries.append((st.st_mtime, st.st_size, Path(item.path)))
        except OSError:
            return []
        total = sum(size for _, size, _ in entries)
        removed = []
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            if _remove(path):
                removed.append(path)
            total -= size
        return removed

    def _read(self, path: Path, info: os.stat_result, kind: str, sparsity: int):
        if not stat.S_ISREG(info.st_mode):
            raise _Corrupt("not a regular file")
        if info.st_size > self.max_bytes + (1 << 20):
            raise _Corrupt(f"{info.st_size} bytes, above the cap")
        try:
            data = map_regular(path, self.max_bytes + (1 << 20), follow_links=False)
            with zipfile.ZipFile(data) as archive:
                manifest = json.loads(_text(_member(data, archive, "manifest")))
                want = {"kind": kind, "digest": self.digest, "sparsity": int(sparsity),
                        "version": CACHE_VERSION}
                if {k: manifest.get(k) for k in want} != want:
                    raise _Corrupt("its manifest names another key")
                arrays = {name: _member(data, archive, name) for name in manifest["names"]}
        except _Corrupt:
            raise
        except NotARegularFile as exc:  # swapped in after the first look
            raise _Corrupt(str(exc)) from None
        except (OSError, ValueError, KeyError, TypeError, EOFError, struct.error,
                NotImplementedError, zipfile.BadZipFile) as exc:  # (zipfile: odd versions)
            raise _Corrupt(f"unreadable: {type(exc).__name__}: {exc}") from None
        shapes = [list(a.shape) for a in arrays.values()]
        dtypes = [a.dtype.str for a in arrays.values()]
        if shapes != manifest.get("shapes") or dtypes != manifest.get("dtypes"):
            raise _Corrupt("arrays differ from the manifest")
        return arrays, manifest.get("crc32")


class _Corrupt(Exception):
    """An entry that must not be used (the message says why)."""


def _in_background(work, *args, daemon: bool = True) -> Future:
    """``work(*args)`` on a thread of its own (a daemon one unless asked: the process does
    not wait for it at exit): the Future of its result (or of what it raised)."""
    future = Future()

    def run():
        try:
            future.set_result(work(*args))
        except BaseException as exc:  # (handed to whoever asks for the result)
            future.set_exception(exc)

    threading.Thread(target=run, name="superpose-cache", daemon=daemon).start()
    return future


def _result(value):
    """``value``, or its result when it is a Future."""
    return value.result() if isinstance(value, Future) else value


_LOCAL_HEADER = struct.Struct("<4s22xHH")


def _text(array: np.ndarray) -> str:
    """The string a 0-d NumPy unicode array holds, decoded from its UTF-32 bytes (a damaged
    code point is a ValueError, not a crash in NumPy's own conversion)."""
    if array.shape != () or array.dtype.kind != "U":
        raise _Corrupt("its manifest is not a string")
    return array.tobytes().decode("utf-32-le" if array.dtype.byteorder != ">"
                                  else "utf-32-be").rstrip("\0")


def _member(data: bytes, archive: zipfile.ZipFile, name: str) -> np.ndarray:
    """The ``.npy`` member ``name`` of the archive whose bytes are ``data``, as a read-only
    view of those bytes (a copy only when its data are not aligned for their type): no second
    copy and no CRC pass of its own, the manifest's CRC-32 being checked over the arrays
    afterwards.
    _Corrupt for a member that is compressed (``put`` never compresses), has no plain
    ``.npy`` header or does not fill its declared size exactly."""
    info = archive.getinfo(name + ".npy")
    if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
        raise _Corrupt(f"member {name!r} is compressed")
    magic, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    begin = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    if magic != b"PK\x03\x04" or begin + info.file_size > len(data):
        raise _Corrupt(f"member {name!r} has a damaged local header")
    header = io.BytesIO(data[begin:begin + min(info.file_size, 1 << 16)])
    try:
        version = np.lib.format.read_magic(header)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read(header)
    except Exception as exc:  # NumPy's header parser raises many types for damaged bytes
        raise _Corrupt(f"member {name!r} has a damaged header ({type(exc).__name__})") from None
    count = math.prod(shape)
    if dtype.hasobject or header.tell() + count * dtype.itemsize != info.file_size:
        raise _Corrupt(f"member {name!r} does not hold the array its header describes")
    offset = begin + header.tell()
    array = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    if offset % dtype.alignment:
        array = array.copy()
    return array.reshape(shape, order="F" if fortran else "C")


_ALIGN = 64
_PADDING_ID = 0xD935  # the extra-field record zipalign pads with; readers skip unknown ones
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _write_archive(out, arrays: dict[str, np.ndarray]) -> None:
    """``arrays`` as the ``.npy`` members of an uncompressed zip archive (what ``np.savez``
    writes, readable by ``np.load``), each member's array data starting on a multiple of
    ``_ALIGN`` bytes of the file: the local header's extra field pads it (30 bytes of header,
    the name, the extra field, then the 20-byte ZIP64 record zipfile adds for a member near
    4 GiB or over), so :func:`_member` can use the data where it lies in the bytes read."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                header, np.lib.format.header_data_from_array_1_0(array))
            info = zipfile.ZipInfo(name + ".npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = header.tell() + array.nbytes
            zip64 = 20 if info.file_size * 1.05 > zipfile.ZIP64_LIMIT else 0
            pad = -(archive.fp.tell() + 30 + len(info.filename.encode()) + 4 + zip64
                    + header.tell()) % _ALIGN
            info.extra = struct.pack("<HH", _PADDING_ID, pad) + bytes(pad)
            with archive.open(info, "w") as member:
                member.write(header.getvalue())
                member.write(memoryview(array).cast("B") if array.ndim else array.tobytes())


def _arrays_crc32(arrays) -> int:
    """The CRC-32 of the arrays' bytes, one after the other (zlib releases the GIL)."""
    crc = 0
    for a in arrays:
        flat = memoryview(np.asarray(a, order="C")).cast("B")
        for lo in range(0, len(flat), _HASH_CHUNK):
            crc = zlib.crc32(flat[lo:lo + _HASH_CHUNK], crc)
    return crc


def _remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except OSError:
        return False


def _max_bytes_from_env() -> int:
    text = os.environ.get(_MAX_ENV)
    if text is None:
        return DEFAULT_MAX_BYTES
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise InvalidArgument(f"{_MAX_ENV}={text!r} must be a number of megabytes >= 0; unset "
                              f"it for the default ({DEFAULT_MAX_BYTES >> 20} MB)")
    return int(value * (1 << 20))
