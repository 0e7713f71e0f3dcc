"""The evidence service's domain errors: each carries its status and a stable code."""

from __future__ import annotations

from shared import errors
from shared.errors import Conflict, NotFound, Problem, Unprocessable
from shared.i18n import msg


class PayloadTooLarge(errors.PayloadTooLarge):
    def __init__(self, limit: int) -> None:
        super().__init__(
            msg(
                f"Tệp vượt quá dung lượng cho phép ({limit} byte).",
                f"The file exceeds the size limit ({limit} bytes).",
            ),
            limit=limit,
        )


class UnsupportedMediaType(Problem):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"
    message = msg(
        "Chỉ nhận PDF, tài liệu Office/OpenDocument, ảnh PNG/JPEG/WebP hoặc văn bản thuần.",
        "Only PDF, Office/OpenDocument documents, PNG/JPEG/WebP images or plain text are accepted.",
    )


class MalformedUpload(Problem):
    status = 400
    code = "malformed_upload"
    title = "Malformed upload"
    message = msg("Nội dung gửi lên không đúng định dạng multipart.", "The multipart body is malformed.")


class TruncatedUpload(Problem):
    status = 400
    code = "truncated_upload"
    title = "Truncated upload"
    message = msg("Tệp gửi lên bị cắt ngang.", "The upload ended before it was complete.")


class EmptyFile(Unprocessable):
    code = "empty_file"
    message = msg("Tệp rỗng.", "The file is empty.")


class MissingFile(Unprocessable):
    code = "missing_file"
    message = msg("Thiếu tệp minh chứng (trường `file`).", "The evidence file (field `file`) is missing.")


class MalwareDetected(Unprocessable):
    code = "malware_detected"
    message = msg("Tệp bị phát hiện chứa mã độc.", "The file was found to contain malware.")


class EvidenceLocked(Conflict):
    code = "evidence_locked"
    message = msg(
        "Minh chứng thuộc một kết quả đã phê duyệt hoặc công nhận; không thể xoá hay thay thế.",
        "The evidence belongs to an approved or recognised assessment; it cannot be deleted or replaced.",
    )


class EvidenceNotFound(NotFound):
    """Unknown evidence, or evidence of a school outside the caller's scope (the same answer)."""

    code = "evidence_not_found"
    message = msg("Không tìm thấy minh chứng.", "Evidence not found.")


class NotAFile(NotFound):
    """Link evidence has no file to download or replace."""

    code = "evidence_not_a_file"
    message = msg("Minh chứng này là một đường link, không có tệp.", "This evidence is a link, not a file.")


class NotALink(NotFound):
    code = "evidence_not_a_link"
    message = msg("Minh chứng này không phải đường link.", "This evidence is not a link.")
