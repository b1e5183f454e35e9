"""Untrusted files are read only when they are regular and small enough (theory.files)."""

from __future__ import annotations

import os

import pytest

from superpose.theory.files import NotARegularFile, map_regular, read_regular


def _mapped(path, max_bytes, **options) -> bytes:
    mapping = map_regular(path, max_bytes, **options)
    try:
        return bytes(mapping)
    finally:
        mapping.close()


# read into memory, or mapped: the same checks, the same bytes
READERS = pytest.mark.parametrize("read", [read_regular, _mapped], ids=["read", "map"])


@READERS
def test_a_regular_file_within_the_limit_is_read_whole(tmp_path, read):
    path = tmp_path / "a.json"
    path.write_bytes(b"x" * 5000)
    assert read(path, 5000) == b"x" * 5000


@READERS
def test_a_file_over_the_limit_is_refused_unread(tmp_path, read):
    path = tmp_path / "a.json"
    path.write_bytes(b"x" * 5001)
    with pytest.raises(NotARegularFile, match="5001 bytes, more than the 5000 allowed"):
        read(path, 5000)


@READERS
def test_a_fifo_is_refused_without_blocking_and_a_device_without_reading(tmp_path, read):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile, match="a FIFO, a device or a socket"):
        read(fifo, 100)
    with pytest.raises(NotARegularFile):
        read("/dev/zero", 100)


@READERS
def test_a_directory_is_its_own_error_and_a_link_is_refused_when_asked(tmp_path, read):
    with pytest.raises(IsADirectoryError):
        read(tmp_path, 100)
    target = tmp_path / "t"
    target.write_bytes(b"ok")
    link = tmp_path / "l"
    link.symlink_to(target)
    assert read(link, 100) == b"ok"
    with pytest.raises(OSError):
        read(link, 100, follow_links=False)


def test_an_empty_file_cannot_be_mapped_and_a_mapping_outlives_a_file_renamed_over_it(tmp_path):
    path = tmp_path / "entry"
    path.write_bytes(b"")
    with pytest.raises(ValueError):
        map_regular(path, 100)
    path.write_bytes(b"old bytes")
    mapping = map_regular(path, 100)
    newer = tmp_path / "newer"
    newer.write_bytes(b"new bytes, longer")
    newer.replace(path)  # how superpose replaces a file: never in place
    assert bytes(mapping) == b"old bytes" and path.read_bytes() == b"new bytes, longer"
    mapping.close()


def test_a_file_digest_hashes_the_file_it_opened_even_after_the_path_moves_on(tmp_path):
    """FileDigest hashes, in a thread, the file open at its descriptor: the sha256 of the
    bytes there when it was opened, whatever is renamed over the path meanwhile."""
    import hashlib

    from superpose.theory.files import FileDigest

    path = tmp_path / "big.bin"
    data = os.urandom(3 * (1 << 24) + 12345)  # several chunks and a short one
    path.write_bytes(data)
    digest = FileDigest(path)
    (tmp_path / "other.bin").write_bytes(b"something else")
    os.replace(tmp_path / "other.bin", path)
    assert digest.size == len(data)
    assert digest.result() == hashlib.sha256(data).hexdigest()
    digest.close()
    assert digest.fd == -1
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    assert FileDigest(empty).result() == hashlib.sha256(b"").hexdigest()


def test_a_file_digest_reads_the_file_when_it_cannot_be_mapped(tmp_path, monkeypatch):
    """The digest hashes views of a mapping of the file; where the file cannot be mapped it
    reads it instead, with the same sha256 and CRC-32s."""
    import hashlib
    import mmap
    import zipfile
    import zlib

    from superpose.theory.files import FileDigest

    big = os.urandom((1 << 24) + (3 << 20))  # a full chunk and a short one
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("big.bin"), big)
    raw = path.read_bytes()
    start = raw.index(big)

    def unmappable(*args, **kwargs):
        raise OSError(19, "No such device")

    for patch in (False, True):
        if patch:
            monkeypatch.setattr(mmap, "mmap", unmappable)
        digest = FileDigest(path, zip_members=True)
        assert digest.result() == hashlib.sha256(raw).hexdigest()
        assert digest.crc32(start, start + len(big)) == zlib.crc32(big)
        digest.close()


def test_a_file_digest_refuses_what_is_not_a_regular_file(tmp_path):
    from superpose.theory.files import FileDigest

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile, match="a FIFO, a device or a socket"):
        FileDigest(fifo)
    with pytest.raises(NotARegularFile):
        FileDigest(tmp_path)
    with pytest.raises(FileNotFoundError):
        FileDigest(tmp_path / "missing")


def test_a_file_digest_of_a_zip_archive_gives_its_large_stored_members_crcs(tmp_path):
    """With zip_members, the digest's one pass also gives the CRC-32 of the data of each
    large uncompressed member (what the circuit loader checks), and nothing for a range that
    is not one or for a file that is not an archive."""
    import zipfile
    import zlib

    from superpose.theory.files import FileDigest

    big, small = os.urandom(3 << 20), b"tiny"
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("small.bin"), small)
        archive.writestr(zipfile.ZipInfo("big.bin"), big)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("big.bin")
    raw = path.read_bytes()
    start = raw.index(big)
    digest = FileDigest(path, zip_members=True)
    assert digest.crc32(start, start + len(big)) == zlib.crc32(big) == info.CRC
    assert digest.crc32(raw.index(small), raw.index(small) + len(small)) is None
    assert digest.crc32(0, 10) is None
    digest.close()
    path.write_bytes(b"not an archive" * 100000)
    other = FileDigest(path, zip_members=True)
    assert other.crc32(0, 100) is None and len(other.result()) == 64
    other.close()
