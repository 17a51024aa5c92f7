"""Configuration: defaults run the demo city, overrides apply, bad input names key and file."""

from pathlib import Path

import pytest

from dashboard.config import ConfigError, load_config
from data_sources.base import connector_class


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cityops.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_run_the_demo_city() -> None:
    config = load_config(env={})
    assert config.city.name == "Rạch Giá"
    assert config.city.timezone == "Asia/Ho_Chi_Minh"
    assert config.database_url.startswith("sqlite:////") and config.database_url.endswith(
        "var/cityops.db"
    )
    [sim] = config.sources
    assert (sim.name, sim.type, sim.interval_s, sim.enabled, sim.options) == (
        "sim",
        "simulator",
        60,
        True,
        {"seed": 42},
    )


def test_example_file_is_valid_and_matches_defaults() -> None:
    example = Path(__file__).parents[2] / "cityops.toml.example"
    config = load_config(example, env={})
    assert config.city == load_config(env={}).city
    assert config.sources[0].options == {"seed": 42}
    for source in config.sources:  # the samples of every connector too, enabled or not
        connector_class(source.type).parse_settings(source)


def test_environment_overrides_database_url(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///a.db"\n')
    config = load_config(path, env={"CITYOPS_DATABASE_URL": "postgresql://u@h/db"})
    assert config.database_url == "postgresql://u@h/db"
    assert load_config(path, env={}).database_url == f"sqlite:///{tmp_path}/a.db"


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[city]\nname = "Hà Tiên"\n')
    assert load_config(env={"CITYOPS_CONFIG": str(path)}).city.name == "Hà Tiên"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[city]\nnmae = "x"\n', "city.nmae"),
        ('[city]\ntimezone = "Asia/Saigonn"\n', "city.timezone"),
        ('[city]\nlanguage = "fr"\n', "city.language"),
        ('[[sources]]\nname = "a"\ntype = "simulator"\ninterval_s = 0\n', "sources.0.interval_s"),
        ('[[sources]]\nname = "a"\ntype = "x"\n[[sources]]\nname = "a"\ntype = "y"\n', "sources"),
        ('[databse]\nurl = "x"\n', "databse"),
        ("[open311]\nmax_description = 5000\n", "open311.max_description"),
        ('[open311]\nsource = "sim"\n[[sources]]\nname = "sim"\ntype = "simulator"\n', "sources"),
    ],
)
def test_bad_key_or_value_names_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    message = str(err.value)
    assert str(path) in message
    assert f"  {key}:" in message


def test_missing_and_malformed_files_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[city\n"), env={})


@pytest.mark.parametrize("url", ["postgres://u@h/db", "mysql://u@h/db", "cityops.db"])
def test_an_unsupported_database_url_names_the_key(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, f'[database]\nurl = "{url}"\n'), env={})
    assert "  database.url:" in str(err.value)


def test_shipped_default_files_resolve_from_a_config_kept_elsewhere(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[database]\nurl = "sqlite:///c.db"\n'), env={})
    assert config.path(config.areas.wards).is_file()
    assert config.path(config.areas.wards).parent.name == "geo"
    own = tmp_path / "my_wards.geojson"
    own.write_text("{}", encoding="utf-8")
    assert config.path(Path("my_wards.geojson")) == own
