"""``ntm manage expire_imports``: remove import files never confirmed (for cron; the server also
queues this clean-up at each upload)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ntm.apps.reports.uploads import expire, expiry


class Command(BaseCommand):
    help = "Xóa các tệp nhập số liệu chưa được xác nhận quá thời hạn (NTM_IMPORT_EXPIRY_HOURS)."

    def handle(self, *args, **options):
        batches, files = expire()
        hours = expiry().total_seconds() / 3600
        self.stdout.write(f"Đã đánh dấu hết hạn {batches} lần nhập và xóa {files} tệp (thời hạn {hours:g} giờ).")
