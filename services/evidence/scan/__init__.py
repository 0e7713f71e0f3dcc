"""Malware scanners, chosen by settings."""

from __future__ import annotations

from services.evidence.config import EvidenceSettings
from services.evidence.scan.base import NoopScanner, Scanner
from services.evidence.scan.clamd import ClamdScanner


def build_scanner(settings: EvidenceSettings) -> Scanner:
    if settings.scanner == "clamd":
        return ClamdScanner(
            socket_path=settings.clamd_socket, host=settings.clamd_host, port=settings.clamd_port
        )
    return NoopScanner()
