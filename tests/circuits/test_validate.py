"""Argument and memory checks: the memory a process may still use honours its own limits."""

from __future__ import annotations

import numpy as np
import pytest

from superpose.checks.cli import main
from superpose.circuits import save_circuit
from superpose.circuits.validate import available_memory, check_fits
from superpose.theory.errors import InvalidArgument
from tests.cli import memory_cap
from tests.strategies import built

_CAP = 256 << 20


def test_available_memory_stays_within_the_address_space_limit():
    with memory_cap(_CAP) as cap:
        have = available_memory()
        with pytest.raises(InvalidArgument, match="of memory and"):
            check_fits("a table", 2 * _CAP, "pass less")
    assert 0 < have <= _CAP and cap > _CAP
    assert available_memory() > 2 * _CAP, "the limit was not put back"


def test_an_evaluation_beyond_the_limit_is_one_line_not_a_memory_error(tmp_path, capsys):
    # under 'ulimit -v', a network that fits the machine but not the limit was certified until
    # NumPy raised MemoryError (a traceback): layer 0 of 2 * 10^7 units needs about 1 GB
    path = save_circuit(built("and2", 100, "random", 0, 2, 1), tmp_path / "c.npz")
    with np.load(path) as npz:
        fields = {name: npz[name] for name in npz.files}
    width = 2 * 10 ** 7
    fields["input_code_width"] = np.array(width)
    fields["layer1_shape"] = np.array([fields["layer1_shape"][0], width])
    np.savez(path, **fields)
    with memory_cap(_CAP):
        code = main(["certify", str(path), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "of memory and" in err and err.count("\n") == 1, err
