"""`cityops demo --days N` stores enough history for every tile's week-ago comparison from the
first refresh (energy needs last week's whole day, worst air the hours before a week ago);
a store of one day compares with nothing and every tile says so. The demo runs for real on a
small simulated city (SQLite), its clock fixed, without serving."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dash
import pytest
from click.testing import CliRunner

import dashboard.cli as cli
from dashboard.app import create_app
from dashboard.config import PROJECT_ROOT, load_config
from dashboard.i18n import t
from dashboard.queries.wall import KPI_KEYS, wall_kpis
from dashboard.store import Store
from tests.pages.test_wall_page import WallClient

# 00:30 in Rạch Giá: a week ago, the local day had only just begun.
START = datetime(2025, 6, 9, 17, 30, tzinfo=UTC)
OpenWall = Callable[[Store, datetime], WallClient]
SMALL_CITY = "segments = 150\nlights = 12\nair_stations = 2\nwater_sensors = 2\nstep_s = 1800\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    text = (PROJECT_ROOT / "cityops.toml.example").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/cityops.db"', f'url = "sqlite:///{tmp_path}/c.db"')
    text = text.replace('"assets/geo/', f'"{PROJECT_ROOT}/assets/geo/')
    key = tmp_path / "secret_key"
    key.write_text("k" * 40, encoding="utf-8")
    text = text.replace('"/etc/cityops/secret_key"', f'"{key}"')
    text = text.replace("seed = 42\n", f"seed = 42\n{SMALL_CITY}", 1)
    path = tmp_path / "cityops.toml"
    path.write_text(text, encoding="utf-8")
    return path


class _NoScheduler:
    def shutdown(self) -> None:
        pass


def run_demo(config_file: Path, days: str, monkeypatch: pytest.MonkeyPatch) -> Store:
    """`cityops demo --days N` at START, stopping before it serves."""
    monkeypatch.setattr(cli, "utcnow", lambda: START)
    monkeypatch.setattr(cli, "_start_scheduler", lambda cx, store: _NoScheduler())
    monkeypatch.setattr(cli, "_serve", lambda cx, store, host, port: None)
    result = CliRunner().invoke(cli.main, ["--config", str(config_file), "demo", "--days", days])
    assert result.exit_code == 0, result.output
    return Store(load_config(config_file).database.url)


@pytest.fixture
def wall(config_file: Path) -> Iterator[OpenWall]:
    apps: list[dash.Dash] = []

    def open_wall(store: Store, at: datetime) -> WallClient:
        app = create_app(load_config(config_file), store, clock=lambda: at)
        apps.append(app)
        client = app.server.test_client()
        assert client.get("/wall?lang=en").status_code == 200
        return WallClient(client, "?lang=en")

    yield open_wall
    dash.page_registry.clear()


def test_the_demo_compares_every_tile_with_last_week_from_its_first_refresh(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, wall: OpenWall
) -> None:
    store = run_demo(config_file, "7", monkeypatch)
    config = load_config(config_file)
    for at in (START, START + timedelta(minutes=1), START + timedelta(minutes=5)):
        with store.read_session() as session:
            kpis = wall_kpis(session, config, at)
        missing = [k.key for k in kpis if k.previous is None]
        assert missing == [], at
    screen = wall(store, START + timedelta(seconds=30))
    screen.refresh()
    for key in KPI_KEYS:
        assert screen.tile(key, "delta") not in ("", t("tile.no_week_ago", "en")), key
    store.dispose()


def test_a_demo_of_one_day_compares_with_nothing_and_says_so(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, wall: OpenWall
) -> None:
    store = run_demo(config_file, "1", monkeypatch)
    with store.read_session() as session:
        kpis = wall_kpis(session, load_config(config_file), START)
    assert {k.key: k.previous for k in kpis} == {key: None for key in KPI_KEYS}
    screen = wall(store, START)
    screen.refresh()
    for key in KPI_KEYS:
        assert screen.tile(key, "delta") == t("tile.no_week_ago", "en"), key
    store.dispose()


def test_the_demo_backfills_the_simulator_only_never_a_live_feed(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live feed (an Orion) has no last week to replay: asked for it, it would hand its
    current state to every chunk, all refused as "in the future". The demo leaves it to its
    first scheduled run."""
    text = config_file.read_text(encoding="utf-8")
    orion = 'name = "orion"\ntype = "ngsi-v2"\nenabled = false\n'
    assert orion in text
    live = 'name = "orion"\ntype = "ngsi-v2"\nenabled = true\n'
    text = text.replace(orion, live).replace('"http://127.0.0.1:1026"', '"http://127.0.0.1:9"')
    config_file.write_text(text, encoding="utf-8")
    store = run_demo(config_file, "1", monkeypatch)
    assert store.source_state("orion") is None  # never asked, so no failed run either
    sim = store.source_state("sim")
    assert sim is not None and sim.cursor == START
    store.dispose()
