"""The engine's bands in words, as people read them in both languages (the API's explanations,
the web workspace, the papers): "(18, inf)" is "trên 18" / "more than 18"."""

from __future__ import annotations

import pytest

from services.scoring.frameworks.explain import band_words


@pytest.mark.parametrize(
    ("band", "rule", "vi", "en"),
    [
        ("(18, inf)", "count_band", "trên 18", "more than 18"),
        ("[20, inf)", "count_band", "từ 20 trở lên", "20 or more"),
        ("[10, 18]", "count_band", "từ 10 đến 18", "from 10 to 18"),
        ("[0, 10)", "count_band", "từ 0 đến dưới 10", "from 0 to less than 10"),
        ("(50, 80]", "percent_band", "trên 50% đến 80%", "more than 50% up to 80%"),
        ("(60, 80)", "percent_band", "trên 60% đến dưới 80%", "more than 60% and less than 80%"),
        ("[75.01, 100]", "level", "từ 75,01 đến 100 điểm", "from 75.01 to 100 points"),
        ("(-inf, 5]", "count_band", "không quá 5", "at most 5"),
        ("(-inf, 5)", "count_band", "dưới 5", "less than 5"),
        ("[3, 3]", "count_band", "đúng 3", "exactly 3"),
        ("level 3", "level.derived", "mức 3", "level 3"),
    ],
)
def test_words(band: str, rule: str, vi: str, en: str) -> None:
    assert band_words(band, rule) == (vi, en)
