"""The sync service's own "not found" answers: one code per kind of object, as in every service
(`school_not_found`, `evidence_not_found`…), so a client can tell which id was wrong."""

from __future__ import annotations

from shared.errors import NotFound
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
