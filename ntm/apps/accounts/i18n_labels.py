"""Labels that pages show from data (standards, levels, roles, plan statuses): listed here so that
``makemessages`` puts them in the English catalogue; templates translate them with
``{% translate value %}``. Not imported by the application."""

from django.utils.translation import gettext_noop as _

LABELS = [
    # ntm.core.standards.STANDARD_LABELS, HIGHEST_REACHED and ntm.core.gaps.NO_SECTOR
    _("Đạt chuẩn NTM hiện đại"),
    _("Đạt chuẩn NTM kiểu mẫu"),
    _("Đạt chuẩn NTM nâng cao"),
    _("Đạt chuẩn NTM"),
    _("Chưa đạt chuẩn NTM"),
    _("Chưa có kết quả"),
    _("Đã đạt mức cao nhất"),
    _("Chưa xác định bộ, ngành phụ trách"),
    # ntm.apps.units.models.Level
    _("quốc gia"),
    _("tỉnh"),
    _("huyện"),
    _("xã"),
    # ntm.apps.accounts.models.Role and accounts.views.role_help
    _("Nhập liệu"),
    _("Thẩm định"),
    _("Lãnh đạo (chỉ xem)"),
    _("Quản trị"),
    _("nhập số liệu, gửi duyệt"),
    _("chỉ xem, không sửa"),
    _("không duyệt số liệu của cấp mình"),
    _("phê duyệt, trả lại, mở lại số liệu của cấp xã"),
    _("phê duyệt, trả lại, mở lại số liệu của cấp xã, huyện"),
    _("phê duyệt, trả lại, mở lại số liệu của cấp huyện, tỉnh"),
    _("phê duyệt, trả lại, mở lại số liệu của cấp tỉnh"),
    _("đăng ký kế hoạch đạt chuẩn của các xã"),
    _("nhập quyết định công nhận xã đạt chuẩn"),
    # ntm.apps.plans.views.STATUS_LABELS
    _("Đã đạt"),
    _("Quá hạn, chưa đạt"),
    _("Có nguy cơ không đạt"),
    _("Gần đạt"),
    _("Đang thực hiện"),
]
