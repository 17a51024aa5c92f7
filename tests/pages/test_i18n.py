"""Every visible string exists in both languages; the language choice follows its rules."""

from __future__ import annotations

import pytest

from dashboard.i18n import LANGUAGES, TEXT, format_duration, resolve_language, t

VIETNAMESE_MARKS = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
# Vietnamese that is right without a mark ("Trang 1/3": a PDF's page number).
UNMARKED = {"Trang {page}/{total}"}


def test_every_key_has_both_languages() -> None:
    for key, entry in TEXT.items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key


def test_vietnamese_text_carries_its_diacritics() -> None:
    words = [e["vi"] for e in TEXT.values() if e["vi"] != e["en"] and len(e["vi"]) > 3]
    plain = [w for w in words if not VIETNAMESE_MARKS & set(w.lower()) and w not in UNMARKED]
    assert plain == []


def test_unknown_key_fails_loudly() -> None:
    with pytest.raises(KeyError):
        t("sources.titel", "vi")


@pytest.mark.parametrize(
    "url,saved,default,expected",
    [
        ("en", "vi", "vi", "en"),
        (None, "en", "vi", "en"),
        ("fr", None, "en", "en"),
        (None, None, "vi", "vi"),
        (None, "xx", "zz", "vi"),
    ],
)
def test_url_beats_saved_beats_config(
    url: str | None, saved: str | None, default: str, expected: str
) -> None:
    assert resolve_language(url, saved, default) == expected


def test_durations_read_naturally_in_both_languages() -> None:
    assert format_duration(40, "en") == "40 s"
    assert format_duration(40, "vi") == "40 giây"
    assert format_duration(3 * 3600, "vi") == "3,0 giờ"
    assert format_duration(7200 * 12, "en") == "24 h"
    assert format_duration(3 * 86400, "vi") == "3 ngày"
    assert format_duration(None, "en") == "—"
