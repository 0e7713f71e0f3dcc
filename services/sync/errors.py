"""The sync service's domain errors, each with its status and a stable code: one "not found" code
per kind of object, as in every service (`school_not_found`, `evidence_not_found`…), so a client
can tell which id was wrong."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound
from shared.i18n import msg


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    message = msg("Không tìm thấy lần gửi kết quả.", "Delivery not found.")


class WithdrawalNotFound(NotFound):
    code = "withdrawal_not_found"
    message = msg("Không tìm thấy yêu cầu thu hồi.", "Withdrawal not found.")


class WebhookNotFound(NotFound):
    """Unknown, stopped, or another caller's: the same answer."""

    code = "webhook_not_found"
    message = msg("Không tìm thấy đăng ký webhook.", "Webhook subscription not found.")


class NotDeadLettered(Conflict):
    """Only a failed (dead-lettered) delivery or withdrawal is put back in the queue by hand."""

    code = "not_dead_lettered"

    def __init__(self, withdrawal: bool, state: Any) -> None:
        super().__init__(
            msg("Chỉ gửi lại được lượt thu hồi đã thất bại.", "Only a failed withdrawal can be re-sent.")
            if withdrawal
            else msg(
                "Chỉ gửi lại được lượt gửi đã thất bại.",
                "Only a failed (dead-lettered) delivery can be re-sent.",
            ),
            state=state,
        )
