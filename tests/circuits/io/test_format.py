"""The superpose-circuit file format: round trips, byte reproducibility, and every way a file
can be wrong raising a one-line CircuitFormatError."""

from __future__ import annotations

import io
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from superpose import circuits
from superpose.circuits import FORMAT, VERSION, build, load_circuit, save_circuit
from superpose.circuits.io import VERSION_FACTORED, circuit_arrays, stored_sparsity
from superpose.theory.errors import CircuitFormatError
from tests.strategies import as_batch, built, describe, examples, input_batches, seeds

BUILDS = [
    ("and2", "three-channel", "star"), ("and2", "three-channel", "nearcut"),
    ("and2", "naive", "random"), ("perm", "bloom", "random"), ("perm", "naive", "shift"),
    ("represent", "bloom", None), ("represent", "naive", None),
]
OPTIONAL = {"construction", "constants_json", "family", "instance_seed"}


def _sample_circuit():
    return built("and2", 150, "star", 3, 2, 7, "three-channel")


def _assert_same_circuit(a, b) -> None:
    assert a.problem.name == b.problem.name and (a.m, a.m_prime) == (b.m, b.m_prime)
    if a.problem.name == "and2":
        assert np.array_equal(a.problem.pairs, b.problem.pairs)
    if a.problem.name == "perm":
        assert np.array_equal(a.problem.perm, b.problem.perm)
    assert a.network.input_code.same_as(b.network.input_code)
    assert a.network.output_code.same_as(b.network.output_code)
    assert len(a.network.layers) == len(b.network.layers)
    for la, lb in zip(a.network.layers, b.network.layers):
        assert la.weights.shape == lb.weights.shape
        assert (la.weights != lb.weights).nnz == 0
        assert np.array_equal(la.theta, lb.theta)
    assert (a.construction, a.sparsity, a.seed, a.family, a.instance_seed) == \
        (b.construction, b.sparsity, b.seed, b.family, b.instance_seed)
    assert a.constants == b.constants
    assert a.counts() == b.counts()


def _assert_one_line_error(path, match: str | None = None) -> str:
    with pytest.raises(CircuitFormatError) as info:
        load_circuit(path)
    message = str(info.value)
    assert message and "\n" not in message, f"not a one-line message: {message!r}"
    if match is not None:
        assert match in message, f"{match!r} not in {message!r}"
    return message


def _write(path, fields: dict) -> None:
    with open(path, "wb") as fh:
        np.savez(fh, **fields)


@pytest.mark.parametrize("problem, construction, family", BUILDS)
@examples(4)
@given(m_prime=st.integers(3, 200), s=st.integers(1, 3), seed=seeds,
       instance_seed=st.integers(0, 100), data=st.data())
def test_save_then_load_preserves_everything_including_counts_and_evaluation(
        tmp_path_factory, problem, construction, family, m_prime, s, seed, instance_seed, data):
    circuit = build(problem, m_prime, family, instance_seed, sparsity=s, seed=seed,
                    construction=construction)
    note(describe(circuit))
    path = tmp_path_factory.mktemp("roundtrip") / "c.npz"
    assert save_circuit(circuit, path) == path
    loaded = load_circuit(path)
    _assert_same_circuit(circuit, loaded)
    inputs = data.draw(input_batches(circuit, max_size=40), label="inputs")
    batch = as_batch(inputs, s)
    assert (circuit.network.evaluate(batch) != loaded.network.evaluate(batch)).nnz == 0


@pytest.mark.parametrize("problem, construction, family", BUILDS)
def test_same_seed_gives_byte_identical_files(tmp_path, problem, construction, family):
    first = build(problem, 120, family, 4, sparsity=2, seed=11, construction=construction)
    second = build(problem, 120, family, 4, sparsity=2, seed=11, construction=construction)
    save_circuit(first, tmp_path / "a.npz")
    save_circuit(second, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    save_circuit(load_circuit(tmp_path / "a.npz"), tmp_path / "c.npz")
    assert (tmp_path / "c.npz").read_bytes() == (tmp_path / "a.npz").read_bytes()


def test_different_seeds_give_different_files(tmp_path):
    save_circuit(built("and2", 120, "random", 0, 2, 1), tmp_path / "a.npz")
    save_circuit(built("and2", 120, "random", 0, 2, 2), tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() != (tmp_path / "b.npz").read_bytes()


def test_saving_over_an_existing_file_replaces_it_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "c.npz"
    path.write_bytes(b"old")
    save_circuit(_sample_circuit(), path)
    _assert_same_circuit(_sample_circuit(), load_circuit(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.npz"]


def test_the_file_is_a_plain_npz_with_the_documented_header(tmp_path):
    path = save_circuit(_sample_circuit(), tmp_path / "c.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert str(npz["format"]) == FORMAT
        assert int(npz["version"]) == VERSION
        assert list(npz.files) == list(circuit_arrays(_sample_circuit()))


def test_integer_arrays_are_stored_in_the_narrowest_dtype_and_read_back_as_int64(tmp_path):
    circuit = built("and2", 200, "random", 0, 2, 1)
    path = save_circuit(circuit, tmp_path / "c.npz")
    with np.load(path, allow_pickle=False) as npz:
        stored = {name: npz[name] for name in npz.files}
    for name, array in circuit_arrays(circuit).items():
        if array.dtype == np.int64:
            assert np.array_equal(stored[name], array), name
            if array.ndim:
                # a layer's CSR indices are kept at int32 at least, as SciPy holds them
                least = 2 if name.startswith("layer") and name.endswith("_indices") else 0
                fits = [t for t in (np.int8, np.int16, np.int32, np.int64)[least:]
                        if not array.size or (np.iinfo(t).min <= array.min()
                                              and array.max() <= np.iinfo(t).max)]
                assert stored[name].dtype == (fits[0] if array.size else np.int64), name
            else:
                assert stored[name].dtype == np.int64, name
    assert stored["layer1_indices"].dtype == np.int32
    assert stored["layer1_data"].dtype == np.int8
    loaded = load_circuit(path)
    assert all(layer.theta.dtype == np.int64 for layer in loaded.network.layers)
    assert loaded.network.layers[0].weights.data.dtype == np.int64
    assert loaded.network.layers[0].stored_weights.data.dtype == np.int8


@pytest.mark.parametrize("limit", [0, 1 << 30])
def test_members_above_the_size_limit_are_stored_uncompressed_and_read_back_alike(
        tmp_path, monkeypatch, limit):
    from superpose.circuits.io import _format

    monkeypatch.setattr(_format, "_STORE_ABOVE", limit)
    circuit = built("and2", 200, "random", 0, 2, 1)
    path = save_circuit(circuit, tmp_path / "c.npz")
    with zipfile.ZipFile(path) as zf:
        kinds = {info.compress_type for info in zf.infolist()}
    assert kinds == ({zipfile.ZIP_STORED} if limit == 0 else {zipfile.ZIP_DEFLATED})
    _assert_same_circuit(circuit, load_circuit(path))


def test_a_weight_beyond_int32_keeps_its_value_in_the_file(tmp_path):
    circuit = _sample_circuit()
    layer = circuit.network.layers[0]
    big = layer.weights.copy()
    big.data[0] = 2 ** 40
    network = circuits.ThresholdNetwork(circuit.network.input_code,
                                        (circuits.Layer(big, layer.theta),
                                         *circuit.network.layers[1:]),
                                        circuit.network.output_code)
    heavy = circuits.Circuit(circuit.problem, network, circuit.construction, circuit.sparsity,
                             circuit.seed)
    path = save_circuit(heavy, tmp_path / "c.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert npz["layer1_data"].dtype == np.int64
    assert load_circuit(path).network.layers[0].weights.data[0] == 2 ** 40


def test_a_uint64_value_above_the_int64_range_is_refused_not_wrapped(tmp_path):
    fields = circuit_arrays(_sample_circuit())
    fields["layer1_data"] = fields["layer1_data"].astype(np.uint64)
    fields["layer1_data"][0] = 2 ** 63 + 5
    _write(tmp_path / "c.npz", fields)
    _assert_one_line_error(tmp_path / "c.npz",
                           match="field 'layer1_data' holds 9223372036854775813, above 2^63 - 1")


def test_a_member_no_field_names_is_never_read(tmp_path):
    path = save_circuit(_sample_circuit(), tmp_path / "c.npz")
    with zipfile.ZipFile(path, "a") as zf:  # an extra member whose bytes are not even .npy
        zf.writestr("junk.npy", b"\x00" * 4096)
    _assert_same_circuit(_sample_circuit(), load_circuit(path))


def test_a_field_larger_than_the_memory_left_is_refused_before_it_is_read(tmp_path,
                                                                          monkeypatch):
    from superpose.circuits.io import _format

    path = save_circuit(_sample_circuit(), tmp_path / "c.npz")
    monkeypatch.setattr(_format, "available_memory", lambda: 2000)
    message = _assert_one_line_error(path, match="bytes of memory left")
    assert "holds" in message and "field" in message


@pytest.mark.parametrize("kind, words", [("directory", "is a directory"),
                                         ("fifo", "is not a regular file"),
                                         ("loop", "cannot be read")])
def test_what_stands_at_the_path_instead_of_a_file_is_named(tmp_path, kind, words):
    import os

    path = tmp_path / "c.npz"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(tmp_path / "c.npz")
    _assert_one_line_error(path, match=words)


def test_loading_a_missing_file_raises_circuit_format_error(tmp_path):
    _assert_one_line_error(tmp_path / "nothing.npz", match="does not exist")
    _assert_one_line_error(tmp_path)  # a directory is not a circuit file


def test_saving_into_a_missing_directory_raises_circuit_format_error(tmp_path):
    with pytest.raises(CircuitFormatError) as info:
        save_circuit(_sample_circuit(), tmp_path / "no" / "such" / "dir" / "c.npz")
    assert "\n" not in str(info.value)


@examples(40)
@given(prefix=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY", b"\x80\x04"]),
       body=st.binary(max_size=600))
def test_random_bytes_raise_circuit_format_error(tmp_path_factory, prefix, body):
    path = tmp_path_factory.mktemp("bytes") / "c.npz"
    path.write_bytes(prefix + body)
    _assert_one_line_error(path)


@examples(40)
@given(data=st.data())
def test_a_truncated_file_raises_circuit_format_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("trunc")
    good = save_circuit(_sample_circuit(), folder / "good.npz").read_bytes()
    cut = data.draw(st.integers(0, len(good) - 1), label="cut")
    path = folder / "c.npz"
    path.write_bytes(good[:cut])
    _assert_one_line_error(path)


@examples(60)
@given(data=st.data())
def test_one_changed_byte_is_caught_or_changes_nothing(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("flip")
    circuit = _sample_circuit()
    good = bytearray(save_circuit(circuit, folder / "good.npz").read_bytes())
    at = data.draw(st.integers(0, len(good) - 1), label="at")
    good[at] ^= data.draw(st.integers(1, 255), label="xor")
    path = folder / "c.npz"
    path.write_bytes(bytes(good))
    try:
        loaded = load_circuit(path)
    except CircuitFormatError as exc:
        assert "\n" not in str(exc)
    else:
        _assert_same_circuit(circuit, loaded)


@pytest.mark.parametrize("value", ["superpose-network", "", "SUPERPOSE-CIRCUIT"])
def test_a_wrong_format_string_raises_circuit_format_error(tmp_path, value):
    fields = circuit_arrays(_sample_circuit())
    fields["format"] = np.array(value)
    _write(tmp_path / "c.npz", fields)
    _assert_one_line_error(tmp_path / "c.npz", match="format")


@examples(20)
@given(version=st.integers(-2**62, 2**62).filter(
    lambda v: v not in (VERSION, VERSION_FACTORED)))
def test_a_wrong_version_raises_circuit_format_error(tmp_path_factory, version):
    fields = circuit_arrays(_sample_circuit())
    fields["version"] = np.array(version, dtype=np.int64)
    path = tmp_path_factory.mktemp("version") / "c.npz"
    _write(path, fields)
    _assert_one_line_error(path, match="version")


@pytest.mark.parametrize("problem, construction, family", BUILDS)
def test_every_missing_required_field_raises_circuit_format_error_naming_it(
        tmp_path, problem, construction, family):
    circuit = built(problem, 40, family, 0, 2, 3, construction)
    fields = circuit_arrays(circuit)
    required = [name for name in fields if name not in OPTIONAL]
    for name in required:
        reduced = {k: v for k, v in fields.items() if k != name}
        path = tmp_path / f"without_{name}.npz"
        _write(path, reduced)
        message = _assert_one_line_error(path)
        assert name in message, f"missing {name!r} but the message says {message!r}"


def test_the_optional_provenance_fields_may_be_missing(tmp_path):
    circuit = _sample_circuit()
    fields = {k: v for k, v in circuit_arrays(circuit).items() if k not in OPTIONAL}
    _write(tmp_path / "c.npz", fields)
    loaded = load_circuit(tmp_path / "c.npz")
    assert loaded.construction == "unknown" and loaded.family == "" and loaded.instance_seed == -1
    assert loaded.constants == {}
    assert loaded.counts() == circuit.counts()


def _bad_fields():
    """(name, replacement) pairs that make a file inconsistent."""
    c = _sample_circuit()
    f = circuit_arrays(c)
    pairs = f["pairs"].copy()
    pairs[0] = [0, c.m]
    dup = f["pairs"].copy()
    dup[1] = dup[0]
    return [
        ("format", np.array(3)), ("format", np.array(["superpose-circuit"])),
        ("version", np.array("1")), ("version", np.array(1.0)), ("version", np.array([1])),
        ("problem", np.array("xor")), ("problem", np.array(b"and2")),
        ("m", np.array(c.m + 1)), ("m", np.array(-1)), ("m_prime", np.array(c.m_prime + 1)),
        ("m", np.array(float(c.m))),
        ("pairs", pairs), ("pairs", dup), ("pairs", f["pairs"][:, :1]),
        ("pairs", f["pairs"].astype(np.float64)),
        ("sparsity", np.array(0)), ("sparsity", np.array(c.m + 1)),
        ("input_code_width", np.array(0)), ("input_code_width", np.array(3)),
        ("input_code_indices", f["input_code_indices"][:-1]),
        ("input_code_indptr", f["input_code_indptr"][::-1]),
        ("n_layers", np.array(3)), ("n_layers", np.array(-1)), ("n_layers", np.array(0)),
        ("layer1_shape", np.array([f["layer1_shape"][0], 5])),
        ("layer1_shape", np.array([0, f["layer1_shape"][1]])),
        ("layer1_indices", f["layer1_indices"] + 10**6),
        ("layer1_data", f["layer1_data"][:-1]),
        ("layer1_data", f["layer1_data"].astype(np.float64)),
        ("layer2_theta", f["layer2_theta"][:-1]),
        ("layer2_indptr", f["layer2_indptr"][:-1]),
        ("output_code_indices", f["output_code_indices"] - 10**6),
        ("constants_json", np.array("{not json")),
        ("instance_seed", np.array("three")),
        ("format", np.array([object()], dtype=object)),
    ]


@pytest.mark.parametrize("index", range(len(_bad_fields())))
def test_an_inconsistent_field_raises_circuit_format_error(tmp_path, index):
    name, value = _bad_fields()[index]
    fields = circuit_arrays(_sample_circuit())
    fields[name] = value
    _write(tmp_path / "c.npz", fields)  # np.savez pickles the object array; loading must not
    _assert_one_line_error(tmp_path / "c.npz")


arrays = st.one_of(
    st.integers(-10**12, 10**12).map(lambda v: np.array(v, dtype=np.int64)),
    st.floats(allow_nan=True).map(np.array),
    st.text(max_size=20).map(np.array),
    st.lists(st.integers(-5, 400), max_size=30).map(lambda v: np.array(v, dtype=np.int64)),
    st.lists(st.integers(-5, 400), min_size=2, max_size=30).map(
        lambda v: np.array(v[:len(v) // 2 * 2], dtype=np.int64).reshape(-1, 2)),
    st.lists(st.integers(0, 2**64 - 1), max_size=5).map(lambda v: np.array(v, dtype=np.uint64)),
)


@examples(80)
@given(data=st.data(), replacement=arrays)
def test_a_file_with_any_field_replaced_loads_or_raises_only_circuit_format_error(
        tmp_path_factory, data, replacement):
    circuit = _sample_circuit()
    fields = circuit_arrays(circuit)
    name = data.draw(st.sampled_from(sorted(fields)), label="field")
    fields[name] = replacement
    note(f"{name} := {replacement!r}")
    path = tmp_path_factory.mktemp("mutant") / "c.npz"
    _write(path, fields)
    try:
        loaded = load_circuit(path)
    except CircuitFormatError as exc:
        assert "\n" not in str(exc), f"not one line: {exc}"
    else:
        # anything that loads must be a consistent circuit that can be evaluated
        assert isinstance(loaded, circuits.Circuit)
        loaded.network.evaluate(as_batch([()], loaded.sparsity))


def test_a_non_npz_zip_raises_circuit_format_error(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "hello")
    (tmp_path / "c.npz").write_bytes(buffer.getvalue())
    _assert_one_line_error(tmp_path / "c.npz")


def test_a_layer_with_duplicate_entries_is_rejected_or_counted_by_its_effective_weights(
        tmp_path):
    circuit = built("and2", 3, "disjoint", 0, 2, 0, "naive")
    fields = circuit_arrays(circuit)
    # row 0 stores W[0, 0] = 1 and W[0, 0] = -1: the matrix holds 0 there, not two weights
    fields["layer1_indices"] = np.array([0, 0, 2, 3, 4, 5], dtype=np.int64)
    fields["layer1_data"] = np.array([1, -1, 1, 1, 1, 1], dtype=np.int64)
    _write(tmp_path / "c.npz", fields)
    try:
        loaded = load_circuit(tmp_path / "c.npz")
    except CircuitFormatError:
        return
    effective = int(np.count_nonzero(loaded.network.layers[0].weights.toarray()))
    assert loaded.counts().nonzero_weights == effective


@pytest.mark.parametrize("field, value", [("seed", np.array(-1, dtype=np.int64)),
                                          ("constants_json", np.array("[1, 2]")),
                                          ("constants_json", np.array("{not json"))])
def test_a_negative_seed_or_malformed_constants_raise_circuit_format_error(field, value,
                                                                          tmp_path):
    fields = circuit_arrays(built("and2", 3, "disjoint", 0, 2, 0, "naive"))
    fields[field] = value
    _write(tmp_path / "c.npz", fields)
    _assert_one_line_error(tmp_path / "c.npz")


def test_saving_over_something_that_is_not_a_regular_file_is_refused_and_leaves_it_alone(
        tmp_path):
    target = tmp_path / "a-directory"
    target.mkdir()
    (target / "kept").write_text("x")
    with pytest.raises(CircuitFormatError, match="not a regular file"):
        save_circuit(build("and2", 10, "disjoint"), target)
    assert target.is_dir() and (target / "kept").read_text() == "x"
    assert not (tmp_path / "a-directory.tmp").exists()


def test_a_single_npy_array_is_refused_in_one_line(tmp_path):
    # np.load returns an ndarray, not an archive, for a .npy file: it was used as one
    with open(tmp_path / "c.npz", "wb") as fh:
        np.save(fh, np.arange(3))
    _assert_one_line_error(tmp_path / "c.npz", match="a single .npy array")


def test_an_emptied_field_of_any_type_is_a_one_line_error_without_numpy_warnings(tmp_path):
    """An integer field replaced by an empty array of another type (complex, float) is
    checked like any other: a CircuitFormatError naming the problem, and no NumPy cast
    warning (an empty field is never cast, whatever type it was stored in)."""
    for dtype in (np.complex128, np.float64):
        fields = circuit_arrays(_sample_circuit())
        fields["layer1_data"] = np.zeros(0, dtype)
        _write(tmp_path / "c.npz", fields)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _assert_one_line_error(tmp_path / "c.npz")


def test_the_stored_sparsity_is_read_alone_and_anything_unreadable_gives_none(tmp_path):
    """stored_sparsity reads the sparsity member only (a hint before the file is loaded):
    the value saved, else None for a missing file, a FIFO, a file that is not an archive,
    an archive without the member or with one that is not a positive integer scalar."""
    import os

    path = tmp_path / "c.npz"
    save_circuit(built("and2", 30, "random", 0, 3, 0), path)
    assert stored_sparsity(path) == 3
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "text.npz").write_text("not an archive")
    np.savez(tmp_path / "none.npz", other=np.array(3))
    np.savez(tmp_path / "zero.npz", sparsity=np.array(0))
    np.savez(tmp_path / "vector.npz", sparsity=np.array([2, 2]))
    for name in ("missing.npz", "pipe", "text.npz", "none.npz", "zero.npz", "vector.npz"):
        assert stored_sparsity(tmp_path / name) is None, name
