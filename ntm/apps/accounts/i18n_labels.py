"""Labels that pages show from data (standards, levels, roles, plan statuses): listed here so that
``makemessages`` puts them in the English catalogue; templates translate them with
``{% translate value %}``. Not imported by the application."""

from django.utils.translation import gettext_noop as _

LABELS = [
    # ntm.apps.evaluations.queries.STANDARD_LABELS and Gap.next_label
    _("Đạt chuẩn NTM kiểu mẫu"), _("Đạt chuẩn NTM nâng cao"), _("Đạt chuẩn NTM"), _("Chưa đạt chuẩn NTM"),
    _("Chưa có kết quả"), _("Đã đạt mức cao nhất"),
    # ntm.apps.units.models.Level
    _("quốc gia"), _("tỉnh"), _("huyện"), _("xã"),
    # ntm.apps.accounts.models.Role and accounts.views.ROLE_HELP
    _("Nhập liệu"), _("Thẩm định"), _("Lãnh đạo (chỉ xem)"), _("Quản trị"),
    _("nhập số liệu, gửi duyệt"),
    _("thẩm định, phê duyệt hoặc trả lại hồ sơ của cấp dưới, mở lại số liệu đã duyệt"),
    _("xem (không sửa)"), _("quản trị: nhập liệu, thẩm định cấp dưới"),
    # ntm.apps.plans.views.STATUS_LABELS
    _("Đã đạt"), _("Quá hạn, chưa đạt"), _("Có nguy cơ không đạt"), _("Gần đạt"), _("Đang thực hiện"),
]
