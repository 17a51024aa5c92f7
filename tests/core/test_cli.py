"""The `cityops` command end to end on a temporary SQLite store with the simulated city."""

from __future__ import annotations

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
    assert "no source named 'traffic' (configured: sim)" in result.output


def test_a_bad_config_stops_with_key_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "cityops.toml"
    bad.write_text('[[sources]]\nname = "sim"\ntype = "simulatr"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bad), "db", "upgrade"])
    assert result.exit_code == 2
    assert (
        "sources[sim].type" in result.output and "unknown source type 'simulatr'" in result.output
    )
