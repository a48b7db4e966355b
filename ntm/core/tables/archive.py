"""The zip archive of a workbook (XLSX and ODS are both zip files), inspected before anything is
unzipped: how many parts, their declared sizes, compression ratios and methods — then each part
unzipped by :func:`inflate`, which stops as soon as a part grows past what it declared (a forged size
does not get past it: what the workbook library later reads is what was checked here)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .base import MB, Limits, TableError, megabytes, n

MAX_MEMBERS = 10_000
RATIO_FLOOR = 1 * MB  # a part smaller than this unzipped is never judged by its ratio
OUT_CHUNK = 1 * MB
IN_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Member:
    name: str  # as stored
    key: str  # lower case, "/" separators: how a workbook library looks it up
    offset: int
    zipped: int
    size: int
    method: int


class Archive:
    """The parts of a zip file, checked against ``limits`` (raises :class:`TableError`)."""

    def __init__(self, source: Path | bytes, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.fp = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
        try:
            self.members = self._members()
        except BaseException:
            self.fp.close()
            raise

    def close(self) -> None:
        self.fp.close()

    def _refuse(self, message: str, limit: str | None = None) -> TableError:
        return TableError(self.name, message, limit=limit)

    def _members(self) -> dict[str, Member]:
        try:
            infos = zipfile.ZipFile(self.fp).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as exc:
            raise self._refuse(
                f"không đọc được tệp Excel (tệp hỏng hoặc không phải .xlsx/.ods: {exc.__class__.__name__})"
            ) from None
        if len(infos) > MAX_MEMBERS:
            raise self._refuse(f"tệp có {n(len(infos))} phần, quá giới hạn {n(MAX_MEMBERS)}", "members")
        out: dict[str, Member] = {}
        total = 0
        for i in infos:
            key = i.filename.replace("\\", "/").lstrip("/").lower()
            if key in out:
                raise self._refuse(f"tệp có hai phần cùng tên '{i.filename}' (tệp hỏng hoặc bị sửa)")
            if i.flag_bits & 0x1:
                raise self._refuse("tệp được đặt mật khẩu: hãy bỏ mật khẩu rồi tải lên lại")
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._refuse(f"phần '{i.filename}' nén theo cách không hỗ trợ (mã {i.compress_type})")
            total += i.file_size
            if total > self.limits.max_unzipped_bytes:
                raise self._refuse(
                    f"tệp giải nén ra hơn {megabytes(self.limits.max_unzipped_bytes)} (giới hạn dung lượng giải nén)",
                    "max_unzipped_bytes",
                )
            if i.file_size > RATIO_FLOOR and i.file_size > self.limits.max_ratio * max(i.compress_size, 1):
                ratio = i.file_size // max(i.compress_size, 1)
                raise self._refuse(
                    f"phần '{i.filename}' nén với tỷ lệ {n(ratio)}:1, quá giới hạn "
                    f"{n(self.limits.max_ratio)}:1 (tệp nén bất thường)",
                    "max_ratio",
                )
            out[key] = Member(i.filename, key, i.header_offset, i.compress_size, i.file_size, i.compress_type)
        return out

    def get(self, key: str) -> Member | None:
        return self.members.get(key.replace("\\", "/").lstrip("/").lower())

    def read(self, member: Member) -> bytes:
        return b"".join(self.inflate(member))

    def inflate(self, member: Member) -> Iterator[bytes]:
        """The unzipped bytes of ``member`` by pieces of at most 1 MB; raises :class:`TableError` when
        the part is damaged or unzips to more than its declared size."""
        fp = self.fp
        fp.seek(member.offset)
        head = fp.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise self._refuse(f"phần '{member.name}' hỏng (tệp nén không đọc được)")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        fp.seek(member.offset + 30 + name_len + extra_len)
        left = member.zipped
        produced = 0
        if member.method == zipfile.ZIP_STORED:
            while left:
                piece = fp.read(min(OUT_CHUNK, left))
                if not piece:
                    break
                left -= len(piece)
                produced += len(piece)
                yield piece
            if produced != member.size:
                raise self._refuse(f"phần '{member.name}' hỏng (kích thước không khớp)")
            return
        d = zlib.decompressobj(-15)
        try:
            while left and not d.eof:
                data = fp.read(min(IN_CHUNK, left))
                if not data:
                    break
                left -= len(data)
                while data and not d.eof:
                    out = d.decompress(data, OUT_CHUNK)
                    data = d.unconsumed_tail
                    produced += len(out)
                    if produced > member.size:
                        raise self._refuse(
                            f"phần '{member.name}' giải nén ra nhiều hơn kích thước khai báo "
                            f"({n(member.size)} byte): tệp hỏng hoặc bị sửa",
                            "max_unzipped_bytes",
                        )
                    if out:
                        yield out
        except zlib.error:
            raise self._refuse(f"phần '{member.name}' hỏng (dữ liệu nén không đọc được)") from None
        if not d.eof or produced != member.size:
            raise self._refuse(f"phần '{member.name}' hỏng (dữ liệu nén bị cắt hoặc kích thước không khớp)")
