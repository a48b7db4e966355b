"""Labels that models and Python modules define as plain Vietnamese strings, listed so that
``manage.py makemessages`` extracts them: pages translate them where they show them
(``{% translate label %}``, ``gettext(label)``). Gathered from the modules named in each comment;
a label added there belongs here too (the English test finds any page that shows one untranslated)."""

from django.utils.translation import gettext_noop

LABELS = [
    # units.models.Level
    gettext_noop("quốc gia"),
    gettext_noop("tỉnh"),
    gettext_noop("huyện"),
    gettext_noop("xã"),
    # units.models.Edition
    gettext_noop("trước 01/07/2025"),
    gettext_noop("từ 01/07/2025"),
    # units.models.Region
    gettext_noop("Trung du và miền núi phía Bắc"),
    gettext_noop("Đồng bằng sông Hồng"),
    gettext_noop("Bắc Trung Bộ"),
    gettext_noop("Duyên hải Nam Trung Bộ"),
    gettext_noop("Tây Nguyên"),
    gettext_noop("Đông Nam Bộ"),
    gettext_noop("Đồng bằng sông Cửu Long"),
    # units.models.CommuneGroup
    gettext_noop("nhóm 1"),
    gettext_noop("nhóm 2"),
    gettext_noop("nhóm 3"),
    # observations.models.SubmissionState
    gettext_noop("Chưa gửi duyệt"),
    gettext_noop("Chờ duyệt"),
    gettext_noop("Đã duyệt"),
    gettext_noop("Bị trả lại"),
    # observations.forms.ASSESSMENT_CHOICES and the history's field names
    gettext_noop("— chưa đánh giá —"),
    gettext_noop("Đạt"),
    gettext_noop("Chưa đạt"),
    gettext_noop("Không đánh giá"),
    gettext_noop("giá trị"),
    gettext_noop("đánh giá"),
    gettext_noop("ghi chú"),
    gettext_noop("minh chứng"),
    gettext_noop("(trống)"),
    # observations.workflow.STEPS
    gettext_noop("Gửi duyệt"),
    gettext_noop("Rút lại hồ sơ"),
    gettext_noop("Phê duyệt"),
    gettext_noop("Trả lại"),
    gettext_noop("Mở lại"),
    # audit.models.Action
    gettext_noop("Đăng nhập"),
    gettext_noop("Đăng nhập thất bại"),
    gettext_noop("Đăng xuất"),
    gettext_noop("Truy cập bị từ chối"),
    gettext_noop("Lưu số liệu"),
    gettext_noop("Từ chối ghi số liệu"),
    gettext_noop("Mở lại (bỏ khóa)"),
    gettext_noop("Đăng ký kế hoạch đạt chuẩn"),
    gettext_noop("Sửa kế hoạch đạt chuẩn"),
    gettext_noop("Xóa kế hoạch đạt chuẩn"),
    gettext_noop("Nhập quyết định công nhận"),
    gettext_noop("Sửa quyết định công nhận"),
    gettext_noop("Xóa quyết định công nhận"),
    # reports.models (import batch status)
    gettext_noop("chờ xác nhận"),
    gettext_noop("đã ghi"),
    gettext_noop("lỗi"),
    gettext_noop("đã hủy"),
    # claims.models (kind)
    gettext_noop("tiêu chí"),
    gettext_noop("chỉ tiêu"),
    # claims.views
    gettext_noop("Lỗi"),
    gettext_noop("Cảnh báo"),
    gettext_noop("đơn vị"),
    # plans.forms, claims.forms (field labels and help, shown through {% translate %})
    gettext_noop("Chuẩn đăng ký"),
    gettext_noop("Năm dự kiến đạt chuẩn"),
    gettext_noop("Ghi chú"),
    gettext_noop("Xã"),
    gettext_noop("Chuẩn được công nhận"),
    gettext_noop("Số quyết định"),
    gettext_noop("Ngày quyết định"),
    gettext_noop("Cơ quan ban hành"),
    gettext_noop("Dán văn bản báo cáo"),
    gettext_noop("hoặc tải lên tệp (.txt, .docx, .html, .pdf)"),
    gettext_noop("Địa bàn (không bắt buộc)"),
    gettext_noop("tỉnh/huyện mà văn bản nói tới, cách nhau bằng dấu phẩy, ví dụ: Hà Nam, Lý Nhân"),
    # observations.completeness (CommuneStatus.state_label, FILTERS)
    gettext_noop("Chưa nhập"),
    gettext_noop("Tất cả"),
    gettext_noop("Đã nộp"),
    gettext_noop("Chưa nộp"),
    gettext_noop("Quá hạn"),
    # audit.models.Action (added since the list above)
    gettext_noop("Ý kiến thẩm định theo chỉ tiêu"),
    gettext_noop("Ghi phân loại xã (nhóm, ĐBKK/ATK)"),
    gettext_noop("Xóa phân loại xã"),
    gettext_noop("Phân quyền sang đơn vị kế thừa"),
    gettext_noop("Ghi mục tiêu của tỉnh"),
    # audit.models._LABELS (the log's "cũ → mới")
    gettext_noop("trạng thái"),
    gettext_noop("ý kiến"),
    gettext_noop("chuẩn"),
    gettext_noop("năm"),
    gettext_noop("số quyết định"),
    gettext_noop("ngày quyết định"),
    gettext_noop("cơ quan ban hành"),
    gettext_noop("loại"),
    gettext_noop("nhóm"),
    gettext_noop("hiệu lực từ"),
    gettext_noop("hiệu lực đến"),
    gettext_noop("vai trò"),
    gettext_noop("tỷ lệ (%)"),
    # units.models.Classification.Kind, units.forms.ClassificationForm
    gettext_noop("nhóm xã (2026–2030)"),
    # plans.models.ProvinceTarget.Tier
    gettext_noop("nông thôn mới hiện đại"),
    gettext_noop("Loại"),
    gettext_noop("Nhóm"),
    gettext_noop("Hiệu lực từ"),
    gettext_noop("Hiệu lực đến"),
    gettext_noop("để trống nếu còn hiệu lực"),
    # core.sectors: the responsible sectors as pages name them (ntm.core.sectors.national, the bodies of
    # today) — the gap analysis and the commune page translate them
    gettext_noop("Bộ Công Thương"),
    gettext_noop("Bộ Dân tộc và Tôn giáo"),
    gettext_noop("Bộ Giáo dục và Đào tạo"),
    gettext_noop("Bộ Khoa học và Công nghệ"),
    gettext_noop("Bộ Nông nghiệp và Môi trường"),
    gettext_noop("Bộ Nội vụ"),
    gettext_noop("Bộ Nội vụ; Bộ Tư pháp (tiếp cận pháp luật); Ban Tổ chức Trung ương"),
    gettext_noop("Bộ Quốc phòng; Bộ Công an"),
    gettext_noop("Bộ Tài chính"),
    gettext_noop("Bộ Tư pháp"),
    gettext_noop("Bộ Văn hóa, Thể thao và Du lịch"),
    gettext_noop("Bộ Xây dựng"),
    gettext_noop("Bộ Y tế"),
]
