"""Output paths are checked before a long run, as they will be written (checks.cli._args)."""

from __future__ import annotations

import os

import pytest

from superpose.checks.cli._args import check_writable
from superpose.theory import InvalidArgument


def test_a_read_only_file_in_a_writable_folder_can_be_replaced(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("old")
    report.chmod(0o444)  # replaced by a rename, as write_atomically does, never written into
    check_writable("-o", report)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_file_in_a_read_only_folder_is_refused_before_the_run(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "report.txt").write_text("old")
    folder.chmod(0o555)
    try:
        with pytest.raises(InvalidArgument, match="is not writable"):
            check_writable("-o", folder / "report.txt")
    finally:
        folder.chmod(0o755)


def test_a_missing_folder_and_a_directory_are_named(tmp_path):
    with pytest.raises(InvalidArgument, match="does not exist"):
        check_writable("-o", tmp_path / "nowhere" / "r.txt")
    with pytest.raises(InvalidArgument, match="is a directory"):
        check_writable("-o", tmp_path)
