"""What simulated citizens write, and which agency answers: texts of the citizen reports.

Rạch Giá's citizens write in Vietnamese, with its diacritics. Templates name the
street (`{street}`) and sometimes a house number (`{no}`). Agencies are the city's real kinds of
service units, named as a resident would see them on a reply.
"""

from __future__ import annotations

__all__ = [
    "AGENCIES",
    "CATEGORY_WEIGHTS",
    "TEMPLATES_VI",
    "WET_SEASON_BOOST",
    "agency_for",
]

# Share of reports per category in the dry season; the wet season boosts some (below).
CATEGORY_WEIGHTS: dict[str, float] = {
    "pothole": 0.15,
    "streetlight": 0.14,
    "flooding": 0.07,
    "waste": 0.18,
    "noise": 0.10,
    "traffic_signal": 0.05,
    "drainage": 0.09,
    "tree": 0.05,
    "encroachment": 0.11,
    "other": 0.06,
}
WET_SEASON_BOOST: dict[str, float] = {"flooding": 2.5, "drainage": 1.8, "tree": 1.5, "pothole": 1.3}

TEMPLATES_VI: dict[str, tuple[str, ...]] = {
    "pothole": (
        "Ổ gà lớn trên đường {street}, xe máy đi qua rất nguy hiểm.",
        "Mặt đường {street} đoạn gần số {no} bị sụt lún, nhiều ổ gà sau mưa.",
        "Đề nghị vá ổ gà trước nhà số {no} {street}, đã có người té xe.",
    ),
    "streetlight": (
        "Đèn đường trên {street} gần số {no} không sáng mấy đêm nay.",
        "Cả đoạn đường {street} tối om, đèn chiếu sáng bị hư.",
        "Bóng đèn đường trước nhà {no} {street} chớp tắt liên tục rồi tắt hẳn.",
    ),
    "flooding": (
        "Đường {street} ngập sâu khoảng 30 cm sau cơn mưa, xe chết máy nhiều.",
        "Triều cường làm ngập đoạn {street} gần số {no}, nước tràn vào nhà dân.",
        "Nước ngập không rút trên đường {street}, đề nghị kiểm tra.",
    ),
    "waste": (
        "Rác thải tập kết bừa bãi trên vỉa hè {street}, bốc mùi hôi.",
        "Xe rác chưa thu gom ở {street} hai ngày nay.",
        "Có người đổ xà bần, rác xây dựng ở đầu đường {street}.",
    ),
    "noise": (
        "Quán nhậu trên đường {street} mở nhạc lớn đến khuya.",
        "Hát karaoke ồn ào tại số {no} {street}, ảnh hưởng người dân nghỉ ngơi.",
        "Công trình trên {street} thi công ban đêm gây tiếng ồn.",
    ),
    "traffic_signal": (
        "Đèn tín hiệu giao thông ở giao lộ {street} bị hỏng, chỉ chớp vàng.",
        "Đèn đỏ tại ngã tư {street} không hoạt động, giao thông lộn xộn.",
        "Đèn tín hiệu trên {street} bị che khuất bởi cây xanh.",
    ),
    "drainage": (
        "Cống thoát nước trên {street} bị nghẹt, nước đọng hôi thối.",
        "Nắp cống trước số {no} {street} bị vỡ, rất nguy hiểm.",
        "Miệng cống đường {street} đầy rác, mưa là ngập.",
    ),
    "tree": (
        "Cây xanh trên đường {street} bị gãy nhánh sau gió lớn, chắn lối đi.",
        "Cây ngã đổ gần số {no} {street}, đề nghị dọn dẹp gấp.",
        "Cây trên {street} nghiêng nhiều, có nguy cơ ngã vào nhà dân.",
    ),
    "encroachment": (
        "Hàng quán lấn chiếm vỉa hè {street}, người đi bộ phải xuống lòng đường.",
        "Đậu xe ô tô chiếm hết lề đường {street} trước số {no}.",
        "Buôn bán lấn chiếm lòng đường ở {street} gây kẹt xe giờ cao điểm.",
    ),
    "other": (
        "Biển báo giao thông trên {street} bị cong, không nhìn rõ.",
        "Đề nghị kiểm tra dây điện võng thấp trên đường {street}.",
        "Vỉa hè {street} gần số {no} bị bong tróc gạch.",
    ),
}

# Agencies by category; "{ward}" becomes the ward the report falls in.
AGENCIES: dict[str, str] = {
    "pothole": "Công ty Công trình Đô thị Rạch Giá",
    "streetlight": "Công ty Công trình Đô thị Rạch Giá",
    "flooding": "Công ty Cổ phần Cấp thoát nước Kiên Giang",
    "drainage": "Công ty Cổ phần Cấp thoát nước Kiên Giang",
    "waste": "Công ty Môi trường Đô thị Rạch Giá",
    "tree": "Công ty Công trình Đô thị Rạch Giá",
    "traffic_signal": "Sở Xây dựng tỉnh An Giang",
    "noise": "Công an {ward}",
    "encroachment": "UBND {ward} – Đội Trật tự đô thị",
    "other": "UBND {ward}",
}


def agency_for(category: str, ward: str | None) -> str:
    return AGENCIES.get(category, AGENCIES["other"]).format(
        ward=(ward or "phường Rạch Giá").replace("Phường", "phường")
    )
