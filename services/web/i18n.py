"""The interface's words, Vietnamese first. Texts that come from the API (criterion titles, the
engine's why, problem messages) are already bilingual and are shown in the chosen language."""

from __future__ import annotations

from typing import Any

from services.web.i18n_records import RECORD_WORDS

WORDS: dict[str, tuple[str, str]] = {
    "app": ("Chỉ số chuyển đổi số", "Digital-transformation index"),
    "skip": ("Bỏ qua đến nội dung chính", "Skip to main content"),
    "home": ("Trang chính", "Home"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_in_oidc": ("Đăng nhập qua tài khoản định danh", "Sign in with the identity provider"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "language": ("English", "Tiếng Việt"),
    "public": ("Kết quả công bố", "Published results"),
    "review": ("Hàng chờ xử lý", "Review queue"),
    "dashboard": ("Bảng điều khiển Sở", "Department dashboard"),
    "my_schools": ("Trường của tôi", "My schools"),
    "school": ("Trường", "School"),
    "school_year": ("Năm học", "School year"),
    "self": ("Tự đánh giá", "Self-assessment"),
    "external": ("Đánh giá ngoài", "External assessment"),
    "state": ("Trạng thái", "State"),
    "points": ("Điểm", "Points"),
    "cap": ("Tối đa", "Cap"),
    "level": ("Mức", "Level"),
    "overall": ("Chung", "Overall"),
    "group": ("Nhóm", "Group"),
    "criterion": ("Tiêu chí", "Criterion"),
    "item": ("Nội dung", "Item"),
    "why": ("Căn cứ", "Why"),
    "mandatory": ("Bắt buộc", "Mandatory"),
    "met": ("Đạt", "Met"),
    "not_met": ("Chưa đạt", "Not met"),
    "not_started": ("Chưa bắt đầu", "Not started"),
    "enter_facts": ("Nhập số liệu", "Enter facts"),
    "save": ("Lưu", "Save"),
    "saved": ("Đã lưu.", "Saved."),
    "done": ("Đã thực hiện.", "Done."),
    "deployed": ("Đã triển khai", "Deployed"),
    "count": ("Số lượng", "Count"),
    "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"),
    "class_size": ("Sĩ số lớp", "Class size"),
    "lab_computers": ("Số máy tính phòng tin học", "Computers in the lab"),
    "choice": ("Lựa chọn", "Choice"),
    "context": ("Hệ thống dùng chung", "Shared systems"),
    "evidence": ("Minh chứng", "Evidence"),
    "codes": ("Mã minh chứng", "Codes"),
    "title": ("Tiêu đề", "Title"),
    "kind": ("Loại", "Kind"),
    "items_supported": ("Nội dung/tiêu chí (cách nhau bởi dấu phẩy)", "Items or criteria (comma-separated)"),
    "file": ("Tệp", "File"),
    "upload": ("Tải lên", "Upload"),
    "add_link": ("Thêm đường link", "Add link"),
    "url": ("Đường link", "Link"),
    "no_evidence": ("Chưa có minh chứng.", "No evidence yet."),
    "actions": ("Thao tác", "Actions"),
    "reason": ("Lý do", "Reason"),
    "comment": ("Nhận xét", "Comment"),
    "return_comments": ("Nhận xét trả lại", "Return comments"),
    "open_items": ("Nội dung được mở lại để sửa", "Items reopened for correction"),
    "a_submit": ("Nộp", "Submit"),
    "a_approve": ("Phê duyệt", "Approve"),
    "a_return": ("Trả lại", "Return"),
    "a_accept": ("Tiếp nhận", "Accept"),
    "a_request-external": ("Đề nghị đánh giá ngoài", "Request external assessment"),
    "a_conclude": ("Kết luận", "Conclude"),
    "a_reopen": ("Mở lại", "Reopen"),
    "a_recognise": ("Công nhận", "Recognise"),
    "a_start": ("Bắt đầu đánh giá ngoài", "Start the external assessment"),
    "decision_number": ("Số quyết định", "Decision number"),
    "decision_date": ("Ngày quyết định", "Decision date"),
    "next_level": ("Cần gì để lên mức tiếp theo", "What the next level needs"),
    "plan": ("Kế hoạch cải thiện", "Improvement plan"),
    "documents": ("Văn bản", "Documents"),
    "not_available": ("Chức năng này chưa có trên hệ thống.", "This is not available on this system yet."),
    "side_by_side": ("Tự đánh giá và đánh giá ngoài", "Self and external side by side"),
    "difference": ("Chênh lệch", "Difference"),
    "await_approve": ("Chờ thủ trưởng phê duyệt", "Awaiting the head's approval"),
    "await_accept": ("Chờ tiếp nhận", "Awaiting acceptance"),
    "await_external": ("Đề nghị đánh giá ngoài", "External assessment requested"),
    "in_progress_ext": ("Đang đánh giá ngoài", "External assessment in progress"),
    "await_recognise": ("Chờ công nhận", "Awaiting recognition"),
    "recognise_selected": ("Công nhận các trường đã chọn", "Recognise the selected schools"),
    "open": ("Mở", "Open"),
    "none": ("Không có.", "None."),
    "schools": ("Số trường", "Schools"),
    "unit": ("Đơn vị", "Unit"),
    "levels_by_unit": ("Mức độ theo đơn vị và cấp học", "Levels by unit and school level"),
    "units_grid": ("Bản đồ đơn vị", "Units at a glance"),
    "timeliness": ("Đúng hạn", "Timeliness"),
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Trễ hạn", "Late"),
    "missing": ("Chưa nộp", "Missing"),
    "expected": ("Phải nộp", "Expected"),
    "at_risk": ("Có nguy cơ trễ hạn", "At risk of missing the deadline"),
    "days_left": ("Còn (ngày)", "Days left"),
    "weakest": ("Tiêu chí yếu nhất (tỉ lệ so với tối đa)", "Weakest criteria (share of their maximum)"),
    "share": ("Tỉ lệ", "Share"),
    "self_vs_external": ("Tự đánh giá và đánh giá ngoài theo đơn vị", "Self vs external by unit"),
    "mean_level": ("Mức trung bình", "Mean level"),
    "exports": ("Xuất dữ liệu", "Exports"),
    "export_self": ("Excel kết quả tự đánh giá", "Excel of self-assessments"),
    "export_external": ("Excel kết quả công nhận", "Excel of recognised results"),
    "loading": ("Đang tải…", "Loading…"),
    "working": ("Đang xử lý…", "Working…"),
    "finished": ("Đã hoàn tất", "Finished"),
    "recognised_results": ("Kết quả đã được công nhận", "Recognised results"),
    "nothing_published": ("Chưa có kết quả nào được công bố.", "Nothing has been published yet."),
    "published_at": ("Nơi công bố", "Published at"),
    "school_level": ("Cấp học", "School level"),
    "managing_unit": ("Đơn vị quản lý", "Managing unit"),
    "error": ("Có lỗi", "Something went wrong"),
    "back": ("Quay lại", "Back"),
    "effort": ("Công sức", "Effort"),
    "points_after": ("Điểm sau", "Points after"),
    "reachable": ("Có thể đạt", "Reachable"),
    "target": ("Mức mục tiêu", "Target level"),
    "filter": ("Lọc", "Filter"),
    "all": ("Tất cả", "All"),
    "unassessed": ("Chưa đánh giá", "Not assessed"),
    "province_total": ("Toàn tỉnh", "Whole province"),
    "on_this_page": ("Trên trang này", "On this page"),
    "reference": ("Mã tra cứu", "Reference"),
    "r_not_ready": ("Chưa được phê duyệt", "Not approved yet"),
    "r_delivery_pending": ("Đang gửi lên CSDL ngành", "Delivery to CSDL ngành pending"),
    "r_delivery_failed": ("Gửi lên CSDL ngành bị lỗi", "Delivery to CSDL ngành failed"),
}

WORDS |= RECORD_WORDS

STATES: dict[str, tuple[str, str]] = {
    "not_started": ("Chưa bắt đầu", "Not started"),
    "draft": ("Đang soạn", "Draft"),
    "submitted": ("Đã nộp", "Submitted"),
    "approved": ("Đã phê duyệt", "Approved"),
    "accepted": ("Đã tiếp nhận", "Accepted"),
    "in_progress": ("Đang đánh giá", "In progress"),
    "concluded": ("Đã kết luận", "Concluded"),
    "recognised": ("Đã công nhận", "Recognised"),
}

EVIDENCE_KINDS: dict[str, tuple[str, str]] = {
    "plan": ("Kế hoạch", "Plan"),
    "regulation": ("Quy chế", "Regulation"),
    "decision": ("Quyết định", "Decision"),
    "report": ("Báo cáo", "Report"),
    "screenshot": ("Ảnh chụp màn hình", "Screenshot"),
    "other": ("Khác", "Other"),
}


def translator(lang: str) -> dict[str, Any]:
    """Template globals for one language: `t(key)`, `st(state)`, `bi(obj)` for API texts."""
    i = 0 if lang == "vi" else 1

    def t(key: str) -> str:
        pair = WORDS.get(key)
        return pair[i] if pair else key

    def st(state: str | None) -> str:
        pair = STATES.get(state or "not_started")
        return pair[i] if pair else str(state)

    def bi(obj: Any) -> str:
        if isinstance(obj, dict):
            return str(obj.get(lang) or obj.get("vi") or obj.get("en") or "")
        return "" if obj is None else str(obj)

    return {
        "t": t,
        "st": st,
        "bi": bi,
        "lang": lang,
        "evidence_kinds": {k: v[i] for k, v in EVIDENCE_KINDS.items()},
    }
