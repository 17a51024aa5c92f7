"""The connector base class: one settings parser for every kind, and the registry's answers.

The kinds here are test connectors declaring only a `Settings` model, so what they get (typed
options, errors naming the source and the key) comes from the base class alone.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dashboard.config import Config, ConfigError, SourceConfig, load_config
from dashboard.records import Batch
from data_sources.base import ConnectorSettings, Health, SourceConnector, check_sources


class FeedSettings(ConnectorSettings):
    url: str
    entity_types: tuple[str, ...] = ("TrafficFlowObserved",)
    page_size: int = 100
    api_key: str | None = None


class FeedSource(SourceConnector):
    kind = "feed"
    Settings = FeedSettings
    options: FeedSettings

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        return Batch(cursor=now)


class BareSource(SourceConnector):
    """A connector with no keys of its own: it declares no Settings."""

    kind = "bare"

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        return Batch(cursor=now)


def source(kind: str = "feed", **options: Any) -> SourceConfig:
    return SourceConfig.model_validate({"name": "city-feed", "type": kind, **options})


def test_the_base_parses_the_declared_settings_into_typed_options() -> None:
    feed = FeedSource(source(url="http://orion:1026", page_size="50"), Config())
    assert feed.options == FeedSettings(url="http://orion:1026", page_size=50)
    assert feed.options.entity_types == ("TrafficFlowObserved",)


@pytest.mark.parametrize(
    ("options", "key", "why"),
    [
        ({"url": "http://orion:1026", "page_size": "many"}, "page_size", "valid integer"),
        ({}, "url", "Field required"),
        ({"url": "http://orion:1026", "pagesize": 50}, "pagesize", "unknown key"),
    ],
    ids=["wrong-type", "missing", "unknown"],
)
def test_bad_settings_name_the_source_and_the_key(
    options: dict[str, Any], key: str, why: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        FeedSource(source(**options), Config())
    message = str(raised.value)
    assert f"sources[city-feed].{key}" in message and why in message
    assert "(feed)" in message  # the kind, for the reader with many sources
    assert message.count("sources[city-feed]") == 1


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        FeedSource.parse_settings(source(page_size="many", colour="red"))
    message = str(raised.value)
    assert all(f"sources[city-feed].{k}" in message for k in ("url", "page_size", "colour"))


def test_a_secret_is_never_echoed_in_the_error() -> None:
    with pytest.raises(ConfigError) as raised:
        FeedSource.parse_settings(source(url="http://orion:1026", api_key=["s3cr3t-token"]))
    assert "sources[city-feed].api_key" in str(raised.value)
    assert "s3cr3t" not in str(raised.value) and "(hidden)" in str(raised.value)


def test_a_connector_without_settings_refuses_any_key_of_its_own() -> None:
    assert BareSource(source("bare"), Config()).options == ConnectorSettings()
    with pytest.raises(ConfigError, match=r"sources\[city-feed\]\.seed: unknown key"):
        BareSource(source("bare", seed=4), Config())


def test_the_defaults_hold_nothing_and_close_twice() -> None:
    bare = BareSource(source("bare"), Config())
    assert bare.check_health() == Health(ok=True)
    bare.close()
    bare.close()


def test_check_sources_names_an_unknown_type_and_a_bad_key() -> None:
    unknown = Config(sources=[source("simulatr")])
    with pytest.raises(ConfigError, match=r"sources\[city-feed\]\.type: unknown source type"):
        check_sources(unknown)
    bad = Config(sources=[source("simulator", segments=20)])
    with pytest.raises(ConfigError, match=r"sources\[city-feed\]\.segments: "):
        check_sources(bad)
    disabled = Config(sources=[source("simulator", segments=20, enabled=False)])
    check_sources(disabled)  # a disabled source's own keys wait until it is enabled


def test_a_bad_source_key_names_the_configuration_file(tmp_path: Path) -> None:
    file = tmp_path / "cityops.toml"
    file.write_text('[[sources]]\nname = "city-feed"\ntype = "simulator"\nsegmnts = 20\n')
    with pytest.raises(ConfigError) as raised:
        check_sources(load_config(str(file), env={}))
    message = str(raised.value)
    assert str(file) in message and "sources[city-feed].segmnts: unknown key" in message
