"""The sync service's domain errors: each carries its status and a stable code."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound
from shared.i18n import msg


class DeliveryNotFound(NotFound):
    message = msg("Không tìm thấy lượt gửi.", "Delivery not found.")


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
