"""The scoring service's domain errors: each carries its status and a stable code."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, PreconditionFailed, UpstreamUnavailable
from shared.i18n import msg


class FrameworkNotFound(NotFound):
    code = "framework_not_found"
    message = msg("Không có bộ chỉ số này.", "No such framework.")


class UnitFrameworkNotFound(NotFound):
    code = "unit_framework_not_found"
    message = msg("Không tìm thấy bộ chỉ số đánh giá đơn vị.", "Unit framework not found.")


class UnitNotFound(NotFound):
    """Unknown, or outside the caller's scope: the same answer."""

    code = "unit_not_found"
    message = msg("Không tìm thấy đơn vị.", "Org unit not found.")


class AssessmentNotFound(NotFound):
    code = "assessment_not_found"
    message = msg("Không tìm thấy bản đánh giá.", "Assessment not found.")


class CouncilNotFound(NotFound):
    code = "council_not_found"
    message = msg(
        "Trường chưa khai báo hội đồng tự đánh giá năm học này.", "No council recorded for this year."
    )


class TeamPlanNotFound(NotFound):
    code = "teams_not_found"
    message = msg("Đơn vị chưa khai báo đoàn đánh giá ngoài năm học này.", "No teams recorded for this year.")


class ExtensionNotFound(NotFound):
    code = "extension_not_found"
    message = msg("Không tìm thấy lần gia hạn này.", "No such extension.")


class LinkNotFound(NotFound):
    code = "publication_link_not_found"
    message = msg("Chưa khai báo đường link công bố.", "No publication link recorded.")


class VersionMismatch(PreconditionFailed):
    code = "version_mismatch"
    message = msg("Hồ sơ đã được người khác sửa; hãy tải lại.", "The record changed; reload it first.")


class ConcurrentWrite(Conflict):
    code = "concurrent_write"
    message = msg(
        "Hồ sơ vừa được tạo bởi một yêu cầu khác; hãy tải lại rồi gửi lại.",
        "Another request created this record at the same moment; reload it and send again.",
    )


class CalendarUnavailable(UpstreamUnavailable):
    code = "calendar_unavailable"
    message = msg(
        "Không đọc được lịch hạn nộp; chưa ghi gì, hãy thử lại sau.",
        "The deadline calendar cannot be read; nothing was written, try again later.",
    )


class EvidenceUnavailable(UpstreamUnavailable):
    code = "evidence_unavailable"
    message = msg(
        "Không kiểm tra được minh chứng; chưa ghi gì, hãy thử lại sau.",
        "Evidence references cannot be checked; nothing was written, try again later.",
    )
