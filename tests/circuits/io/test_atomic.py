"""Atomic writes (circuits.io.write_atomically): a unique O_EXCL temporary file next to the
target, renamed into place; nothing else in the directory is followed, replaced or removed."""

from __future__ import annotations

import os
import stat

import pytest

from superpose.circuits import save_circuit
from superpose.circuits.io import load_circuit, write_atomically, write_text_atomically
from superpose.theory.errors import CircuitFormatError, InvalidArgument
from tests.strategies import built


def _circuit():
    return built("and2", 120, "random", 0, 2, 1)


def test_a_link_at_the_old_fixed_temporary_name_is_neither_followed_nor_removed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.npz.tmp").symlink_to(victim)
    save_circuit(_circuit(), out / "x.npz")
    assert victim.read_text() == "keep me"
    assert (out / "x.npz.tmp").is_symlink()
    assert load_circuit(out / "x.npz").m_prime == 120


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_a_users_file_or_folder_at_that_name_is_left_as_it_was(tmp_path, kind):
    mine = tmp_path / "x.npz.tmp"
    if kind == "file":
        mine.write_text("my notes")
    else:
        mine.mkdir()
    save_circuit(_circuit(), tmp_path / "x.npz")
    assert mine.read_text() == "my notes" if kind == "file" else mine.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npz", "x.npz.tmp"]


def test_a_link_as_the_target_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "r.txt").symlink_to(victim)
    write_text_atomically(tmp_path / "r.txt", "report\n", InvalidArgument)
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "r.txt").is_symlink()
    assert (tmp_path / "r.txt").read_text() == "report\n"


def test_a_failed_write_removes_only_its_own_temporary_file(tmp_path):
    (tmp_path / "other.txt").write_text("untouched")

    def fail(fh):
        fh.write(b"half")
        raise RuntimeError("the writer broke")

    with pytest.raises(RuntimeError, match="the writer broke"):
        write_atomically(tmp_path / "x.bin", fail, InvalidArgument)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt"]


def test_an_os_error_is_one_line_of_the_given_error_naming_the_path(tmp_path):
    def fail(fh):
        raise OSError(28, "No space left on device")

    with pytest.raises(CircuitFormatError) as info:
        write_atomically(tmp_path / "x.npz", fail, CircuitFormatError)
    assert "x.npz" in str(info.value) and "No space left" in str(info.value)
    assert "\n" not in str(info.value) and list(tmp_path.iterdir()) == []


def test_the_written_file_has_the_permissions_of_a_new_file(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    path = write_text_atomically(tmp_path / "r.txt", "x", InvalidArgument)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
