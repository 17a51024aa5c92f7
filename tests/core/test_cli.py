"""The `cityops` command end to end on a temporary SQLite store with the simulated city."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from dashboard.config import PROJECT_ROOT
from dashboard.store import Store
from dashboard.store.models import AssetRow, ReadingRow, SourceRun


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    text = (PROJECT_ROOT / "cityops.toml.example").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/cityops.db"', f'url = "sqlite:///{tmp_path}/c.db"')
    text = text.replace('"assets/geo/', f'"{PROJECT_ROOT}/assets/geo/')
    path = tmp_path / "cityops.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cityops(config_file: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config_file), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_upgrade_ingest_backfill_and_sources(config_file: Path, tmp_path: Path) -> None:
    cityops(config_file, "db", "upgrade")
    out = cityops(config_file, "ingest", "sim")
    assert "sim: stored" in out
    cityops(config_file, "backfill", "--days", "0.25")
    store = Store(f"sqlite:///{tmp_path}/c.db")
    with store.read_session() as s:
        assets = s.scalar(select(func.count()).select_from(AssetRow))
        readings = s.scalar(select(func.count()).select_from(ReadingRow))
        statuses = list(s.scalars(select(SourceRun.status)))
    assert assets is not None and assets > 3000
    assert readings is not None and readings > 10_000
    assert statuses == ["ok", "ok"]
    table = cityops(config_file, "sources")
    assert "sim" in table and "simulator" in table and "ok" in table


def test_ingest_of_an_unknown_source_names_the_known_ones(config_file: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_file), "ingest", "traffic"])
    assert result.exit_code == 2
    assert "no source named 'traffic' (configured: sim" in result.output  # sim, then samples


def test_ingest_of_a_push_source_says_the_scheduler_holds_it(config_file: Path) -> None:
    cityops(config_file, "db", "upgrade")
    result = CliRunner().invoke(main, ["--config", str(config_file), "ingest", "city-mqtt"])
    assert result.exit_code == 2
    assert "city-mqtt is a push source (mqtt)" in result.output
    assert "cityops scheduler" in result.output


def test_a_bad_config_stops_with_key_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "cityops.toml"
    bad.write_text('[[sources]]\nname = "sim"\ntype = "simulatr"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "db", "upgrade"])
    assert result.exit_code == 2
    assert (
        "sources[sim].type" in result.output and "unknown source type 'simulatr'" in result.output
    )


def test_a_bad_source_key_stops_with_the_source_and_the_key_once(tmp_path: Path) -> None:
    bad = tmp_path / "cityops.toml"
    bad.write_text('[[sources]]\nname = "sim"\ntype = "simulator"\nsegments = 20\n', "utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "db", "upgrade"])
    assert result.exit_code == 2
    assert "sources[sim].segments: Input should be greater than or equal to 150" in result.output
    assert result.output.count("sources[sim]") == 1 and "(simulator)" in result.output


def test_ingest_asks_the_active_scheduler_instead_of_running_beside_it(
    config_file: Path, tmp_path: Path
) -> None:
    from dashboard.areas import Areas
    from dashboard.config import load_config
    from dashboard.scheduler import CityScheduler

    cityops(config_file, "db", "upgrade")
    config = load_config(config_file, env={})
    config = config.model_copy(
        update={"sources": [config.sources[0].model_copy(update={"interval_s": 3600})]}
    )
    store = Store(config.database_url)
    scheduler = CityScheduler(config, store, Areas.from_config(config), holder="the-scheduler")
    scheduler.start()
    try:
        for _ in range(100):  # until it leads (its first lease tick runs in its own thread)
            if scheduler.leader:
                break
            time.sleep(0.1)
        out = cityops(config_file, "ingest", "sim", "--wait", "60")
    finally:
        scheduler.shutdown()
    assert "a scheduler is active; asked it to run sim now" in out
    assert "sim: stored" in out
    with store.read_session() as s:
        runs = list(
            s.execute(select(SourceRun.started_at, SourceRun.ended_at).order_by(SourceRun.id))
        )
    assert len(runs) == 2  # the scheduler's first run and the requested one, one after the other
    assert runs[1].started_at >= runs[0].ended_at
    entries, _ = store.audit_log.page(0, 10)  # the same command as "run now" on /sources
    assert [(e.action, e.actor_kind, e.target) for e in entries] == [
        ("source.run_now", "console", "sim")
    ]
