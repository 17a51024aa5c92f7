"""The Open311 services cityops offers: its report categories, with their attributes.

A service is one of `records.REPORT_CATEGORIES` (service_code = the category's code, names in
Vietnamese and English); its service level (`records.REPORT_SLA_HOURS`) gives the notice a
citizen gets and the `expected_datetime` of a request. A few categories ask for an attribute
(GeoReport v2 service definitions): all optional, since a citizen with a phone in the rain
should never be turned away for a missing detail. The answers are written into the report's
description as plain text lines (the store has no attribute column), so the desk reads them
where it reads the citizen's words.

Pure data and checks: no Flask, no store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from dashboard.records import REPORT_CATEGORIES, REPORT_SLA_HOURS

__all__ = [
    "ATTRIBUTES",
    "CHANGESET",
    "Attribute",
    "BadAttribute",
    "Service",
    "attribute_lines",
    "service",
    "service_notice",
    "services",
]

Lang = Literal["vi", "en"]
# When the service list last changed (discovery's `changeset`): bump it with the list.
CHANGESET: Final = "2026-12-05 00:00"
Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
MAX_ATTRIBUTE_TEXT: Final = 200  # characters of one free-text attribute answer

# Groups citizens' apps cluster services by (the spec's `group`).
_GROUPS: Final[dict[str, tuple[str, str]]] = {
    "street": ("Streets and lighting", "Đường phố và chiếu sáng"),
    "water": ("Water and drainage", "Nước và thoát nước"),
    "public_order": ("Public order and cleanliness", "Trật tự và vệ sinh đô thị"),
}
_GROUP_OF: Final[dict[str, str]] = {
    "pothole": "street",
    "streetlight": "street",
    "traffic_signal": "street",
    "tree": "street",
    "flooding": "water",
    "drainage": "water",
    "waste": "public_order",
    "noise": "public_order",
    "encroachment": "public_order",
    "other": "public_order",
}
_KEYWORDS: Final[dict[str, str]] = {
    "pothole": "road, hole, ổ gà, mặt đường",
    "streetlight": "lamp, light, đèn, chiếu sáng",
    "flooding": "flood, water, ngập, triều cường",
    "waste": "litter, rubbish, rác",
    "noise": "noise, loud, ồn",
    "traffic_signal": "traffic light, đèn giao thông",
    "drainage": "drain, sewer, cống",
    "tree": "tree, cây",
    "encroachment": "sidewalk, vỉa hè, lấn chiếm",
    "other": "",
}


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute of a service definition (GeoReport v2 field names)."""

    code: str
    datatype: Datatype
    description: tuple[str, str]  # en, vi
    order: int
    required: bool = False
    values: tuple[tuple[str, str, str], ...] = ()  # (key, name en, name vi)
    variable: bool = True

    def text(self, lang: Lang) -> str:
        return self.description[0 if lang == "en" else 1]

    def value_name(self, key: str, lang: Lang) -> str:
        return next(v[1 if lang == "en" else 2] for v in self.values if v[0] == key)


ATTRIBUTES: Final[dict[str, tuple[Attribute, ...]]] = {
    "pothole": (
        Attribute(
            "size",
            "singlevaluelist",
            ("How large is the hole?", "Ổ gà lớn cỡ nào?"),
            1,
            values=(
                ("small", "Smaller than a plate", "Nhỏ hơn cái đĩa"),
                ("medium", "Up to a car wheel", "Cỡ bánh xe ô tô"),
                ("large", "Larger than a car wheel", "Lớn hơn bánh xe ô tô"),
            ),
        ),
    ),
    "flooding": (
        Attribute(
            "depth",
            "singlevaluelist",
            ("How deep is the water?", "Nước ngập sâu bao nhiêu?"),
            1,
            values=(
                ("ankle", "Up to the ankle", "Đến mắt cá chân"),
                ("knee", "Up to the knee", "Đến đầu gối"),
                ("above_knee", "Above the knee", "Trên đầu gối"),
            ),
        ),
    ),
    "streetlight": (
        Attribute(
            "pole_number",
            "string",
            ("The number painted on the pole, if any", "Số hiệu sơn trên cột đèn (nếu có)"),
            1,
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class Service:
    """One service of the list (GeoReport v2 `service` fields) in one language."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


def _sla_sentence(code: str, lang: Lang) -> str:
    hours = REPORT_SLA_HOURS.get(code, REPORT_SLA_HOURS["other"])
    n = f"{hours:g}"
    if lang == "en":
        return f"The city aims to act within {n} hours."
    return f"Thành phố phấn đấu xử lý trong vòng {n} giờ."


def service(code: str, lang: Lang) -> Service | None:
    """Service `code` in `lang`, or None when cityops has no such category."""
    names = REPORT_CATEGORIES.get(code)
    if names is None:
        return None
    name = names[0 if lang == "en" else 1]
    lead = f"Report: {name}." if lang == "en" else f"Phản ánh: {name}."
    group = _GROUPS[_GROUP_OF.get(code, "public_order")][0 if lang == "en" else 1]
    return Service(
        service_code=code,
        service_name=name,
        description=f"{lead} {_sla_sentence(code, lang)}",
        metadata=code in ATTRIBUTES,
        type="realtime",
        keywords=_KEYWORDS.get(code, ""),
        group=group,
    )


def services(lang: Lang) -> list[Service]:
    """Every service, in the categories' order."""
    return [s for code in REPORT_CATEGORIES if (s := service(code, lang)) is not None]


def service_notice(code: str, lang: Lang) -> str:
    """What a citizen is told once a request of `code` is taken."""
    return _sla_sentence(code, lang)


class BadAttribute(ValueError):
    """An attribute answer that does not fit its definition."""


def attribute_lines(code: str, answers: Mapping[str, list[str]], lang: Lang) -> list[str]:
    """The posted answers (`attribute[code]=v`, `attribute[code][]=v`) of service `code` as
    plain text lines ("How deep is the water?: Up to the knee"), checked against its
    definition; raises BadAttribute naming the first one that does not fit. Answers to
    attributes the service does not have are ignored, as the spec lets a server do."""
    lines = []
    for attr in ATTRIBUTES.get(code, ()):
        given = [v.strip() for v in answers.get(attr.code, []) if v.strip()]
        if not given:
            if attr.required:
                raise BadAttribute(f"attribute[{attr.code}] is required")
            continue
        if attr.datatype == "singlevaluelist" or attr.datatype == "multivaluelist":
            keys = {v[0] for v in attr.values}
            unknown = [v for v in given if v not in keys]
            if unknown or (attr.datatype == "singlevaluelist" and len(given) > 1):
                raise BadAttribute(
                    f"attribute[{attr.code}] takes one of: {', '.join(sorted(keys))}"
                )
            answer = ", ".join(attr.value_name(v, lang) for v in given)
        elif attr.datatype == "number":
            try:
                answer = f"{float(given[0]):g}"
            except ValueError:
                raise BadAttribute(f"attribute[{attr.code}] is not a number") from None
        elif attr.datatype == "datetime":
            try:
                answer = datetime.fromisoformat(given[0]).isoformat()
            except ValueError:
                raise BadAttribute(f"attribute[{attr.code}] is not a datetime") from None
        else:
            answer = given[0]
            if len(answer) > MAX_ATTRIBUTE_TEXT or "\x00" in answer:
                raise BadAttribute(
                    f"attribute[{attr.code}] is longer than {MAX_ATTRIBUTE_TEXT} characters"
                )
        lines.append(f"{attr.text(lang)}: {answer}")
    return lines
