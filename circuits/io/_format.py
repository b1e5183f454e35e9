"""The "superpose-circuit" file format, version 1: an .npz any NumPy/SciPy program can read.

Documented in paper_notes/format.md. Files are written byte-reproducibly: entries in a fixed
order, fixed zip timestamps, no compression metadata that depends on time, so the same circuit
gives the same bytes. Reading never unpickles (``allow_pickle=False``) and checks every
required field, shape and index range before building anything.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import struct
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from superpose.circuits.io._atomic import write_atomically
from superpose.circuits.io._mapped import MappedFile
from superpose.circuits.model import (
    Circuit,
    FactoredLayer,
    Layer,
    SupportCode,
    ThresholdNetwork,
    release_pages,
)
from superpose.circuits.registry import broken_plugins, problem_names, problem_spec
from superpose.circuits.validate import available_memory, check_m_prime_fits
from superpose.theory.errors import CircuitFormatError, InvalidArgument, SuperposeError
from superpose.theory.files import FileDigest

__all__ = ["FORMAT", "VERSION", "VERSION_FACTORED", "save_circuit", "load_circuit",
           "load_circuit_and_digest", "circuit_arrays", "stored_sparsity"]

FORMAT = "superpose-circuit"
VERSION = 1
#: the version of a file whose first layer is stored as factors (an implicit circuit); a file
#: of plain layers is written as version 1, byte for byte as before
VERSION_FACTORED = 2
_EPOCH = (1980, 1, 1, 0, 0, 0)
_RESERVED = frozenset({"format", "version", "problem", "sparsity", "seed", "m", "m_prime",
                       "n_layers", "construction", "constants_json", "family",
                       "instance_seed"})


def circuit_arrays(circuit: Circuit) -> dict[str, np.ndarray]:
    """The file's fields, in the order they are written (every integer field as int64)."""
    return {name: np.asarray(array, dtype=dtype) if dtype else np.asarray(array)
            for name, array, dtype in _fields(circuit)}


def _fields(circuit: Circuit):
    """(name, array, dtype) in file order; ``dtype`` is what the file stores (None: as is).
    Arrays are left in their own dtype so that a large one is converted chunk by chunk."""
    net = circuit.network
    i8 = np.int64
    yield "format", np.array(FORMAT), None
    yield "version", VERSION_FACTORED if net.implicit else VERSION, i8
    yield "problem", np.array(circuit.problem.name), None
    yield "sparsity", circuit.sparsity, i8
    yield "seed", circuit.seed, i8
    yield "m", circuit.m, i8
    yield "m_prime", circuit.m_prime, i8
    for name, array in circuit.problem.to_arrays().items():
        if name in _RESERVED or name.startswith(("layer", "input_code", "output_code")) \
                or not name.isidentifier():
            raise InvalidArgument(f"problem {circuit.problem.name!r} stores a field named "
                                  f"{name!r}, which the format reserves or cannot store; "
                                  "rename it in its to_arrays()")
        yield name, array, i8
    yield from _code_fields("input_code", net.input_code)
    yield "input_code_width", net.input_code.width, i8
    yield "n_layers", len(net.layers), i8
    for l, layer in enumerate(net.layers, start=1):
        if layer.factored:  # W_1 = A S_P: A is stored, P is the input code
            a = layer.left
            yield f"layer{l}_form", np.array("factored"), None
            yield f"layer{l}_left_indptr", a.indptr, i8
            yield f"layer{l}_left_indices", a.indices, i8
            yield f"layer{l}_left_data", a.data, i8
            yield f"layer{l}_shape", layer.shape, i8
            yield f"layer{l}_theta", layer.theta, i8
            continue
        w = layer.stored_weights  # canonical: sorted indices, no duplicates (Layer)
        yield f"layer{l}_indptr", w.indptr, i8
        yield f"layer{l}_indices", w.indices, i8
        yield f"layer{l}_data", w.data, i8
        yield f"layer{l}_shape", w.shape, i8
        yield f"layer{l}_theta", layer.theta, i8
    yield from _code_fields("output_code", net.output_code)
    yield "construction", np.array(circuit.construction), None
    yield "constants_json", np.array(json.dumps(circuit.constants, sort_keys=True)), None
    yield "family", np.array(circuit.family), None
    yield "instance_seed", circuit.instance_seed, np.int64


def _code_fields(prefix: str, code: SupportCode):
    yield f"{prefix}_indptr", code.indptr, np.int64
    yield f"{prefix}_indices", code.indices, np.int64


_STREAM_CHUNK = 1 << 22
_STORE_ABOVE = 1 << 20  # bytes of a member written without compression
_NARROW = (np.int8, np.int16, np.int32, np.int64)


def save_circuit(circuit: Circuit, path) -> Path:
    """Write ``circuit`` to ``path`` (byte-identical for identical circuits).

    Each field is streamed into the zip archive, a large one converted to the stored dtype
    chunk by chunk, so writing needs little memory beyond the circuit itself. The archive is
    written to a new temporary file next to ``path`` and renamed into place
    (:func:`write_atomically`), so a failed write leaves no partial file.
    """
    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, array, dtype in _fields(circuit):
                array = np.asarray(array)
                least = np.int32 if name.startswith("layer") and name.endswith("_indices") \
                    else np.int8  # SciPy holds CSR indices as int32 at least: used in place
                _write_field(zf, name, array, _stored_dtype(array, dtype, least))

    path = write_atomically(path, write, CircuitFormatError)
    return path


def _stored_dtype(array: np.ndarray, dtype, least=np.int8):
    """The dtype a field is stored in: ``dtype`` (None: the array's own), except that an
    int64 array (not a scalar) is stored in the narrowest of int8, int16, int32 and int64, no
    narrower than ``least``, that holds its values, so a large circuit's indices and weights
    take 2 to 8 times less room than as int64 (readers take every integer field as int64 in
    arithmetic, section 1 of paper_notes/format.md)."""
    if dtype is None or np.dtype(dtype) != np.int64 or array.ndim == 0 or not array.size:
        return dtype
    lo, hi = int(array.min()), int(array.max())
    wide_enough = _NARROW[_NARROW.index(least):]
    return next(t for t in wide_enough if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max)


def _write_field(zf: zipfile.ZipFile, name: str, array: np.ndarray, dtype) -> None:
    """One ``.npy`` member, as ``np.lib.format.write_array`` of the converted array writes it
    (a version 1.0 header, C order), with the member's size set up front as
    ``ZipFile.writestr`` does, so the archive's bytes do not depend on the chunking. A member
    larger than ``_STORE_ABOVE`` bytes is stored without compression: it is written and read
    at disk speed (deflating a large circuit took minutes on one core), and its bytes can be
    memory-mapped."""
    info = zipfile.ZipInfo(name + ".npy", date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    stored = np.dtype(dtype) if dtype is not None else array.dtype
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": np.lib.format.dtype_to_descr(stored), "fortran_order": False,
                 "shape": array.shape})
    info.file_size = header.tell() + array.size * stored.itemsize
    info.compress_type = zipfile.ZIP_STORED if info.file_size > _STORE_ABOVE \
        else zipfile.ZIP_DEFLATED
    if info.compress_type == zipfile.ZIP_STORED:
        info.extra = _alignment(zf.fp.tell(), info, header.tell())
    flat = array.reshape(-1)
    with zf.open(info, "w") as member:
        member.write(header.getvalue())
        for lo in range(0, max(flat.size, 1), _STREAM_CHUNK):
            member.write(np.ascontiguousarray(flat[lo:lo + _STREAM_CHUNK], dtype=stored)
                         .tobytes())


_ALIGN = 64
_PADDING_ID = 0xD935  # the extra-field record zipalign pads with; readers skip unknown ones


def _alignment(offset: int, info: zipfile.ZipInfo, npy_header: int) -> bytes:
    """An extra field for the local header of the stored member ``info`` written at
    ``offset`` that puts its array data (after the ``npy_header`` bytes) on a multiple of
    ``_ALIGN`` bytes in the file, so a mapped view of it is aligned for every integer type:
    the header is 30 bytes, the name, the extra field (this padding, then the 20-byte ZIP64
    record zipfile adds for a member near 4 GiB or over)."""
    zip64 = 20 if info.file_size * 1.05 > zipfile.ZIP64_LIMIT else 0
    base = offset + 30 + len(info.filename.encode()) + 4 + zip64 + npy_header
    pad = -base % _ALIGN
    return struct.pack("<HH", _PADDING_ID, pad) + bytes(pad)


#: the most bytes :func:`stored_sparsity` reads of a file's ``sparsity`` member
_SMALL_MEMBER = 4096


def stored_sparsity(path) -> int | None:
    """The sparsity the circuit file at ``path`` records, read from its ``sparsity`` member
    alone (the file opened on its own, non-blocking, and only if regular); None when that
    cannot be read so: a hint for work that may start before the file is loaded (which then
    checks everything, this value included)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return None
            with zipfile.ZipFile(file) as archive:
                info = archive.getinfo("sparsity.npy")
                if info.file_size > _SMALL_MEMBER:
                    return None
                with archive.open(info) as member:
                    value = np.lib.format.read_array(member, allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError, EOFError, struct.error,
            NotImplementedError, zipfile.BadZipFile):  # (the loader will say what is wrong)
        return None
    if value.shape != () or value.dtype.kind not in "iu" or int(value) < 1:
        return None
    return int(value)


def load_circuit(path) -> Circuit:
    """Read and validate a circuit file; CircuitFormatError names what is wrong."""
    return load_circuit_and_digest(path, digest=False)[0]


def load_circuit_and_digest(path, digest: bool = True,
                            hashing: FileDigest | None = None) -> tuple[Circuit, str | None]:
    """:func:`load_circuit`, and the hex sha256 of the very bytes it read (the key of the
    file's entries in :class:`superpose.circuits.cache.DerivedCache`; None when ``digest`` is
    False). The file is mapped once (:class:`superpose.circuits.io.MappedFile`): its large
    members are used in place, and what was hashed is what was loaded. The hash runs in a
    thread of its own while the members are checked and validated (both passes release the
    GIL), so on two cores it costs about nothing. ``hashing``: a
    :class:`superpose.theory.files.FileDigest` of ``path`` started earlier (say, before the
    imports of a command); the file it holds open is the one loaded, its digest is the one
    returned, and it is closed on return."""
    path = Path(path)
    if hashing is not None:
        try:
            return _load_hashed(path, hashing)
        finally:
            hashing.close()
    _check_exists(path)
    try:
        mapped = MappedFile(path)
    except OSError as exc:
        raise CircuitFormatError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    if not digest:
        return _load(path, mapped), None
    with ThreadPoolExecutor(1) as pool:
        sha = pool.submit(mapped.sha256)
        circuit = _load(path, mapped)
        return circuit, sha.result()


def _load_hashed(path: Path, hashing: FileDigest) -> tuple[Circuit, str]:
    """:func:`load_circuit_and_digest` of the file ``hashing`` holds open (mapped through a
    descriptor of its own) and hashes."""
    try:
        mapped = MappedFile(path, os.dup(hashing.fd), crcs=hashing)
    except OSError as exc:
        raise CircuitFormatError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    circuit = _load(path, mapped)
    try:
        return circuit, hashing.result()
    except OSError as exc:
        raise CircuitFormatError(f"cannot read {str(path)!r}: {exc.strerror}") from None


def _check_exists(path: Path) -> None:
    """A regular file at ``path``, or one line saying what is there instead."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise CircuitFormatError(f"circuit file {str(path)!r} does not exist; "
                                 "write one with 'superpose build'") from None
    except OSError as exc:  # a link loop, a name too long, no permission
        raise CircuitFormatError(f"circuit file {str(path)!r} cannot be read "
                                 f"({exc.strerror}); name a readable circuit file") from None
    if stat.S_ISDIR(mode):
        raise CircuitFormatError(f"circuit file {str(path)!r} is a directory; name a circuit "
                                 "file")
    if not stat.S_ISREG(mode):
        raise CircuitFormatError(f"circuit file {str(path)!r} is not a regular file (a FIFO, "
                                 "a device or a socket); name a circuit file")


def _load(path: Path, mapped: MappedFile) -> Circuit:
    if mapped.mapping[:6] == b"\x93NUMPY":  # a single .npy array: refused before np.load
        mapped.close_file()  # reads it whole (as large as its own header says)
        raise CircuitFormatError(f"{str(path)!r} holds a single .npy array, not an .npz "
                                 f"{FORMAT} archive; rebuild it with 'superpose build'")
    try:
        npz = np.load(mapped.file, allow_pickle=False)
    except Exception as exc:  # numpy raises many types for a damaged archive
        mapped.close_file()
        raise _unreadable(path, exc) from None
    if not isinstance(npz, np.lib.npyio.NpzFile):  # (anything else np.load can read)
        mapped.close_file()
        raise CircuitFormatError(f"{str(path)!r} is not an .npz {FORMAT} archive; rebuild it "
                                 "with 'superpose build'")
    with npz, mapped.file:
        try:
            return _from_arrays(_Members(npz, path, mapped), str(path))
        except CircuitFormatError:
            raise
        except (SuperposeError, ValueError, TypeError, IndexError, KeyError,
                OverflowError, RecursionError) as exc:  # RecursionError: JSON nested deep
            raise CircuitFormatError(f"{str(path)!r} is inconsistent: {exc}") from None


def _unreadable(path: Path, exc: BaseException) -> CircuitFormatError:
    return CircuitFormatError(f"{str(path)!r} is not a readable .npz circuit file "
                              f"({type(exc).__name__}); rebuild it with 'superpose build'")


#: the members used in place (a layer's indices and weights: almost all of a large file);
#: every other array is read into memory of its own, which its user may write to
_MAPPED = re.compile(r"layer[0-9]+_(left_)?(indices|data)")


class _Members:
    """The archive's members, each read when a field asks for it (a member no field names,
    however large, is never decompressed). A layer's indices or weights stored without
    compression are a view of the mapped file (:meth:`MappedFile.member`); any other member
    is read after its declared size (the zip header's, which zipfile never reads past) is
    checked against the memory still available."""

    def __init__(self, npz, path: Path, mapped: MappedFile):
        self._npz, self._path, self._mapped = npz, path, mapped
        self._names = set(npz.files)
        self._budget = available_memory()

    def release(self, *arrays: np.ndarray) -> None:
        """Give back the pages the checks of ``arrays`` read, in a file large enough that
        its pages are given back (:data:`RELEASE_ABOVE`)."""
        if self._mapped.release:
            for array in arrays:
                release_pages(array)

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            info = self._npz.zip.getinfo(name + ".npy")
        except KeyError:
            raise KeyError(name) from None
        mapped = self._mapped.member(info) if _MAPPED.fullmatch(name) else None
        if mapped is not None:
            return mapped
        size = info.file_size
        if size > self._budget:
            raise CircuitFormatError(
                f"{str(self._path)!r}: field {name!r} holds {size} bytes uncompressed, more "
                f"than the {self._budget} bytes of memory left; use a machine with more "
                "memory or a smaller circuit")
        self._budget -= size
        try:
            return self._npz[name]
        except Exception as exc:  # a damaged member
            raise _unreadable(self._path, exc) from None


def _get(data, name, where):
    if name not in data:
        raise CircuitFormatError(f"{where!r} lacks required field {name!r}; "
                                 f"it is not a complete {FORMAT} v{VERSION} file")
    return data[name]


def _scalar_int(data, name, where) -> int:
    value = _get(data, name, where)
    if value.shape != () or value.dtype.kind not in "iu":
        raise CircuitFormatError(f"{where!r}: field {name!r} must be an integer scalar")
    return int(value)


def _scalar_str(data, name, where) -> str:
    value = _get(data, name, where)
    if value.shape != () or value.dtype.kind != "U":
        raise CircuitFormatError(f"{where!r}: field {name!r} must be a string scalar")
    return str(value)


def _int_array(data, name, where, ndim=1, dtype=np.int64) -> np.ndarray:
    """Field ``name`` as a ``ndim``-d array of ``dtype`` (int64, or int32 for indices below
    2^31: what SciPy keeps them as, so they are converted once; None: the stored type when it
    is a native signed or small unsigned integer type, as weights are kept, else int64)."""
    value = _get(data, name, where)
    if value.ndim != ndim or (value.size and value.dtype.kind not in "iu"):
        raise CircuitFormatError(f"{where!r}: field {name!r} must be a {ndim}-d integer array")
    if not value.size:  # an empty field of any stored type (NumPy saves [] as float64)
        kept = value.dtype if value.dtype in _KEPT else np.int64
        return np.zeros(value.shape, kept if dtype is None else dtype)
    if value.dtype == np.uint64 and value.max() > np.iinfo(np.int64).max:
        raise CircuitFormatError(f"{where!r}: field {name!r} holds {int(value.max())}, above "
                                 f"2^63 - 1, the largest integer the format allows; rebuild "
                                 "the file with values in the int64 range")
    if dtype is None:
        return value.astype(value.dtype if value.dtype in _KEPT else np.int64, copy=False)
    if value.dtype == dtype:  # nothing to convert (the caller checks the range)
        return value
    if dtype != np.int64 and not (value.min() >= 0 and value.max() < np.iinfo(dtype).max):
        dtype = np.int64  # out of range: the range check names it
    return value.astype(dtype, copy=False)


_KEPT = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.uint8, np.uint16))


def _not_finite(where: str):
    """json.loads' hook for NaN and Infinity: constants are finite numbers (a report's JSON
    could not hold them)."""
    def refuse(token: str):
        raise CircuitFormatError(f"{where!r}: constants_json holds {token}; constants must be "
                                 "finite numbers")
    return refuse


class _ProblemFields:
    """What ``Problem.from_arrays`` reads: ``fields[name]`` is a stored integer array as
    int64, 1-d or 2-d; a missing field is the one-line error of a missing required field."""

    def __init__(self, data: dict, where: str):
        self._data, self._where = data, where

    def __getitem__(self, name: str) -> np.ndarray:
        value = _get(self._data, name, self._where)
        return _int_array(self._data, name, self._where, ndim=max(1, min(value.ndim, 2)))

    def __contains__(self, name: str) -> bool:
        return name in self._data


def _code(data, prefix, n_rows, width, where) -> SupportCode:
    """A support code, its units held as int32 when the width allows (as SciPy holds CSR
    indices; half the memory of int64 for the largest arrays of a file after its layers)."""
    indptr = _int_array(data, f"{prefix}_indptr", where)
    indices = _int_array(data, f"{prefix}_indices", where,
                         dtype=np.int32 if width < np.iinfo(np.int32).max else np.int64)
    _check_csr(indptr, indices, n_rows, width, prefix, where)
    return SupportCode(indptr, indices, width)


#: every unit's sum of |weights| plus |theta| is at most this: pre-activations, gains and the
#: bounds built from them (at most 2^10 of them added) then stay exact in int64, and in float64
EXACT_RANGE = 2 ** 53


def _check_exact_range(values, indptr, theta, name: str, where: str) -> None:
    """CircuitFormatError when some unit u of layer ``name`` has sum_p |W[u, p]| + |theta_u|
    above EXACT_RANGE. Cheap when the largest weight times the longest row is already within
    it (every file superpose writes); else each row's sum is formed in float64 (its rounding,
    relative 2^-52 per entry, cannot move a sum across the limit by more than a row's length
    in units of 2^-40 of it)."""
    top_theta = max(abs(int(theta.min())), abs(int(theta.max()))) if theta.size else 0
    if not values.size:
        bad = top_theta > EXACT_RANGE
        total = top_theta
    else:
        top_w = max(abs(int(values.min())), abs(int(values.max())))  # exact Python ints
        lengths = np.diff(indptr)
        if top_w * int(lengths.max(initial=0)) + top_theta <= EXACT_RANGE:
            return
        sums = np.zeros(len(lengths))
        rows = np.flatnonzero(lengths)
        sums[rows] = np.add.reduceat(np.abs(values.astype(np.float64)), indptr[:-1][rows])
        total_per_unit = sums + np.abs(theta.astype(np.float64))
        total = float(total_per_unit.max(initial=0))
        bad = total > EXACT_RANGE
    if bad:
        raise CircuitFormatError(f"{where!r}: a unit of {name} has |weights| + |theta| summing "
                                 f"to {total:.4g}, above 2^53, the range in which every "
                                 "evaluator is exact; rebuild it with smaller weights")


def _check_csr(indptr, indices, n_rows, n_cols, name, where) -> None:
    if len(indptr) != n_rows + 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0) \
            or indptr[-1] != len(indices):
        raise CircuitFormatError(f"{where!r}: {name} indptr must be non-decreasing from 0 to "
                                 f"nnz with {n_rows} rows")
    if indices.size and (indices.min() < 0 or indices.max() >= n_cols):
        raise CircuitFormatError(f"{where!r}: {name} indices must lie in [0, {n_cols})")


def _csr_members(data: _Members, prefix: str, rows: int, cols: int, where: str):
    """``(indptr, indices, values)`` of the CSR stored as ``{prefix}_indptr/indices/data``
    (``rows`` x ``cols``), each checked: pointers, index range, equal lengths. Values keep a
    narrow stored type; indices are int32 where ``cols`` allows."""
    indptr = _int_array(data, f"{prefix}_indptr", where)
    indices = _int_array(data, f"{prefix}_indices", where,
                         dtype=np.int32 if cols < np.iinfo(np.int32).max else np.int64)
    values = _int_array(data, f"{prefix}_data", where, dtype=None)
    _check_csr(indptr, indices, rows, cols, prefix, where)
    if len(values) != len(indices):
        raise CircuitFormatError(f"{where!r}: {prefix}_data and {prefix}_indices differ "
                                 "in length")
    return indptr, indices, values


def _plain_layer(data: _Members, l: int, shape, theta, where: str) -> Layer:
    indptr, indices, values = _csr_members(data, f"layer{l}", int(shape[0]), int(shape[1]),
                                           where)
    _check_exact_range(values, indptr, theta, f"layer{l}", where)
    w = sp.csr_matrix((values, indices, indptr), shape=tuple(int(x) for x in shape))
    layer = Layer(w, theta)  # (its checks read the pages before they are given back)
    data.release(indices, values)
    return layer


def _factored_layer(data: _Members, shape, theta, in_code: SupportCode,
                    where: str) -> FactoredLayer:
    """Layer 1 of a version 2 file: W_1 = A S_P with A from ``layer1_left_*`` (d_1 x m,
    weights >= 1) and P the input code. Its pre-activations are at most
    sum_f A[u, f] |P_f| + |theta_u| from zero, checked against EXACT_RANGE like a plain
    layer's sum of |weights| + |theta| (the same quantity, as every weight of W_1 is >= 0)."""
    m = in_code.n_rows
    indptr, indices, values = _csr_members(data, "layer1_left", int(shape[0]), m, where)
    if values.size and int(values.min()) < 1:
        raise CircuitFormatError(f"{where!r}: layer1_left_data holds {int(values.min())}; "
                                 "a factored layer's weights must be >= 1")
    sizes = in_code.sizes()
    top = int(values.max(initial=0)) * int(np.diff(indptr).max(initial=0)) \
        * int(sizes.max(initial=0))
    top_theta = max(abs(int(theta.min())), abs(int(theta.max()))) if theta.size else 0
    if top + top_theta > EXACT_RANGE:
        _check_exact_range(values.astype(np.float64) * sizes[indices], indptr, theta,
                           "layer1", where)
    left = sp.csr_matrix((values, indices, indptr), shape=(int(shape[0]), m))
    layer = FactoredLayer(left, in_code, theta)  # (as for a plain layer)
    data.release(indices, values)
    return layer


def _from_arrays(data: _Members, where: str) -> Circuit:
    fmt = _scalar_str(data, "format", where)
    if fmt != FORMAT:
        raise CircuitFormatError(f"{where!r} has format={fmt!r}, expected {FORMAT!r}")
    version = _scalar_int(data, "version", where)
    if version not in (VERSION, VERSION_FACTORED):
        raise CircuitFormatError(f"{where!r} has version={version}, this superpose reads "
                                 f"versions {VERSION} and {VERSION_FACTORED}; rebuild it or "
                                 "upgrade superpose")
    problem_name = _scalar_str(data, "problem", where)
    try:
        spec = problem_spec(problem_name)
    except InvalidArgument:
        broken = [p for p in broken_plugins() if p.entry_point == problem_name]
        reason = f" ({broken[0].message()})" if broken else ""
        raise CircuitFormatError(f"{where!r} has problem={problem_name!r}, which is not "
                                 f"installed here{reason}; install the package that provides "
                                 f"it (known: {', '.join(problem_names())})") from None
    m = _scalar_int(data, "m", where)
    m_prime = _scalar_int(data, "m_prime", where)
    for name, value in (("m", m), ("m_prime", m_prime)):  # before the instance is built
        try:
            check_m_prime_fits(max(value, 1), name, "it cannot be loaded on this machine")
        except InvalidArgument as exc:
            raise CircuitFormatError(f"{where!r}: {exc}") from None
    problem = spec.problem_type.from_arrays(m, _ProblemFields(data, where))
    if (problem.m, problem.m_prime) != (m, m_prime):
        raise CircuitFormatError(f"{where!r}: m={m}, m_prime={m_prime} disagree with the "
                                 f"instance (m={problem.m}, m'={problem.m_prime})")
    width = _scalar_int(data, "input_code_width", where)
    if width < 1:
        raise CircuitFormatError(f"{where!r}: input_code_width={width} must be >= 1")
    in_code = _code(data, "input_code", m, width, where)
    n_layers = _scalar_int(data, "n_layers", where)
    if n_layers < 0:
        raise CircuitFormatError(f"{where!r}: n_layers={n_layers} must be >= 0")
    layers, prev = [], width
    for l in range(1, n_layers + 1):
        shape = _int_array(data, f"layer{l}_shape", where)
        if shape.shape != (2,) or shape[1] != prev or shape[0] < 1:
            raise CircuitFormatError(f"{where!r}: layer{l}_shape must be (d_{l} >= 1, "
                                     f"d_{l - 1}={prev})")
        theta = _int_array(data, f"layer{l}_theta", where)
        if theta.shape != (shape[0],):
            raise CircuitFormatError(f"{where!r}: layer{l}_theta must hold {shape[0]} values")
        form = _scalar_str(data, f"layer{l}_form", where) if f"layer{l}_form" in data \
            else "weights"
        if form == "factored" and version == VERSION_FACTORED and l == 1:
            layers.append(_factored_layer(data, shape, theta, in_code, where))
        elif form == "weights":
            layers.append(_plain_layer(data, l, shape, theta, where))
        else:
            raise CircuitFormatError(f"{where!r}: layer{l}_form={form!r} must be 'weights', or "
                                     f"'factored' for layer 1 of a version {VERSION_FACTORED} "
                                     "file")
        prev = int(shape[0])
    out_code = _code(data, "output_code", m_prime, prev, where)
    sparsity = _scalar_int(data, "sparsity", where)
    seed = _scalar_int(data, "seed", where)
    if seed < 0:
        raise CircuitFormatError(f"{where!r}: seed={seed} must be >= 0")
    construction = _scalar_str(data, "construction", where) if "construction" in data \
        else "unknown"
    constants = json.loads(_scalar_str(data, "constants_json", where),
                           parse_constant=_not_finite(where)) \
        if "constants_json" in data else {}
    if not isinstance(constants, dict):
        raise CircuitFormatError(f"{where!r}: constants_json must hold a JSON object")
    family = _scalar_str(data, "family", where) if "family" in data else ""
    instance_seed = _scalar_int(data, "instance_seed", where) if "instance_seed" in data else -1
    network = ThresholdNetwork(in_code, tuple(layers), out_code)
    return Circuit(problem, network, construction, sparsity, seed, constants, family,
                   instance_seed)
