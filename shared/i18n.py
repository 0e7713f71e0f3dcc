"""Bilingual messages: every message a client sees is given in Vietnamese and English."""

from __future__ import annotations

from pydantic import BaseModel


class Message(BaseModel):
    """A message in Vietnamese (the users' language) and English (for integrators)."""

    vi: str
    en: str


def msg(vi: str, en: str) -> Message:
    return Message(vi=vi, en=en)
