"""A backup file that is not one, or was altered, is refused with a clear message before anything is
touched (the full ``ntm backup`` → ``ntm restore`` round trip is in tests/security/test_no_lost_data.py)."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from ntm.apps.ops.backup import DATA, FORMAT, FORMAT_VERSION, MANIFEST, BackupError, _extract_data, read_manifest


def _tar(path, manifest: dict, data: bytes = b"[]"):
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in ((MANIFEST, json.dumps(manifest).encode()), (DATA, data)):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def test_a_missing_or_foreign_file_is_refused(tmp_path):
    with pytest.raises(BackupError, match="không tìm thấy tệp sao lưu"):
        read_manifest(tmp_path / "khong-co.tar.gz")
    junk = tmp_path / "anh.tar.gz"
    junk.write_bytes(b"\x89PNG not a backup")
    with pytest.raises(BackupError, match="không phải tệp sao lưu của NTM Monitor"):
        read_manifest(junk)
    with pytest.raises(BackupError, match="thiếu bản kê"):
        read_manifest(_tar(tmp_path / "khac.tar.gz", {"format": "other"}))
    with pytest.raises(BackupError, match="phiên bản 99 không được hỗ trợ"):
        read_manifest(_tar(tmp_path / "moi.tar.gz", {"format": FORMAT, "format_version": 99}))


def test_altered_data_is_refused_by_its_checksum(tmp_path):
    m = {"format": FORMAT, "format_version": FORMAT_VERSION, "data": {"sha256": "0" * 64}}
    path = _tar(tmp_path / "sua.tar.gz", m, b'[{"model": "auth.user"}]')
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BackupError, match="không khớp mã kiểm tra"):
        _extract_data(path, read_manifest(path), out)
