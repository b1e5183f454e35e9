"""The per-file cache of derived arrays: a hit gives back what was stored, anything damaged or
foreign is detected, deleted and rebuilt with the same results, writes are atomic, and the
store keeps to its cap by evicting the least recently used entries."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import superpose.circuits.cache._store as store_module
import superpose.circuits.engine._events as events_module
from superpose.circuits import fuzz, save_circuit
from superpose.circuits.cache import CACHE_VERSION, DerivedCache, file_sha256
from superpose.circuits.io import load_circuit_and_digest
from superpose.theory.errors import InvalidArgument
from tests.cli import run
from tests.strategies import built

KIND = "event-table-d2"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("SUPERPOSE_CACHE_DIR", str(folder))
    return folder


def _arrays():
    return {"a": np.arange(10, dtype=np.int64), "b": np.array([[1, 2], [3, 4]], np.int16),
            "scalar": np.array(7, np.int64)}


def test_a_stored_entry_comes_back_equal_and_a_second_get_is_a_hit(cache_home):
    store = DerivedCache("ab" * 32)
    assert store.get(KIND, 2) is None
    path = store.put(KIND, 2, _arrays())
    assert path.parent == cache_home / "derived" and path.is_file()
    got = store.get(KIND, 2)
    assert set(got) == set(_arrays())
    for name, array in _arrays().items():
        assert got[name].dtype == array.dtype and np.array_equal(got[name], array)
        # members are written aligned, so each array is a view of the bytes read, not a copy
        assert not got[name].flags.owndata and not got[name].flags.writeable
    assert store.events == [f"{KIND}: miss", f"{KIND}: stored", f"{KIND}: hit"]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_another_file_sparsity_or_kind_never_finds_the_entry(cache_home):
    DerivedCache("ab" * 32).put(KIND, 2, _arrays())
    assert DerivedCache("cd" * 32).get(KIND, 2) is None
    assert DerivedCache("ab" * 32).get(KIND, 3) is None
    assert DerivedCache("ab" * 32).get("other", 2) is None


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_a_damaged_entry_is_detected_deleted_and_reported(cache_home, damage):
    store = DerivedCache("ab" * 32)
    path = store.put(KIND, 2, _arrays())
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 3]
    else:
        data = bytearray(b"not an archive at all")
    path.write_bytes(bytes(data))
    assert store.get(KIND, 2) is None
    assert store.events[-1].startswith(f"{KIND}: rebuilt (")
    assert not path.exists()


def test_a_byte_flipped_anywhere_in_an_entry_is_detected_or_changes_nothing_read(cache_home):
    """Arrays are read as views of the entry's bytes without the zip CRCs: every flipped
    byte (headers, manifest, array data, padding) either makes the entry rebuilt or leaves
    what is read back exactly what was stored."""
    store = DerivedCache("ab" * 32)
    path = store.put(KIND, 2, _arrays())
    clean = path.read_bytes()
    detected = 0
    for at in range(len(clean)):
        flipped = bytearray(clean)
        flipped[at] ^= 0xFF
        path.write_bytes(bytes(flipped))
        got = store.get(KIND, 2)
        if got is None:
            detected += 1
            assert store.events[-1].startswith(f"{KIND}: rebuilt (")
            continue
        assert set(got) == set(_arrays())
        for name, array in _arrays().items():
            assert got[name].dtype == array.dtype and np.array_equal(got[name], array), at
    assert detected > len(clean) // 2


def test_an_entry_whose_arrays_differ_from_their_checksum_is_not_used(cache_home, monkeypatch):
    """A valid archive (every zip CRC right) whose arrays are not the ones the manifest
    summed: only the CRC-32 in the manifest can tell."""
    store = DerivedCache("ab" * 32)
    path = store.put(KIND, 2, _arrays())
    with np.load(path) as npz:
        manifest = str(npz["manifest"][()])
    forged = _arrays() | {"a": np.arange(10, dtype=np.int64)[::-1].copy()}
    with open(path, "wb") as out:
        np.savez(out, manifest=np.array(manifest), **forged)
    assert store.get(KIND, 2) is None
    assert store.events[-1] == f"{KIND}: rebuilt (checksum mismatch)"


def test_what_fit_makes_of_an_entry_is_returned_only_once_its_checksum_has_passed(cache_home):
    """fit runs on the arrays while their checksum is computed: its result is returned for a
    sound entry; its InvalidArgument deletes the entry, the event naming why; a checksum
    that fails makes the entry corrupt whatever fit did or raised."""
    store = DerivedCache("ab" * 32)
    path = store.put(KIND, 2, _arrays())
    assert store.get(KIND, 2, fit=lambda arrays: int(arrays["a"].sum())) == 45

    def unfit(arrays):
        raise InvalidArgument("its column a does not fit")

    assert store.get(KIND, 2, fit=unfit) is None
    assert store.events[-1] == f"{KIND}: rebuilt (its column a does not fit)"
    assert not path.exists()

    def broken(arrays):
        raise IndexError("what damaged arrays may do")

    path = store.put(KIND, 2, _arrays())
    with pytest.raises(IndexError):  # a sound entry: the error is fit's own
        store.get(KIND, 2, fit=broken)
    with np.load(path) as npz:
        manifest = str(npz["manifest"][()])
    with open(path, "wb") as out:
        np.savez(out, manifest=np.array(manifest), **(_arrays() | {"a": np.zeros(10, np.int64)}))
    for fit in (broken, unfit, lambda arrays: "made anyway"):
        store.put(KIND, 2, _arrays()) if not path.exists() else None
        with open(path, "wb") as out:
            np.savez(out, manifest=np.array(manifest),
                     **(_arrays() | {"a": np.zeros(10, np.int64)}))
        assert store.get(KIND, 2, fit=fit) is None
        assert store.events[-1] == f"{KIND}: rebuilt (checksum mismatch)"


def test_a_prefetched_entry_is_checked_and_used_as_a_plain_get_would(cache_home):
    """prefetch reads an entry and its checksum ahead; the next get of that key takes them
    up, checks them and fits them like a get of its own: the same arrays or the same miss,
    and a damaged entry is rebuilt all the same."""
    store = DerivedCache("ab" * 32)
    store.prefetch(KIND, 2)
    assert store.get(KIND, 2) is None and store.events == [f"{KIND}: miss"]
    path = store.put(KIND, 2, _arrays())
    store.prefetch(KIND, 2)
    store.prefetch(KIND, 3)  # (another key: left for its own get)
    got = store.get(KIND, 2, fit=lambda arrays: {k: np.array(a) for k, a in arrays.items()})
    assert {k: a.tolist() for k, a in got.items()} == {k: a.tolist() for k, a in _arrays().items()}
    assert store.events[-1] == f"{KIND}: hit"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    store.prefetch(KIND, 2)
    assert store.get(KIND, 2) is None
    assert store.events[-1].startswith(f"{KIND}: rebuilt (") and not path.exists()


def test_a_later_put_is_written_by_a_thread_flushed_on_demand_and_before_the_process_ends(
        cache_home, tmp_path, monkeypatch):
    """put_later returns at once; flush waits for the entry (and raises what the write
    raised); a process that ends without flushing still writes it whole."""
    import subprocess
    import sys
    import textwrap

    store = DerivedCache("ab" * 32)
    store.put_later(KIND, 2, _arrays())
    store.flush()
    assert store.events == [f"{KIND}: stored"] and store.get(KIND, 3) is None
    assert store.get(KIND, 2) is not None

    def broken(out, arrays):
        raise ValueError("a bug in the writer")

    monkeypatch.setattr(store_module, "_write_archive", broken)
    store.put_later(KIND, 4, _arrays())
    with pytest.raises(ValueError, match="a bug in the writer"):
        store.flush()
    assert not [p for p in store.root.iterdir() if p.name.startswith(".tmp-")]
    script = textwrap.dedent(f"""
        import time
        import numpy as np
        import superpose.circuits.cache._store as store_module
        from superpose.circuits.cache import DerivedCache
        write = store_module._write_archive
        def slow(out, arrays):
            time.sleep(0.5)
            write(out, arrays)
        store_module._write_archive = slow
        DerivedCache("cd" * 32).put_later("{KIND}", 2, {{"a": np.arange(5)}})
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=dict(os.environ, SUPERPOSE_CACHE_DIR=str(cache_home)))
    assert done.returncode == 0, done.stderr
    got = DerivedCache("cd" * 32).get(KIND, 2)
    assert got is not None and got["a"].tolist() == [0, 1, 2, 3, 4]


def test_an_entry_of_another_code_version_is_not_used(cache_home, monkeypatch):
    store = DerivedCache("ab" * 32)
    path = store.put(KIND, 2, _arrays())
    monkeypatch.setattr(store_module, "CACHE_VERSION", CACHE_VERSION + 1)
    assert store.path(KIND, 2) != path  # the key names the version
    monkeypatch.setattr(store, "path", lambda kind, sparsity: path)
    assert store.get(KIND, 2) is None
    assert "another key" in store.events[-1]


def test_a_link_in_place_of_an_entry_is_not_followed(cache_home, tmp_path):
    store = DerivedCache("ab" * 32)
    target = store.put(KIND, 2, _arrays())
    elsewhere = tmp_path / "elsewhere.npz"
    target.rename(elsewhere)
    target.symlink_to(elsewhere)
    assert store.get(KIND, 2) is None
    assert "not a regular file" in store.events[-1]
    assert elsewhere.is_file()  # the link went, not what it pointed at


def test_the_least_recently_used_entries_go_first_past_the_cap(cache_home):
    first = DerivedCache("01" * 32, max_bytes=1 << 30)
    path_a = first.put("a", 2, _arrays())
    path_b = first.put("b", 2, _arrays())
    os.utime(path_a, (1, 1))
    os.utime(path_b, (2, 2))
    first.get("a", 2)  # a read makes "a" the most recently used
    entry = path_a.stat().st_size
    small = DerivedCache("01" * 32, max_bytes=2 * entry + entry // 2)
    path_c = small.put("c", 2, _arrays())
    assert path_a.exists() and path_c.exists() and not path_b.exists()


def test_an_entry_larger_than_the_cap_is_not_stored(cache_home):
    store = DerivedCache("ab" * 32, max_bytes=8)
    assert store.put(KIND, 2, _arrays()) is None
    assert "not stored" in store.events[-1]


@pytest.mark.parametrize("digest", ["", "xyz", "AB" * 32, 5])
def test_a_malformed_digest_is_one_invalid_argument(digest):
    with pytest.raises(InvalidArgument, match="must be a hex sha256"):
        DerivedCache(digest)


def test_a_bad_cache_cap_is_one_invalid_argument(monkeypatch):
    monkeypatch.setenv("SUPERPOSE_CACHE_MAX_MB", "lots")
    with pytest.raises(InvalidArgument, match="SUPERPOSE_CACHE_MAX_MB='lots'"):
        DerivedCache("ab" * 32)


def _results(report):
    return {k: v for k, v in report.as_dict().items()
            if k not in ("seconds", "setup_seconds", "inputs_per_second", "table_source")}


def _fresh_fuzz(path, samples=3000):
    """fuzz on a freshly loaded copy of the file (no evaluator from an earlier run in memory)
    through its cache entry."""
    circuit, digest = load_circuit_and_digest(path)
    store = DerivedCache(digest)
    return fuzz(circuit, samples, seed=4, cache=store), store


def test_the_gain_table_is_read_back_and_a_corrupted_entry_rebuilt_with_the_same_results(
        cache_home, tmp_path):
    path = tmp_path / "c.npz"
    save_circuit(built("and2", 300, "random", 0, 2, 0), path)
    first, store = _fresh_fuzz(path)
    assert first.table_source == "built" and store.events[-1] == f"{KIND}: stored"
    second, store = _fresh_fuzz(path)
    assert second.table_source == "cache" and store.events == [f"{KIND}: hit"]
    entry = store.path(KIND, 2)
    data = bytearray(entry.read_bytes())
    for at in range(len(data) // 3, len(data) // 3 + 64):
        data[at] ^= 0x5A
    entry.write_bytes(bytes(data))
    third, store = _fresh_fuzz(path)
    assert third.table_source == "built" and store.events[0].startswith(f"{KIND}: rebuilt (")
    assert _results(first) == _results(second) == _results(third)


def test_a_sound_entry_that_does_not_fit_the_circuit_is_rebuilt(cache_home, tmp_path):
    """An entry stored under this file's key with another circuit's table (checksum right,
    contents wrong) is refused by the table's own checks."""
    ours, theirs = tmp_path / "ours.npz", tmp_path / "theirs.npz"
    save_circuit(built("and2", 300, "random", 0, 2, 0), ours)
    save_circuit(built("and2", 300, "random", 0, 2, 1), theirs)
    _, their_store = _fresh_fuzz(theirs)
    arrays = their_store.get(KIND, 2)
    _, digest = load_circuit_and_digest(ours)
    DerivedCache(digest).put(KIND, 2, arrays)
    report, store = _fresh_fuzz(ours)
    assert report.table_source == "built"
    assert "disagrees with layer 1" in store.events[0] or "rebuilt" in store.events[0]


@pytest.mark.parametrize("forge", ["solo-dropped", "solo-added", "packed"])
def test_an_entry_whose_solo_lists_or_packed_entries_disagree_with_its_gains_is_rebuilt(
        cache_home, tmp_path, monkeypatch, forge):
    """A checksum-sound entry of this very circuit with one solo entry left out, one listed
    that must not be, or one packed entry off by one: the table's checks refuse it (the spot
    check here reads every entry), and the rebuilt table gives the same results."""
    monkeypatch.setattr(events_module, "SPOT_CHECKS", 1 << 20)
    path = tmp_path / "c.npz"
    save_circuit(built("and2", 300, "random", 0, 2, 0), path)
    first, store = _fresh_fuzz(path)
    arrays = {name: np.array(a) for name, a in store.get(KIND, 2).items()}
    ptr, solo, ends = arrays["solo_indptr"], arrays["solo"], arrays["solo_ends"]
    if forge == "packed":
        arrays["packed"][len(arrays["packed"]) // 2] += 1
    else:  # the last entry of a feature's list left out, or one more put at its end
        f = int(np.flatnonzero(np.diff(ptr) > 0 if forge == "solo-dropped"
                               else np.diff(arrays["indptr"]) > np.diff(ptr))[0])
        if forge == "solo-dropped":
            solo, delta = np.delete(solo, ptr[f + 1] - 1), -1
        else:
            spare = sorted(set(range(arrays["indptr"][f], arrays["indptr"][f + 1]))
                           - set(solo[ptr[f]:ptr[f + 1]].tolist()))
            solo, delta = np.insert(solo, ptr[f + 1], spare[0]), 1
        ends[f] = np.where(ends[f] == ptr[f + 1], ends[f] + delta, ends[f])
        ends[f + 1:] += delta
        ptr[f + 1:] += delta
        arrays.update(solo=solo)
    store.put(KIND, 2, arrays)
    report, store = _fresh_fuzz(path)
    why = {"solo-dropped": "solo lists leave out an entry",
           "solo-added": "solo lists name an entry of another feature or level",
           "packed": "packed entries disagree"}[forge]
    assert report.table_source == "built" and store.events[0].startswith(f"{KIND}: rebuilt (")
    assert why in store.events[0]
    assert _results(report) == _results(first)


def test_superpose_fuzz_keeps_its_gain_table_and_no_cache_keeps_nothing(cache_home, tmp_path,
                                                                         capsys):
    path = tmp_path / "c.npz"
    save_circuit(built("and2", 300, "random", 0, 2, 0), path)
    args = ["fuzz", str(path), "--engine", "vectorized", "--samples", "3000", "--json"]
    code, out, _ = run(capsys, *args, "--no-cache")
    assert code == 0 and json.loads(out)["table_source"] == "built"
    assert not (cache_home / "derived").exists()
    runs = [json.loads(run(capsys, *args)[1]) for _ in range(2)]
    assert [r["table_source"] for r in runs] == ["built", "cache"]
    assert _results_json(runs[0]) == _results_json(runs[1])
    code, out, _ = run(capsys, "fuzz", str(path), "--engine", "vectorized", "--samples", "3000")
    assert code == 0 and "after reading its gain table from the cache" in out


def _results_json(report: dict) -> dict:
    return {k: v for k, v in report.items()
            if k not in ("seconds", "setup_seconds", "inputs_per_second", "table_source")}


def test_file_sha256_is_the_sha256_of_the_bytes_loaded(tmp_path):
    from superpose.theory.files import FileDigest

    path = tmp_path / "c.npz"
    save_circuit(built("and2", 30, "random", 0, 2, 0), path)
    assert load_circuit_and_digest(path)[1] == file_sha256(path.read_bytes())
    # hashed by a FileDigest started beforehand: the same circuit, the same digest
    circuit, digest = load_circuit_and_digest(path, hashing=FileDigest(path))
    assert digest == file_sha256(path.read_bytes())
    assert circuit.m_prime == 30


def test_a_write_that_fails_in_any_way_leaves_no_temporary_file(cache_home, monkeypatch):
    def broken(out, arrays):
        out.write(b"PK")
        raise ValueError("a bug while writing")

    monkeypatch.setattr(store_module, "_write_archive", broken)
    with pytest.raises(ValueError, match="a bug while writing"):
        DerivedCache("ab" * 32).put(KIND, 2, _arrays())
    assert not list((cache_home / "derived").iterdir())
