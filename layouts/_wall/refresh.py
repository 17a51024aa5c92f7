"""What one wall refresh reads and sends: queries in, component properties and map patches out.

`read_wall` runs the wall's queries in one read session; `refresh_values` turns their answers
into the refresh callback's outputs, in its order. Only properties change (text, class,
figure patches): the components themselves were all built by the layout.

The map's part (a whole figure once, then Patches of what changed) is layouts/_wall/map_patch.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from dash import Patch, no_update

from dashboard.callback_requests import BadCallbackInput
from dashboard.config import Config
from dashboard.figures import citymap
from dashboard.figures.tiles import format_number, tile_view
from dashboard.figures.trends import trend_strip
from dashboard.i18n import format_duration, t
from dashboard.queries import to_epoch
from dashboard.queries import wall as q
from dashboard.queries.alert_list import AlertFilter, list_alerts
from dashboard.records import REPORT_CATEGORIES
from dashboard.store import Store
from dashboard.store.alerts import AlertView
from layouts._wall.map_patch import MapOutput, digest, map_output
from layouts._wall.skeleton import TICKER_ROWS

__all__ = [
    "RefreshRequest",
    "WallData",
    "map_output",
    "map_traces",
    "placeholder_figure",
    "read_wall",
    "refresh_values",
    "stale_domains",
]

ALERT_ROWS = 3  # unacknowledged critical alerts named on the banner (the rest counted)
# The banner's alerts: critical, open (neither acknowledged nor resolved).
BANNER_ALERTS = AlertFilter(status="open", severity="critical")
TREND_BUCKET_S = 300  # the trend strip is redrawn when a new 5-minute bucket exists
# Which map layer shows which domain's data.
DOMAIN_LAYER = {d: d for d in ("traffic", "lighting", "air", "water", "reports")}


def placeholder_figure() -> dict[str, Any]:
    """An empty, dark graph for the skeleton (the first refresh draws the real one)."""
    axis = {"visible": False}
    return {
        "data": [],
        "layout": {
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "xaxis": axis,
            "yaxis": axis,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "meta": {"pending": True},  # print mode waits for the first refresh's figure
        },
    }


def map_traces() -> dict[str, Any]:
    """What the browser needs to switch layers: trace names in order and the lamp zoom.

    Visibility follows `citymap.visible_traces`: a layer's traces show when it is chosen,
    the lighting layer as cabinets below `LAMP_ZOOM` and as single lamps from it."""
    return {"names": list(citymap.TRACE), "lamp_zoom": citymap.LAMP_ZOOM}


@dataclass(frozen=True, slots=True)
class RefreshRequest:
    """What the browser holds, parsed: the map version and how the map is drawn."""

    now: datetime
    version: int | None  # the map data version on screen; None: no map drawn yet
    stale_drawn: tuple[str, ...]  # layers drawn stale on screen
    held: dict[str, Any]  # the map store as the browser sent it
    digests: dict[str, str]  # digest of each patched trace attribute on screen
    trend_key: dict[str, Any]  # the trend strip on screen: its 5-minute bucket, stale domains
    layers: tuple[str, ...]
    center: tuple[float, float]
    zoom: float
    lang: str

    @classmethod
    def parse(
        cls,
        held: Any,
        trend_key: Any,
        layers: Any,
        scene: Any,
        boot: dict[str, Any],
        now: datetime,
    ) -> RefreshRequest:
        """The request from the callback's states; `boot` is what the layout gave the page."""
        held = held if isinstance(held, dict) else {}
        version = held.get("v")
        try:  # a kiosk draws a whole map in the view of the scene on screen
            kiosk = boot.get("kiosk") and isinstance(scene, int)
            view = boot["scenes"][int(scene) % len(boot["scenes"])] if kiosk else boot["view"]
            return cls(
                now=now,
                version=int(version) if isinstance(version, int | float) else None,
                stale_drawn=tuple(held.get("stale") or ()),
                held=held,
                digests=dict(held.get("h") or {}),
                trend_key=trend_key if isinstance(trend_key, dict) else {},
                layers=tuple(x for x in layers or () if x in citymap.LAYERS),
                center=(float(view["center"]["lon"]), float(view["center"]["lat"])),
                zoom=float(view["zoom"]),
                lang="en" if boot.get("lang") == "en" else "vi",
            )
        except (AttributeError, LookupError, TypeError, ValueError, ZeroDivisionError):
            raise BadCallbackInput("the wall's boot data or map store is not usable") from None


@dataclass(frozen=True)
class WallData:
    kpis: list[q.Kpi]
    quality: list[q.FeedQuality]
    stale: set[str]  # domains drawn stale (see stale_domains)
    events: list[q.TickerEvent]
    map: q.MapRead
    changed_lamps: pd.DataFrame | None  # None: the whole map is drawn
    trends: pd.DataFrame | None  # None: the strip on screen is current
    trend_key: dict[str, Any]
    alerts: list[AlertView]  # the newest unacknowledged critical alerts (ALERT_ROWS at most)
    alerts_total: int  # how many there are in all


def read_wall(store: Store, config: Config, request: RefreshRequest) -> WallData:
    """Every query of one refresh, in one read session (one consistent view of the store).

    The trend strip (hourly rollups) is read again only in a new 5-minute bucket or when its
    domains turn stale or fresh. The lamps are read once (the map's frame, itself read only
    when their state moved: `q.lamp_state`), and the changed ones are taken from it."""
    now = request.now
    with store.read_session() as session:
        kpis = q.wall_kpis(session, config, now)
        quality = q.feed_quality(session, config, now)
        stale = stale_domains(kpis, quality, config, now)
        trend_key = {"b": to_epoch(now) // TREND_BUCKET_S, "s": sorted(stale)}
        read = q.map_read(session, now)
        changed = (
            None if request.version is None else q.lamps_changed_since(read.lamps, request.version)
        )
        alerts, alerts_total = list_alerts(session, BANNER_ALERTS, limit=ALERT_ROWS)
        return WallData(
            kpis=kpis,
            quality=quality,
            stale=stale,
            events=q.ticker_rows(session, config, now, limit=TICKER_ROWS),
            map=read,
            changed_lamps=changed,
            trends=None if trend_key == request.trend_key else q.trends_24h(session, config, now),
            trend_key=trend_key,
            alerts=alerts,
            alerts_total=alerts_total,
        )


def stale_domains(
    kpis: Sequence[q.Kpi], quality: Sequence[q.FeedQuality], config: Config, now: datetime
) -> set[str]:
    """Domains whose tiles and map layer must be drawn stale at `now`.

    A feed that names the domains it feeds (`FeedQuality.domains`) stales exactly those when
    it is stale, and then data age plays no part: a 60-s feed whose sensors report every 5
    minutes is live although its newest reading is 4 minutes old. Only when no feed names its
    domains does the wall fall back to data age: a domain whose newest data (`Kpi.as_of` of
    its tiles) is older than `stale_factor` x the longest enabled interval, which no feed
    could explain. Domains computed at `now` (reports, energy, alerts) are never stale so.
    """
    stale: set[str] = set()
    for feed in quality:
        named = getattr(feed, "domains", None)
        if feed.stale and named:
            stale |= set(named)
    if any(getattr(feed, "domains", ()) for feed in quality):
        return stale
    intervals = [s.interval_s for s in config.sources if s.enabled]
    if not intervals:
        return stale
    limit = config.wall.stale_factor * max(intervals)
    newest: dict[str, datetime] = {}
    for kpi in kpis:
        if kpi.as_of is not None:
            domain = kpi.key.split(".", 1)[0]
            newest[domain] = max(newest.get(domain, kpi.as_of), kpi.as_of)
    return stale | {d for d, at in newest.items() if (now - at).total_seconds() > limit}


# -- tiles, ticker, feeds ------------------------------------------------------------------


def _tile_values(
    kpis: Sequence[q.Kpi], stale: set[str], keys: list[str], lang: str
) -> list[list[Any]]:
    views = {k.key: tile_view(k, lang, stale=k.key.split(".", 1)[0] in stale) for k in kpis}
    out: list[list[Any]] = [[], [], [], [], []]
    for key in keys:
        v = views.get(key)
        if v is None:
            values = ["—", "", "", "", "wall-tile level-none"]
        else:
            values = [
                v.value,
                v.unit,
                v.delta,
                v.detail,
                f"wall-tile level-{'none' if v.stale else v.level}"
                + (" is-stale" if v.stale else ""),
            ]
        for column, value in zip(out, values, strict=True):
            column.append(value)
    return out


def _event_text(row: q.TickerEvent, lang: str) -> str:
    label = t(f"wall.event.{row.kind}", lang)
    name = row.name
    if row.kind == "report_new":  # its name is the category; the ward says where
        category = REPORT_CATEGORIES.get(str(row.name))
        name = category[1 if lang == "vi" else 0] if category else row.name
    parts = [label, str(name)]
    if isinstance(row.ward, str) and row.ward:
        parts.append(row.ward)
    value = row.value
    if value is not None and not math.isnan(value):
        if row.kind == "segment_jammed":
            parts.append(f"{format_number(value, lang, 1)} km/h")
        elif row.kind == "water_high":
            parts.append(f"{format_number(value, lang)} cm")
        elif row.kind == "aqi_bad":
            parts.append(f"VN_AQI {format_number(value, lang)}")
        elif row.kind == "feed_stale":
            parts.append(format_duration(float(value), lang))
    return " · ".join(parts)


def _ticker_values(
    events: Sequence[q.TickerEvent], config: Config, n: int, lang: str
) -> list[list[Any]]:
    tz = config.city.tz
    rows = events[:n]
    times, texts, classes = [], [], []
    for i in range(n):
        if i < len(rows):
            row = rows[i]
            times.append(row.ts.astimezone(tz).strftime("%H:%M"))
            texts.append(_event_text(row, lang))
            classes.append(f"wall-tick sev-{row.severity}")
        else:
            times.append("")
            texts.append(t("wall.no_events", lang) if i == 0 else "")
            classes.append("wall-tick sev-none" if i == 0 else "wall-tick is-empty")
    return [times, texts, classes]


def _pct(value: float | None, lang: str) -> tuple[str, str]:
    if value is None:
        return t("sources.none", lang), ""
    # Floor, not round: 99.6 % complete is not 100 %.
    shown = format_number(math.floor(value), lang)
    look = "q-bad" if value < 80 else "q-warn" if value < 95 else ""
    return f"{shown}%", look


def _feed_values(quality: Sequence[q.FeedQuality], names: list[str], lang: str) -> list[list[Any]]:
    by_name = {f.source: f for f in quality}
    out: list[list[Any]] = [[], [], [], [], []]
    for name in names:
        feed = by_name.get(name)
        if feed is None:
            values: list[Any] = ["—", "", "", "", "wall-feed"]
        else:
            cells = [
                _pct(p, lang) for p in (feed.on_time_pct, feed.complete_pct, feed.plausible_pct)
            ]
            age = t("wall.age", lang).format(age=format_duration(feed.age_s, lang))
            values = [
                age if feed.age_s is not None else t("sources.none", lang),
                *(_quality_cell(text, look) for text, look in cells),
                "wall-feed is-stale" if feed.stale else "wall-feed",
            ]
        for column, value in zip(out, values, strict=True):
            column.append(value)
    return out


def _quality_cell(text: str, look: str) -> str:
    # A quality cell shows its number; its warning look rides on a symbol (colour-blind safe).
    return f"⚠ {text}" if look == "q-bad" else f"▲ {text}" if look == "q-warn" else text


def _local(ts: datetime | None, config: Config, now: datetime, fmt: str = "%H:%M") -> str:
    """`ts` in the city's time, with the date when it is not today's."""
    if ts is None:
        return "—"
    tz = config.city.tz
    local = ts.astimezone(tz)
    same_day = local.date() == now.astimezone(tz).date()
    return local.strftime(fmt if same_day else f"{fmt} %d/%m")


def _stale_banner(
    quality: Sequence[q.FeedQuality], config: Config, now: datetime, lang: str
) -> tuple[str, str]:
    parts = [
        t("wall.stale_banner", lang).format(name=f.source, since=_local(f.stale_since, config, now))
        if f.stale_since is not None
        else t("wall.stale_none", lang).format(name=f.source)
        for f in quality
        if f.stale
    ]
    if not parts:
        return "", "wall-stale is-hidden"
    return " · ".join(parts), "wall-stale"


def _alert_banner(
    alerts: Sequence[AlertView], total: int, config: Config, now: datetime, lang: str
) -> tuple[str, str]:
    """The unacknowledged critical alerts, newest first: title, place, value against its
    threshold, since when; "+N" for those not named."""
    if not alerts:
        return "", "wall-alert is-hidden"
    parts = []
    for a in alerts:
        words = [a.title_en if lang == "en" else a.title_vi]
        if a.ward:
            words.append(a.ward)
        if a.value is not None:
            unit = f" {a.unit}" if a.unit else ""
            value = f"{format_number(a.value, lang, 1)}{unit}"
            if a.threshold is not None:
                value += f" / {format_number(a.threshold, lang, 1)}"
            words.append(value)
        words.append(t("wall.alert_since", lang).format(since=_local(a.opened_at, config, now)))
        parts.append(" · ".join(words))
    if total > len(alerts):
        parts.append(t("wall.alert_more", lang).format(n=total - len(alerts)))
    return " │ ".join(parts), "wall-alert"


def _map_with_lamps(
    data: WallData, request: RefreshRequest, config: Config, stale_layers: tuple[str, ...]
) -> MapOutput:
    """`map_output`, with lamp changes sent compactly: the changed lamps' (index, code) pairs
    (`citymap.lamp_pairs`, expanded by assets/wall.js), the cabinets' colours and counts as
    two small typed arrays, and the fault traces only when they differ from those on screen.
    `map_output` itself sees no lamp change, so it patches the other traces (or nothing)."""
    changed = data.changed_lamps
    whole = changed is None or stale_layers != request.stale_drawn
    if whole or changed is None or not len(changed):
        return map_output(data.map, changed, request, config, stale_layers)
    drawn = map_output(data.map, changed.iloc[:0], request, config, stale_layers)
    patch = drawn.figure if isinstance(drawn.figure, Patch) else Patch()
    digests = dict(drawn.held.get("h") or {})
    read, trace = data.map, citymap.TRACE
    # The figure builders only read their frames: the shared ones are handed over as they are.
    patch["data"][trace["lighting.lamps"]]["marker"]["color"] = citymap.lamp_pairs(
        read.lamps, changed
    )
    cabinets = patch["data"][trace["lighting.cabinets"]]
    values = citymap.cabinet_values(read.cabinets)
    cabinets["marker"]["color"] = values["marker.color"]
    cabinets["customdata"] = values["customdata"]
    # The fault traces only when they differ from those on screen (a failure or a repair).
    updates = citymap.fault_patch_values(read.lamps, request.lang, config.city.tz)
    for index, values in updates.items():
        for path, value in values.items():
            key, now_digest = f"{index}.{path}", digest(value)
            if digests.get(key) != now_digest:
                node = patch["data"][index]
                *parents, leaf = path.split(".")
                for part in parents:
                    node = node[part]
                node[leaf] = value
                digests[key] = now_digest
    return MapOutput(patch, {**drawn.held, "h": digests}, False)


def refresh_values(
    data: WallData,
    request: RefreshRequest,
    config: Config,
    keys: list[list[Any]],
    app_version: str,
) -> list[Any]:
    """The refresh callback's outputs, in its order (see layouts.wall._refresh_outputs).

    `keys` lists, per pattern-matched output group, the keys of its components in the order
    the browser sent them.
    """
    lang, now = request.lang, request.now
    stale = data.stale
    stale_layers = tuple(sorted(DOMAIN_LAYER[d] for d in stale if d in DOMAIN_LAYER))
    drawn = _map_with_lamps(data, request, config, stale_layers)
    trends = (
        no_update
        if data.trends is None
        else trend_strip(data.trends, lang, tz=config.city.tz, stale=sorted(stale))
    )
    # "Data as of" is the feeds' newest delivered record, the same figure their ages count from.
    as_of = max((f.data_as_of for f in data.quality if f.data_as_of is not None), default=None)
    stale_text, stale_class = _stale_banner(data.quality, config, now, lang)
    texts = [
        _local(as_of, config, now, "%H:%M:%S"),
        stale_text,
        stale_class,
        app_version,
        *_alert_banner(data.alerts, data.alerts_total, config, now, lang),
        *_tile_values(data.kpis, stale, keys[0], lang),
        *_ticker_values(data.events, config, len(keys[5]), lang),
        *_feed_values(data.quality, keys[8], lang),
    ]
    # Send a property only when it differs from what the browser shows (its digest is kept
    # with the map's in the browser's store; a page drawn afresh has none and gets all).
    digests = [digest(v) for v in texts]
    shown = request.held.get("o") if not drawn.full else None
    if not isinstance(shown, list) or len(shown) != len(texts):
        shown = [None] * len(texts)
    sent = [
        v if d != s else [no_update] * len(v) if isinstance(v, list) else no_update
        for v, d, s in zip(texts, digests, shown, strict=True)
    ]
    return [drawn.figure, {**drawn.held, "o": digests}, trends, data.trend_key, *sent]
