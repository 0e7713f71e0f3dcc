"""The reminder e-mails, in Vietnamese (plain text; the system's users read Vietnamese)."""

from __future__ import annotations

from datetime import date
from string import Template

KIND_VI = {"self": "tự đánh giá", "external": "đánh giá ngoài"}

HEAD_SUBJECT = Template("[Chỉ số CĐS] Còn $days ngày đến hạn nộp kết quả $kind năm học $year")
HEAD_BODY = Template(
    """Kính gửi $name,

Hệ thống ghi nhận kết quả $kind năm học $year của $school chưa được thủ trưởng phê duyệt
(trạng thái hiện tại: $state). Hạn nộp là ngày $deadline, còn $days ngày.

Đề nghị nhà trường hoàn thiện, nộp và phê duyệt kết quả trước hạn để kết quả được chuyển lên
CSDL ngành đúng thời hạn (Quyết định 4725/QĐ-BGDĐT).

Đây là thư tự động, vui lòng không trả lời.
"""
)

OFFICER_SUBJECT = Template("[Chỉ số CĐS] $count hồ sơ đang chờ xử lý, còn $days ngày đến hạn $deadline")
OFFICER_BODY = Template(
    """Kính gửi $name,

Đơn vị $unit có $count hồ sơ đánh giá năm học $year đang chờ cán bộ xử lý (tiếp nhận đánh giá
ngoài hoặc công nhận kết quả). Hạn công nhận là ngày $deadline, còn $days ngày.

$schools

Đây là thư tự động, vui lòng không trả lời.
"""
)

STATE_VI = {"none": "chưa bắt đầu", "draft": "đang soạn", "submitted": "chờ phê duyệt"}


def vi_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")
