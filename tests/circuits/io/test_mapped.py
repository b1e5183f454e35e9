"""Circuit files mapped into memory: stored members are used in place, and checked
(circuits.io._mapped)."""

from __future__ import annotations

import hashlib
import zipfile

import numpy as np
import pytest

from superpose.circuits.io import _format, load_circuit, load_circuit_and_digest, save_circuit
from superpose.theory.errors import CircuitFormatError
from tests.circuits.io.test_format import _assert_same_circuit
from tests.strategies import built


def _stored_members(path):
    with zipfile.ZipFile(path) as zf:
        return [i for i in zf.infolist() if i.compress_type == zipfile.ZIP_STORED]


def test_stored_members_are_aligned_views_of_the_file_and_load_alike(tmp_path, monkeypatch):
    monkeypatch.setattr(_format, "_STORE_ABOVE", 0)
    circuit = built("and2", 300, "random", 0, 2, 1)
    path = save_circuit(circuit, tmp_path / "c.npz")
    assert _stored_members(path)
    loaded, digest = load_circuit_and_digest(path)
    _assert_same_circuit(circuit, loaded)
    stored = loaded.network.layers[0].stored_weights
    for array in (stored.data, stored.indices):
        assert not array.flags.writeable  # a view of the read-only mapping, not a copy
        assert array.ctypes.data % 64 == 0
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_whose_members_are_not_aligned_loads_through_copies(tmp_path, monkeypatch):
    monkeypatch.setattr(_format, "_STORE_ABOVE", 0)
    monkeypatch.setattr(_format, "_ALIGN", 1)  # no padding: offsets as they fall
    circuit = built("and2", 300, "random", 0, 2, 1)
    path = save_circuit(circuit, tmp_path / "c.npz")
    _assert_same_circuit(circuit, load_circuit(path))


def test_a_flipped_byte_in_a_stored_member_fails_its_crc_check(tmp_path, monkeypatch):
    monkeypatch.setattr(_format, "_STORE_ABOVE", 0)
    path = save_circuit(built("and2", 300, "random", 0, 2, 1), tmp_path / "c.npz")
    info = next(i for i in _stored_members(path) if i.filename == "layer1_data.npy")
    raw = bytearray(path.read_bytes())
    raw[info.header_offset + 30 + len(info.filename) + len(info.extra) + 200] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(CircuitFormatError, match="CRC-32"):
        load_circuit(path)


def test_a_stored_member_whose_shape_does_not_fill_it_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(_format, "_STORE_ABOVE", 0)
    path = save_circuit(built("and2", 300, "random", 0, 2, 1), tmp_path / "c.npz")
    info = next(i for i in _stored_members(path) if i.filename == "layer1_indices.npy")
    raw = path.read_bytes()
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    header = raw[start:start + 128]
    shape = header[header.index(b"(") + 1:header.index(b",)")]
    forged = str(int(shape) - 1).rjust(len(shape)).encode()
    path.write_bytes(raw[:start] + header.replace(shape, forged, 1) + raw[start + 128:])
    with pytest.raises(CircuitFormatError, match="does not fill"):
        load_circuit(path)


def test_every_large_array_of_a_loaded_circuit_is_read_only_yet_evaluates(tmp_path, monkeypatch):
    monkeypatch.setattr(_format, "_STORE_ABOVE", 0)
    circuit = built("and2", 300, "random", 0, 2, 1)
    loaded = load_circuit(save_circuit(circuit, tmp_path / "c.npz"))
    batch = np.array([[0, 1], [2, -1]])
    assert (loaded.network.evaluate(batch) != circuit.network.evaluate(batch)).nnz == 0
